/**
 * tunnel-agent-health's fixes, as data (a later step executes them after approval): recreate a
 * stuck pod, raise the memory limit of an OOM-killed agent, restore the konnectivity replicas ladder.
 */
import { ladderJson, ladderStepFor, formatMemoryQuantity, LADDER_CONFIGMAP, parseMemoryQuantity, type Ladder } from '../kube-objects.js';
import type { PodSummary } from '../kube-pods.js';
import type { FixProposal } from '../report.js';
import { AGENT_NAME, containersOf, type AgentKind, type PodVerdict } from './tunnel-agent-pods.js';

// Names that go into a kubectl command line: checked, although they come from the cluster.
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function recreateFix(pod: PodSummary, why: string, warnings: string[]): FixProposal | undefined {
  if (!DNS_SUBDOMAIN.test(pod.name) || !DNS_LABEL.test(pod.namespace)) return undefined;
  return {
    id: `tunnel-agent-health:recreate:${pod.name}`,
    kind: 'recreate-tunnel-pods',
    title: `Delete ${pod.name} (${why}) so its ReplicaSet creates a fresh pod`,
    target: `${pod.namespace}/${pod.name}`,
    change: `kubectl delete pod -n ${pod.namespace} ${pod.name}`,
    risk: 'medium',
    needsApproval: true,
    warnings,
  };
}

export function agentRecreateWarnings(v: PodVerdict): string[] {
  const warnings = ['The replacement may be scheduled on another node; while it starts, the tunnel runs on the remaining agents.'];
  if (v.pod.phase === 'Pending') warnings.push('If the replacement stays Pending too, the cluster has no room for it: `kubectl describe pod` shows the scheduler\'s reason.');
  if (v.oom) warnings.push('A fresh pod gets the same memory limit: without the memory fix it may be OOM-killed again.');
  return warnings;
}

/** The Deployment behind an agent pod: its ReplicaSet's name without the pod-template-hash. */
function deploymentOf(pod: PodSummary, kind: AgentKind): string {
  const hash = pod.labels['pod-template-hash'];
  if (pod.owner?.kind === 'ReplicaSet' && hash && pod.owner.name.endsWith(`-${hash}`)) return pod.owner.name.slice(0, -(hash.length + 1));
  if (hash && pod.name.includes(`-${hash}-`)) return pod.name.slice(0, pod.name.indexOf(`-${hash}-`));
  return AGENT_NAME[kind];
}

export function raiseMemoryFix(pod: PodSummary, container: PodVerdict['oom'], kind: AgentKind): { fix?: FixProposal; note?: string } {
  const limitText = container?.memoryLimit;
  if (!limitText) {
    return { note: `${pod.name} has no memory limit, so the kill was the node running short of memory: reduce the load on ${pod.node ?? 'its node'} or run the agents on a system node pool (Microsoft's guidance for tunnel pods under node stress).` };
  }
  const limit = parseMemoryQuantity(limitText);
  const deployment = deploymentOf(pod, kind);
  const containerName = container?.name || containersOf(pod).find((c) => c.memoryLimit === limitText)?.name || AGENT_NAME[kind];
  if (!limit || !DNS_SUBDOMAIN.test(deployment) || !DNS_LABEL.test(containerName)) {
    return { note: `cannot compute a memory patch for ${pod.name} (limit ${limitText}, container ${containerName || '?'})` };
  }
  const newLimit = formatMemoryQuantity(limit.bytes * 2, limit.family);
  const patch = JSON.stringify({ spec: { template: { spec: { containers: [{ name: containerName, resources: { limits: { memory: newLimit } } }] } } } });
  return {
    fix: {
      id: `tunnel-agent-health:raise-agent-memory:${deployment}`,
      kind: 'raise-agent-memory',
      title: `Raise the ${containerName} memory limit from ${limitText} to ${newLimit} (deployment ${deployment})`,
      target: `${pod.namespace}/deployment/${deployment}`,
      // Strategic merge patch: containers merge by name, so no index into the list is needed.
      change: `kubectl patch deployment ${deployment} -n ${pod.namespace} --type strategic -p '${patch}'`,
      risk: 'high',
      needsApproval: true,
      warnings: [
        `AKS manages ${deployment} as an add-on: the add-on manager reconciles it and may put the ${limitText} limit back at any time, at the latest at the next upgrade.`,
        'The supported path is an Azure support ticket (AKS sizes the agent) or an upgrade to an AKS release with a newer agent; use this patch to buy time.',
        `Changing the pod template restarts every ${deployment} pod (a rolling update): kubectl logs/exec pause while the agents reconnect.`,
      ],
    },
  };
}

export function ladderFix(ladder: Ladder, nodeCount: number, expected: number): FixProposal {
  // Keep the ladder, but make sure the step that covers this node count asks for `expected`
  // (and no later step asks for less): what the autoscaler should be scaling to right now.
  const steps = ladder.nodesToReplicas.map(([n, r]) => [n, r] as [number, number]);
  const covering = ladderStepFor(steps, nodeCount).step;
  if (!covering) steps.push([1, expected]);
  for (const s of steps) if (s[0] >= (covering?.[0] ?? 0) && s[1] < expected) s[1] = expected;
  const value = ladderJson({ nodesToReplicas: steps, coresToReplicas: ladder.coresToReplicas });
  const { namespace, name, key } = LADDER_CONFIGMAP;
  const exists = ladder.source === 'configmap' || ladder.note !== undefined;
  const change = exists
    ? `kubectl patch configmap ${name} -n ${namespace} --type merge -p '${JSON.stringify({ data: { [key]: value } })}'`
    : `kubectl create configmap ${name} -n ${namespace} '--from-literal=${key}=${value}'`;
  return {
    id: 'tunnel-agent-health:raise-replica-ladder',
    kind: 'raise-replica-ladder',
    title: exists
      ? `Rewrite the ${name} ladder so it asks for ${expected} agents at ${nodeCount} nodes`
      : `Create the ${name} configmap so the autoscaler scales konnectivity-agent to ${expected} at ${nodeCount} nodes`,
    target: `${namespace}/configmap/${name}`,
    change,
    risk: 'high',
    needsApproval: true,
    warnings: [
      `New ladder: ${JSON.stringify(steps)} (nodesToReplicas). cluster-proportional-autoscaler reads it on its next poll and scales konnectivity-agent.`,
      'AKS creates this configmap in EnsureExists mode: it leaves an edited one alone, so this ladder stays until someone changes it.',
      'If the agents stay too few afterwards, the konnectivity-agent-autoscaler itself is not working: open an Azure support ticket.',
    ],
  };
}
