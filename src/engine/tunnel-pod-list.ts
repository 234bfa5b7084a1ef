/**
 * The tunnel's own pods, read through AKS command invoke with one label selector per kind of pod
 * instead of every kube-system pod. Command invoke returns at most 512 kB of output ("logs"): the
 * whole kube-system list in JSON, with a pod of each DaemonSet on every node, passes that at a few
 * dozen nodes. A label selector ANDs its terms (no "or" in equality-based selectors), so each kind
 * is its own command; the commands share one command invoke (kube-batch.ts).
 */
import { runBatch, type BatchPart, type Kubectl, type KubectlResult } from './kube-batch.js';
import { parsePodList, type PodSummary } from './kube-pods.js';

export type { Kubectl } from './kube-batch.js';

/** AKS command invoke keeps this much of a command's output (RunCommandResult.logs). */
export const COMMAND_INVOKE_OUTPUT_LIMIT = 512 * 1024;
/**
 * Output at least this long is taken as cut when it does not parse: 512 kB may mean 512,000 or
 * 524,288 bytes, and a cut can fall in the middle of a multi-byte character.
 */
const CUT_THRESHOLD = 500 * 1000;

// Constants: no user text reaches them. The labels are the ones the AKS add-on manifests set.
export const AGENT_POD_COMMANDS = {
  konnectivity: 'kubectl get pods -n kube-system -l app=konnectivity-agent -o json',
  'tunnel-front': 'kubectl get pods -n kube-system -l component=tunnel -o json',
  'aks-link': 'kubectl get pods -n kube-system -l app=aks-link -o json',
} as const;
export const AUTOSCALER_POD_COMMAND = 'kubectl get pods -n kube-system -l k8s-app=konnectivity-agent-autoscaler -o json';


export type TunnelPodRead = { ok: true; pods: PodSummary[] } | { ok: false; reason: string; resolve?: string };

/** True when command invoke's output limit cut this output (it reached the limit and does not parse). */
export function outputWasCut(logs: string): boolean {
  return Buffer.byteLength(logs, 'utf8') >= CUT_THRESHOLD;
}

export class TunnelPodReadError extends Error {
  constructor(
    message: string,
    readonly resolve?: string,
  ) {
    super(message);
  }
}

/** The pods one command listed; throws TunnelPodReadError naming what went wrong. */
export function podsFromCommand(command: string, result: { exitCode: number; logs: string }): PodSummary[] {
  if (result.exitCode !== 0) throw new TunnelPodReadError(`kubectl exited ${result.exitCode}: ${result.logs.slice(0, 300)}`);
  try {
    return parsePodList(result.logs);
  } catch (err) {
    if (outputWasCut(result.logs)) {
      throw new TunnelPodReadError(
        `the output of "${command}" reached AKS command invoke's 512 kB limit and was cut, so the pod list is incomplete`,
        'Too many pods carry this label for one command invoke. List them by hand with kubectl (from a machine that reaches the API server), or report it: the selector needs narrowing.',
      );
    }
    throw new TunnelPodReadError(err instanceof Error ? err.message : String(err));
  }
}

/** The command invoke parts that list the tunnel's pods: one per label selector (see above). */
export const TUNNEL_POD_PARTS: readonly BatchPart[] = [
  { key: 'tunnel-front-pods', command: AGENT_POD_COMMANDS['tunnel-front'] },
  { key: 'aks-link-pods', command: AGENT_POD_COMMANDS['aks-link'] },
  { key: 'autoscaler-pods', command: AUTOSCALER_POD_COMMAND },
  { key: 'konnectivity-pods', command: AGENT_POD_COMMANDS.konnectivity },
];

/**
 * The tunnel agent pods (of whichever kind the cluster runs) and the konnectivity autoscaler pods,
 * from the parts' results: konnectivity and its autoscaler on every current cluster; the retired
 * tunnelfront and aks-link only count when no konnectivity agent exists.
 */
export function tunnelPodsFrom(results: ReadonlyMap<string, KubectlResult>): TunnelPodRead {
  const read = (key: string) => {
    const part = TUNNEL_POD_PARTS.find((p) => p.key === key) as BatchPart;
    return podsFromCommand(part.command, results.get(key) ?? { exitCode: -1, logs: 'not run' });
  };
  try {
    const konnectivity = read('konnectivity-pods');
    const autoscaler = read('autoscaler-pods');
    if (konnectivity.length > 0) return { ok: true, pods: [...konnectivity, ...autoscaler] };
    return { ok: true, pods: [...autoscaler, ...read('tunnel-front-pods'), ...read('aks-link-pods')] };
  } catch (err) {
    if (err instanceof TunnelPodReadError) return { ok: false, reason: err.message, ...(err.resolve ? { resolve: err.resolve } : {}) };
    throw err;
  }
}

/** The tunnel's pods in one command invoke (the fixes' re-read; a diagnosis reads them with the rest, kube-reads.ts). */
export async function readTunnelPods(kubectl: Kubectl): Promise<TunnelPodRead> {
  return tunnelPodsFrom(await runBatch(kubectl, TUNNEL_POD_PARTS));
}

/**
 * The checks that read Kubernetes through AKS command invoke, for the message when it is turned off
 * (apiServerAccessProfile.disableRunCommand): without the pods the tunnel kind is unknown, so these
 * cannot decide, and the `kubectl logs` symptom check does not run.
 */
export const CHECKS_NEEDING_COMMAND_INVOKE = ['tunnel-agent-health', 'egress-tunnel-ports'] as const;

/** Set when the cluster has AKS command invoke turned off: the reason, and what would turn it on. */
export function commandInvokeDisabled(cluster: { name?: string; apiServerAccessProfile?: { disableRunCommand?: boolean } }): { reason: string; resolve: string } | undefined {
  if (cluster.apiServerAccessProfile?.disableRunCommand !== true) return undefined;
  return {
    reason: `AKS command invoke is turned off on ${cluster.name ?? 'this cluster'} (apiServerAccessProfile.disableRunCommand), so the bot cannot read the kube-system pods: ${CHECKS_NEEDING_COMMAND_INVOKE.join(' and ')} stay unknown and the kubectl logs symptom is not checked`,
    resolve: `Turn command invoke on (az aks update --enable-run-command, or the cluster's "Run command" blade in the portal) if your policy allows it, then diagnose again; otherwise check the ${CHECKS_NEEDING_COMMAND_INVOKE.join(' and ')} causes by hand with kubectl.`,
  };
}
