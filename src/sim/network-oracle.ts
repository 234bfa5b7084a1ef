/**
 * Ground truth for "can node A reach host:port?" inside one simulated estate — what a probe
 * run on a node (nc, curl, /dev/tcp) would see. Azure's data path, in order:
 *  - to another node: the target must be running; a scenario `inbound` override wins; else the
 *    NSGs (outbound NIC then subnet NSG of A, inbound subnet then NIC NSG of B, all must allow;
 *    an NSG deny drops silently = timeout), then B's host firewall (ufw/iptables);
 *  - to anything else (the API server): a blocked egress port, an outbound NSG deny, or a
 *    0.0.0.0/0 route to next hop None on A's subnet all end in a timeout.
 */
import type { ProbeOutcome, ScenarioNode } from '../scenario/types.js';
import type { Estate } from './estate.js';
import { hostFirewallOutcome } from './host/firewall.js';
import { listenerOutcome, nftOutcome } from './host/node-reads.js';
import { routedPathDrops } from './udr-path.js';
import { virtualNetworkPrefixes } from './vnet-prefixes.js';
import { windowsFirewallOutcome } from './host/windows-firewall.js';
import type { NetworkOracle } from './host/run-script.js';
import { nodeNetwork, type NodeNetwork } from './node-network.js';
import { nsgForRead } from './nsg-shape.js';
import { nsgPathAllows as simNsgPathAllows, simTags, type SimTags } from './nsg-rules.js';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** Stand-in public address of a public cluster's API server (its FQDN has no address offline). */
export const PUBLIC_API_SERVER_IP = '20.81.100.10';
/** Ephemeral source port used for NSG evaluation of probes. */
const EPHEMERAL_PORT = 49152;

function isRunning(node: ScenarioNode): boolean {
  return node.powerState.toLowerCase() === 'running';
}

/**
 * What the VirtualNetwork service tag holds ("Virtual network service tags": "the virtual network
 * address space …, all connected on-premises address spaces, peered virtual networks, … and
 * address prefixes used on user-defined routes. This tag might also contain default routes."):
 * the VNets' spaces, their peerings' remote spaces and the IPv4 prefixes of every route in a
 * route table attached to one of their subnets.
 */
export function virtualNetworkTagPrefixes(estate: Estate): string[] {
  const prefixes = new Set(virtualNetworkPrefixes(estate));
  const routeTableIds = new Set<string>();
  for (const vnet of estate.resources()) {
    if (vnet.type.toLowerCase() !== 'microsoft.network/virtualnetworks') continue;
    const peerings = Array.isArray(vnet.properties?.virtualNetworkPeerings) ? vnet.properties.virtualNetworkPeerings : [];
    for (const peering of peerings) for (const p of peering?.properties?.remoteAddressSpace?.addressPrefixes ?? []) prefixes.add(String(p));
    const subnets = Array.isArray(vnet.properties?.subnets) ? vnet.properties.subnets : [];
    for (const subnet of subnets) {
      const own = estate.resource(String(subnet?.id ?? '')) ?? subnet;
      const rt = own?.properties?.routeTable?.id;
      if (typeof rt === 'string') routeTableIds.add(rt.toLowerCase());
    }
  }
  for (const r of estate.resources()) {
    if (r.type.toLowerCase() === 'microsoft.network/virtualnetworks/subnets' && typeof r.properties?.routeTable?.id === 'string') routeTableIds.add(r.properties.routeTable.id.toLowerCase());
  }
  for (const id of routeTableIds) {
    const routes = estate.resource(id)?.properties?.routes;
    if (!Array.isArray(routes)) continue;
    for (const route of routes) {
      const prefix = route?.properties?.addressPrefix ?? route?.addressPrefix;
      if (typeof prefix === 'string' && /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(prefix)) prefixes.add(prefix);
    }
  }
  return [...prefixes];
}

/**
 * One probe-kubelet run on a 1000-node cluster asks for thousands of NSG paths; the tag ranges are
 * parsed once per set of prefixes (rule writes edit NSGs in place, so NSGs are read every time).
 */
const tagCache = new Map<string, SimTags>();

function tagsOf(estate: Estate): SimTags {
  const prefixes = virtualNetworkTagPrefixes(estate);
  const key = prefixes.join(',');
  let tags = tagCache.get(key);
  if (!tags) {
    if (tagCache.size >= 2000) tagCache.clear();
    tags = simTags(prefixes);
    tagCache.set(key, tags);
  }
  return tags;
}

function nsgOf(estate: Estate, id: string | undefined): Record<string, any> | undefined {
  const nsg = id ? estate.resource(id) : undefined;
  return nsg ? nsgForRead(nsg) : undefined;
}

function nsgPathAllows(
  estate: Estate,
  direction: 'Inbound' | 'Outbound',
  net: NodeNetwork,
  flow: { protocol: 'tcp' | 'udp'; sourceIp: string; destinationIp: string; port: number; sourceAsgIds: string[]; destinationAsgIds: string[] },
  tags: SimTags,
): boolean {
  const subnetNsg = nsgOf(estate, net.subnetNsgId);
  const nicNsg = nsgOf(estate, net.nicNsgId);
  return simNsgPathAllows(
    { ...(subnetNsg ? { subnetNsg } : {}), ...(nicNsg ? { nicNsg } : {}) },
    {
      direction,
      protocol: flow.protocol,
      sourceIp: flow.sourceIp,
      sourcePort: EPHEMERAL_PORT,
      destinationIp: flow.destinationIp,
      destinationPort: flow.port,
      sourceAsgIds: flow.sourceAsgIds,
      destinationAsgIds: flow.destinationAsgIds,
    },
    tags,
  );
}

function probeNode(estate: Estate, from: ScenarioNode, target: ScenarioNode, port: number, protocol: 'tcp' | 'udp'): ProbeOutcome {
  if (!isRunning(target)) return 'timeout';
  const override = target.inbound?.[`${port}/${protocol}`];
  if (override) return override;
  if (from.computerName !== target.computerName) {
    const ctx = tagsOf(estate);
    const fromNet = nodeNetwork(estate, from);
    const toNet = nodeNetwork(estate, target);
    const flow = { protocol, sourceIp: from.privateIp, destinationIp: target.privateIp, port, sourceAsgIds: fromNet.asgIds, destinationAsgIds: toNet.asgIds };
    if (routedPathDrops(estate, { net: fromNet, ip: from.privateIp }, { net: toNet, ip: target.privateIp }, { protocol, port })) return 'timeout';
    if (!nsgPathAllows(estate, 'Outbound', fromNet, flow, ctx)) return 'timeout';
    if (!nsgPathAllows(estate, 'Inbound', toNet, flow, ctx)) return 'timeout';
  }
  const host = hostFirewallOutcome(target, from.privateIp, port, protocol);
  if (host !== 'open') return host;
  const windows = windowsFirewallOutcome(target, from.privateIp, port, protocol);
  if (windows !== 'pass') return windows;
  const nft = nftOutcome(target, from.privateIp, port, protocol);
  return nft !== 'pass' ? nft : listenerOutcome(target, port, protocol);
}

/** The address a name resolves to from a node: a private cluster's API server sits in the VNet. */
function addressOf(estate: Estate, host: string): string {
  if (IPV4.test(host)) return host;
  const lower = host.toLowerCase();
  for (const r of estate.resources()) {
    if (r.type.toLowerCase() !== 'microsoft.containerservice/managedclusters') continue;
    const p = r.properties ?? {};
    const isPrivate = p.apiServerAccessProfile?.enablePrivateCluster === true;
    const names = [p.fqdn, p.privateFQDN, p.azurePortalFQDN].filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
    if (isPrivate && (names.includes(lower) || lower.includes('privatelink'))) {
      const prefix = virtualNetworkPrefixes(estate)[0];
      if (prefix) {
        const [base] = prefix.split('/');
        const octets = (base ?? '10.0.0.0').split('.').map(Number);
        return `${octets[0]}.${octets[1]}.255.250`;
      }
    }
  }
  return PUBLIC_API_SERVER_IP;
}

function defaultRouteDropped(estate: Estate, net: NodeNetwork): boolean {
  if (!net.routeTableId) return false;
  const routes = estate.resource(net.routeTableId)?.properties?.routes;
  if (!Array.isArray(routes)) return false;
  return routes.some((r: any) => {
    const p = r?.properties ?? r;
    return p?.addressPrefix === '0.0.0.0/0' && String(p?.nextHopType ?? '').toLowerCase() === 'none';
  });
}

function probeOutside(estate: Estate, from: ScenarioNode, host: string, port: number, protocol: 'tcp' | 'udp'): ProbeOutcome {
  if (host === 'localhost' || host.startsWith('127.')) return hostFirewallOutcome(from, '127.0.0.1', port, protocol);
  const blocked = (estate.scenario.egress?.blocked ?? []).some(
    (b) => b.protocol === protocol && b.port === port && (b.destination === undefined || b.destination.toLowerCase() === host.toLowerCase()),
  );
  if (blocked) return 'timeout';
  const net = nodeNetwork(estate, from);
  if (defaultRouteDropped(estate, net)) return 'timeout';
  const ctx = tagsOf(estate);
  const flow = { protocol, sourceIp: from.privateIp, destinationIp: addressOf(estate, host), port, sourceAsgIds: net.asgIds, destinationAsgIds: [] };
  if (!nsgPathAllows(estate, 'Outbound', net, flow, ctx)) return 'timeout';
  return 'open';
}

export function probeFrom(estate: Estate, from: ScenarioNode, host: string, port: number, protocol: 'tcp' | 'udp'): ProbeOutcome {
  if (!isRunning(from)) return 'timeout';
  const target = IPV4.test(host) ? estate.nodeByIp(host) : estate.nodeByName(host);
  return target ? probeNode(estate, from, target, port, protocol) : probeOutside(estate, from, host, port, protocol);
}

export function createNetworkOracle(estate: Estate): NetworkOracle {
  return { probe: (from, host, port, protocol) => probeFrom(estate, from, host, port, protocol) };
}
