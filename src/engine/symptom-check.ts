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

export interface SymptomPick {
  node: string;
  /** A running pod on the node from the diagnosis's pod list; absent: looked up on the node first. */
  pod?: PodSummary;
}

const loggable = (node: string) => (p: PodSummary) => p.node?.toLowerCase() === node.toLowerCase() && p.phase === 'Running' && POD_NAME.test(p.name) && POD_NAME.test(p.namespace);

/**
 * The first MAX_SYMPTOM_NODES affected nodes, those with a listed running pod first (no extra
 * lookup). The diagnosis lists the tunnel's pods and a kube-proxy pod per node early (kube-reads.ts),
 * so only a node without kube-proxy (Cilium clusters) needs checkNodeSymptom to find a pod first.
 */
export function pickSymptomNodes(affectedNodes: string[], pods: PodSummary[]): SymptomPick[] {
  const listed: SymptomPick[] = [];
  const unlisted: SymptomPick[] = [];
  for (const node of affectedNodes) {
    const pod = pods.find(loggable(node));
    if (pod) listed.push({ node, pod });
    else if (POD_NAME.test(node.toLowerCase())) unlisted.push({ node });
  }
  return [...listed, ...unlisted].slice(0, MAX_SYMPTOM_NODES);
}

/**
 * A running kube-system pod on the node (every node runs DaemonSet pods there): one narrow listing
 * by node name, whose field selector keeps the output far below command invoke's 512 kB.
 */
async function podOnNode(layer: AzureLayer, clusterId: string, node: string): Promise<PodSummary | undefined> {
  try {
    const r = await runKubectl(layer, clusterId, `kubectl get pods -n kube-system --field-selector spec.nodeName=${node.toLowerCase()},status.phase=Running -o json`);
    return r.exitCode === 0 ? parsePodList(r.logs).find(loggable(node)) : undefined;
  } catch {
    return undefined;
  }
}

/** `kubectl logs` of the picked pod (found on the node first when none was listed): one AKS command invoke, two without a listed pod. */
export async function checkNodeSymptom(layer: AzureLayer, clusterId: string, pick: SymptomPick): Promise<SymptomResult> {
  const { node } = pick;
  const pod = pick.pod ?? (await podOnNode(layer, clusterId, node));
  if (!pod) return { node, pod: '', confirmed: undefined, detail: `no running kube-system pod was found on ${node} to try kubectl logs with.` };
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
