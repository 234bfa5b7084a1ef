/**
 * tunnel-agent-health, per pod: is each tunnel agent pod running, stuck, restarting or OOM-killed
 * (its container status, or an OOM event on its node that names the agent's process)? The
 * decision (tunnel-agent-health.ts) counts these verdicts against the ladder.
 */
import { eventTimeOf, oomKilledProcess, type KubeEvent } from '../kube-objects.js';
import type { ContainerSummary, PodSummary } from '../kube-pods.js';
import type { Evidence, TunnelKind } from '../report.js';

export const RESTART_WARN_THRESHOLD = 5;

export type AgentKind = Exclude<TunnelKind, 'none' | 'unknown'>;

export const AGENT_NAME: Record<AgentKind, string> = { konnectivity: 'konnectivity-agent', 'tunnel-front': 'tunnelfront', 'aks-link': 'aks-link' };

/**
 * The process names an OOM kill of the agent carries. konnectivity-agent runs the
 * apiserver-network-proxy agent binary, /proxy-agent. For the legacy tunnels these are the names
 * their images ran; an event only counts when it is on a node that runs one of the agent pods.
 */
const AGENT_PROCESSES: Record<AgentKind, string[]> = {
  konnectivity: ['proxy-agent'],
  'tunnel-front': ['tunnelfront', 'tunnel-front'],
  'aks-link': ['aks-link', 'openvpn'],
};

/** The kernel keeps 15 characters of a process name (TASK_COMM_LEN 16). */
function processMatches(reported: string, name: string): boolean {
  return reported === name || (reported.length === 15 && name.startsWith(reported));
}

/** Waiting reasons that mean the container cannot run, as opposed to starting normally. */
const BROKEN_WAITING = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerError', 'CreateContainerConfigError', 'RunContainerError', 'InvalidImageName', 'ErrImageNeverPull']);

export interface PodVerdict {
  pod: PodSummary;
  level: 'fail' | 'warn' | 'ok';
  problems: string[];
  /** Serving: Running, no container stuck, not being deleted. */
  running: boolean;
  /** Needs deleting so its controller recreates it (stuck, not schedulable, crash-looping). */
  recreate: boolean;
  /** The container that was OOM-killed (pod status or an event on its node), if any. */
  oom?: ContainerSummary | { name?: undefined; memoryLimit?: string };
}

export function containersOf(pod: PodSummary): ContainerSummary[] {
  if (pod.containers && pod.containers.length > 0) return pod.containers;
  // A PodSummary built by hand, without the per-container detail.
  return [
    {
      name: '',
      restarts: pod.restarts,
      ...(pod.waitingReason ? { waitingReason: pod.waitingReason } : {}),
      ...(pod.lastTerminationReason ? { lastTerminated: { reason: pod.lastTerminationReason } } : {}),
      ...(pod.memoryLimit ? { memoryLimit: pod.memoryLimit } : {}),
    },
  ];
}

export function judgePod(pod: PodSummary, oomEvents: KubeEvent[], agentName: string): PodVerdict {
  const problems: string[] = [];
  let level: PodVerdict['level'] = 'ok';
  let recreate = false;
  const containers = containersOf(pod);
  const stuck = containers.find((c) => c.waitingReason && BROKEN_WAITING.has(c.waitingReason));
  const oomContainer = containers.find((c) => c.lastTerminated?.reason === 'OOMKilled');
  const running = pod.phase === 'Running' && !stuck && !pod.deleting;

  if (pod.phase === 'Failed' || pod.phase === 'Succeeded') {
    // A finished pod (typically Evicted) is history, not a replica: its ReplicaSet has made a new
    // one, and the running count below catches it if it has not.
    problems.push(`phase ${pod.phase}${pod.statusReason ? ` (${pod.statusReason})` : ''}: left behind, no longer a replica`);
    return { pod, level: 'warn', problems, running: false, recreate: false };
  }
  if (pod.phase !== 'Running') {
    const waiting = containers.map((c) => c.waitingReason).find(Boolean);
    problems.push(`phase ${pod.phase}${waiting ? ` (${waiting})` : ''}${pod.node ? '' : ', not scheduled on any node'}`);
    level = 'fail';
    recreate = !pod.deleting;
  }
  if (stuck) {
    problems.push(`container ${stuck.name || 'agent'} ${stuck.waitingReason}`);
    level = 'fail';
    recreate = true;
  }
  let oom: PodVerdict['oom'];
  if (oomContainer) {
    const t = oomContainer.lastTerminated;
    problems.push(`last terminated OOMKilled${t?.exitCode !== undefined ? ` (exit ${t.exitCode})` : ''}${t?.finishedAt ? ` at ${t.finishedAt}` : ''}${oomContainer.memoryLimit ? `, memory limit ${oomContainer.memoryLimit}` : ''}`);
    level = 'fail';
    oom = oomContainer;
  }
  for (const e of oomEvents) {
    problems.push(`OOMKilling event on its node${eventTimeOf(e) ? ` at ${eventTimeOf(e)}` : ''}: ${oomKilledProcess(e.message)?.process ?? 'agent'} killed`);
    level = 'fail';
    // The event names a process, not a container: the agent's own container, else one with a limit.
    oom ??= containers.find((c) => c.name === agentName) ?? containers.find((c) => c.memoryLimit) ?? { memoryLimit: pod.memoryLimit };
  }
  if (level === 'ok' && pod.restarts > RESTART_WARN_THRESHOLD) {
    const last = containers.map((c) => c.lastTerminated?.reason).find(Boolean);
    problems.push(`${pod.restarts} restarts${last ? ` (last terminated ${last})` : ''} but Running now`);
    level = 'warn';
  }
  if (level === 'ok' && pod.phase === 'Running' && pod.ready === false && !pod.deleting) {
    // konnectivity-agent's readiness means "holds a connection to a proxy server".
    problems.push('Running but not Ready: the agent may hold no tunnel to the API server');
    level = 'warn';
  }
  return { pod, level, problems, running, recreate, ...(oom ? { oom } : {}) };
}

function memoryLimits(pod: PodSummary): string[] {
  const limited = containersOf(pod).filter((c) => c.memoryLimit);
  if (limited.length === 0) return [];
  if (limited.length === 1) return [`memory limit ${limited[0]!.memoryLimit}`];
  return [`memory limits ${limited.map((c) => `${c.name}=${c.memoryLimit}`).join(', ')}`];
}

export function podEvidence(v: PodVerdict): Evidence {
  const { pod } = v;
  const reasons = containersOf(pod)
    .flatMap((c) => [c.waitingReason, c.lastTerminated?.reason ? `last terminated ${c.lastTerminated.reason}` : undefined])
    .filter(Boolean);
  const parts = [
    `node ${pod.node ?? '(none)'}`,
    `phase ${pod.phase}`,
    `restarts ${pod.restarts}`,
    ...(reasons.length ? [reasons.join(', ')] : []),
    ...memoryLimits(pod),
    ...(pod.deleting ? ['being deleted'] : []),
  ];
  const verdict = v.problems.length ? ` — ${v.problems.join('; ')}` : '';
  return { kind: 'pod', resource: `${pod.namespace}/${pod.name}`, detail: `${parts.join(', ')}${verdict}` };
}

// ---------------------------------------------------------------------------------------------
// OOM events

/** The node an OOM event is about: a Node event names it; a Pod event names a pod we may know. */
function eventNode(e: KubeEvent, pods: PodSummary[]): string | undefined {
  if (e.involvedObject.kind === 'Node') return e.involvedObject.name;
  if (e.involvedObject.kind === 'Pod') return pods.find((p) => p.name === e.involvedObject.name && p.namespace === (e.involvedObject.namespace ?? p.namespace))?.node;
  return undefined;
}

/** OOM events that killed this tunnel's agent process on a node that runs one of its pods. */
export function agentOomEvents(kind: AgentKind, events: KubeEvent[], agents: PodSummary[]): Array<{ event: KubeEvent; node: string }> {
  const agentNodes = new Set(agents.map((p) => p.node).filter((n): n is string => !!n));
  const names = AGENT_PROCESSES[kind];
  return events.flatMap((event) => {
    // node-problem-detector: OOMKilling; the kubelet's own report of a node-level OOM: SystemOOM.
    if (event.reason !== 'OOMKilling' && event.reason !== 'SystemOOM') return [];
    const process = oomKilledProcess(event.message)?.process ?? /victim process: ([^,\s]+)/.exec(event.message)?.[1];
    if (!process || !names.some((n) => processMatches(process, n))) return [];
    const node = eventNode(event, agents);
    return node && agentNodes.has(node) ? [{ event, node }] : [];
  });
}

export const isAutoscalerPod = (p: PodSummary) =>
  p.namespace === 'kube-system' && (p.labels['k8s-app'] === 'konnectivity-agent-autoscaler' || p.name.startsWith('konnectivity-agent-autoscaler-'));
