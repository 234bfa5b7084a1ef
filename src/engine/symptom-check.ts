/**
 * Ties the verdict to the user's symptom: for a few affected nodes, `kubectl logs` of a pod on that
 * node (through AKS command invoke, which does not need the tunnel to reach the API server) should
 * fail with "dial tcp <node-ip>:10250: i/o timeout" (or "connection refused") — exactly what the
 * on-call engineer saw. A node whose logs come back fine contradicts the verdict, and the report says so.
 */
import type { AzureLayer } from '../azure/clients.js';
import { runKubectl } from '../azure/clusters.js';
import { userMessageOf } from '../user-message.js';
import { parsePodList, type PodSummary } from './kube-pods.js';

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

const loggable = (node: string) => (p: PodSummary) => p.node?.toLowerCase() === node.toLowerCase() && p.phase === 'Running' && POD_NAME.test(p.name) && POD_NAME.test(p.namespace);

/**
 * A running kube-system pod on the node (every node runs DaemonSet pods there). The diagnosis lists
 * only the tunnel's pods (tunnel-pod-list.ts), so for other nodes one narrow listing by node name:
 * the field selector keeps the output far below command invoke's 512 kB.
 */
async function podOnNode(layer: AzureLayer, clusterId: string, node: string): Promise<PodSummary | undefined> {
  if (!POD_NAME.test(node.toLowerCase())) return undefined;
  try {
    const r = await runKubectl(layer, clusterId, `kubectl get pods -n kube-system --field-selector spec.nodeName=${node.toLowerCase()},status.phase=Running -o json`);
    return r.exitCode === 0 ? parsePodList(r.logs).find(loggable(node)) : undefined;
  } catch {
    return undefined;
  }
}

export async function checkLogsSymptom(layer: AzureLayer, clusterId: string, affectedNodes: string[], pods: PodSummary[]): Promise<SymptomResult[]> {
  const picks: Array<{ node: string; pod: PodSummary }> = [];
  for (const node of affectedNodes) {
    const pod = pods.find(loggable(node));
    if (pod) picks.push({ node, pod });
    if (picks.length >= MAX_SYMPTOM_NODES) break;
  }
  const unlisted = affectedNodes.filter((n) => !picks.some((p) => p.node === n)).slice(0, MAX_SYMPTOM_NODES - picks.length);
  for (const [i, pod] of (await Promise.all(unlisted.map((n) => podOnNode(layer, clusterId, n)))).entries()) {
    if (pod) picks.push({ node: unlisted[i] as string, pod });
  }
  return Promise.all(
    picks.map(async ({ node, pod }): Promise<SymptomResult> => {
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
    }),
  );
}
