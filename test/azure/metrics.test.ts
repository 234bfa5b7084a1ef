import { afterEach, describe, expect, it } from 'vitest';
import { getMetricSeries } from '../../src/azure/metrics.js';
import { EXAMPLE_HEALTHY, EXAMPLE_IDS, exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';

let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('getMetricSeries through the real MonitorClient', () => {
  it('splits SnatConnectionCount by ConnectionState', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    const [metric] = await getMetricSeries(t.layer, EXAMPLE_IDS.loadBalancer, ['SnatConnectionCount'], { aggregation: 'Total', filter: "ConnectionState eq '*'", interval: 'PT1M' });
    expect(metric?.name).toBe('SnatConnectionCount');
    expect(metric?.series.map((s) => [s.dimensions.ConnectionState, s.points[0]?.value])).toEqual([
      ['Successful', 1830],
      ['Failed', 0],
    ]);
    expect(metric?.series[0]?.points[0]?.timeStamp).toBe('2026-11-25T10:00:00.000Z');
  });

  it('gives one series per backend IP, or one aggregated series without a filter', async () => {
    const s = exampleScenario();
    s.metrics![EXAMPLE_IDS.loadBalancer]!.UsedSnatPorts![1]!.data[0]!.average = 1000;
    t = await startSimForTest([s]);
    const [allocated, used] = await getMetricSeries(t.layer, EXAMPLE_IDS.loadBalancer, ['AllocatedSnatPorts', 'UsedSnatPorts'], {
      aggregation: 'Average',
      filter: "BackendIPAddress eq '*'",
    });
    expect(allocated?.series.map((x) => [x.dimensions.BackendIPAddress, x.points[0]?.average])).toEqual([
      ['10.224.0.4', 1024],
      ['10.224.0.5', 1024],
      ['10.224.0.6', 1024],
    ]);
    expect(used?.series.find((x) => x.dimensions.BackendIPAddress === '10.224.0.5')?.points[0]?.value).toBe(1000);
    const [max] = await getMetricSeries(t.layer, EXAMPLE_IDS.loadBalancer, ['UsedSnatPorts'], { aggregation: 'Maximum' });
    expect(max?.series).toHaveLength(1);
    expect(max?.series[0]?.dimensions).toEqual({});
    expect(max?.series[0]?.points[0]?.value).toBe(1000);
    const [failed] = await getMetricSeries(t.layer, EXAMPLE_IDS.loadBalancer, ['SnatConnectionCount'], { aggregation: 'Total', filter: "ConnectionState eq 'Failed'" });
    expect(failed?.series.map((x) => x.dimensions.ConnectionState)).toEqual(['Failed']);
  });

  it('refuses an unknown metric and a dimension the metric lacks, as Azure Monitor does', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    await expect(getMetricSeries(t.layer, EXAMPLE_IDS.loadBalancer, ['NoSuchMetric'], { aggregation: 'Total' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(getMetricSeries(t.layer, EXAMPLE_IDS.loadBalancer, ['UsedSnatPorts'], { aggregation: 'Total', filter: "ConnectionState eq '*'" })).rejects.toMatchObject({ statusCode: 400 });
    await expect(getMetricSeries(t.layer, EXAMPLE_IDS.loadBalancer.replace('kubernetes', 'gone'), ['UsedSnatPorts'], { aggregation: 'Total' })).rejects.toMatchObject({ statusCode: 404 });
  });
});
