/**
 * parsePodList over pod JSON shaped like the API server's (per-container status joined to the spec
 * by name), and tunnelAgentPods' selection by label.
 */
import { describe, expect, it } from 'vitest';
import { KubectlOutputError, parsePodList, tunnelAgentPods, tunnelEgressPort, type PodSummary } from '../../src/engine/kube-pods.js';

type Json = Record<string, any>;

const list = (...items: Json[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } });

/** A konnectivity-agent pod as `kubectl get pods -n kube-system -o json` prints it (AKS, two containers). */
function agentPod(over: { name?: string; node?: string; phase?: string; statuses?: Json[]; deletionTimestamp?: string; reason?: string; ready?: boolean } = {}): Json {
  const name = over.name ?? 'konnectivity-agent-6d9f7c8b5-x2x7q';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'kube-system',
      labels: { app: 'konnectivity-agent', 'pod-template-hash': '6d9f7c8b5' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'konnectivity-agent-6d9f7c8b5', uid: 'u1', controller: true, blockOwnerDeletion: true },
      ],
      ...(over.deletionTimestamp ? { deletionTimestamp: over.deletionTimestamp } : {}),
    },
    spec: {
      ...(over.node === undefined ? { nodeName: 'aks-nodepool1-12345678-vmss000000' } : over.node ? { nodeName: over.node } : {}),
      // Spec order differs from status order on purpose: containers pair by name.
      containers: [
        { name: 'konnectivity-agent-metrics', resources: { limits: { memory: '64Mi' } } },
        { name: 'konnectivity-agent', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '20m', memory: '30Mi' } } },
      ],
    },
    status: {
      phase: over.phase ?? 'Running',
      ...(over.reason ? { reason: over.reason } : {}),
      conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }],
      containerStatuses: over.statuses ?? [
        {
          name: 'konnectivity-agent',
          ready: true,
          restartCount: 3,
          state: { running: { startedAt: '2026-11-25T09:41:20Z' } },
          lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: '2026-11-25T09:41:17Z' } },
        },
        { name: 'konnectivity-agent-metrics', ready: true, restartCount: 1, state: { running: {} }, lastState: {} },
      ],
    },
  };
}

describe('parsePodList', () => {
  it('joins each container status to its spec by name', () => {
    const [pod] = parsePodList(list(agentPod()));
    expect(pod).toEqual<PodSummary>({
      namespace: 'kube-system',
      name: 'konnectivity-agent-6d9f7c8b5-x2x7q',
      labels: { app: 'konnectivity-agent', 'pod-template-hash': '6d9f7c8b5' },
      node: 'aks-nodepool1-12345678-vmss000000',
      phase: 'Running',
      restarts: 4,
      lastTerminationReason: 'OOMKilled',
      // The first spec container's limit, as before the per-container detail existed.
      memoryLimit: '64Mi',
      containers: [
        {
          name: 'konnectivity-agent',
          restarts: 3,
          ready: true,
          lastTerminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: '2026-11-25T09:41:17Z' },
          memoryLimit: '1Gi',
          memoryRequest: '30Mi',
        },
        { name: 'konnectivity-agent-metrics', restarts: 1, ready: true, memoryLimit: '64Mi' },
      ],
      ready: true,
      owner: { kind: 'ReplicaSet', name: 'konnectivity-agent-6d9f7c8b5' },
    });
  });

  it('a crash-looping container: waiting reason, not ready', () => {
    const [pod] = parsePodList(
      list(
        agentPod({
          ready: false,
          statuses: [
            {
              name: 'konnectivity-agent',
              ready: false,
              restartCount: 14,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
              lastState: { terminated: { reason: 'Error', exitCode: 1 } },
            },
          ],
        }),
      ),
    );
    expect(pod!.waitingReason).toBe('CrashLoopBackOff');
    expect(pod!.ready).toBe(false);
    expect(pod!.containers![0]).toMatchObject({ name: 'konnectivity-agent', waitingReason: 'CrashLoopBackOff', lastTerminated: { reason: 'Error', exitCode: 1 }, ready: false });
    // The metrics sidecar has no status in this output: it is listed from its spec, not started.
    expect(pod!.containers![1]).toEqual({ name: 'konnectivity-agent-metrics', restarts: 0, memoryLimit: '64Mi' });
  });

  it('an unscheduled Pending pod: no node, containers from the spec', () => {
    const pod = agentPod({ node: '', phase: 'Pending', ready: false });
    delete pod.status.containerStatuses;
    const [p] = parsePodList(list(pod));
    expect(p!.node).toBeUndefined();
    expect(p!.phase).toBe('Pending');
    expect(p!.restarts).toBe(0);
    expect(p!.containers!.map((c) => c.name)).toEqual(['konnectivity-agent-metrics', 'konnectivity-agent']);
  });

  it('an evicted pod being deleted', () => {
    const [p] = parsePodList(list(agentPod({ phase: 'Failed', reason: 'Evicted', deletionTimestamp: '2026-11-25T10:00:00Z', statuses: [] })));
    expect(p).toMatchObject({ phase: 'Failed', statusReason: 'Evicted', deleting: true });
  });

  it('unnamed container statuses pair with the spec by position', () => {
    const pod = { metadata: { name: 'x', namespace: 'kube-system' }, spec: { containers: [{ name: 'a', resources: { limits: { memory: '1Gi' } } }] }, status: { phase: 'Running', containerStatuses: [{ restartCount: 2 }] } };
    expect(parsePodList(list(pod))[0]!.containers).toEqual([{ name: 'a', restarts: 2, memoryLimit: '1Gi' }]);
  });

  it('the minimal fields stay working for hand-written JSON', () => {
    const [p] = parsePodList(list({ metadata: { name: 'x' } }));
    expect(p).toMatchObject({ namespace: '', name: 'x', labels: {}, phase: 'Unknown', restarts: 0, containers: [] });
  });

  it('rejects what is not a pod list', () => {
    expect(() => parsePodList('Error from server (Forbidden): pods is forbidden')).toThrow(KubectlOutputError);
    expect(() => parsePodList('{"kind":"Pod"}')).toThrow(/items/);
  });
});

describe('tunnelAgentPods', () => {
  const pod = (name: string, labels: Record<string, string>, namespace = 'kube-system'): PodSummary => ({ namespace, name, labels, phase: 'Running', restarts: 0 });

  it('selects konnectivity agents by label, not the autoscaler that shares the name prefix', () => {
    const found = tunnelAgentPods([
      pod('konnectivity-agent-autoscaler-5b6c7d8f9-abcde', { 'k8s-app': 'konnectivity-agent-autoscaler' }),
      pod('konnectivity-agent-6d9f7c8b5-x2x7q', { app: 'konnectivity-agent' }),
      pod('konnectivity-agent-6d9f7c8b5-z9z8y', { app: 'konnectivity-agent' }, 'default'),
    ]);
    expect(found.kind).toBe('konnectivity');
    expect(found.pods.map((p) => p.name)).toEqual(['konnectivity-agent-6d9f7c8b5-x2x7q']);
  });

  it('legacy tunnels, and none', () => {
    expect(tunnelAgentPods([pod('tunnelfront-7f9c6d5b8-qx2zp', { component: 'tunnel' })]).kind).toBe('tunnel-front');
    expect(tunnelAgentPods([pod('aks-link-5c7d8f9b6-abcde', { app: 'aks-link' })]).kind).toBe('aks-link');
    expect(tunnelAgentPods([pod('konnectivity-agent-autoscaler-5b6c7d8f9-abcde', { 'k8s-app': 'konnectivity-agent-autoscaler' })])).toEqual({ kind: 'none', pods: [] });
  });

  it('egress ports per tunnel kind', () => {
    expect(tunnelEgressPort('konnectivity')).toEqual({ port: 443, protocol: 'tcp' });
    expect(tunnelEgressPort('tunnel-front')).toEqual({ port: 9000, protocol: 'tcp' });
    expect(tunnelEgressPort('aks-link')).toEqual({ port: 1194, protocol: 'udp' });
    expect(tunnelEgressPort('none')).toBeUndefined();
  });
});
