/**
 * Ties the verdict to the user's symptom: for a few affected nodes, `kubectl logs` of a pod on that
 * node (through AKS command invoke, which does not need the tunnel to reach the API server) should
 * fail with "dial tcp <node-ip>:10250: i/o timeout" (or "connection refused") — exactly what the
 * on-call engineer saw. A node whose logs come back fine contradicts the verdict, and the report says so.
 */
import type { AzureLayer } from '../azure/clients.js';
import { runKubectl } from '../azure/clusters.js';
import { userMessageOf } from '../user-message.js';
import type { PodSummary } from './kube-pods.js';

export interface SymptomResult {
  node: string;
  pod: string;
  /** true: logs failed with the tunnel symptom; false: logs came back; undefined: could not tell. */
  confirmed: boolean | undefined;
  detail: string;
}

/** Kubernetes object names (DNS-1123 subdomain): the only pod names that go into a command. */
const POD_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SYMPTOM = /dial tcp [\d.]+:10250: (i\/o timeout|connect: connection refused)|10250: i\/o timeout/;

/** At most this many nodes are checked: each costs one AKS command invoke. */
export const MAX_SYMPTOM_NODES = 2;

export interface SymptomPick {
  node: string;
  pod: PodSummary;
}

/** The first MAX_SYMPTOM_NODES affected nodes (in the given order) with a running pod whose name is safe to send. */
export function pickSymptomNodes(affectedNodes: string[], pods: PodSummary[]): SymptomPick[] {
  const picks: SymptomPick[] = [];
  for (const node of affectedNodes) {
    const pod = pods.find((p) => p.node?.toLowerCase() === node.toLowerCase() && p.phase === 'Running' && POD_NAME.test(p.name) && POD_NAME.test(p.namespace));
    if (pod) picks.push({ node, pod });
    if (picks.length >= MAX_SYMPTOM_NODES) break;
  }
  return picks;
}

/** `kubectl logs` of the picked pod: one AKS command invoke. */
export async function checkNodeSymptom(layer: AzureLayer, clusterId: string, { node, pod }: SymptomPick): Promise<SymptomResult> {
  const name = `${pod.namespace}/${pod.name}`;
  try {
    const r = await runKubectl(layer, clusterId, `kubectl logs ${pod.name} -n ${pod.namespace} --tail=1`);
    const text = r.logs.trim();
    if (r.exitCode !== 0 && SYMPTOM.test(text)) {
      return { node, pod: name, confirmed: true, detail: `kubectl logs ${name} fails as reported: ${text.split('\n')[0]?.slice(0, 300)}` };
    }
    if (r.exitCode === 0) return { node, pod: name, confirmed: false, detail: `kubectl logs ${name} succeeded, so the API server reaches this node's kubelet right now.` };
    return { node, pod: name, confirmed: undefined, detail: `kubectl logs ${name} failed differently: ${text.slice(0, 300)}` };
  } catch (err) {
    return { node, pod: name, confirmed: undefined, detail: `kubectl logs ${name} could not be run: ${userMessageOf(err)}` };
  }
}

export async function checkLogsSymptom(layer: AzureLayer, clusterId: string, affectedNodes: string[], pods: PodSummary[]): Promise<SymptomResult[]> {
  return Promise.all(pickSymptomNodes(affectedNodes, pods).map((pick) => checkNodeSymptom(layer, clusterId, pick)));
}
