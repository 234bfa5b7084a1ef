/**
 * Several kubectl reads in one AKS command invoke (src/engine/kube-batch.ts, kube-reads.ts): the
 * script, splitting its output back per command, re-reading what the 512 kB cap cut, and — through
 * the simulated Azure — how many command invokes a diagnosis sends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { batchScript, runBatch, splitBatchOutput, type BatchPart } from '../../src/engine/kube-batch.js';
import { NODE_POD_COMMAND, parseNodePods, readKube } from '../../src/engine/kube-reads.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { assertSafeKubectl } from '../../src/azure/clusters.js';
import { runShellScript } from '../../src/sim/command-shell.js';
import { runKubectlCommand } from '../../src/sim/kubectl.js';
import { Estate } from '../../src/sim/estate.js';
import { createNetworkOracle } from '../../src/sim/network-oracle.js';
import { clusterOf, scenario } from './fixes/fix-env.js';
import { startSimForTest, type SimForTest } from '../support/sim.js';

const PARTS: BatchPart[] = [
  { key: 'small', command: 'kubectl get configmap a -n kube-system -o json' },
  { key: 'big', command: 'kubectl get pods -n kube-system -o json' },
  { key: 'after', command: 'kubectl get events -A -o json' },
];

/** A command invoke over the simulator's shell, answering from `answers`, keeping `limit` bytes of output. */
function invoker(answers: Record<string, { exitCode: number; logs: string }>, limit = Infinity) {
  const scripts: string[] = [];
  return {
    scripts,
    kubectl: async (script: string) => {
      scripts.push(script);
      const r = runShellScript(script, (c) => answers[c] ?? { exitCode: 1, logs: `Error from server (NotFound): ${c}\n` });
      return { exitCode: r.exitCode, logs: Buffer.from(r.logs).subarray(0, limit).toString('utf8') };
    },
  };
}

describe('batchScript', () => {
  it('joins constant commands with an end marker carrying each one\'s $?', () => {
    expect(batchScript(PARTS.slice(0, 1))).toBe('kubectl get configmap a -n kube-system -o json; echo "@@tunnel-doctor-end small $?@@"');
  });

  it.each(['kubectl get pods; rm -rf /', 'kubectl get pods $(id)', "kubectl get pods 'x'", 'kubectl get pods\nid'])('refuses a command holding shell syntax: %j', (command) => {
    expect(() => batchScript([{ key: 'k', command }])).toThrow(/shell metacharacter/);
  });

  it('the Azure layer lets the batch through, and nothing that merely looks like one', () => {
    expect(() => assertSafeKubectl(batchScript(PARTS))).not.toThrow();
    expect(() => assertSafeKubectl(NODE_POD_COMMAND)).not.toThrow();
    for (const bad of [
      'echo "@@tunnel-doctor-end a $?@@"; kubectl get pods',
      'kubectl get pods; echo "@@tunnel-doctor-end a $(id)@@"',
      'kubectl get pods; echo "@@tunnel-doctor-end a $?@@"; rm -rf x; echo "@@tunnel-doctor-end b $?@@"',
      'kubectl get pods; kubectl get nodes',
      'kubectl get pods; echo "@@tunnel-doctor-end a $?@@"; kubectl get nodes',
    ]) {
      expect(() => assertSafeKubectl(bad), bad).toThrow(/refused kubectl command/);
    }
  });
});

describe('splitBatchOutput and runBatch', () => {
  it('gives each command its own output and exit status', async () => {
    const k = invoker({ [PARTS[0]!.command]: { exitCode: 0, logs: '{"a":1}\n' }, [PARTS[1]!.command]: { exitCode: 0, logs: '{"items":[]}' } });
    const r = await runBatch(k.kubectl, PARTS);
    expect(k.scripts).toHaveLength(1);
    expect(r.get('small')).toEqual({ exitCode: 0, logs: '{"a":1}\n' });
    // No trailing newline: the marker still starts its own line in the split, and the output is whole.
    expect(r.get('big')).toEqual({ exitCode: 0, logs: '{"items":[]}' });
    expect(r.get('after')).toEqual({ exitCode: 1, logs: `Error from server (NotFound): ${PARTS[2]!.command}\n` });
  });

  it('a part whose end marker never came was cut: it, and only what came after, is read again alone', async () => {
    const big = `${'x'.repeat(600 * 1024)}\n`;
    const k = invoker({ [PARTS[0]!.command]: { exitCode: 0, logs: 'small\n' }, [PARTS[1]!.command]: { exitCode: 0, logs: big }, [PARTS[2]!.command]: { exitCode: 0, logs: 'after\n' } }, 512 * 1024);
    const r = await runBatch(k.kubectl, PARTS);
    expect(k.scripts).toEqual([batchScript(PARTS), PARTS[1]!.command, PARTS[2]!.command]);
    expect(r.get('small')).toEqual({ exitCode: 0, logs: 'small\n' });
    expect(r.get('after')).toEqual({ exitCode: 0, logs: 'after\n' });
    // Alone it is cut too: the caller's parser says so (tunnel-pod-list.ts outputWasCut).
    expect(r.get('big')!.logs.length).toBe(512 * 1024);
    expect(splitBatchOutput(PARTS, 'small\n')).toEqual(new Map([['small', { cut: true }], ['big', { cut: true }], ['after', { cut: true }]]));
  });

  it('a failed invoke is thrown to the caller, who words it', async () => {
    await expect(runBatch(async () => { throw new Error('throttled'); }, PARTS)).rejects.toThrow('throttled');
  });
});

describe('readKube', () => {
  it('reads the tunnel pods, ladder, OOM events and a kube-proxy pod per node in one command invoke', async () => {
    const s = scenario('iptables-drop-10250');
    const e = new Estate(s, 0);
    const oracle = createNetworkOracle(e);
    let invokes = 0;
    const reads = await readKube(async (script) => {
      invokes += 1;
      return runShellScript(script, (c) => runKubectlCommand(e, c, oracle));
    });
    expect(invokes).toBe(1);
    expect(reads.pods.ok && reads.pods.pods.some((p) => p.labels.app === 'konnectivity-agent')).toBe(true);
    const proxyNodes = (s.pods ?? []).filter((p) => p.labels?.component === 'kube-proxy' && p.phase === 'Running').map((p) => p.node).sort();
    expect(proxyNodes.length).toBe(s.nodes.length);
    expect(reads.nodePods.map((p) => p.node).sort()).toEqual(proxyNodes);
    expect(reads.events.exitCode).toBe(0);
  });

  it('parseNodePods skips rows without a node and output that is not the asked table', () => {
    expect(parseNodePods({ exitCode: 0, logs: 'NAME   NAMESPACE   NODE\nkube-proxy-a   kube-system   n1\nkube-proxy-b   kube-system   <none>\n' })).toEqual([
      { name: 'kube-proxy-a', namespace: 'kube-system', node: 'n1', phase: 'Running', labels: { component: 'kube-proxy' }, restarts: 0 },
    ]);
    expect(parseNodePods({ exitCode: 0, logs: 'No resources found in kube-system namespace.\n' })).toEqual([]);
    expect(parseNodePods({ exitCode: 1, logs: 'NAME   NAMESPACE   NODE\nx   y   z\n' })).toEqual([]);
  });
});

const isTunnelPod = (p: { labels?: Record<string, string> }) => p.labels?.app === 'konnectivity-agent' || p.labels?.['k8s-app'] === 'konnectivity-agent-autoscaler';

/** The node whose iptables drops 10250 in the scenario. */
function faultyNode(s: ReturnType<typeof scenario>): string {
  const found = s.nodes.filter((n) => /"DROP"[^}]*10250/.test(JSON.stringify(n.iptables ?? {})));
  expect(found).toHaveLength(1);
  return found[0]!.computerName;
}

describe('command invokes per diagnosis', () => {
  let t: SimForTest | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('one node dropping 10250: the early reads and one kubectl logs — two command invokes, and the symptom is confirmed', async () => {
    const s = scenario('iptables-drop-10250');
    t = await startSimForTest([s]);
    const report = await diagnoseCluster(t.layer, clusterOf(s), { checks: ALL_CHECKS });
    expect(report.checks.find((c) => c.id === 'iptables-10250')?.status).toBe('fail');
    expect(t.sim.stats().byRoute['managedClusters.runCommand']).toBe(2);
    expect(report.symptoms?.length).toBeGreaterThan(0);
    expect(report.symptoms?.every((x) => x.confirmed === true)).toBe(true);
  });

  it('the unreachable node hosts no listed pod: its kube-proxy from the early list serves, no lookup', async () => {
    const s = scenario('iptables-drop-10250');
    const faulty = faultyNode(s);
    // The tunnel's pods move off the faulty node, so only the kube-proxy list names a pod there.
    const other = s.nodes.find((n) => n.computerName !== faulty)!.computerName;
    for (const p of s.pods ?? []) if (isTunnelPod(p) && p.node === faulty) p.node = other;
    t = await startSimForTest([s]);
    const report = await diagnoseCluster(t.layer, clusterOf(s), { checks: ALL_CHECKS });
    expect(t.sim.stats().byRoute['managedClusters.runCommand']).toBe(2);
    expect(report.symptoms?.map((x) => [x.node, x.pod.replace(/-[a-z0-9]+$/, ''), x.confirmed])).toEqual([[faulty, 'kube-system/kube-proxy', true]]);
  });

  it('without kube-proxy (Cilium) the symptom check looks a pod up on the node first: one invoke more', async () => {
    const s = scenario('iptables-drop-10250');
    const faulty = faultyNode(s);
    const other = s.nodes.find((n) => n.computerName !== faulty)!.computerName;
    for (const p of s.pods ?? []) if (isTunnelPod(p) && p.node === faulty) p.node = other;
    s.pods = (s.pods ?? []).filter((p) => p.labels?.component !== 'kube-proxy');
    t = await startSimForTest([s]);
    const report = await diagnoseCluster(t.layer, clusterOf(s), { checks: ALL_CHECKS });
    expect(t.sim.stats().byRoute['managedClusters.runCommand']).toBe(3);
    expect(report.symptoms?.map((x) => [x.node, x.confirmed])).toEqual([[faulty, true]]);
  });
});
