/**
 * What the SNAT check needs: the outbound device (AKS's `kubernetes` load balancer in the node
 * resource group, or the NAT gateway on the node subnets) and its Azure Monitor metrics.
 */
import { getLoadBalancer, getNatGateway } from '../azure/network.js';
import { getMetricSeries, METRICS_LIST, type MetricSeriesResult } from '../azure/metrics.js';
import { isAzureError } from '../azure/errors.js';
import { userMessageOf } from '../user-message.js';
import type { DiagnosisContext } from './diagnose.js';
import type { SnatExhaustionInput, SnatMetrics } from './checks/snat-exhaustion.js';
import type { NetworkView, NodeView } from './checks/views.js';

/** The window the verdict is about: the last hour, as the article's portal steps look at. */
const TIMESPAN_MS = 60 * 60 * 1000;

function timespan(now = Date.now()): string {
  return `${new Date(now - TIMESPAN_MS).toISOString()}/${new Date(now).toISOString()}`;
}

const sum = (series: MetricSeriesResult['series'], pick: (d: Record<string, string>) => boolean) =>
  series.filter((s) => pick(s.dimensions)).reduce((n, s) => n + s.points.reduce((m, p) => m + (p.value ?? 0), 0), 0);

const peak = (points: MetricSeriesResult['series'][number]['points']) => points.reduce((m, p) => Math.max(m, p.value ?? 0), 0);

const dim = (d: Record<string, string>, name: string) => Object.entries(d).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

function unreadable(err: unknown, what: string): { unreadable: { why: string; resolve: string } } {
  const action = isAzureError(err) && err.rbacAction ? err.rbacAction : METRICS_LIST.action;
  return { unreadable: { why: `the ${what} metrics could not be read: ${userMessageOf(err)}`, resolve: `grant the bot's identity ${action} on the ${what} (Monitoring Reader has it), then diagnose again` } };
}

/**
 * The per-backend port query. Azure Monitor returns only 10 series for a filtered query unless
 * `top` is set (MetricsListOptionalParams.top: "Defaults to 10"), so it asks for one per node
 * (and every surge node besides) ordered by use, and it keeps TCP only: the port metrics carry a
 * ProtocolType dimension ("Azure Load Balancer monitoring data reference") and without the filter
 * their average mixes the TCP and UDP allocations, hiding a node that runs out of TCP ports.
 */
export function backendPortQuery(backendCount: number, span: string) {
  return {
    aggregation: 'Average',
    filter: "BackendIPAddress eq '*' and ProtocolType eq 'TCP'",
    top: Math.max(10, backendCount),
    orderby: 'average desc',
    timespan: span,
    interval: 'PT1M',
  };
}

async function loadBalancerMetrics(ctx: DiagnosisContext, lbId: string, backendCount: number): Promise<SnatMetrics> {
  const span = timespan();
  const [connections, ports] = await Promise.all([
    getMetricSeries(ctx.layer, lbId, ['SnatConnectionCount'], { aggregation: 'Total', filter: "ConnectionState eq '*'", timespan: span, interval: 'PT1M' }),
    getMetricSeries(ctx.layer, lbId, ['AllocatedSnatPorts', 'UsedSnatPorts'], backendPortQuery(backendCount, span)),
  ]);
  const failed = sum(connections.flatMap((m) => m.series), (d) => dim(d, 'ConnectionState')?.toLowerCase() === 'failed');
  const byBackend = new Map<string, { usedPorts: number; allocatedPorts: number }>();
  for (const metric of ports) {
    for (const s of metric.series) {
      const ip = dim(s.dimensions, 'BackendIPAddress');
      if (!ip) continue;
      const b = byBackend.get(ip) ?? { usedPorts: 0, allocatedPorts: 0 };
      if (metric.name === 'UsedSnatPorts') b.usedPorts = peak(s.points);
      if (metric.name === 'AllocatedSnatPorts') b.allocatedPorts = peak(s.points);
      byBackend.set(ip, b);
    }
  }
  const backends = [...byBackend].map(([backendIp, b]) => ({ backendIp, ...b }));
  const top = backendPortQuery(backendCount, span).top;
  const cut = ports.some((metric) => metric.series.length >= top);
  return {
    failedConnections: failed,
    usedPorts: backends.map((b) => b.usedPorts),
    allocatedPorts: backends.map((b) => b.allocatedPorts),
    backends,
    ...(cut ? { backendsCut: { top } } : {}),
  };
}

async function natGatewayMetrics(ctx: DiagnosisContext, natId: string): Promise<SnatMetrics> {
  const series = await getMetricSeries(ctx.layer, natId, ['SNATConnectionCount'], {
    aggregation: 'Total',
    filter: "ConnectionState eq '*'",
    timespan: timespan(),
    interval: 'PT1M',
  });
  return { failedConnections: sum(series.flatMap((m) => m.series), (d) => dim(d, 'ConnectionState')?.toLowerCase() === 'failed'), usedPorts: [], allocatedPorts: [] };
}

export async function gatherSnatInput(ctx: DiagnosisContext, nodes: NodeView[], network: NetworkView): Promise<SnatExhaustionInput> {
  const facts = ctx.facts;
  const profiles = (ctx.cluster as { agentPoolProfiles?: Array<{ name: string; count?: number; maxCount?: number; vnetSubnetID?: string; upgradeSettings?: { maxSurge?: string } }> })
    .agentPoolProfiles ?? [];
  const base: SnatExhaustionInput = {
    private: facts.private,
    outboundType: facts.outboundType,
    cluster: { id: facts.id, name: facts.name, ...(facts.resourceGroup ? { resourceGroup: facts.resourceGroup } : {}) },
    pools: profiles.map((p) => ({
      name: p.name,
      count: p.count ?? 0,
      ...(p.maxCount !== undefined ? { maxCount: p.maxCount } : {}),
      ...(p.upgradeSettings?.maxSurge ? { maxSurge: p.upgradeSettings.maxSurge } : {}),
    })),
    nodes,
    network,
    // A pool in a subnet the customer names is a bring-your-own VNet (AKS-managed VNets leave it unset).
    byoVnet: profiles.some((p) => typeof p.vnetSubnetID === 'string' && p.vnetSubnetID !== ''),
  };
  // The article: SNAT exhaustion does not apply to private clusters; nothing to read then.
  if (facts.private) return base;
  const outbound = facts.outboundType.toLowerCase();
  if (outbound === 'loadbalancer') {
    const lbId = `/subscriptions/${facts.subscriptionId}/resourceGroups/${facts.nodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes`;
    try {
      const lb = await getLoadBalancer(ctx.layer, lbId);
      const rule = lb.outboundRules?.[0];
      const outboundIpCount = rule?.frontendIPConfigurations?.length ?? lb.frontendIPConfigurations?.length ?? 1;
      // Every node is a backend; the margin covers surge nodes an upgrade adds meanwhile.
      const backendCount = nodes.length + 10;
      const metrics = await loadBalancerMetrics(ctx, lbId, backendCount).catch((err) => unreadable(err, 'load balancer'));
      return {
        ...base,
        loadBalancer: { id: lbId, name: lb.name ?? 'kubernetes', outboundIpCount, ...(rule?.allocatedOutboundPorts !== undefined ? { allocatedOutboundPorts: rule.allocatedOutboundPorts } : {}) },
        metrics,
      };
    } catch (err) {
      return { ...base, metrics: unreadable(err, 'load balancer') };
    }
  }
  if (outbound === 'managednatgateway' || outbound === 'userassignednatgateway') {
    const natId = [...network.subnets.values()].find((s) => s.natGatewayId)?.natGatewayId;
    if (!natId) return base;
    try {
      const nat = await getNatGateway(ctx.layer, natId);
      const metrics = await natGatewayMetrics(ctx, natId).catch((err) => unreadable(err, 'NAT gateway'));
      return { ...base, natGateway: { id: natId, name: nat.name ?? natId.split('/').pop() ?? natId, publicIpCount: nat.publicIpAddresses?.length ?? 1 }, metrics };
    } catch (err) {
      return { ...base, metrics: unreadable(err, 'NAT gateway') };
    }
  }
  return base;
}
