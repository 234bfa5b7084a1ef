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

  it('returns 10 series for a filtered query unless top is set, ranked by orderby (Azure Monitor\'s default)', async () => {
    const s = exampleScenario();
    const lb = s.metrics![EXAMPLE_IDS.loadBalancer]!;
    const backends = Array.from({ length: 15 }, (_, i) => `10.224.1.${i + 10}`);
    const point = (average: number) => [{ timeStamp: '2026-11-25T10:00:00Z', average }];
    lb.UsedSnatPorts = backends.flatMap((ip, i) => [
      { dimensions: { BackendIPAddress: ip, ProtocolType: 'TCP' }, data: point(i === 14 ? 1010 : 40 + i) },
      { dimensions: { BackendIPAddress: ip, ProtocolType: 'UDP' }, data: point(2) },
    ]);
    t = await startSimForTest([s]);
    const ask = (extra: Record<string, unknown>) => getMetricSeries(t!.layer, EXAMPLE_IDS.loadBalancer, ['UsedSnatPorts'], { aggregation: 'Average', filter: "BackendIPAddress eq '*'", ...extra });
    const [byDefault] = await ask({});
    expect(byDefault?.series).toHaveLength(10);
    expect(byDefault?.series.some((x) => x.dimensions.BackendIPAddress === '10.224.1.24')).toBe(false);
    // Without the ProtocolType filter, TCP and UDP are averaged together: 1010 and 2 → 506.
    const [all] = await ask({ top: 20 });
    expect(all?.series).toHaveLength(15);
    expect(all?.series.find((x) => x.dimensions.BackendIPAddress === '10.224.1.24')?.points[0]?.value).toBe(506);
    const [tcpTop] = await ask({ filter: "BackendIPAddress eq '*' and ProtocolType eq 'TCP'", top: 3, orderby: 'average desc' });
    expect(tcpTop?.series.map((x) => [x.dimensions.BackendIPAddress, x.dimensions.ProtocolType, x.points[0]?.value])).toEqual([
      ['10.224.1.24', 'TCP', 1010],
      ['10.224.1.23', 'TCP', 53],
      ['10.224.1.22', 'TCP', 52],
    ]);
    await expect(ask({ orderby: 'average sideways' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('serves NAT gateway metrics under the names Azure publishes (PacketDropCount, not DroppedPackets)', async () => {
    const s = exampleScenario();
    const natId = EXAMPLE_IDS.loadBalancer.replace('loadBalancers/kubernetes', 'natGateways/nat1');
    s.resources.push({ id: natId, name: 'nat1', type: 'Microsoft.Network/natGateways', location: 'eastus', properties: {} });
    s.metrics![natId] = { PacketDropCount: [{ data: [{ timeStamp: '2026-11-25T10:00:00Z', total: 7 }] }], DroppedPackets: [{ data: [{ timeStamp: '2026-11-25T10:00:00Z', total: 7 }] }] };
    t = await startSimForTest([s]);
    const [drops] = await getMetricSeries(t.layer, natId, ['PacketDropCount'], { aggregation: 'Total' });
    expect(drops?.series[0]?.points[0]?.value).toBe(7);
    await expect(getMetricSeries(t.layer, natId, ['DroppedPackets'], { aggregation: 'Total' })).rejects.toMatchObject({ statusCode: 400 });
    const [conns] = await getMetricSeries(t.layer, natId, ['SNATConnectionCount', 'TotalConnectionCount'], { aggregation: 'Total' });
    expect(conns?.name).toBe('SNATConnectionCount');
  });
});
