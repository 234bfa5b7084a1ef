/**
 * snat-exhaustion: has the cluster's outbound load balancer (or NAT gateway) run out of SNAT ports,
 * so the nodes cannot open connections to the API server? (docs/checks.md; the troubleshooting
 * article's cause 5, "Source Network Address Translation (SNAT) port exhaustion".)
 *
 * Decided from Azure Monitor metrics the lead reads: SnatConnectionCount split by
 * ConnectionState (Failed > 0 is exhaustion) and UsedSnatPorts / AllocatedSnatPorts per backend
 * (≥ 80 % warns); for a NAT gateway SNATConnectionCount (Failed). Fixes carry computed numbers
 * (src/engine/snat/ports.ts): the article's solutions 5a (connection pooling), 5b (allocated outbound
 * ports) and 5c (a NAT gateway), built in snat-fixes.ts; the input is snat-input.ts.
 *
 * Pure: no I/O.
 */
import { withTunnelRestart } from '../fixes/plan-steps.js';
import type { Evidence, FixProposal } from '../report.js';
import { SNAT_WARN_RATIO, evaluateSnatUsage, type SnatUsageVerdict } from '../snat/ports.js';
import { fmt, loadBalancerFixes, natGatewayFixes, plural } from './snat-fixes.js';
import type { SnatExhaustionInput } from './snat-input.js';
import { key, type CheckOutcome, type NodeView } from './views.js';

export type { SnatExhaustionInput, SnatMetrics } from './snat-input.js';
export { DEFAULT_MAX_SURGE, NAT_GATEWAY_MAX_PUBLIC_IPS, NAT_GATEWAY_PORTS_PER_IP, SnatCheckError, surgeNodesFor } from './snat-fixes.js';

/** The article's note on cause 5, quoted: why private clusters are not-applicable. */
export const PRIVATE_CLUSTER_QUOTE =
  "it doesn't apply to private AKS clusters. Source Network Address Translation (SNAT) port exhaustion can occur for public communication only. For private AKS clusters, the API server is inside the AKS virtual network or subnet.";

export const CONNECTION_POOLING_ADVICE =
  'Most SNAT exhaustion comes from applications opening one outbound connection per request. Reuse connections (HTTP keep-alive, connection pooling: most client libraries pool by default) and close idle ones — the article\'s solution 5a, to try before adding ports or IPs.';

export const METRICS_READ_RESOLVE =
  "Grant the bot's identity Microsoft.Insights/metrics/read on the outbound load balancer or NAT gateway (the Monitoring Reader role has it), then diagnose again.";

const notApplicable = (summary: string, detail: string): CheckOutcome => ({
  status: 'not-applicable',
  summary,
  nodes: [],
  evidence: [{ kind: 'note', detail }],
  fixes: [],
});

const unknown = (summary: string, why: string, resolve: string, evidence: Evidence[] = []): CheckOutcome => ({
  status: 'unknown',
  summary,
  nodes: [],
  evidence,
  fixes: [],
  unknownReason: { why, resolve },
});

function nodesByIp(nodes: NodeView[] | undefined): Map<string, string> {
  return new Map((nodes ?? []).filter((n) => n.privateIp).map((n) => [n.privateIp as string, n.computerName]));
}

export function decideSnatExhaustion(input: SnatExhaustionInput): CheckOutcome {
  if (input.private) {
    return notApplicable(
      'Private cluster: SNAT port exhaustion does not apply, since the nodes reach the API server inside the virtual network, not through the outbound load balancer',
      `The troubleshooting article on cause 5: "${PRIVATE_CLUSTER_QUOTE}"`,
    );
  }
  const outboundType = input.outboundType;
  const lower = outboundType.toLowerCase();
  if (lower === 'userdefinedrouting') {
    return notApplicable(
      'Outbound type userDefinedRouting: egress leaves through your own firewall or appliance, not an Azure load balancer, so there are no load-balancer SNAT ports to exhaust',
      'Your egress device does its own SNAT (for Azure Firewall, see its "SNAT port utilization" metric); Tunnel Doctor does not read it.',
    );
  }
  if (lower === 'none') {
    // "Customize cluster egress with outbound types" (outbound type none): AKS configures no
    // egress, and the nodes fall back to Azure's default outbound access, which SNATs through
    // addresses Azure owns and exposes no SNAT metrics. The API server is not private for that.
    return unknown(
      'Outbound type none: AKS set up no egress, so the nodes use Azure\'s default outbound access, whose SNAT ports cannot be read as metrics',
      'outbound type none: default outbound access publishes no SNAT metrics',
      'Give the node subnet an explicit egress (a NAT gateway: outbound type userAssignedNATGateway) to get SNAT metrics and predictable ports; Azure is retiring default outbound access for new virtual networks.',
    );
  }
  const isLoadBalancer = lower === 'loadbalancer';
  const isNat = lower === 'managednatgateway' || lower === 'userassignednatgateway';
  if (!isLoadBalancer && !isNat) {
    return unknown(`Outbound type ${outboundType} is not one Tunnel Doctor knows how to read SNAT metrics for`, `unknown outbound type ${outboundType}`, 'Check the SNAT metrics of the cluster\'s egress device in the Azure portal.');
  }
  const device = isLoadBalancer ? input.loadBalancer : input.natGateway;
  if (!device) {
    const what = isLoadBalancer ? 'the outbound load balancer (kubernetes)' : 'the NAT gateway';
    return unknown(
      `Cannot check SNAT ports: ${what} of this ${outboundType} cluster was not found`,
      `${what} was not found in the node resource group or on the node subnets`,
      isLoadBalancer
        ? "Grant the bot's identity Microsoft.Network/loadBalancers/read on the node resource group (the Reader role has it), then diagnose again."
        : "Grant the bot's identity Microsoft.Network/natGateways/read on the NAT gateway and Microsoft.Network/virtualNetworks/subnets/read on the node subnets, then diagnose again.",
    );
  }
  const deviceText = isLoadBalancer ? `load balancer ${device.name}` : `NAT gateway ${device.name}`;
  if (!input.metrics) {
    return unknown(`Cannot check SNAT ports: the metrics of ${deviceText} were not read`, `the SNAT metrics of ${deviceText} were not read`, METRICS_READ_RESOLVE);
  }
  if ('unreadable' in input.metrics) {
    const { why, resolve } = input.metrics.unreadable;
    return unknown(`Cannot read the SNAT metrics of ${deviceText}: ${why}`, why, resolve || METRICS_READ_RESOLVE, [
      { kind: 'metric', resource: device.id, detail: `SnatConnectionCount / UsedSnatPorts / AllocatedSnatPorts: ${why}` },
    ]);
  }
  const metrics = input.metrics;

  const backends = metrics.backends ?? [];
  const verdict: SnatUsageVerdict = evaluateSnatUsage({
    failedConnections: metrics.failedConnections,
    usedPorts: [...metrics.usedPorts, ...backends.map((b) => b.usedPorts)],
    allocatedPorts: [...metrics.allocatedPorts, ...backends.map((b) => b.allocatedPorts)],
  });
  const evidence: Evidence[] = [
    {
      kind: 'metric',
      resource: device.id,
      detail:
        `${isLoadBalancer ? 'SnatConnectionCount' : 'SNATConnectionCount'} (ConnectionState=Failed): ${fmt(metrics.failedConnections)} in the window; ` +
        `${verdict.reason}${verdict.samples > 0 ? ` over ${plural(verdict.samples, 'sample')}` : ''}.`,
    },
  ];

  if (metrics.backendsCut) {
    evidence.push({
      kind: 'note',
      resource: device.id,
      detail: `Azure Monitor returned ${fmt(metrics.backendsCut.top)} per-backend series, the most the query asked for: backends beyond those were not seen, so a node near exhaustion may be missing from this list.`,
    });
  }

  // The nodes: backends at or above the warning ratio (LB); every node behind the NAT gateway.
  const ipToNode = nodesByIp(input.nodes);
  const hot = backends
    .filter((b) => b.allocatedPorts > 0 && b.usedPorts / b.allocatedPorts >= SNAT_WARN_RATIO)
    .sort((a, b) => b.usedPorts / b.allocatedPorts - a.usedPorts / a.allocatedPorts);
  for (const b of hot) {
    evidence.push({
      kind: 'metric',
      resource: ipToNode.get(b.backendIp) ?? b.backendIp,
      detail: `Backend ${b.backendIp}${ipToNode.has(b.backendIp) ? ` (${ipToNode.get(b.backendIp)})` : ''}: ${fmt(b.usedPorts)} of ${fmt(b.allocatedPorts)} SNAT ports used (${Math.round((b.usedPorts / b.allocatedPorts) * 100)}%).`,
    });
  }
  let nodes: string[] = [];
  if (verdict.status !== 'pass') {
    if (isLoadBalancer) {
      nodes = hot.map((b) => ipToNode.get(b.backendIp)).filter((n): n is string => Boolean(n));
    } else {
      const natKey = key(device.id);
      const behind = (input.nodes ?? []).filter((n) => {
        if (n.powerState.toLowerCase() !== 'running') return false;
        const subnet = n.subnetId ? input.network?.subnets.get(key(n.subnetId)) : undefined;
        // Without the subnet view, every node: AKS attaches the managed NAT gateway to every node subnet.
        return subnet?.natGatewayId ? key(subnet.natGatewayId) === natKey : !input.network;
      });
      nodes = behind.map((n) => n.computerName);
    }
    nodes = [...new Set(nodes)].sort();
  }

  const fixes: FixProposal[] = [];
  if (verdict.status !== 'pass') {
    evidence.push({ kind: 'advice', detail: CONNECTION_POOLING_ADVICE });
    if (isLoadBalancer && input.loadBalancer) {
      // Exhausted (not merely close): the tunnel agents' connections failed too and they sit in
      // crash back-off, so the approved plan restarts them after the change.
      const lbFixes = loadBalancerFixes(input, input.loadBalancer, evidence);
      fixes.push(...(verdict.status === 'fail' ? lbFixes.map((f) => withTunnelRestart(f)) : lbFixes));
    }
    else if (input.natGateway) fixes.push(...natGatewayFixes(input, input.natGateway, evidence));
  }

  const summary =
    verdict.status === 'fail'
      ? `SNAT ports exhausted on ${deviceText}: ${verdict.reason}${nodes.length > 0 && isLoadBalancer ? ` (${nodes.join(', ')})` : ''}`
      : verdict.status === 'warn'
        ? `SNAT ports nearly exhausted on ${deviceText}: ${verdict.reason}${nodes.length > 0 ? ` (${nodes.join(', ')})` : ''}`
        : `${deviceText}: ${verdict.reason}`;
  return { status: verdict.status, summary, nodes, evidence, fixes };
}
