/**
 * The kubelet probe starts from the likely agent nodes (system pool) before the pods are known;
 * only a run from a node the pods confirm as an agent is evidence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import { speculativeSources } from '../../src/engine/probe-plan.js';
import type { NodeView } from '../../src/engine/checks/views.js';
import type { Scenario } from '../../src/scenario/types.js';
import { clusterOf } from './fixes/fix-env.js';
import { exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';

const NODE = (i: number) => `aks-nodepool1-12345678-vmss00000${i}`;
let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const statusOf = (report: Awaited<ReturnType<typeof diagnoseCluster>>, id: string) => report.checks.find((c) => c.id === id);

/** The example with both agents moved to node 2, and node 1 dropping 10250 from node 0's address only. */
function agentsOffTheGuess(): Scenario {
  const s = exampleScenario();
  for (const p of s.pods ?? []) if (p.labels?.app === 'konnectivity-agent') p.node = NODE(2);
  const node1 = s.nodes.find((n) => n.computerName === NODE(1))!;
  node1.iptables = {
    chains: {
      INPUT: { policy: 'ACCEPT', rules: [{ target: 'DROP', prot: 'tcp', source: s.nodes.find((n) => n.computerName === NODE(0))!.privateIp, destination: 'anywhere', match: 'tcp dpt:10250' }] },
    },
  };
  return s;
}

describe('speculative kubelet probe', () => {
  it('picks running Linux nodes of system pools, first by name, at most two; other nodes only to make up two', () => {
    const view = (name: string, pool: string, extra: Partial<NodeView> = {}): NodeView => ({
      computerName: name, vmssId: `/vmss/${pool}`, instanceId: name.slice(-1), pool, osType: 'Linux', powerState: 'running', privateIp: `10.0.0.${name.slice(-1)}`, asgIds: [], isTunnelAgent: false, ...extra,
    });
    const nodes = [view('sys3', 'system'), view('usr1', 'user'), view('sys1', 'system', { powerState: 'deallocated' }), view('sys2', 'system'), view('sys0', 'system', { osType: 'Windows' }), view('sys4', 'system')];
    expect(speculativeSources(nodes, new Set(['system'])).map((n) => n.computerName)).toEqual(['sys2', 'sys3']);
    expect(speculativeSources(nodes.filter((n) => n.computerName !== 'sys2'), new Set(['system'])).map((n) => n.computerName)).toEqual(['sys3', 'sys4']);
    expect(speculativeSources(nodes.slice(0, 3), new Set(['system'])).map((n) => n.computerName)).toEqual(['sys3', 'usr1']);
    expect(speculativeSources([view('win', 'system', { osType: 'Windows' })], new Set(['system']))).toEqual([]);
  });

  it('when the pods confirm the guessed nodes, their runs are the probe: no run-command is repeated', async () => {
    t = await startSimForTest([exampleScenario()]);
    const report = await diagnoseCluster(t.layer, clusterOf(exampleScenario()), { checks: ALL_CHECKS });
    expect(report.timing?.speculativeProbe).toEqual({ sources: [NODE(0), NODE(1)], outcome: 'hit', probedAfterPods: [] });
    // Two agent probes and one egress probe, as without speculation.
    expect(t.sim.stats().runCommands).toBe(3);
    for (const phase of ['inventory', 'pods', 'probe'] as const) {
      const span = report.timing?.phases[phase];
      expect(span, phase).toBeDefined();
      expect(span!.endMs).toBeGreaterThanOrEqual(span!.startMs);
    }
  });

  it('when the agents run elsewhere, probes again from them, says so, and never lets the guessed run decide', async () => {
    const s = agentsOffTheGuess();
    t = await startSimForTest([s]);
    const report = await diagnoseCluster(t.layer, clusterOf(s), { checks: ALL_CHECKS });
    expect(report.timing?.speculativeProbe).toMatchObject({ outcome: 'miss', probedAfterPods: [NODE(2)] });
    // Node 0 (a guessed source) cannot reach node 1, but the real agent on node 2 can: no verdict on node 1.
    expect(statusOf(report, 'iptables-10250')).toMatchObject({ status: 'pass', nodes: [] });
    expect(report.affectedNodes).toEqual([]);
  });

  it('the same rule fails the check when node 0 really hosts an agent', async () => {
    const s = agentsOffTheGuess();
    const agent = (s.pods ?? []).find((p) => p.labels?.app === 'konnectivity-agent')!;
    agent.node = NODE(0);
    t = await startSimForTest([s]);
    const report = await diagnoseCluster(t.layer, clusterOf(s), { checks: ALL_CHECKS });
    expect(report.timing?.speculativeProbe).toMatchObject({ outcome: 'partial', probedAfterPods: [NODE(2)] });
    expect(statusOf(report, 'iptables-10250')).toMatchObject({ status: 'fail', nodes: [NODE(1)] });
  });

  it('when the pods cannot be read, the guessed run from the stand-in node counts (it would be probed anyway)', async () => {
    const s = exampleScenario();
    s.faults = [{ method: 'POST', path: '/managedClusters/[^/]+/runCommand$', status: 403 }];
    t = await startSimForTest([s]);
    const report = await diagnoseCluster(t.layer, clusterOf(s), { checks: ALL_CHECKS });
    // No agents known: one running Linux node stands in, the first by name, which was guessed too.
    expect(report.timing?.speculativeProbe).toEqual({ sources: [NODE(0), NODE(1)], outcome: 'partial', probedAfterPods: [] });
    expect(statusOf(report, 'iptables-10250')?.status).toBe('pass');
  });
});
