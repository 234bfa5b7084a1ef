/**
 * tunnel-agent-health: are the tunnel's own pods there, running, not OOM-killed, and as many as the
 * konnectivity-agent-autoscaler ladder asks for? (docs/checks.md; the troubleshooting article's
 * "tunnel agent pods" cause, and "TCP time-outs when kubectl … connect to the API server", cause 1:
 * "pods that are responsible for node-to-control plane communication aren't running").
 *
 * Pure: the caller runs the kubectl commands below through AKS command invoke and hands in what
 * they printed, parsed with parsePodList / ladderFromCommand / eventsFromCommand. Each pod is
 * judged in tunnel-agent-pods.ts; the fixes are built in tunnel-agent-fixes.ts.
 */
import { ladderStepFor, expectedReplicas, eventTimeOf, LADDER_CONFIGMAP, parseEvents, parseLadder, type KubeEvent, type Ladder } from '../kube-objects.js';
import { tunnelAgentPods, type PodSummary } from '../kube-pods.js';
import { outputWasCut } from '../tunnel-pod-list.js';
import type { Evidence, FixProposal } from '../report.js';
import type { CheckOutcome, TunnelView } from './views.js';
import { agentRecreateWarnings, ladderFix, raiseMemoryFix, recreateFix } from './tunnel-agent-fixes.js';
import { AGENT_NAME, agentOomEvents, isAutoscalerPod, judgePod, podEvidence } from './tunnel-agent-pods.js';

export { RESTART_WARN_THRESHOLD } from './tunnel-agent-pods.js';

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
