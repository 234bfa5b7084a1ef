/**
 * snat-exhaustion's fixes, with computed numbers (src/engine/snat/ports.ts): allocated outbound
 * ports and more outbound IPs for a load balancer (the article's solution 5b), a NAT gateway
 * instead (5c), or more public IPs on the NAT gateway. Each figure is shown as evidence.
 */
import type { Evidence, FixProposal } from '../report.js';
import {
  ALLOCATED_PORTS_MULTIPLE,
  AKS_MAX_MANAGED_OUTBOUND_IPS,
  defaultSnatPortsPerInstance,
  MAX_ALLOCATED_OUTBOUND_PORTS,
  recommendAllocatedOutboundPorts,
  SNAT_PORTS_PER_FRONTEND_IP,
} from '../snat/ports.js';
import type { SnatExhaustionInput } from './snat-input.js';

/** NAT gateway: "64,512 SNAT ports" per public IP, at most 16 public IPs (Azure NAT Gateway limits). */
export const NAT_GATEWAY_PORTS_PER_IP = 64_512;
export const NAT_GATEWAY_MAX_PUBLIC_IPS = 16;
/** AKS node pools' default max surge when none is set (AKS "upgrade options": 10%, at least one node). */
export const DEFAULT_MAX_SURGE = '10%';

export class SnatCheckError extends Error {}

export const fmt = (value: number) => value.toLocaleString('en-US');
export const plural = (n: number, word: string, many = `${word}s`) => `${fmt(n)} ${n === 1 ? word : many}`;

// Names that go into an `az` command line: checked, although they come from ARM.
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/;
const CLUSTER_NAME = /^[a-zA-Z0-9][-_a-zA-Z0-9]{0,62}$/;

function resourceGroupOf(cluster: SnatExhaustionInput['cluster']): string | undefined {
  return cluster.resourceGroup ?? /\/resourceGroups\/([^/]+)\//i.exec(cluster.id)?.[1];
}

/** `-g <rg> -n <cluster>` when both are safe to put on a command line. */
function clusterArgs(cluster: SnatExhaustionInput['cluster']): string | undefined {
  const rg = resourceGroupOf(cluster);
  if (!rg || !RESOURCE_GROUP.test(rg) || rg.endsWith('.') || !CLUSTER_NAME.test(cluster.name)) return undefined;
  return `-g ${rg} -n ${cluster.name}`;
}

/**
 * Surge nodes of one pool during an upgrade: a number ("1", "3") or a percentage of the pool
 * ("33%"), fractions rounded up (AKS "Customize node surge upgrade").
 */
export function surgeNodesFor(maxSurge: string | undefined, poolSize: number): number {
  const text = (maxSurge ?? DEFAULT_MAX_SURGE).trim();
  const percent = /^(\d{1,3})%$/.exec(text);
  if (percent) return Math.ceil((poolSize * Number(percent[1])) / 100);
  if (/^\d{1,4}$/.test(text)) return Number(text);
  throw new SnatCheckError(`maxSurge "${text}" is neither a node count nor a percentage`);
}

function poolFigures(pools: SnatExhaustionInput['pools']): { maxNodes: number; surgeNodes: number; currentNodes: number; text: string } {
  let maxNodes = 0;
  let surgeNodes = 0;
  let currentNodes = 0;
  const parts: string[] = [];
  for (const pool of pools) {
    const max = pool.maxCount ?? pool.count;
    const surge = surgeNodesFor(pool.maxSurge, max);
    maxNodes += max;
    surgeNodes += surge;
    currentNodes += pool.count;
    parts.push(`${pool.name}: ${pool.maxCount !== undefined ? `maxCount ${pool.maxCount}` : `count ${pool.count}`} + surge ${surge} (maxSurge ${pool.maxSurge ?? `${DEFAULT_MAX_SURGE}, the default`})`);
  }
  return { maxNodes, surgeNodes, currentNodes, text: parts.join('; ') };
}

export function loadBalancerFixes(input: SnatExhaustionInput, lb: NonNullable<SnatExhaustionInput['loadBalancer']>, evidence: Evidence[]): FixProposal[] {
  const fixes: FixProposal[] = [];
  const pools = poolFigures(input.pools);
  if (pools.maxNodes < 1 || lb.outboundIpCount < 1) {
    evidence.push({ kind: 'note', detail: 'No node pool sizes or no outbound IPs known: the SNAT fixes cannot be computed.' });
    return fixes;
  }
  const currentPorts = lb.allocatedOutboundPorts ?? 0;
  const rec = recommendAllocatedOutboundPorts({
    outboundIps: lb.outboundIpCount,
    maxNodes: pools.maxNodes,
    surgeNodes: pools.surgeNodes,
    currentPorts,
  });
  // What each node gets today: the explicit value, or the default table at today's pool size.
  const effectiveNow = currentPorts > 0 ? currentPorts : defaultSnatPortsPerInstance(Math.max(pools.currentNodes, 1), lb.outboundIpCount);
  evidence.push({
    kind: 'calculation',
    resource: lb.id,
    detail:
      `Nodes to cover: ${pools.text} = ${fmt(pools.maxNodes)} + ${fmt(pools.surgeNodes)}. ${rec.arithmetic}. ` +
      `Today: allocatedOutboundPorts ${fmt(currentPorts)}${currentPorts === 0 ? ' (default allocation)' : ''}` +
      (effectiveNow !== undefined ? `, ${fmt(effectiveNow)} ports per node` : '') +
      ` from ${plural(lb.outboundIpCount, 'outbound IP')}.` +
      (rec.notes.length > 0 ? ` ${rec.notes.join(' ')}` : ''),
  });
  const args = clusterArgs(input.cluster);
  if (!args) {
    evidence.push({ kind: 'note', detail: `The cluster's resource group or name is not safe to put in an az command (${input.cluster.id}): no command fixes proposed.` });
    return fixes;
  }
  const aksWarnings = [
    'az aks update rewrites the outbound rule of the AKS load balancer; expect a short disruption of outbound connections while it is applied, so pick a quiet moment.',
    `The value is computed so that every node, including maxCount and upgrade surge nodes, still gets ports (AKS: "the value must be a multiple of 8" and ports × nodes ≤ ${fmt(SNAT_PORTS_PER_FRONTEND_IP)} × IPs); scaling a pool above maxCount later needs a new value.`,
    'If the cluster uses your own outbound IPs or prefixes (--load-balancer-outbound-ips / --load-balancer-outbound-ip-prefixes) instead of managed ones, add IPs there.',
  ];

  const ports = rec.allocatedOutboundPorts;
  if (ports !== undefined && (effectiveNow === undefined || ports > effectiveNow)) {
    fixes.push({
      id: 'snat-exhaustion:lb-allocated-outbound-ports',
      kind: 'lb-allocated-outbound-ports',
      title: `Give each node ${fmt(ports)} SNAT ports (today ${effectiveNow !== undefined ? fmt(effectiveNow) : 'default allocation'}) on ${plural(lb.outboundIpCount, 'outbound IP')}`,
      target: input.cluster.id,
      change: `az aks update ${args} --load-balancer-outbound-ports ${ports}\nnetworkProfile.loadBalancerProfile.allocatedOutboundPorts: ${currentPorts} → ${ports}`,
      risk: 'high',
      needsApproval: true,
      warnings: aksWarnings,
    });
  } else {
    evidence.push({
      kind: 'note',
      detail: `With ${plural(lb.outboundIpCount, 'outbound IP')}, no allocatedOutboundPorts value gives every node more than the ${effectiveNow !== undefined ? fmt(effectiveNow) : 'current'} ports it has: more outbound IPs are needed.`,
    });
  }

  // More IPs: enough for twice today's ports per node (at least 1,024), and at least one more IP.
  // With allocatedOutboundPorts 0 the default table caps a node at 1,024 ports however many IPs
  // there are, so the IP change sets the ports too.
  const roundUp8 = (n: number) => Math.ceil(n / ALLOCATED_PORTS_MULTIPLE) * ALLOCATED_PORTS_MULTIPLE;
  const target = Math.min(MAX_ALLOCATED_OUTBOUND_PORTS, roundUp8(Math.max(1024, 2 * (effectiveNow ?? 512))));
  const nodesToCover = rec.figures.nodesToCover;
  const ipsForTarget = Math.ceil((target * nodesToCover) / SNAT_PORTS_PER_FRONTEND_IP);
  const ips = Math.max(ipsForTarget, lb.outboundIpCount + 1);
  if (ips <= AKS_MAX_MANAGED_OUTBOUND_IPS) {
    const withIps = recommendAllocatedOutboundPorts({ outboundIps: ips, maxNodes: pools.maxNodes, surgeNodes: pools.surgeNodes });
    const newPorts = withIps.allocatedOutboundPorts as number;
    evidence.push({
      kind: 'calculation',
      resource: lb.id,
      detail: `More IPs: ${fmt(target)} ports per node (twice today's, at least 1,024) × ${fmt(nodesToCover)} nodes = ${fmt(target * nodesToCover)} ports → ${plural(ipsForTarget, 'IP')} of ${fmt(SNAT_PORTS_PER_FRONTEND_IP)}; proposing ${plural(ips, 'IP')}. ${withIps.arithmetic}.`,
    });
    fixes.push({
      id: 'snat-exhaustion:lb-outbound-ips',
      kind: 'lb-outbound-ips',
      title: `Raise the managed outbound IPs from ${lb.outboundIpCount} to ${ips} and give each node ${fmt(newPorts)} SNAT ports`,
      target: input.cluster.id,
      change:
        `az aks update ${args} --load-balancer-managed-outbound-ip-count ${ips} --load-balancer-outbound-ports ${newPorts}\n` +
        `networkProfile.loadBalancerProfile.managedOutboundIPs.count: ${lb.outboundIpCount} → ${ips}\n` +
        `networkProfile.loadBalancerProfile.allocatedOutboundPorts: ${currentPorts} → ${newPorts}`,
      risk: 'high',
      needsApproval: true,
      warnings: [
        ...aksWarnings,
        `New public IPs change the cluster's egress addresses: allow-lists at destinations must include the ${plural(ips - lb.outboundIpCount, 'new IP')}. Each managed IP is billed.`,
      ],
    });
  } else {
    evidence.push({
      kind: 'note',
      detail: `${fmt(target)} ports for each of ${fmt(nodesToCover)} nodes would need ${ipsForTarget} outbound IPs, more than the ${AKS_MAX_MANAGED_OUTBOUND_IPS} an AKS load balancer allows.`,
    });
  }

  fixes.push(natGatewayMigration(input, args, Math.min(NAT_GATEWAY_MAX_PUBLIC_IPS, Math.max(lb.outboundIpCount, 1))));
  return fixes;
}

/**
 * Moving egress to a NAT gateway, in the form Azure accepts for the cluster's VNet: managed
 * (AKS creates it) only in an AKS-managed VNet; in a bring-your-own VNet the customer creates the
 * gateway, attaches it to the node subnet and switches to userAssignedNATGateway ("Update the
 * outbound type of a cluster", supported migration paths).
 */
function natGatewayMigration(input: SnatExhaustionInput, args: string, natIps: number): FixProposal {
  const common = {
    id: 'snat-exhaustion:nat-gateway',
    kind: 'nat-gateway',
    target: input.cluster.id,
    risk: 'high' as const,
    needsApproval: false,
    warnings: [
      "Changing the outbound type replaces the cluster's egress IPs and briefly interrupts outbound traffic; plan it as a change, not a quick fix (the article's solution 5c).",
    ],
  };
  const ports = `(${fmt(NAT_GATEWAY_PORTS_PER_IP)} SNAT ports per public IP, shared by all nodes as needed; up to ${NAT_GATEWAY_MAX_PUBLIC_IPS} IPs)`;
  if (input.byoVnet) {
    return {
      ...common,
      title: 'Consider a NAT gateway on the node subnet (outbound type userAssignedNATGateway): it hands out SNAT ports on demand instead of a fixed share per node',
      change:
        `az network nat gateway create -g <vnet resource group> -n <name> --public-ip-addresses <${natIps} public IP(s)>\n` +
        `az network vnet subnet update -g <vnet resource group> --vnet-name <vnet> -n <node subnet> --nat-gateway <name>\n` +
        `az aks update ${args} --outbound-type userAssignedNATGateway\n` +
        `${ports}. The cluster uses its own VNet, where Azure refuses outbound type managedNATGateway.`,
    };
  }
  return {
    ...common,
    title: 'Consider a managed NAT gateway for egress: it hands out SNAT ports on demand instead of a fixed share per node',
    change: `az aks update ${args} --outbound-type managedNATGateway --nat-gateway-managed-outbound-ip-count ${natIps}\n${ports}`,
  };
}

export function natGatewayFixes(input: SnatExhaustionInput, nat: NonNullable<SnatExhaustionInput['natGateway']>, evidence: Evidence[]): FixProposal[] {
  const fixes: FixProposal[] = [];
  const current = Math.max(nat.publicIpCount, 0);
  const totalNow = current * NAT_GATEWAY_PORTS_PER_IP;
  if (current >= NAT_GATEWAY_MAX_PUBLIC_IPS) {
    evidence.push({
      kind: 'calculation',
      resource: nat.id,
      detail: `NAT gateway ${nat.name} already has ${current} public IPs (${fmt(totalNow)} SNAT ports), the maximum: reduce connections (pooling) or split egress across subnets with their own NAT gateways.`,
    });
    return fixes;
  }
  const proposed = Math.min(NAT_GATEWAY_MAX_PUBLIC_IPS, Math.max(current * 2, current + 1));
  evidence.push({
    kind: 'calculation',
    resource: nat.id,
    detail: `${plural(current, 'public IP')} × ${fmt(NAT_GATEWAY_PORTS_PER_IP)} = ${fmt(totalNow)} SNAT ports; ${plural(proposed, 'IP')} × ${fmt(NAT_GATEWAY_PORTS_PER_IP)} = ${fmt(proposed * NAT_GATEWAY_PORTS_PER_IP)} (at most ${NAT_GATEWAY_MAX_PUBLIC_IPS} IPs).`,
  });
  const args = clusterArgs(input.cluster);
  if (input.outboundType.toLowerCase() === 'managednatgateway' && args) {
    fixes.push({
      id: 'snat-exhaustion:nat-gateway-outbound-ips',
      kind: 'nat-gateway-outbound-ips',
      title: `Raise the managed NAT gateway's public IPs from ${current} to ${proposed} (${fmt(proposed * NAT_GATEWAY_PORTS_PER_IP)} SNAT ports)`,
      target: input.cluster.id,
      change:
        `az aks update ${args} --nat-gateway-managed-outbound-ip-count ${proposed}\n` +
        `networkProfile.natGatewayProfile.managedOutboundIPProfile.count: ${current} → ${proposed}`,
      risk: 'high',
      needsApproval: true,
      warnings: [`New public IPs change the cluster's egress addresses: allow-lists at destinations must include the ${plural(proposed - current, 'new IP')}.`],
    });
  } else {
    fixes.push({
      id: 'snat-exhaustion:nat-gateway',
      kind: 'nat-gateway',
      title: `Add public IPs (or a public IP prefix) to NAT gateway ${nat.name}: ${current} → ${proposed}`,
      target: nat.id,
      change: `attach ${plural(proposed - current, 'more public IP')} to NAT gateway ${nat.name} (az network nat gateway update --public-ip-addresses <the existing IPs and the new ones>)`,
      risk: 'high',
      needsApproval: false,
      warnings: ['The NAT gateway is yours (userAssignedNATGateway): Tunnel Doctor does not change it. New IPs change the egress addresses seen by destinations.'],
    });
  }
  return fixes;
}
