/**
 * Azure Monitor metrics (MonitorClient.metrics.list: GET /{resourceUri}/providers/
 * Microsoft.Insights/metrics) from the scenario's series. `$filter` works as in Azure
 * Monitor: `Dim eq '*'` splits by that dimension, `Dim eq 'v'` (joined by `or`) keeps those
 * values and splits by them, clauses joined by `and`; dimensions not named are aggregated away.
 * With a `$filter`, at most `top` series come back per metric — 10 when `top` is not given
 * (REST spec Microsoft.Insights metrics_API.json, parameter `top`: "The maximum number of records
 * to retrieve. Valid only if $filter is specified. Defaults to 10."), sorted by `orderby`
 * ("The aggregation to use for sorting results and the direction of the sort. Only one order can
 * be specified. Examples: sum asc."). Without `orderby` the order is not documented; the simulator
 * keeps the scenario's order, so a caller that relies on an order it did not ask for is caught.
 */
import type { MetricSeries } from '../../scenario/types.js';
import { ArmHttpError, badRequest, ok } from '../arm-http.js';
import type { Estate } from '../estate.js';
import { param, route, type Route, type RouteContext } from '../world.js';

type Point = MetricSeries['data'][number];
type AggregationKey = 'total' | 'average' | 'maximum' | 'minimum' | 'count';

interface MetricDefinition {
  unit: string;
  dimensions: string[];
}

/**
 * Metric names, units and dimensions as Azure publishes them: "Azure Load Balancer monitoring data
 * reference" (https://learn.microsoft.com/azure/load-balancer/monitor-load-balancer-reference),
 * "Azure NAT Gateway monitoring data reference" (https://learn.microsoft.com/azure/nat-gateway/monitor-nat-gateway-reference)
 * and "Supported metrics for Microsoft.Network/publicIPAddresses".
 */
const KNOWN_METRICS: Record<string, Record<string, MetricDefinition>> = {
  'microsoft.network/loadbalancers': {
    SnatConnectionCount: { unit: 'Count', dimensions: ['FrontendIPAddress', 'BackendIPAddress', 'ConnectionState'] },
    AllocatedSnatPorts: { unit: 'Count', dimensions: ['FrontendIPAddress', 'BackendIPAddress', 'ProtocolType'] },
    UsedSnatPorts: { unit: 'Count', dimensions: ['FrontendIPAddress', 'BackendIPAddress', 'ProtocolType'] },
    VipAvailability: { unit: 'Count', dimensions: ['FrontendIPAddress', 'FrontendPort'] },
    DipAvailability: { unit: 'Count', dimensions: ['ProtocolType', 'BackendPort', 'FrontendIPAddress', 'FrontendPort', 'BackendIPAddress'] },
    ByteCount: { unit: 'Bytes', dimensions: ['FrontendIPAddress', 'FrontendPort', 'Direction'] },
    PacketCount: { unit: 'Count', dimensions: ['FrontendIPAddress', 'FrontendPort', 'Direction'] },
    SYNCount: { unit: 'Count', dimensions: ['FrontendIPAddress', 'FrontendPort', 'Direction'] },
  },
  'microsoft.network/natgateways': {
    SNATConnectionCount: { unit: 'Count', dimensions: ['Protocol', 'ConnectionState'] },
    TotalConnectionCount: { unit: 'Count', dimensions: ['Protocol'] },
    PacketDropCount: { unit: 'Count', dimensions: [] },
    ByteCount: { unit: 'Bytes', dimensions: ['Direction', 'Protocol'] },
    PacketCount: { unit: 'Count', dimensions: ['Direction', 'Protocol'] },
    DatapathAvailability: { unit: 'Percent', dimensions: [] },
  },
  'microsoft.network/publicipaddresses': {
    ByteCount: { unit: 'Bytes', dimensions: ['Port', 'Direction'] },
    PacketCount: { unit: 'Count', dimensions: ['Port', 'Direction'] },
    VipAvailability: { unit: 'Count', dimensions: ['Port'] },
    SynCount: { unit: 'Count', dimensions: ['Port', 'Direction'] },
    IfUnderDDoSAttack: { unit: 'Count', dimensions: [] },
  },
};

/**
 * Scenario series written before a dimension was modelled: the load balancer's port metrics
 * without ProtocolType are TCP data (what the SNAT scenarios describe), so they keep their
 * meaning under `ProtocolType eq 'TCP'`.
 */
const DIMENSION_DEFAULTS: Record<string, string> = { protocoltype: 'TCP' };

/** With a $filter, the series Azure returns per metric unless `top` says otherwise. */
export const DEFAULT_TOP = 10;

const AGGREGATIONS: Record<string, AggregationKey> = { total: 'total', sum: 'total', average: 'average', avg: 'average', maximum: 'maximum', max: 'maximum', minimum: 'minimum', min: 'minimum', count: 'count' };

/** dimension (lowercase) → allowed values (lowercase), or '*' for every value. */
type DimensionFilter = Map<string, { name: string; values: Set<string> | '*' }>;

export function parseMetricFilter(filter: string | null): DimensionFilter {
  const result: DimensionFilter = new Map();
  if (!filter || filter.trim() === '') return result;
  for (const clause of filter.split(/\s+and\s+/i)) {
    for (const term of clause.replace(/^\s*\(|\)\s*$/g, '').split(/\s+or\s+/i)) {
      const m = /^\s*([\w.-]+)\s+eq\s+'([^']*)'\s*$/i.exec(term);
      if (!m) throw badRequest('BadRequest', `Invalid $filter: could not parse '${term.trim()}'. Use: Dimension eq 'value' [or …] [and …].`);
      const name = m[1] as string;
      const value = m[2] as string;
      const key = name.toLowerCase();
      const entry = result.get(key) ?? { name, values: new Set<string>() };
      if (value === '*') entry.values = '*';
      else if (entry.values !== '*') entry.values.add(value.toLowerCase());
      result.set(key, entry);
    }
  }
  return result;
}

function dimensionValue(series: MetricSeries, dim: string, definition: MetricDefinition | undefined): string | undefined {
  const entry = Object.entries(series.dimensions ?? {}).find(([k]) => k.toLowerCase() === dim);
  if (entry) return entry[1];
  const defined = definition?.dimensions.some((d) => d.toLowerCase() === dim) ?? false;
  return defined ? DIMENSION_DEFAULTS[dim] : undefined;
}

function combine(points: Point[][], aggregations: AggregationKey[]): Array<Record<string, unknown>> {
  const byTime = new Map<string, Point[]>();
  for (const list of points) for (const p of list) byTime.set(p.timeStamp, [...(byTime.get(p.timeStamp) ?? []), p]);
  return [...byTime.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([timeStamp, ps]) => {
      const out: Record<string, unknown> = { timeStamp };
      for (const agg of aggregations) {
        // A point may carry other aggregations than asked for; a single sample's value stands in.
        const values = ps.map((p) => p[agg] ?? p.average ?? p.total ?? p.maximum ?? p.minimum).filter((v): v is number => typeof v === 'number');
        if (values.length === 0) continue;
        if (agg === 'total' || agg === 'count') out[agg] = values.reduce((a, b) => a + b, 0);
        else if (agg === 'average') out[agg] = values.reduce((a, b) => a + b, 0) / values.length;
        else if (agg === 'maximum') out[agg] = Math.max(...values);
        else out[agg] = Math.min(...values);
      }
      return out;
    });
}

function timeseriesFor(metric: string, series: MetricSeries[], filter: DimensionFilter, aggregations: AggregationKey[], definition: MetricDefinition | undefined) {
  // Azure Monitor refuses a filter on a dimension the metric does not have.
  for (const [key, { name }] of filter) {
    const supported = definition ? definition.dimensions.map((d) => d.toLowerCase()) : [...new Set(series.flatMap((s) => Object.keys(s.dimensions ?? {}).map((k) => k.toLowerCase())))];
    if ((definition || series.length > 0) && !supported.includes(key)) {
      const names = definition ? definition.dimensions : [...new Set(series.flatMap((s) => Object.keys(s.dimensions ?? {})))];
      throw badRequest('BadRequest', `Metric: ${metric} does not support requested dimension combination: ${name.toLowerCase()}, supported ones are: ${names.join(',') || 'none'}`);
    }
  }
  const groups = new Map<string, { dims: Array<[string, string]>; points: Point[][] }>();
  for (const s of series) {
    const dims: Array<[string, string]> = [];
    let keep = true;
    for (const [key, { name, values }] of filter) {
      const v = dimensionValue(s, key, definition);
      if (values !== '*' && (v === undefined || !values.has(v.toLowerCase()))) keep = false;
      const dimName = Object.keys(s.dimensions ?? {}).find((k) => k.toLowerCase() === key) ?? definition?.dimensions.find((d) => d.toLowerCase() === key) ?? name;
      dims.push([dimName, v ?? '']);
    }
    if (!keep) continue;
    const groupKey = JSON.stringify(dims.map(([, v]) => v.toLowerCase()));
    const group = groups.get(groupKey) ?? { dims, points: [] };
    group.points.push(s.data);
    groups.set(groupKey, group);
  }
  return [...groups.values()].map((g) => ({
    metadatavalues: g.dims.map(([name, value]) => ({ name: { value: name, localizedValue: name }, value })),
    data: combine(g.points, aggregations),
  }));
}

type Timeseries = ReturnType<typeof timeseriesFor>[number];

/** `orderby`: "<aggregation> [asc|desc]" (one only); series are ranked by that aggregation over the timespan. */
function parseOrderBy(text: string | null): { aggregation: AggregationKey; descending: boolean } | undefined {
  if (text === null || text.trim() === '') return undefined;
  const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(text);
  const aggregation = m ? AGGREGATIONS[(m[1] as string).toLowerCase()] : undefined;
  if (!m || !aggregation) throw badRequest('BadRequest', `Invalid orderby '${text}'. Use one aggregation and a direction, e.g. 'sum asc'.`);
  return { aggregation, descending: (m[2] ?? 'asc').toLowerCase() === 'desc' };
}

function rankOf(ts: Timeseries, aggregation: AggregationKey): number {
  const values = ts.data.map((d) => d[aggregation]).filter((v): v is number => typeof v === 'number');
  if (values.length === 0) return Number.NEGATIVE_INFINITY;
  if (aggregation === 'maximum') return Math.max(...values);
  if (aggregation === 'minimum') return Math.min(...values);
  const total = values.reduce((a, b) => a + b, 0);
  return aggregation === 'average' ? total / values.length : total;
}

function topOf(list: Timeseries[], top: number, order: ReturnType<typeof parseOrderBy>): Timeseries[] {
  const ranked = order ? [...list].sort((a, b) => (rankOf(a, order.aggregation) - rankOf(b, order.aggregation)) * (order.descending ? -1 : 1)) : list;
  return ranked.slice(0, top);
}

function resourceOf(ctx: RouteContext, resourceId: string): { estate: Estate; type: string; location: string; metrics: Record<string, MetricSeries[]> } {
  for (const estate of ctx.world.estates) {
    const resource = estate.resource(resourceId);
    const metricsKey = Object.keys(estate.scenario.metrics ?? {}).find((k) => k.toLowerCase() === resourceId.toLowerCase());
    if (!resource && !metricsKey) continue;
    const type = resource?.type ?? resourceId.split('/').slice(6, 8).join('/');
    return { estate, type, location: String(resource?.location ?? 'eastus'), metrics: metricsKey ? (estate.scenario.metrics?.[metricsKey] ?? {}) : {} };
  }
  const parts = resourceId.split('/');
  throw new ArmHttpError(404, 'ResourceNotFound', `The Resource '${parts.slice(6).join('/')}' under resource group '${parts[4] ?? ''}' was not found.`);
}

export const metricRoutes: Route[] = [
  route('metrics.list', 'GET', '(?<resource>/subscriptions/.+)/providers/Microsoft\\.Insights/metrics', (ctx) => {
    const resourceId = param(ctx, 'resource');
    const { type, location, metrics } = resourceOf(ctx, resourceId);
    // A resource type Azure publishes metrics for has exactly those names (a scenario series under
    // another name is not served); for any other type the scenario's names stand.
    const published = KNOWN_METRICS[type.toLowerCase()];
    const known: Record<string, MetricDefinition | undefined> = published ? { ...published } : Object.fromEntries(Object.keys(metrics).map((n) => [n, undefined]));
    const requested = (ctx.query.get('metricnames') ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    if (requested.length === 0) throw badRequest('BadRequest', 'metricnames is required.');
    const aggregations = (ctx.query.get('aggregation') ?? 'Average').split(',').map((a) => {
      const key = AGGREGATIONS[a.trim().toLowerCase()];
      if (!key) throw badRequest('BadRequest', `Invalid aggregation '${a}'. Valid values: Average, Count, Maximum, Minimum, Total.`);
      return key;
    });
    const filterText = ctx.query.get('$filter');
    const filter = parseMetricFilter(filterText);
    const topText = ctx.query.get('top');
    if (topText !== null && !/^[1-9]\d*$/.test(topText)) throw badRequest('BadRequest', `Invalid top '${topText}': it must be a positive integer.`);
    const top = topText === null ? DEFAULT_TOP : Number(topText);
    const order = parseOrderBy(ctx.query.get('orderby'));
    const hasFilter = filterText !== null && filterText.trim() !== '';
    const [namespace, typeName] = type.split('/');
    const value = requested.map((asked) => {
      const name = Object.keys(known).find((k) => k.toLowerCase() === asked.toLowerCase());
      if (!name) {
        throw badRequest('BadRequest', `Failed to find metric configuration for provider: ${namespace}, resource Type: ${typeName}, metric: ${asked}, Valid metrics: ${Object.keys(known).join(',')}`);
      }
      const seriesKey = Object.keys(metrics).find((k) => k.toLowerCase() === name.toLowerCase());
      const series = seriesKey ? (metrics[seriesKey] ?? []) : [];
      const definition = known[name];
      const timeseries = timeseriesFor(name, series, filter, aggregations, definition);
      return {
        id: `${resourceId}/providers/Microsoft.Insights/metrics/${name}`,
        type: 'Microsoft.Insights/metrics',
        name: { value: name, localizedValue: name },
        displayDescription: `${name} of the resource`,
        unit: definition?.unit ?? 'Count',
        timeseries: hasFilter ? topOf(timeseries, top, order) : timeseries,
        errorCode: 'Success',
      };
    });
    return ok({
      cost: 0,
      timespan: ctx.query.get('timespan') ?? `${new Date(Date.now() - 3600_000).toISOString()}/${new Date().toISOString()}`,
      interval: ctx.query.get('interval') ?? 'PT1M',
      value,
      namespace: type,
      resourceregion: location,
    });
  }),
];
