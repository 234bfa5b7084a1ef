/**
 * Azure Monitor metrics (MonitorClient.metrics.list: GET /{resourceUri}/providers/
 * Microsoft.Insights/metrics) from the scenario's series. `$filter` works as in Azure
 * Monitor: `Dim eq '*'` splits by that dimension, `Dim eq 'v'` (joined by `or`) keeps those
 * values and splits by them, clauses joined by `and`; dimensions not named are aggregated away.
 */
import type { MetricSeries } from '../../scenario/types.js';
import { ArmHttpError, badRequest, ok } from '../arm-http.js';
import type { Estate } from '../estate.js';
import { param, route, type Route, type RouteContext } from '../world.js';

type Point = MetricSeries['data'][number];
type AggregationKey = 'total' | 'average' | 'maximum' | 'minimum' | 'count';

const KNOWN_METRICS: Record<string, Record<string, string>> = {
  'microsoft.network/loadbalancers': {
    SnatConnectionCount: 'Count', AllocatedSnatPorts: 'Count', UsedSnatPorts: 'Count', VipAvailability: 'Count', DipAvailability: 'Count', ByteCount: 'Bytes', PacketCount: 'Count', SYNCount: 'Count',
  },
  'microsoft.network/natgateways': {
    SNATConnectionCount: 'Count', TotalConnectionCount: 'Count', DroppedPackets: 'Count', ByteCount: 'Bytes', PacketCount: 'Count', DatapathAvailability: 'Percent',
  },
  'microsoft.network/publicipaddresses': { ByteCount: 'Bytes', PacketCount: 'Count', VipAvailability: 'Count', SynCount: 'Count', IfUnderDDoSAttack: 'Count' },
};

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

function dimensionValue(series: MetricSeries, dim: string): string | undefined {
  const entry = Object.entries(series.dimensions ?? {}).find(([k]) => k.toLowerCase() === dim);
  return entry?.[1];
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

function timeseriesFor(metric: string, series: MetricSeries[], filter: DimensionFilter, aggregations: AggregationKey[]) {
  // Azure Monitor refuses a filter on a dimension the metric does not have.
  for (const [key, { name }] of filter) {
    if (series.length > 0 && !series.some((s) => dimensionValue(s, key) !== undefined)) {
      throw badRequest('BadRequest', `Metric: ${metric} does not support requested dimension combination: ${name.toLowerCase()}, supported ones are: ${[...new Set(series.flatMap((s) => Object.keys(s.dimensions ?? {})))].join(',') || 'none'}`);
    }
  }
  const groups = new Map<string, { dims: Array<[string, string]>; points: Point[][] }>();
  for (const s of series) {
    const dims: Array<[string, string]> = [];
    let keep = true;
    for (const [key, { name, values }] of filter) {
      const v = dimensionValue(s, key);
      if (values !== '*' && (v === undefined || !values.has(v.toLowerCase()))) keep = false;
      const dimName = Object.keys(s.dimensions ?? {}).find((k) => k.toLowerCase() === key) ?? name;
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
    const known: Record<string, string> = { ...(KNOWN_METRICS[type.toLowerCase()] ?? {}) };
    for (const name of Object.keys(metrics)) known[name] ??= 'Count';
    const requested = (ctx.query.get('metricnames') ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    if (requested.length === 0) throw badRequest('BadRequest', 'metricnames is required.');
    const aggregations = (ctx.query.get('aggregation') ?? 'Average').split(',').map((a) => {
      const key = AGGREGATIONS[a.trim().toLowerCase()];
      if (!key) throw badRequest('BadRequest', `Invalid aggregation '${a}'. Valid values: Average, Count, Maximum, Minimum, Total.`);
      return key;
    });
    const filter = parseMetricFilter(ctx.query.get('$filter'));
    const [namespace, typeName] = type.split('/');
    const value = requested.map((asked) => {
      const name = Object.keys(known).find((k) => k.toLowerCase() === asked.toLowerCase());
      if (!name) {
        throw badRequest('BadRequest', `Failed to find metric configuration for provider: ${namespace}, resource Type: ${typeName}, metric: ${asked}, Valid metrics: ${Object.keys(known).join(',')}`);
      }
      const seriesKey = Object.keys(metrics).find((k) => k.toLowerCase() === name.toLowerCase());
      const series = seriesKey ? (metrics[seriesKey] ?? []) : [];
      return {
        id: `${resourceId}/providers/Microsoft.Insights/metrics/${name}`,
        type: 'Microsoft.Insights/metrics',
        name: { value: name, localizedValue: name },
        displayDescription: `${name} of the resource`,
        unit: known[name] ?? 'Count',
        timeseries: timeseriesFor(name, series, filter, aggregations),
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
