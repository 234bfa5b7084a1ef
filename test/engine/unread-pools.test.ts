/**
 * Pools that are not scale sets (agentPoolProfiles[].type VirtualMachines / AvailabilitySet) are
 * reported by name, never dropped: a check that speaks for every node cannot pass without them.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArmId } from '../../src/azure/arm-id.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { poolFacts } from '../../src/engine/cluster-facts.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import type { Report } from '../../src/engine/report.js';
import { withUnreadPools } from '../../src/engine/unread-pools.js';
import { startSimForTest, type SimForTest } from '../support/sim.js';

describe('poolFacts and withUnreadPools', () => {
  const pools = poolFacts(
    { agentPoolProfiles: [{ name: 'system', count: 3 }, { name: 'vms', count: 2, type: 'VirtualMachines' }, { name: 'avset', count: 1, type: 'AvailabilitySet' }] },
    [{ id: '/subscriptions/s/resourceGroups/mc/providers/Microsoft.Compute/virtualMachineScaleSets/aks-system-1-vmss', name: 'aks-system-1-vmss', tags: { 'aks-managed-poolName': 'system' } }],
  );

  it('keeps every pool, with its type when it is not a scale set', () => {
    expect(pools.map((p) => [p.name, p.vmss !== undefined, p.type])).toEqual([
      ['system', true, undefined],
      ['vms', false, 'VirtualMachines'],
      ['avset', false, 'AvailabilitySet'],
    ]);
  });

  it('a pass over every node becomes unknown naming the pools; a fail stays a fail with a note; other checks are untouched', () => {
    const base = { summary: 'ok', nodes: [], evidence: [], fixes: [], durationMs: 1 };
    const nsg = withUnreadPools({ ...base, id: 'nsg-10250', status: 'pass' }, pools);
    expect(nsg.status).toBe('unknown');
    expect(nsg.unknownReason?.why).toMatch(/vms \(type VirtualMachines, not a scale set, 2 nodes\), avset \(type AvailabilitySet/);
    const ufw = withUnreadPools({ ...base, id: 'ufw-10250', status: 'fail' }, pools);
    expect(ufw.status).toBe('fail');
    expect(ufw.evidence.at(-1)?.detail).toMatch(/Not checked: vms/);
    expect(withUnreadPools({ ...base, id: 'snat-exhaustion', status: 'pass' }, pools).status).toBe('pass');
  });
});

describe('a cluster with a VirtualMachines pool (scenario real-vm-pool-not-scale-set)', () => {
  let t: SimForTest;
  let report: Report;
  beforeAll(async () => {
    t = await startSimForTest([path.resolve('scenarios/real-vm-pool-not-scale-set.json')]);
    const c = t.scenarios[0]!.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
    const id = parseArmId(c.id);
    report = await diagnoseCluster(t.layer, { id: c.id, name: c.name, resourceGroup: id.resourceGroup, subscriptionId: id.subscriptionId, location: '' }, { checks: ALL_CHECKS });
  });
  afterAll(async () => t?.close());

  it('names the pool in a warning and in the checks it leaves unknown', () => {
    expect(report.cluster.nodePools?.map((p) => p.name)).toContain('vmpool');
    expect(report.warnings?.join(' ')).toMatch(/vmpool \(type VirtualMachines, not a scale set, 2 nodes\)/);
    for (const id of ['nsg-10250', 'ufw-10250', 'iptables-10250']) {
      const c = report.checks.find((x) => x.id === id)!;
      expect(c.status, id).toBe('unknown');
      expect(c.unknownReason?.why, id).toMatch(/vmpool/);
    }
    expect(report.cluster.nodeCount).toBe(5);
  });
});
