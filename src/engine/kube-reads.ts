/**
 * Everything a diagnosis reads from Kubernetes before it knows which nodes fail, in ONE AKS command
 * invoke (kube-batch.ts): the tunnel's pods (tunnel-pod-list.ts), the konnectivity autoscaler's
 * ladder and the OOM-kill events (tunnel-agent-health), and one running pod per node for the
 * `kubectl logs` symptom check (symptom-check.ts). Each of these used to be its own command invoke,
 * and a command invoke takes as long as a VMSS run-command: reading them together takes one off
 * the diagnosis's critical path (the symptom check no longer looks a pod up on the node first) and
 * four off its command invoke count.
 */
import { EVENTS_COMMAND, LADDER_COMMAND } from './checks/tunnel-agent-health.js';
import { runBatch, type BatchPart, type Kubectl, type KubectlResult } from './kube-batch.js';
import type { PodSummary } from './kube-pods.js';
import { TUNNEL_POD_PARTS, tunnelPodsFrom, type TunnelPodRead } from './tunnel-pod-list.js';

/**
 * kube-proxy runs on every Linux node of an AKS cluster (a DaemonSet labelled component=kube-proxy)
 * and its logs go through the tunnel like any pod's. Custom columns keep a row to ~70 bytes, so a
 * 1000-node cluster's list is ~70 kB of command invoke's 512 kB. On clusters without kube-proxy
 * (Azure CNI powered by Cilium) the list is empty and the symptom check looks a pod up per node.
 */
export const NODE_POD_COMMAND =
  'kubectl get pods -n kube-system -l component=kube-proxy --field-selector status.phase=Running -o custom-columns=NAME:.metadata.name,NAMESPACE:.metadata.namespace,NODE:.spec.nodeName';

/** Smallest output first: a cut then costs the fewest re-reads (kube-batch.ts). */
const PARTS: readonly BatchPart[] = [
  { key: 'ladder', command: LADDER_COMMAND },
  ...TUNNEL_POD_PARTS,
  { key: 'oom-events', command: EVENTS_COMMAND },
  { key: 'node-pods', command: NODE_POD_COMMAND },
];

export interface KubeReads {
  /** The tunnel's pods, or why they could not be read. */
  pods: TunnelPodRead;
  /** LADDER_COMMAND's result (parsed by ladderFromCommand). */
  ladder: KubectlResult;
  /** EVENTS_COMMAND's result (parsed by eventsFromCommand). */
  events: KubectlResult;
  /** A running kube-proxy pod per node it runs on; empty when none or unreadable. */
  nodePods: PodSummary[];
}

/** Rows of NODE_POD_COMMAND's custom columns: NAME NAMESPACE NODE, `<none>` where unset. */
export function parseNodePods(result: KubectlResult): PodSummary[] {
  if (result.exitCode !== 0) return [];
  const [header, ...rows] = result.logs.split('\n').filter((l) => l.trim() !== '');
  if (!header || !/^NAME\s+NAMESPACE\s+NODE\s*$/.test(header)) return [];
  return rows.flatMap((row) => {
    const [name, namespace, node] = row.trim().split(/\s+/);
    if (!name || !namespace || !node || node === '<none>') return [];
    return [{ name, namespace, node, phase: 'Running', labels: { component: 'kube-proxy' }, restarts: 0 }];
  });
}

/** The diagnosis's Kubernetes reads; throws what command invoke threw (the caller says why for each). */
export async function readKube(kubectl: Kubectl): Promise<KubeReads> {
  const results = await runBatch(kubectl, PARTS);
  const get = (key: string): KubectlResult => results.get(key) ?? { exitCode: -1, logs: 'not run' };
  return { pods: tunnelPodsFrom(results), ladder: get('ladder'), events: get('oom-events'), nodePods: parseNodePods(get('node-pods')) };
}

/** What the checks see when the reads could not run at all: every part failed for the same reason. */
export function kubeReadsFailed(why: { reason: string; resolve?: string }): KubeReads {
  const failed = { exitCode: -1, logs: why.reason };
  return { pods: { ok: false, ...why }, ladder: failed, events: failed, nodePods: [] };
}
