/**
 * tunnel-agent-health against the scenario corpus (every scenarios/*.json: its pods, configmaps and
 * events turned into what kubectl prints, and its expected verdict), plus the ladder arithmetic of
 * cluster-proportional-autoscaler, the parsers and the fixes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decideTunnelAgentHealth,
  EVENTS_COMMAND,
  eventsFromCommand,
  KUBECTL_ACCESS_RESOLVE,
  LADDER_COMMAND,
  ladderFromCommand,
  type TunnelAgentHealthInput,
} from '../../../src/engine/checks/tunnel-agent-health.js';
import {
  DEFAULT_NODES_TO_REPLICAS,
  expectedReplicas,
  formatMemoryQuantity,
  ladderStepFor,
  oomKilledProcess,
  parseEvents,
  parseLadder,
  parseMemoryQuantity,
  type KubeEvent,
} from '../../../src/engine/kube-objects.js';
import { parsePodList, tunnelAgentPods, type PodSummary } from '../../../src/engine/kube-pods.js';
import type { Scenario, ScenarioPod } from '../../../src/scenario/types.js';
import { podJson } from '../../../src/sim/kube-objects.js';

type Json = Record<string, any>;

const SCENARIO_DIR = join(import.meta.dirname, '../../../scenarios');

function loadCorpus(): Array<{ file: string; scenario: Scenario }> {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, scenario: JSON.parse(readFileSync(join(SCENARIO_DIR, file), 'utf8')) as Scenario }));
}

// ---------------------------------------------------------------------------------------------
// Scenario → what kubectl prints

/** A scenario pod as `kubectl get pods -o json` lists it (core/v1 Pod, the fields that matter). */
function kubectlPod(p: ScenarioPod): Json {
  const container = p.labels?.app ?? p.labels?.['k8s-app'] ?? p.labels?.component ?? p.name.split('-')[0];
  const hash = p.labels?.['pod-template-hash'];
  const ready = p.phase === 'Running' && !p.waitingReason;
  const unscheduled = p.phase === 'Pending' && !p.node;
  const last = p.lastTermination;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels ?? {},
      ownerReferences: hash ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: p.name.slice(0, p.name.lastIndexOf('-')), controller: true }] : [],
    },
    spec: { ...(p.node ? { nodeName: p.node } : {}), containers: [{ name: container, resources: p.resources ?? {} }] },
    status: {
      phase: p.phase,
      conditions: [
        { type: 'PodScheduled', status: unscheduled ? 'False' : 'True' },
        { type: 'Ready', status: ready ? 'True' : 'False' },
      ],
      // An unscheduled pod has no container statuses yet.
      containerStatuses: unscheduled
        ? undefined
        : [
            {
              name: container,
              ready,
              restartCount: p.restarts ?? 0,
              state: p.waitingReason ? { waiting: { reason: p.waitingReason } } : p.phase === 'Running' ? { running: { startedAt: '2026-11-25T07:00:00Z' } } : { waiting: { reason: 'ContainerCreating' } },
              lastState: last ? { terminated: { reason: last.reason, exitCode: last.exitCode, finishedAt: last.finishedAt } } : {},
            },
          ],
    },
  };
}

const list = (items: Json[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } });

function nodeCountOf(s: Scenario): number {
  const cluster = s.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters');
  return (cluster?.properties?.agentPoolProfiles as Array<{ count: number }>).reduce((n, p) => n + p.count, 0);
}

/** AKS command invoke refused for this cluster (a 403 fault on …/managedClusters/<name>/runCommand). */
function commandInvokeFault(s: Scenario): { why: string } | undefined {
  const cluster = s.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
  const path = `${cluster.id}/runCommand`;
  const fault = (s.faults ?? []).find((f) => (f.method ?? 'POST') === 'POST' && f.status === 403 && new RegExp(f.path).test(path));
  return fault ? { why: `AKS command invoke answered ${fault.status} ${fault.code ?? ''}: ${fault.message ?? ''}` } : undefined;
}

/** Builds the check's input from a scenario, with the pods rendered by `renderPods`. */
function inputFor(s: Scenario, renderPods: (s: Scenario) => string): TunnelAgentHealthInput {
  const denied = commandInvokeFault(s);
  const configMap = (s.configMaps ?? []).find((c) => c.metadata?.namespace === 'kube-system' && c.metadata?.name === 'konnectivity-agent-autoscaler');
  const ladder = ladderFromCommand(
    configMap
      ? { exitCode: 0, logs: JSON.stringify(configMap) }
      : { exitCode: 1, logs: 'Error from server (NotFound): configmaps "konnectivity-agent-autoscaler" not found\n' },
  );
  const events = eventsFromCommand({ exitCode: 0, logs: list(s.events ?? []) });
  if (denied) {
    return { tunnel: { kind: 'unknown' }, pods: { unreadable: { why: denied.why, resolve: KUBECTL_ACCESS_RESOLVE } }, nodeCount: nodeCountOf(s), ladder, ...events };
  }
  const pods = parsePodList(renderPods(s));
  // API Server VNet Integration (read from the cluster resource by the check's caller): no tunnel.
  const cluster = s.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters');
  const vnet = cluster?.properties?.apiServerAccessProfile?.enableVnetIntegration === true ? { vnetIntegration: { note: 'API server in a delegated subnet' } } : {};
  return { tunnel: { kind: tunnelAgentPods(pods).kind, ...vnet }, pods, nodeCount: nodeCountOf(s), ladder, ...events };
}

const ownRendering = (s: Scenario) => list((s.pods ?? []).map(kubectlPod));
// The simulated Azure's own `kubectl get pods -o json`, so the parser is held to what the demo serves.
const simRendering = (s: Scenario) => list((s.pods ?? []).map((p, i) => podJson(p, s.nodes, i)));

const corpus = loadCorpus();

describe('tunnel-agent-health over the scenario corpus', () => {
  it('has the agents-* scenarios and an expectation for every file', () => {
    expect(corpus.filter((c) => c.file.startsWith('agents-')).length).toBeGreaterThanOrEqual(8);
    for (const { file, scenario } of corpus) expect(scenario.expected?.['tunnel-agent-health'], file).toBeDefined();
  });

  for (const [label, render] of [
    ['kubectl JSON', ownRendering],
    ["the simulator's kubectl JSON", simRendering],
  ] as const) {
    describe(label, () => {
      it.each(corpus.map((c) => [c.file, c.scenario] as const))('%s', (file, scenario) => {
        const expected = scenario.expected!['tunnel-agent-health']!;
        const outcome = decideTunnelAgentHealth(inputFor(scenario, render));
        expect({ status: outcome.status, nodes: outcome.nodes }, `${file}: ${outcome.summary}`).toEqual({
          status: expected.status,
          nodes: expected.nodes ?? [],
        });
        expect(outcome.summary.length).toBeGreaterThan(0);
        for (const fix of outcome.fixes) expect(fix.needsApproval).toBe(true);
        if (outcome.status === 'pass') expect(outcome.fixes).toEqual([]);
        if (outcome.status === 'unknown') {
          expect(outcome.unknownReason?.why).toMatch(/403/);
          expect(outcome.unknownReason?.resolve).toMatch(/managedClusters\/runcommand\/action/);
        }
      });
    });
  }

  const byFile = (name: string) => {
    const found = corpus.find((c) => c.file === name);
    if (!found) throw new Error(`scenario ${name} is missing`);
    return { scenario: found.scenario, outcome: decideTunnelAgentHealth(inputFor(found.scenario, ownRendering)) };
  };

  it('agents-oomkilled: the OOM-killed pod and the event, and a memory patch that doubles the 1Gi limit', () => {
    const { outcome } = byFile('agents-oomkilled.json');
    expect(outcome.summary).toMatch(/OOMKilled/);
    expect(outcome.evidence.some((e) => e.kind === 'event' && /\(proxy-agent\)/.test(e.detail))).toBe(true);
    const fix = outcome.fixes.find((f) => f.kind === 'raise-agent-memory');
    expect(fix).toBeDefined();
    expect(fix!.risk).toBe('high');
    expect(fix!.change).toBe(
      `kubectl patch deployment konnectivity-agent -n kube-system --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"konnectivity-agent","resources":{"limits":{"memory":"2Gi"}}}]}}}}'`,
    );
    expect(fix!.warnings?.join(' ')).toMatch(/support ticket/);
    expect(fix!.warnings?.join(' ')).toMatch(/add-on/);
    // A Running pod that was OOM-killed is not helped by recreating it.
    expect(outcome.fixes.filter((f) => f.kind === 'recreate-tunnel-pods')).toEqual([]);
  });

  it('agents-oom-event-only: the event alone fails the pod on that node', () => {
    const { scenario, outcome } = byFile('agents-oom-event-only.json');
    const node = (scenario.events ?? [])[0]!.involvedObject.name;
    expect(outcome.nodes).toEqual([node]);
    expect(outcome.fixes.map((f) => f.kind)).toEqual(['raise-agent-memory']);
  });

  it('agents-crashloop: recreates exactly the crash-looping pod', () => {
    const { scenario, outcome } = byFile('agents-crashloop.json');
    const crashing = scenario.pods!.find((p) => p.waitingReason === 'CrashLoopBackOff')!;
    const recreate = outcome.fixes.filter((f) => f.kind === 'recreate-tunnel-pods');
    expect(recreate.map((f) => f.change)).toEqual([`kubectl delete pod -n kube-system ${crashing.name}`]);
    expect(recreate[0]!.risk).toBe('medium');
    expect(outcome.evidence.find((e) => e.resource === `kube-system/${crashing.name}`)?.detail).toMatch(/restarts 14/);
  });

  it('agents-too-few-105-nodes: shows the ladder arithmetic and creates the missing configmap', () => {
    const { outcome } = byFile('agents-too-few-105-nodes.json');
    const ladder = outcome.evidence.find((e) => e.kind === 'ladder');
    expect(ladder?.detail).toMatch(/^105 nodes → ladder step \[100,3\] → 3 replicas expected, 2 running \(default ladder/);
    const fix = outcome.fixes.find((f) => f.kind === 'raise-replica-ladder');
    expect(fix?.risk).toBe('high');
    expect(fix?.change).toBe(
      `kubectl create configmap konnectivity-agent-autoscaler -n kube-system '--from-literal=ladder={"coresToReplicas":[],"nodesToReplicas":[[1,2],[100,3],[250,4],[500,5],[1000,6],[5000,10]]}'`,
    );
  });

  it('agents-too-few-ladder: the custom ladder already asks for 3, so the autoscaler pod is recreated', () => {
    const { scenario, outcome } = byFile('agents-too-few-ladder.json');
    expect(outcome.evidence.find((e) => e.kind === 'ladder')?.detail).toMatch(/^6 nodes → ladder step \[5,3\] → 3 replicas expected, 2 running \(ladder from configmap/);
    const autoscaler = scenario.pods!.find((p) => p.name.startsWith('konnectivity-agent-autoscaler-'))!;
    expect(outcome.fixes.map((f) => f.change)).toEqual([`kubectl delete pod -n kube-system ${autoscaler.name}`]);
  });

  it('agents-missing: names konnectivity, since the autoscaler and its configmap remain', () => {
    const { outcome } = byFile('agents-missing.json');
    expect(outcome.summary).toMatch(/^No konnectivity-agent pods in kube-system/);
    expect(outcome.fixes).toEqual([]);
  });

  it('agents-pending: the pending pod is reported and recreated; no node is blamed', () => {
    const { scenario, outcome } = byFile('agents-pending.json');
    const pending = scenario.pods!.find((p) => p.phase === 'Pending')!;
    expect(outcome.summary).toMatch(new RegExp(`${pending.name}: phase Pending`));
    expect(outcome.summary).toMatch(/1 of 2 konnectivity-agent replicas running/);
    expect(outcome.fixes.map((f) => f.target)).toEqual([`kube-system/${pending.name}`]);
  });
});

// ---------------------------------------------------------------------------------------------
// The ladder

describe('expectedReplicas (cluster-proportional-autoscaler ladder mode)', () => {
  const defaults = parseLadder(undefined);
  it.each([
    [0, 2], // below the first step: the autoscaler still uses it
    [1, 2],
    [3, 2],
    [99, 2],
    [100, 3],
    [101, 3],
    [249, 3],
    [250, 4],
    [999, 5],
    [1000, 6],
    [4999, 6],
    [5000, 10],
    [20000, 10],
  ])('%i nodes → %i replicas with the default ladder', (nodes, replicas) => {
    expect(expectedReplicas(defaults, nodes)).toBe(replicas);
  });

  it('sorts the steps as the autoscaler does, and an empty ladder asks for 1', () => {
    const ladder = parseLadder(JSON.stringify({ data: { ladder: '{"nodesToReplicas":[[100,4],[1,2],[5,3]]}' } }));
    expect(ladder.nodesToReplicas).toEqual([
      [1, 2],
      [5, 3],
      [100, 4],
    ]);
    expect(expectedReplicas(ladder, 6)).toBe(3);
    expect(expectedReplicas({ nodesToReplicas: [] }, 50)).toBe(1);
    expect(ladderStepFor([], 3)).toEqual({ replicas: 1 });
  });

  it('takes the larger of the nodes and cores ladders when the core count is known', () => {
    const ladder = parseLadder(JSON.stringify({ data: { ladder: '{"coresToReplicas":[[1,1],[64,5]],"nodesToReplicas":[[1,2]]}' } }));
    expect(expectedReplicas(ladder, 10, 80)).toBe(5);
    expect(expectedReplicas(ladder, 10, 8)).toBe(2);
    expect(expectedReplicas(ladder, 10)).toBe(2);
  });
});

describe('parseLadder', () => {
  const configMap = (ladder: unknown) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'konnectivity-agent-autoscaler', namespace: 'kube-system' }, data: { ladder } });

  it('absent configmap → AKS defaults, no note', () => {
    const l = parseLadder(undefined);
    expect(l).toEqual({ nodesToReplicas: DEFAULT_NODES_TO_REPLICAS.map((s) => [...s]), coresToReplicas: [], source: 'default' });
  });

  it('reads a customised ladder', () => {
    const l = parseLadder(configMap('{"coresToReplicas":[],"nodesToReplicas":[[1,2],[5,3],[100,4]]}'));
    expect(l.source).toBe('configmap');
    expect(l.note).toBeUndefined();
    expect(expectedReplicas(l, 6)).toBe(3);
  });

  it('finds the configmap in a List', () => {
    const l = parseLadder(JSON.stringify({ kind: 'List', items: [JSON.parse(configMap('{"nodesToReplicas":[[1,7]]}'))] }));
    expect(l.nodesToReplicas).toEqual([[1, 7]]);
  });

  it.each([
    ['output that is not JSON', 'Error from server (Forbidden): configmaps is forbidden'],
    ['a ladder that is not JSON', configMap('{nodesToReplicas: [[1,2]]')],
    ['a step with three numbers', configMap('{"nodesToReplicas":[[1,2,3]]}')],
    ['a negative step', configMap('{"nodesToReplicas":[[1,-2]]}')],
    ['a string in a step', configMap('{"nodesToReplicas":[["1","a"]]}')],
    ['nodesToReplicas that is not a list', configMap('{"nodesToReplicas":{"1":2}}')],
    ['a configmap without the ladder key', JSON.stringify({ kind: 'ConfigMap', data: { linear: '{}' } })],
    ['a ladder that is a JSON array', configMap('[[1,2]]')],
  ])('%s → default ladder with a note', (_what, text) => {
    const l = parseLadder(text);
    expect(l.source).toBe('default');
    expect(l.note).toMatch(/default ladder/);
    expect(expectedReplicas(l, 105)).toBe(3);
  });

  it('ladderFromCommand: NotFound is "absent", other failures are noted', () => {
    expect(ladderFromCommand({ exitCode: 1, logs: 'Error from server (NotFound): configmaps "konnectivity-agent-autoscaler" not found' }).note).toBeUndefined();
    expect(ladderFromCommand({ exitCode: 1, logs: 'Error from server (Forbidden): configmaps "konnectivity-agent-autoscaler" is forbidden' }).note).toMatch(/Forbidden/);
  });

  it('a malformed configmap is patched, not created, by the ladder fix', () => {
    const ladder = parseLadder(configMap('{"nodesToReplicas":[[1,-2]]}'));
    const out = decideTunnelAgentHealth({ ...base(), nodeCount: 120, ladder, pods: [agent('a', 'n0'), agent('b', 'n1')] });
    expect(out.status).toBe('fail');
    const fix = out.fixes.find((f) => f.kind === 'raise-replica-ladder')!;
    expect(fix.change).toMatch(/^kubectl patch configmap konnectivity-agent-autoscaler -n kube-system --type merge -p '/);
    const patch = JSON.parse(fix.change.slice(fix.change.indexOf("'") + 1, -1));
    expect(JSON.parse(patch.data.ladder).nodesToReplicas).toEqual(DEFAULT_NODES_TO_REPLICAS.map((s) => [...s]));
    expect(out.evidence.find((e) => e.kind === 'ladder')?.detail).toMatch(/invalid/);
  });
});

// ---------------------------------------------------------------------------------------------
// Decisions on hand-made pod lists

function agent(suffix: string, node: string | undefined, over: Partial<PodSummary> = {}): PodSummary {
  return {
    namespace: 'kube-system',
    name: `konnectivity-agent-6d9f7c8b5-${suffix}`,
    labels: { app: 'konnectivity-agent', 'pod-template-hash': '6d9f7c8b5' },
    ...(node ? { node } : {}),
    phase: 'Running',
    restarts: 0,
    memoryLimit: '1Gi',
    containers: [{ name: 'konnectivity-agent', restarts: over.restarts ?? 0, ready: true, memoryLimit: '1Gi' }],
    ready: true,
    owner: { kind: 'ReplicaSet', name: 'konnectivity-agent-6d9f7c8b5' },
    ...over,
  };
}

function base(): TunnelAgentHealthInput {
  return { tunnel: { kind: 'konnectivity' }, pods: [], nodeCount: 3, ladder: parseLadder(undefined), events: [] };
}

function oomEvent(node: string, process: string): KubeEvent {
  return {
    reason: 'OOMKilling',
    message: `Memory cgroup out of memory: Killed process 4242 (${process}) total-vm:1298764kB, anon-rss:1046828kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:2284kB oom_score_adj:999`,
    namespace: 'default',
    involvedObject: { kind: 'Node', name: node },
    lastTimestamp: '2026-11-25T09:41:17Z',
    count: 1,
  };
}

describe('decideTunnelAgentHealth', () => {
  it('passes two healthy agents on three nodes, with the ladder in the evidence', () => {
    const out = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0'), agent('b', 'n1')] });
    expect(out.status).toBe('pass');
    expect(out.nodes).toEqual([]);
    expect(out.evidence.find((e) => e.kind === 'ladder')?.detail).toMatch(/^3 nodes → ladder step \[1,2\] → 2 replicas expected, 2 running/);
  });

  it('exactly 100 nodes asks for 3; 99 nodes for 2', () => {
    const pods = [agent('a', 'n0'), agent('b', 'n1')];
    expect(decideTunnelAgentHealth({ ...base(), nodeCount: 99, pods }).status).toBe('pass');
    const at100 = decideTunnelAgentHealth({ ...base(), nodeCount: 100, pods });
    expect(at100.status).toBe('fail');
    expect(at100.nodes).toEqual([]);
    expect(at100.summary).toMatch(/2 of 3 konnectivity-agent replicas running/);
  });

  it('0 nodes: the first step still applies (2), so a lone agent is too few', () => {
    const out = decideTunnelAgentHealth({ ...base(), nodeCount: 0, pods: [agent('a', 'n0')] });
    expect(out.status).toBe('fail');
    expect(out.evidence.find((e) => e.kind === 'ladder')?.detail).toMatch(/below the first ladder step \[1,2\]/);
  });

  it('an OOM kill of another process on an agent node does not count', () => {
    const out = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0'), agent('b', 'n1')], events: [oomEvent('n0', 'java'), oomEvent('n1', 'proxy-agent-x')] });
    expect(out.status).toBe('pass');
  });

  it('an OOM kill of proxy-agent on a node without an agent does not count', () => {
    const out = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0'), agent('b', 'n1')], events: [oomEvent('n2', 'proxy-agent')] });
    expect(out.status).toBe('pass');
  });

  it('an OOM kill of proxy-agent on an agent node fails that node; other reasons are ignored', () => {
    const other = { ...oomEvent('n0', 'proxy-agent'), reason: 'NodeNotReady' };
    const out = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0'), agent('b', 'n1')], events: [oomEvent('n1', 'proxy-agent'), other] });
    expect(out.status).toBe('fail');
    expect(out.nodes).toEqual(['n1']);
  });

  it('warns on more than 5 restarts while Running, not on 5', () => {
    const five = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0', { restarts: 5 }), agent('b', 'n1')] });
    expect(five.status).toBe('pass');
    const six = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0', { restarts: 6 }), agent('b', 'n1')] });
    expect(six.status).toBe('warn');
    expect(six.nodes).toEqual(['n0']);
    expect(six.fixes).toEqual([]);
  });

  it('a Running but not Ready agent warns', () => {
    const out = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0', { ready: false }), agent('b', 'n1')] });
    expect(out.status).toBe('warn');
    expect(out.summary).toMatch(/not Ready/);
  });

  it('an evicted leftover is history: warn while the replacements run', () => {
    const evicted = agent('old', 'n2', { phase: 'Failed', statusReason: 'Evicted', containers: [] });
    const out = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0'), agent('b', 'n1'), evicted] });
    expect(out.status).toBe('warn');
    expect(out.summary).toMatch(/Evicted/);
  });

  it('sorts the nodes of several failing pods and reports a crash loop whose last exit was OOMKilled with both fixes', () => {
    const crash = agent('z', 'n9', {
      restarts: 9,
      waitingReason: 'CrashLoopBackOff',
      containers: [{ name: 'konnectivity-agent', restarts: 9, waitingReason: 'CrashLoopBackOff', lastTerminated: { reason: 'OOMKilled', exitCode: 137 }, memoryLimit: '500Mi' }],
    });
    const stuck = agent('y', 'n3', { phase: 'Unknown' });
    const out = decideTunnelAgentHealth({ ...base(), pods: [crash, stuck] });
    expect(out.status).toBe('fail');
    expect(out.nodes).toEqual(['n3', 'n9']);
    expect(out.fixes.map((f) => f.kind).sort()).toEqual(['raise-agent-memory', 'recreate-tunnel-pods', 'recreate-tunnel-pods']);
    expect(out.fixes.find((f) => f.kind === 'raise-agent-memory')!.change).toContain('"memory":"1000Mi"');
  });

  it('an OOM event on a two-container pod patches the agent container, not the sidecar', () => {
    const pod = agent('a', 'n0', {
      memoryLimit: '64Mi',
      containers: [
        { name: 'konnectivity-agent-metrics', restarts: 0, memoryLimit: '64Mi' },
        { name: 'konnectivity-agent', restarts: 0, memoryLimit: '1Gi' },
      ],
    });
    const out = decideTunnelAgentHealth({ ...base(), pods: [pod, agent('b', 'n1')], events: [oomEvent('n0', 'proxy-agent')] });
    expect(out.fixes.map((f) => f.change)).toEqual([
      `kubectl patch deployment konnectivity-agent -n kube-system --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"konnectivity-agent","resources":{"limits":{"memory":"2Gi"}}}]}}}}'`,
    ]);
    expect(out.evidence[0]!.detail).toMatch(/memory limits konnectivity-agent-metrics=64Mi, konnectivity-agent=1Gi/);
  });

  it('no memory limit: no patch, a note about node pressure instead', () => {
    const pod = agent('a', 'n0', { memoryLimit: undefined, containers: [{ name: 'konnectivity-agent', restarts: 1, lastTerminated: { reason: 'OOMKilled' } }] });
    const out = decideTunnelAgentHealth({ ...base(), pods: [pod, agent('b', 'n1')] });
    expect(out.status).toBe('fail');
    expect(out.fixes).toEqual([]);
    expect(out.evidence.some((e) => e.kind === 'note' && /no memory limit/.test(e.detail))).toBe(true);
  });

  it('does not put a suspicious pod name into a command', () => {
    const bad = agent('x; rm -rf /', 'n0', { phase: 'Pending' });
    const out = decideTunnelAgentHealth({ ...base(), pods: [bad, agent('b', 'n1')] });
    expect(out.status).toBe('fail');
    expect(out.fixes).toEqual([]);
  });

  it('tunnel-front: one pod at 105 nodes passes (no ladder); a crash loop fails', () => {
    const tf = (over: Partial<PodSummary> = {}): PodSummary => ({ namespace: 'kube-system', name: 'tunnelfront-7f9c6d5b8-qx2zp', labels: { component: 'tunnel' }, node: 'n0', phase: 'Running', restarts: 0, ...over });
    const ok = decideTunnelAgentHealth({ ...base(), tunnel: { kind: 'tunnel-front' }, nodeCount: 105, pods: [tf()] });
    expect(ok.status).toBe('pass');
    expect(ok.evidence.some((e) => e.kind === 'ladder')).toBe(false);
    expect(ok.evidence.some((e) => /konnectivity only/.test(e.detail))).toBe(true);
    const bad = decideTunnelAgentHealth({ ...base(), tunnel: { kind: 'tunnel-front' }, nodeCount: 105, pods: [tf({ restarts: 30, waitingReason: 'CrashLoopBackOff' })] });
    expect(bad.status).toBe('fail');
    expect(bad.nodes).toEqual(['n0']);
  });

  it('aks-link: an OOM kill of openvpn on its node fails it', () => {
    const link = (s: string, node: string): PodSummary => ({ namespace: 'kube-system', name: `aks-link-5c7d8f9b6-${s}`, labels: { app: 'aks-link' }, node, phase: 'Running', restarts: 0, memoryLimit: '256Mi' });
    const out = decideTunnelAgentHealth({ ...base(), tunnel: { kind: 'aks-link' }, pods: [link('a', 'n0'), link('b', 'n1')], events: [oomEvent('n1', 'openvpn')] });
    expect(out.status).toBe('fail');
    expect(out.nodes).toEqual(['n1']);
    expect(out.fixes[0]!.change).toContain('"memory":"512Mi"');
    expect(out.fixes[0]!.change).toContain('kubectl patch deployment aks-link ');
  });

  it('no tunnel pods and no hint of konnectivity: a generic message', () => {
    const out = decideTunnelAgentHealth({ ...base(), tunnel: { kind: 'none' }, pods: [], ladder: parseLadder(undefined) });
    expect(out.status).toBe('fail');
    expect(out.summary).toMatch(/^No tunnel agent pods in kube-system/);
    expect(out.nodes).toEqual([]);
  });

  it('unreadable pods → unknown with the reason and what resolves it', () => {
    const out = decideTunnelAgentHealth({ ...base(), pods: { unreadable: { why: 'AuthorizationFailed (403)', resolve: '' } } });
    expect(out.status).toBe('unknown');
    expect(out.unknownReason).toEqual({ why: 'AuthorizationFailed (403)', resolve: KUBECTL_ACCESS_RESOLVE });
    expect(out.nodes).toEqual([]);
  });

  it('events that could not be read are noted, and pod status still decides', () => {
    const { events, eventsUnreadable } = eventsFromCommand({ exitCode: 1, logs: 'Error from server (Forbidden): events is forbidden\n' });
    const out = decideTunnelAgentHealth({ ...base(), pods: [agent('a', 'n0'), agent('b', 'n1')], events, ...(eventsUnreadable ? { eventsUnreadable } : {}) });
    expect(out.status).toBe('pass');
    expect(out.evidence.some((e) => e.kind === 'note' && /Forbidden/.test(e.detail))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Commands and parsers

describe('commands', () => {
  it('are the fixed kubectl command lines', () => {
    expect(LADDER_COMMAND).toBe('kubectl get configmap konnectivity-agent-autoscaler -n kube-system -o json');
    expect(EVENTS_COMMAND).toBe('kubectl get events -A --field-selector reason=OOMKilling -o json');
  });
});

describe('parseEvents', () => {
  it('reads core/v1 events and events.k8s.io field names', () => {
    const events = parseEvents(
      JSON.stringify({
        items: [
          {
            metadata: { namespace: 'default' },
            involvedObject: { kind: 'Node', name: 'aks-nodepool1-1-vmss000000' },
            reason: 'OOMKilling',
            message: 'Memory cgroup out of memory: Killed process 21877 (proxy-agent) total-vm:1kB',
            lastTimestamp: '2026-11-25T09:41:17Z',
            eventTime: null,
            count: 2,
            source: { component: 'kernel-monitor' },
            type: 'Warning',
          },
          { regarding: { kind: 'Pod', name: 'p', namespace: 'kube-system' }, reason: 'OOMKilling', note: 'Killed process 7 (proxy-agent)', eventTime: '2026-11-25T09:00:00.000000Z', deprecatedCount: 3 },
        ],
      }),
    );
    expect(events[0]).toEqual({
      reason: 'OOMKilling',
      message: 'Memory cgroup out of memory: Killed process 21877 (proxy-agent) total-vm:1kB',
      type: 'Warning',
      namespace: 'default',
      involvedObject: { kind: 'Node', name: 'aks-nodepool1-1-vmss000000' },
      lastTimestamp: '2026-11-25T09:41:17Z',
      count: 2,
      source: 'kernel-monitor',
    });
    expect(events[1]).toMatchObject({ message: 'Killed process 7 (proxy-agent)', involvedObject: { kind: 'Pod', name: 'p', namespace: 'kube-system' }, eventTime: '2026-11-25T09:00:00.000000Z', count: 3 });
  });

  it('rejects output that is not an event list', () => {
    expect(() => parseEvents('No resources found')).toThrow(/JSON/);
    expect(() => parseEvents('{"kind":"Event"}')).toThrow(/items/);
    expect(eventsFromCommand({ exitCode: 0, logs: 'No resources found\n' })).toEqual({ events: [] });
  });

  it('finds the killed process in the kernel line', () => {
    expect(oomKilledProcess('Memory cgroup out of memory: Killed process 21877 (proxy-agent) total-vm:1kB')).toEqual({ pid: 21877, process: 'proxy-agent' });
    expect(oomKilledProcess('Out of memory: Kill process 99 (java) score 900 or sacrifice child')).toEqual({ pid: 99, process: 'java' });
    expect(oomKilledProcess('Node became not ready')).toBeUndefined();
  });
});

describe('memory quantities', () => {
  it.each([
    ['1Gi', 2 ** 30, 'binary'],
    ['500Mi', 500 * 2 ** 20, 'binary'],
    ['512M', 512e6, 'decimal'],
    ['1e9', 1e9, 'decimal'],
    ['1073741824', 2 ** 30, 'decimal'],
    ['1.5Gi', 1.5 * 2 ** 30, 'binary'],
  ])('%s', (text, bytes, family) => {
    expect(parseMemoryQuantity(text)).toEqual({ bytes, family });
  });

  it('rejects what is not a quantity', () => {
    expect(parseMemoryQuantity('lots')).toBeUndefined();
    expect(parseMemoryQuantity('1 Gi')).toBeUndefined();
    expect(parseMemoryQuantity('-1Gi')).toBeUndefined();
  });

  it('formats in the largest unit that divides', () => {
    expect(formatMemoryQuantity(2 ** 31)).toBe('2Gi');
    expect(formatMemoryQuantity(1000 * 2 ** 20)).toBe('1000Mi');
    expect(formatMemoryQuantity(3 * 2 ** 30)).toBe('3Gi');
    expect(formatMemoryQuantity(1024e6, 'decimal')).toBe('1024M');
    expect(formatMemoryQuantity(1000)).toBe('1000');
  });
});
