/**
 * Azure Monitor platform metrics (e.g. the load balancer's SnatConnectionCount,
 * AllocatedSnatPorts, UsedSnatPorts), flattened to what the SNAT check reads.
 */
import { parseArmId } from './arm-id.js';
import type { AzureLayer } from './clients.js';
import { toAzureError } from './errors.js';
import { RG, type SdkPermission } from './operation-permission.js';

export type MetricAggregation = 'Total' | 'Average' | 'Maximum' | 'Minimum' | 'Count';

export interface MetricPoint {
  timeStamp: string;
  /** The value of the first requested aggregation (undefined when Azure had none for that interval). */
  value: number | undefined;
  total?: number;
  average?: number;
  maximum?: number;
  minimum?: number;
  count?: number;
}

export interface MetricSeriesResult {
  name: string;
  unit?: string;
  series: Array<{ dimensions: Record<string, string>; points: MetricPoint[] }>;
}

export interface MetricQuery {
  /** One or several, comma-separated ("Total" or "Average,Maximum"). */
  aggregation: string;
  /** OData filter on dimensions, e.g. "ConnectionState eq '*'" or "BackendIPAddress eq '*'". */
  filter?: string;
  /** ISO 8601 interval "start/end" (default: Azure's last hour). */
  timespan?: string;
  /** ISO 8601 duration, e.g. "PT1M". */
  interval?: string;
  /**
   * Series to return per metric. Azure returns 10 when a $filter is given and `top` is not
   * (MetricsListOptionalParams.top: "Valid only if $filter is specified. Defaults to 10."), so a
   * query split per backend must ask for at least as many as there are backends.
   */
  top?: number;
  /** "<aggregation> asc|desc" (one only, e.g. "average desc"): which series `top` keeps. */
  orderby?: string;
}

const AGGREGATION_KEYS = ['total', 'average', 'maximum', 'minimum', 'count'] as const;

/** Exported for the SNAT gathering, which names the action when a metrics read fails without one. */
export const METRICS_LIST = {
  operation: 'metrics.list',
  client: '@azure/arm-monitor',
  request: `GET ${RG}/providers/Microsoft.Network/loadBalancers/{loadBalancerName}/providers/Microsoft.Insights/metrics`,
  action: 'Microsoft.Insights/metrics/read',
  followUps: [],
  role: 'diagnose',
  why: 'getMetricSeries: SnatConnectionCount / AllocatedSnatPorts / UsedSnatPorts of the outbound load balancer or NAT gateway.',
} as const satisfies SdkPermission;

export async function getMetricSeries(layer: AzureLayer, resourceId: string, metricNames: readonly string[], opts: MetricQuery): Promise<MetricSeriesResult[]> {
  const p = parseArmId(resourceId);
  if (metricNames.length === 0 || metricNames.some((n) => !/^[A-Za-z][\w]*$/.test(n))) {
    throw new Error(`getMetricSeries: invalid metric names ${JSON.stringify(metricNames)}`);
  }
  const first = (opts.aggregation.split(',')[0] ?? '').trim().toLowerCase() as (typeof AGGREGATION_KEYS)[number];
  try {
    // resourceUri is put into the path verbatim after a '/', so it goes without its leading '/'.
    const response = await layer.monitor(p.subscriptionId).metrics.list(resourceId.replace(/^\/+/, ''), {
      metricnames: metricNames.join(','),
      aggregation: opts.aggregation,
      ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
      ...(opts.timespan !== undefined ? { timespan: opts.timespan } : {}),
      ...(opts.interval !== undefined ? { interval: opts.interval } : {}),
      ...(opts.top !== undefined ? { top: opts.top } : {}),
      ...(opts.orderby !== undefined ? { orderby: opts.orderby } : {}),
    });
    return response.value.map((metric) => ({
      name: metric.name.value,
      ...(metric.unit ? { unit: metric.unit } : {}),
      series: (metric.timeseries ?? []).map((ts) => ({
        dimensions: Object.fromEntries((ts.metadatavalues ?? []).map((m) => [m.name?.value ?? '', m.value ?? ''])),
        points: (ts.data ?? []).map((d) => {
          const point: MetricPoint = { timeStamp: new Date(d.timeStamp).toISOString(), value: AGGREGATION_KEYS.includes(first) ? d[first] : undefined };
          for (const key of AGGREGATION_KEYS) if (typeof d[key] === 'number') point[key] = d[key];
          return point;
        }),
      })),
    }));
  } catch (e) {
    throw toAzureError(e, `read metrics ${metricNames.join(', ')} of ${p.name}`, METRICS_LIST.action);
  }
}

/** This module's SDK operations with their permissions, gathered by rbac-actions.ts into the roles' table. */
export const PERMISSIONS: readonly SdkPermission[] = [METRICS_LIST];
