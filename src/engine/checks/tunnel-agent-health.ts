/**
 * tunnel-agent-health: are the tunnel's own pods there, running, not OOM-killed, and as many as the
 * konnectivity-agent-autoscaler ladder asks for? (docs/checks.md; the troubleshooting article's
 * "tunnel agent pods" cause, and "TCP time-outs when kubectl … connect to the API server", cause 1:
 * "pods that are responsible for node-to-control plane communication aren't running").
 *
 * Pure: the caller runs the kubectl commands below through AKS command invoke and hands in what
 * they printed, parsed with parsePodList / ladderFromCommand / eventsFromCommand.
 */
import { ladderJson, ladderStepFor, expectedReplicas, eventTimeOf, formatMemoryQuantity, LADDER_CONFIGMAP, oomKilledProcess, parseEvents, parseLadder, parseMemoryQuantity, type KubeEvent, type Ladder } from '../kube-objects.js';
import { tunnelAgentPods, type ContainerSummary, type PodSummary } from '../kube-pods.js';
import { outputWasCut } from '../tunnel-pod-list.js';
import type { Evidence, FixProposal, TunnelKind } from '../report.js';
import type { CheckOutcome, TunnelView } from './views.js';

// The kubectl commands this check reads (constants: no user text ever reaches them).
export const LADDER_COMMAND = `kubectl get configmap ${LADDER_CONFIGMAP.name} -n ${LADDER_CONFIGMAP.namespace} -o json`;
/**
 * OOM kills as node-problem-detector reports them: reason OOMKilling on the Node, and Node events
 * live in namespace "default" — hence -A. The field selector keeps the output small on big
 * clusters; the decision filters by reason again, so a server that ignores it changes nothing.
 */
export const EVENTS_COMMAND = 'kubectl get events -A --field-selector reason=OOMKilling -o json';

/** What resolves an unreadable pod list: command invoke rights in Azure and read rights in Kubernetes. */
export const KUBECTL_ACCESS_RESOLVE =
  "Give the bot's identity Microsoft.ContainerService/managedClusters/runcommand/action on the cluster (AKS command invoke) and Kubernetes read access to pods, configmaps and events in kube-system (e.g. the \"Azure Kubernetes Service RBAC Reader\" role), then diagnose again.";

export const RESTART_WARN_THRESHOLD = 5;

export interface TunnelAgentHealthInput {
  tunnel: TunnelView;
  /** The tunnel's kube-system pods (readTunnelPods in tunnel-pod-list.ts), or why they could not be listed. */
  pods: PodSummary[] | { unreadable: { why: string; resolve: string } };
  /** Schedulable nodes: what cluster-proportional-autoscaler counts. */
  nodeCount: number;
  /** Schedulable cores, if known: only used when the ladder has a coresToReplicas list. */
  coreCount?: number;
  ladder: Ladder;
  /** OOM events (EVENTS_COMMAND); other reasons are ignored. */
  events: KubeEvent[];
  /** Set when the events could not be read: OOM kills are then judged from pod status alone. */
  eventsUnreadable?: string;
}

// ---------------------------------------------------------------------------------------------
// Reading the command results

/**
 * The ladder from LADDER_COMMAND's result: NotFound means "no configmap", so AKS's defaults
 * apply; any other failure also falls back to the defaults, with a note saying so.
 */
export function ladderFromCommand(result: { exitCode: number; logs: string }): Ladder {
  if (result.exitCode === 0) return parseLadder(result.logs);
  if (/\(NotFound\)|not found/i.test(result.logs)) return parseLadder(undefined);
  const ladder = parseLadder(undefined);
  return { ...ladder, note: `the ${LADDER_CONFIGMAP.name} configmap could not be read (${firstLine(result.logs)}); judging by the default ladder` };
}

/** The events from EVENTS_COMMAND's result, or why they could not be read. */
export function eventsFromCommand(result: { exitCode: number; logs: string }): { events: KubeEvent[]; eventsUnreadable?: string } {
  if (result.exitCode !== 0) return { events: [], eventsUnreadable: `kubectl get events exited ${result.exitCode}: ${firstLine(result.logs)}` };
  if (/^No resources found/.test(result.logs.trim())) return { events: [] };
  try {
    return { events: parseEvents(result.logs) };
  } catch (err) {
    if (outputWasCut(result.logs)) return { events: [], eventsUnreadable: "the events reached AKS command invoke's 512 kB output limit and were cut" };
    return { events: [], eventsUnreadable: err instanceof Error ? err.message : String(err) };
  }
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').slice(0, 200);
}

// ---------------------------------------------------------------------------------------------
// Per-pod judgement

type AgentKind = Exclude<TunnelKind, 'none' | 'unknown'>;

const AGENT_NAME: Record<AgentKind, string> = { konnectivity: 'konnectivity-agent', 'tunnel-front': 'tunnelfront', 'aks-link': 'aks-link' };

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

interface PodVerdict {
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

function containersOf(pod: PodSummary): ContainerSummary[] {
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

function judgePod(pod: PodSummary, oomEvents: KubeEvent[], agentName: string): PodVerdict {
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

function podEvidence(v: PodVerdict): Evidence {
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
function agentOomEvents(kind: AgentKind, events: KubeEvent[], agents: PodSummary[]): Array<{ event: KubeEvent; node: string }> {
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

// ---------------------------------------------------------------------------------------------
// Fixes (data; a later step executes them after approval)

// Names that go into a kubectl command line: checked, although they come from the cluster.
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function recreateFix(pod: PodSummary, why: string, warnings: string[]): FixProposal | undefined {
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

function agentRecreateWarnings(v: PodVerdict): string[] {
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

function raiseMemoryFix(pod: PodSummary, container: PodVerdict['oom'], kind: AgentKind): { fix?: FixProposal; note?: string } {
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

function ladderFix(ladder: Ladder, nodeCount: number, expected: number): FixProposal {
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

const isAutoscalerPod = (p: PodSummary) =>
  p.namespace === 'kube-system' && (p.labels['k8s-app'] === 'konnectivity-agent-autoscaler' || p.name.startsWith('konnectivity-agent-autoscaler-'));

// ---------------------------------------------------------------------------------------------
// The decision

function ladderEvidence(ladder: Ladder, nodeCount: number, coreCount: number | undefined, expected: number, running: number): Evidence {
  const { step } = ladderStepFor(ladder.nodesToReplicas, nodeCount);
  let how: string;
  if (!step) how = `${nodeCount} nodes → empty nodesToReplicas → 1 replica`;
  else if (step[0] > nodeCount) how = `${nodeCount} nodes → below the first ladder step [${step[0]},${step[1]}], which the autoscaler then uses → ${step[1]} replicas`;
  else how = `${nodeCount} nodes → ladder step [${step[0]},${step[1]}] → ${step[1]} replicas`;
  const byNodes = ladderStepFor(ladder.nodesToReplicas, nodeCount).replicas;
  if (expected > byNodes && coreCount !== undefined) how += `; ${coreCount} cores → coresToReplicas asks ${expected}`;
  const source =
    ladder.source === 'configmap'
      ? `ladder from configmap ${LADDER_CONFIGMAP.namespace}/${LADDER_CONFIGMAP.name}`
      : ladder.note ?? `default ladder: no ${LADDER_CONFIGMAP.name} configmap`;
  return {
    kind: 'ladder',
    resource: `${LADDER_CONFIGMAP.namespace}/configmap/${LADDER_CONFIGMAP.name}`,
    detail: `${how} expected, ${running} running (${source}: ${JSON.stringify(ladder.nodesToReplicas)})`,
  };
}

const sortedUnique = (xs: Array<string | undefined>) => [...new Set(xs.filter((x): x is string => !!x))].sort();

export function decideTunnelAgentHealth(input: TunnelAgentHealthInput): CheckOutcome {
  if (input.tunnel.vnetIntegration) {
    return {
      status: 'not-applicable',
      summary: 'API Server VNet Integration: the API server sits in the cluster\'s VNet and reaches the nodes directly, so there is no tunnel and no tunnel agent to check',
      nodes: [],
      evidence: [{ kind: 'note', detail: `apiServerAccessProfile.enableVnetIntegration is true; ${input.tunnel.vnetIntegration.note}.` }],
      fixes: [],
    };
  }
  if (!Array.isArray(input.pods)) {
    const { why, resolve } = input.pods.unreadable;
    return {
      status: 'unknown',
      summary: `The tunnel agent pods cannot be listed: ${why}`,
      nodes: [],
      evidence: [{ kind: 'command-output', detail: `kubectl get pods -n kube-system -l <tunnel agent label> -o json: ${why}` }],
      fixes: [],
      unknownReason: { why, resolve: resolve || KUBECTL_ACCESS_RESOLVE },
    };
  }
  const pods = input.pods;
  const found = tunnelAgentPods(pods);
  const notes: Evidence[] = [];
  if (input.eventsUnreadable) notes.push({ kind: 'note', detail: `Events could not be read (${input.eventsUnreadable}): OOM kills judged from pod status only.` });

  if (found.kind === 'none' || found.kind === 'unknown') {
    const konnectivityHint = input.tunnel.kind === 'konnectivity' || input.ladder.source === 'configmap' || pods.some(isAutoscalerPod);
    const summary = konnectivityHint
      ? 'No konnectivity-agent pods in kube-system: nothing carries the tunnel, so kubectl logs/exec/port-forward and webhooks cannot reach the nodes'
      : 'No tunnel agent pods in kube-system (no konnectivity-agent, tunnelfront or aks-link): nothing carries the tunnel to the nodes';
    return {
      status: 'fail',
      summary,
      nodes: [],
      evidence: [
        {
          kind: 'pod',
          resource: 'kube-system',
          detail: `No kube-system pod is labelled app=konnectivity-agent, component=tunnel or app=aks-link${konnectivityHint ? '; the konnectivity-agent-autoscaler is there, so this cluster uses konnectivity' : ''}. AKS restores its add-ons when the cluster is reconciled (az aks update with no changes) or through a support ticket.`,
        },
        ...notes,
      ],
      fixes: [],
    };
  }

  const kind = found.kind;
  const agents = found.pods;
  const ooms = agentOomEvents(kind, input.events, agents);
  const verdicts = agents.map((pod) =>
    judgePod(
      pod,
      ooms.filter((o) => o.node === pod.node).map((o) => o.event),
      AGENT_NAME[kind],
    ),
  );
  const running = verdicts.filter((v) => v.running).length;
  const present = agents.filter((p) => !p.deleting && p.phase !== 'Failed' && p.phase !== 'Succeeded').length;
  const ladderApplies = kind === 'konnectivity';
  const expected = ladderApplies ? expectedReplicas(input.ladder, input.nodeCount, input.coreCount) : undefined;
  const tooFew = expected !== undefined && running < expected;
  // Whatever the ladder says, a tunnel with no agent serving is down.
  const noneRunning = running === 0;

  const failing = verdicts.filter((v) => v.level === 'fail');
  const warning = verdicts.filter((v) => v.level === 'warn');
  const status = failing.length > 0 || tooFew || noneRunning ? 'fail' : warning.length > 0 ? 'warn' : 'pass';

  const evidence: Evidence[] = verdicts.map(podEvidence);
  for (const o of ooms) {
    const when = eventTimeOf(o.event);
    evidence.push({
      kind: 'event',
      resource: o.node,
      detail: `${o.event.reason}${when ? ` at ${when}` : ''}${o.event.count > 1 ? ` (x${o.event.count})` : ''}: ${o.event.message}`,
    });
  }
  if (expected !== undefined) evidence.push(ladderEvidence(input.ladder, input.nodeCount, input.coreCount, expected, running));
  else evidence.push({ kind: 'note', detail: `The replicas ladder applies to konnectivity only; this cluster's tunnel is ${kind} (${agents.length} pod${agents.length === 1 ? '' : 's'}).` });
  evidence.push(...notes);

  // Fixes: recreate what is stuck, raise the memory of what was OOM-killed, restore the ladder.
  const fixes: FixProposal[] = [];
  for (const v of failing) {
    if (!v.recreate) continue;
    const fix = recreateFix(v.pod, v.problems[0] ?? 'unhealthy', agentRecreateWarnings(v));
    if (fix) fixes.push(fix);
  }
  const oomVerdict = failing.find((v) => v.oom);
  if (oomVerdict) {
    const { fix, note } = raiseMemoryFix(oomVerdict.pod, oomVerdict.oom, kind);
    if (fix) fixes.push(fix);
    if (note) evidence.push({ kind: 'note', detail: note });
  }
  if (tooFew && expected !== undefined && present < expected) {
    if (input.ladder.source === 'default') {
      fixes.push(ladderFix(input.ladder, input.nodeCount, expected));
    } else {
      // The ladder already asks for `expected`: whatever keeps the agents short, it is not the ladder.
      // The autoscaler applies it every poll, so a working autoscaler would have scaled by now.
      const autoscalers = pods.filter(isAutoscalerPod);
      for (const a of autoscalers) {
        const fix = recreateFix(a, `the ladder asks for ${expected} agents but ${present} exist`, [
          'The autoscaler restarts and re-reads its ladder; the agents themselves are not touched.',
          'If the agents stay too few afterwards, open an Azure support ticket: AKS runs the autoscaler.',
        ]);
        if (fix) fixes.push({ ...fix, id: `tunnel-agent-health:recreate-autoscaler:${a.name}` });
      }
      evidence.push({
        kind: 'note',
        detail: autoscalers.length
          ? `The ladder already asks for ${expected}; ${present} konnectivity-agent pods exist, so the autoscaler is not applying it.`
          : `The ladder already asks for ${expected}, but no konnectivity-agent-autoscaler pod runs to apply it: AKS restores it on a cluster reconcile (az aks update with no changes) or through a support ticket.`,
      });
    }
  }

  // Summary: the failing pods first, then the count against the ladder.
  const name = AGENT_NAME[kind];
  const parts: string[] = [];
  const shown = status === 'warn' ? warning : failing;
  for (const v of shown.slice(0, 3)) parts.push(`${v.pod.name}: ${v.problems.join('; ')}`);
  if (shown.length > 3) parts.push(`and ${shown.length - 3} more ${name} pods`);
  if (noneRunning && !tooFew) parts.push(`no ${name} pod is running`);
  if (tooFew) parts.push(`${running} of ${expected} ${name} replicas running (the ladder asks for ${expected} at ${input.nodeCount} nodes)`);
  const summary =
    status === 'pass'
      ? `${running} ${name} pod${running === 1 ? '' : 's'} running${expected !== undefined ? ` (the ladder asks for ${expected} at ${input.nodeCount} nodes)` : ''}, none restarting or OOM-killed`
      : parts.join('; ');

  const nodes = status === 'pass' ? [] : sortedUnique((status === 'warn' ? warning : failing).map((v) => v.pod.node));
  return { status, summary, nodes, evidence, fixes };
}
