/**
 * The simulated Azure's own reading of network security groups, written from Azure's documents
 * and independent of the engine's evaluator (the simulator is the oracle the engine is tested
 * against, so it must not share its code, nor its bugs):
 *  - "How network security groups filter network traffic"
 *    (https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works):
 *    inbound traffic meets the subnet's NSG, then the NIC's; outbound the NIC's, then the subnet's;
 *    traffic passes only if every NSG on the way allows it; a level without an NSG allows.
 *  - "Network security groups" overview, "Security rules" and "Default security rules"
 *    (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview):
 *    rules are processed in priority order, lower number first, and processing stops at the first
 *    match; custom priorities are 100-4096; the six default rules sit at 65000-65500.
 *  - "Virtual network service tags" (https://learn.microsoft.com/azure/virtual-network/service-tags-overview):
 *    VirtualNetwork = the VNet's address space, peered and connected spaces, the host's virtual IP
 *    168.63.129.16 and the prefixes of user-defined routes (see virtualNetworkTagPrefixes);
 *    AzureLoadBalancer = 168.63.129.16; Internet = public address space outside the virtual
 *    network. Other tags (AzureCloud, Storage …) hold public Azure ranges only; offline the
 *    simulator lets each of them stand for every public address outside the virtual network.
 *  - REST spec SecurityRulePropertiesFormat
 *    (specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/networkSecurityGroup.json):
 *    protocol Tcp|Udp|Icmp|Esp|*|Ah, ports "0-65535 or *", access Allow|Deny, direction Inbound|Outbound.
 * Deliberately plain: no caching, no compiled form; rules are read from ARM JSON as stored.
 */

type Json = Record<string, any>;

export interface SimFlow {
  direction: 'Inbound' | 'Outbound';
  protocol: 'tcp' | 'udp';
  sourceIp: string;
  sourcePort: number;
  destinationIp: string;
  destinationPort: number;
  sourceAsgIds: string[];
  destinationAsgIds: string[];
}

/** The rule that decided, or none (an NSG whose stored defaults lack a deny-all drops the rest). */
export interface SimNsgDecision {
  access: 'Allow' | 'Deny';
  ruleName: string;
}

export const HOST_VIRTUAL_IP = '168.63.129.16';

/** The six default rules exactly as ARM lists them under properties.defaultSecurityRules. */
const DEFAULT_RULES: Array<{ name: string; description: string; priority: number; direction: string; access: string; source: string; destination: string }> = [
  { name: 'AllowVnetInBound', description: 'Allow inbound traffic from all VMs in VNET', priority: 65000, direction: 'Inbound', access: 'Allow', source: 'VirtualNetwork', destination: 'VirtualNetwork' },
  { name: 'AllowAzureLoadBalancerInBound', description: 'Allow inbound traffic from azure load balancer', priority: 65001, direction: 'Inbound', access: 'Allow', source: 'AzureLoadBalancer', destination: '*' },
  { name: 'DenyAllInBound', description: 'Deny all inbound traffic', priority: 65500, direction: 'Inbound', access: 'Deny', source: '*', destination: '*' },
  { name: 'AllowVnetOutBound', description: 'Allow outbound traffic from all VMs to all VMs in VNET', priority: 65000, direction: 'Outbound', access: 'Allow', source: 'VirtualNetwork', destination: 'VirtualNetwork' },
  { name: 'AllowInternetOutBound', description: 'Allow outbound traffic from all VMs to Internet', priority: 65001, direction: 'Outbound', access: 'Allow', source: '*', destination: 'Internet' },
  { name: 'DenyAllOutBound', description: 'Deny all outbound traffic', priority: 65500, direction: 'Outbound', access: 'Deny', source: '*', destination: '*' },
];

/** Azure's default rules in ARM's wire shape, with ids under `nsgId`. */
export function defaultSecurityRulesArm(nsgId: string, etag?: string): Json[] {
  return DEFAULT_RULES.map((r) => ({
    name: r.name,
    id: `${nsgId}/defaultSecurityRules/${r.name}`,
    ...(etag ? { etag } : {}),
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: 'Succeeded',
      description: r.description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: r.source,
      destinationAddressPrefix: r.destination,
      access: r.access,
      priority: r.priority,
      direction: r.direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** Dotted quad → number, or undefined. */
export function ipv4ToNumber(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0]! * 256 + octets[1]!) * 256 + octets[2]!) * 256 + octets[3]!;
}

/** "a.b.c.d/n" or "a.b.c.d" → [first, last] address, or undefined when it is not IPv4. */
export function ipv4Range(text: string): [number, number] | undefined {
  const [address, bits, extra] = text.trim().split('/');
  if (extra !== undefined || address === undefined) return undefined;
  const base = ipv4ToNumber(address);
  const length = bits === undefined ? 32 : /^\d{1,2}$/.test(bits) ? Number(bits) : NaN;
  if (base === undefined || !(length >= 0 && length <= 32)) return undefined;
  const size = 2 ** (32 - length);
  const first = base - (base % size);
  return [first, first + size - 1];
}

function inRanges(ranges: Array<[number, number]>, ip: number): boolean {
  return ranges.some(([first, last]) => ip >= first && ip <= last);
}

/** Never reachable from the public internet: RFC 1918, RFC 6598, loopback, link-local, "this network". */
const NOT_PUBLIC = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '0.0.0.0/8'].map((p) => ipv4Range(p)!);

function isPublic(ip: number): boolean {
  return !inRanges(NOT_PUBLIC, ip);
}

/** The VirtualNetwork tag of one estate, as ranges. */
export interface SimTags {
  virtualNetwork: Array<[number, number]>;
}

export function simTags(virtualNetworkPrefixes: readonly string[]): SimTags {
  const ranges = virtualNetworkPrefixes.map(ipv4Range).filter((r): r is [number, number] => r !== undefined);
  const vip = ipv4ToNumber(HOST_VIRTUAL_IP)!;
  return { virtualNetwork: [...ranges, [vip, vip]] };
}

function addressMatches(prefix: string, ip: number, tags: SimTags): boolean {
  const text = prefix.trim();
  if (text === '*') return true;
  if (text.includes(':')) return false; // an IPv6 prefix never holds an IPv4 address
  const range = ipv4Range(text);
  if (range) return ip >= range[0] && ip <= range[1];
  const inVnet = inRanges(tags.virtualNetwork, ip);
  switch (text.toLowerCase()) {
    case 'virtualnetwork':
      return inVnet;
    case 'azureloadbalancer':
      return ip === ipv4ToNumber(HOST_VIRTUAL_IP);
    case 'internet':
      return !inVnet && isPublic(ip);
    default:
      // AzureCloud, Storage, AzureCloud.eastus …: public Azure ranges (see the header).
      return !inVnet && isPublic(ip);
  }
}

// ---------------------------------------------------------------------------------------------
// Rules

function fieldsOf(rule: Json): Json {
  return rule?.properties && typeof rule.properties === 'object' ? rule.properties : (rule ?? {});
}

function listOf(single: unknown, plural: unknown): string[] {
  const out: string[] = [];
  if (typeof single === 'string' && single.trim() !== '') out.push(single);
  if (Array.isArray(plural)) for (const p of plural) if (typeof p === 'string' && p.trim() !== '') out.push(p);
  return out;
}

function asgIdsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map((a) => String(a?.id ?? '').toLowerCase()).filter(Boolean) : [];
}

function portMatches(range: string, port: number): boolean {
  const text = range.trim();
  if (text === '*') return true;
  const [from, to = from] = text.split('-').map((p) => Number(p.trim()));
  return port >= from! && port <= to!;
}

function sideMatches(fields: Json, side: 'source' | 'destination', ip: number, asgIds: string[], tags: SimTags): boolean {
  const asgs = asgIdsOf(fields[`${side}ApplicationSecurityGroups`]);
  if (asgs.length > 0) return asgs.some((id) => asgIds.some((own) => own.toLowerCase() === id));
  const prefixes = listOf(fields[`${side}AddressPrefix`], fields[`${side}AddressPrefixes`]);
  // A side with no address at all means any address (what `az network nsg rule create` writes).
  return prefixes.length === 0 || prefixes.some((p) => addressMatches(p, ip, tags));
}

function ruleMatches(fields: Json, flow: SimFlow, tags: SimTags): boolean {
  if (String(fields.direction ?? '').toLowerCase() !== flow.direction.toLowerCase()) return false;
  const protocol = String(fields.protocol ?? '').toLowerCase();
  if (protocol !== '*' && protocol !== flow.protocol) return false;
  const sourcePorts = listOf(fields.sourcePortRange, fields.sourcePortRanges);
  if (sourcePorts.length > 0 && !sourcePorts.some((r) => portMatches(r, flow.sourcePort))) return false;
  if (!listOf(fields.destinationPortRange, fields.destinationPortRanges).some((r) => portMatches(r, flow.destinationPort))) return false;
  return (
    sideMatches(fields, 'source', ipv4ToNumber(flow.sourceIp) ?? -1, flow.sourceAsgIds, tags) &&
    sideMatches(fields, 'destination', ipv4ToNumber(flow.destinationIp) ?? -1, flow.destinationAsgIds, tags)
  );
}

/** One NSG (ARM JSON) deciding one flow: the lowest-priority-number matching rule wins. */
export function decideNsg(nsg: Json, flow: SimFlow, tags: SimTags): SimNsgDecision {
  const props = nsg?.properties ?? {};
  const own: Json[] = Array.isArray(props.securityRules) ? props.securityRules : [];
  const stored: Json[] = Array.isArray(props.defaultSecurityRules) && props.defaultSecurityRules.length > 0 ? props.defaultSecurityRules : defaultSecurityRulesArm(String(nsg?.id ?? ''));
  const ordered = [...own, ...stored].sort((a, b) => Number(fieldsOf(a).priority) - Number(fieldsOf(b).priority));
  for (const rule of ordered) {
    const fields = fieldsOf(rule);
    if (ruleMatches(fields, flow, tags)) return { access: String(fields.access).toLowerCase() === 'allow' ? 'Allow' : 'Deny', ruleName: String(rule.name ?? '') };
  }
  return { access: 'Deny', ruleName: '(no rule matched)' };
}

/** Subnet and NIC NSGs in the order the flow meets them; every one present must allow. */
export function nsgPathAllows(path: { subnetNsg?: Json; nicNsg?: Json }, flow: SimFlow, tags: SimTags): boolean {
  const order = flow.direction === 'Inbound' ? [path.subnetNsg, path.nicNsg] : [path.nicNsg, path.subnetNsg];
  return order.every((nsg) => nsg === undefined || decideNsg(nsg, flow, tags).access === 'Allow');
}

// ---------------------------------------------------------------------------------------------
// What a security-rule write must satisfy (REST spec SecurityRulePropertiesFormat and the
// "Security rules" table of the NSG overview); ARM refuses the PUT with 400 otherwise.

const RULE_NAME = /^\w(?:[\w.-]{0,78}\w)?$/;
const PROTOCOLS = ['tcp', 'udp', 'icmp', 'esp', 'ah', '*'];
const PORT_RANGE = /^(\*|\d{1,5}(-\d{1,5})?)$/;

function portRangeProblem(range: string): string | undefined {
  const text = range.trim();
  if (!PORT_RANGE.test(text)) return `"${range}" is not a port, a port range or *`;
  if (text === '*') return undefined;
  const [from, to = from] = text.split('-').map(Number);
  if (to! > 65535) return `"${range}" is outside 0-65535`;
  if (from! > to!) return `"${range}" runs backwards`;
  return undefined;
}

function addressProblem(prefix: string): string | undefined {
  const text = prefix.trim();
  if (text === '*' || text.includes(':') || ipv4Range(text)) return undefined;
  if (/^\d/.test(text)) return `"${prefix}" is not a valid IPv4 address or CIDR block`;
  if (/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9]+)*$/.test(text) && text.toLowerCase() !== 'any') return undefined;
  return `"${prefix}" is not an address prefix, an IP address or a service tag`;
}

/** Why ARM would refuse this custom rule (empty when it would accept it). */
export function securityRuleProblems(name: string, rule: Json): string[] {
  const f = fieldsOf(rule);
  const problems: string[] = [];
  if (!RULE_NAME.test(name)) problems.push(`name "${name}" is not valid`);
  if (typeof f.description === 'string' && f.description.length > 140) problems.push('description is longer than 140 characters');
  if (!PROTOCOLS.includes(String(f.protocol ?? '').toLowerCase())) problems.push(`protocol "${String(f.protocol)}" is not one of Tcp, Udp, Icmp, Esp, Ah or *`);
  if (!['allow', 'deny'].includes(String(f.access ?? '').toLowerCase())) problems.push(`access "${String(f.access)}" is not Allow or Deny`);
  if (!['inbound', 'outbound'].includes(String(f.direction ?? '').toLowerCase())) problems.push(`direction "${String(f.direction)}" is not Inbound or Outbound`);
  if (!Number.isInteger(f.priority) || f.priority < 100 || f.priority > 4096) problems.push(`priority "${String(f.priority)}" is outside 100-4096`);
  const destinationPorts = listOf(f.destinationPortRange, f.destinationPortRanges);
  if (destinationPorts.length === 0) problems.push('destinationPortRange is required');
  for (const range of [...listOf(f.sourcePortRange, f.sourcePortRanges), ...destinationPorts]) {
    const problem = portRangeProblem(range);
    if (problem) problems.push(problem);
  }
  for (const side of ['source', 'destination'] as const) {
    const prefixes = listOf(f[`${side}AddressPrefix`], f[`${side}AddressPrefixes`]);
    if (prefixes.length > 0 && asgIdsOf(f[`${side}ApplicationSecurityGroups`]).length > 0) {
      problems.push(`${side} address prefixes and ${side} application security groups cannot both be set`);
    }
    for (const prefix of prefixes) {
      const problem = addressProblem(prefix);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}
