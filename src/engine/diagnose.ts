/**
 * One diagnosis: gather the cluster facts, run every check against a shared, memoised view of the
 * cluster (so checks never read the same thing from Azure twice), and assemble the report.
 */
import type { AzureLayer } from '../azure/clients.js';
import { getCluster, runKubectl } from '../azure/clusters.js';
import { listScaleSets } from '../azure/compute.js';
import { parseArmId } from '../azure/arm-id.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { clusterFacts, poolFacts, type ManagedClusterLike, type ScaleSetLike } from './cluster-facts.js';
import type { ClusterRef } from '../cluster-ref.js';
import { tunnelAgentPods, type PodSummary } from './kube-pods.js';
import { REPORT_FORMAT, type CheckId, type CheckResult, type CheckStatus, type ClusterFacts, type Report } from './report.js';
import { userMessageOf } from '../user-message.js';
import type { SymptomResult } from './symptom-check.js';
import { gatherNetwork, gatherNodes, markTunnelAgents } from './gather.js';
import { startSpeculativeProbe, type SpeculativeProbe } from './probe-plan.js';
import { phaseClock, type PhaseClock } from './phase-timing.js';
import { commandInvokeDisabled } from './tunnel-pod-list.js';
import { kubeReadsFailed, readKube, type KubeReads } from './kube-reads.js';
import { unreadPoolsWarning, withUnreadPools } from './unread-pools.js';
import { withApplier } from './fixes/fix-kinds.js';

export interface DiagnosisContext {
  ref: ClusterRef;
  layer: AzureLayer;
  log: Logger;
  cluster: ManagedClusterLike;
  scaleSets: ScaleSetLike[];
  facts: ClusterFacts;
  /** The running tunnel agent pods (empty when none or unreadable). */
  agentPods: PodSummary[];
  /** The tunnel's kube-system pods (tunnel-pod-list.ts), or why they could not be read and what would resolve it. */
  pods: { ok: true; pods: PodSummary[] } | { ok: false; reason: string; resolve?: string };
  /** Everything read from Kubernetes in the one early command invoke (kube-reads.ts); `pods` is its tunnel pods. */
  kube: KubeReads;
  /** Memoises any further read for the length of this diagnosis. */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Kubelet probes started before the pods were known (only when some check probes). */
  speculativeProbe?: Promise<SpeculativeProbe | undefined>;
  /** Where the time goes, for the report's timing. */
  clock?: PhaseClock;
}

/** The memo key of the `kubectl logs` symptom check, started by the probe plan. */
export const SYMPTOMS_KEY = 'symptoms';
/** The memo key of the node inventory (NodeView[]), started before the pods are known. */
export const NODES_KEY = 'nodes';
/** The memo key of the network view (NetworkView), started with the inventory. */
export const NETWORK_KEY = 'network';

export interface Check {
  id: CheckId;
  /** Reads the probe plan (run-commands on nodes): the diagnosis then starts probing early. */
  probes?: boolean;
  run(ctx: DiagnosisContext): Promise<Omit<CheckResult, 'id' | 'durationMs'>>;
}

export interface DiagnoseOptions {
  checks?: Check[];
  log?: Logger;
  onProgress?: (p: { done: number; total: number; check?: CheckId; status?: CheckStatus }) => void;
  now?: () => Date;
}


/**
 * The tunnel's pods and the rest of the early Kubernetes reads (kube-reads.ts), in one command
 * invoke. Waits for the cluster read (one ARM GET, a blink beside command invoke's tens of seconds)
 * so that a cluster with command invoke turned off is told so plainly and sent nothing.
 */
async function readKubernetes(layer: AzureLayer, clusterId: string, clusterP: Promise<ManagedClusterLike>): Promise<KubeReads> {
  const disabled = commandInvokeDisabled(await clusterP.catch(() => ({}) as ManagedClusterLike));
  if (disabled) return kubeReadsFailed(disabled);
  try {
    return await readKube((command) => runKubectl(layer, clusterId, command));
  } catch (err) {
    return kubeReadsFailed({ reason: userMessageOf(err) });
  }
}

async function runCheck(check: Check, ctx: DiagnosisContext): Promise<CheckResult> {
  const started = Date.now();
  try {
    const result = await check.run(ctx);
    return { id: check.id, ...result, durationMs: Date.now() - started };
  } catch (err) {
    // A check that throws must not sink the others: it becomes "unknown" with the reason.
    ctx.log.warn('check failed', { check: check.id, err });
    const why = userMessageOf(err);
    return {
      id: check.id,
      status: 'unknown',
      summary: `Could not complete: ${why}`,
      nodes: [],
      evidence: [],
      fixes: [],
      unknownReason: { why, resolve: 'Run the diagnosis again; if it persists, the log has the details.' },
      durationMs: Date.now() - started,
    };
  }
}

export async function diagnoseCluster(layer: AzureLayer, ref: ClusterRef, opts: DiagnoseOptions = {}): Promise<Report> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? silentLogger;
  const checks = opts.checks ?? [];
  const startedAt = now().toISOString();
  const total = checks.length;
  opts.onProgress?.({ done: 0, total });

  // Everything that does not wait for something else starts now. The pod list (AKS command invoke,
  // as slow as a run-command) needs only the cluster id; the ARM inventory (scale sets, instances,
  // NICs, then subnets, NSGs, route tables) needs the cluster and runs beside it; and once the nodes
  // are known, the kubelet probe starts from the likely agent nodes (probe-plan.ts).
  const clock = phaseClock();
  const clusterP = clock.span('inventory', getCluster(layer, ref.id)) as Promise<ManagedClusterLike>;
  const kubeP = clock.span('pods', readKubernetes(layer, ref.id, clusterP));
  const cluster = await clusterP;
  const nodeRg = cluster.nodeResourceGroup;
  const scaleSetsP = clock.span('inventory', nodeRg ? (listScaleSets(layer, parseArmId(ref.id).subscriptionId, nodeRg) as Promise<ScaleSetLike[]>) : Promise.resolve([]));
  const poolsP = scaleSetsP.then((sets) => poolFacts(cluster, sets));
  const inventoryP = clock.span('inventory', poolsP.then((pools) => gatherNodes(layer, pools, [])));
  // Subnets, NSGs and route tables need the NICs, not the agents.
  const networkP = clock.span('inventory', inventoryP.then((nodes) => gatherNetwork(layer, nodes, nodeRg)));
  const speculativeP = checks.some((c) => c.probes)
    ? Promise.all([inventoryP, poolsP]).then(([nodes, pools]) =>
        startSpeculativeProbe(layer, nodes, new Set(pools.filter((p) => p.mode?.toLowerCase() === 'system').map((p) => p.name.toLowerCase())), clock),
      )
    : undefined;
  // Observed by the checks that need them; this only marks them handled.
  for (const p of [inventoryP, networkP, speculativeP]) p?.catch(() => {});
  const [scaleSets, kube] = await Promise.all([scaleSetsP, kubeP]);
  const pods = kube.pods;
  const tunnel = pods.ok ? tunnelAgentPods(pods.pods) : { kind: 'unknown' as const, pods: [] };
  const facts = clusterFacts(ref, cluster, poolFacts(cluster, scaleSets), {
    kind: tunnel.kind,
    pods: tunnel.pods.map((p) => `${p.namespace}/${p.name}`),
  });

  const memo = new Map<string, Promise<unknown>>([
    [NODES_KEY, inventoryP.then((nodes) => markTunnelAgents(nodes, tunnel.pods))],
    [NETWORK_KEY, networkP],
  ]);
  const ctx: DiagnosisContext = {
    ref,
    layer,
    log,
    cluster,
    scaleSets,
    facts,
    agentPods: tunnel.pods,
    pods,
    kube,
    once: <T>(key: string, read: () => Promise<T>) => {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = read();
        memo.set(key, p);
      }
      return p;
    },
    ...(speculativeP ? { speculativeProbe: speculativeP } : {}),
    clock,
  };

  let done = 0;
  const results = await Promise.all(
    checks.map(async (check) => {
      const r = await runCheck(check, ctx);
      done += 1;
      opts.onProgress?.({ done, total, check: check.id, status: r.status });
      return r;
    }),
  );
  const poolsNotRead = unreadPoolsWarning(facts.nodePools ?? []);
  for (const [i, r] of results.entries()) {
    // Who applies each fix is part of the report: cards and the fix flow read it from there.
    results[i] = { ...withUnreadPools(r, facts.nodePools ?? []), fixes: r.fixes.map(withApplier) };
  }
  const warnings = [...(pods.ok ? [] : [`The kube-system pods could not be read (${pods.reason}), so the tunnel kind is unknown.`]), ...(poolsNotRead ? [poolsNotRead] : [])];
  const affected = [...new Set(results.filter((r) => r.status === 'fail').flatMap((r) => r.nodes))].sort();
  // Tie the verdict to the symptom on the node-reachability causes (not SNAT or agent health, whose
  // nodes are not the ones kubelet traffic fails to reach).
  const reachability = new Set<CheckId>(['nsg-10250', 'ufw-10250', 'iptables-10250', 'kubelet-reachability']);
  const unreachable = [...new Set(results.filter((r) => r.status === 'fail' && reachability.has(r.id)).flatMap((r) => r.nodes))].sort();
  // Started by the probe plan as soon as it knew the unreachable nodes (see checks/index.ts).
  const started = memo.get(SYMPTOMS_KEY) as Promise<SymptomResult[]> | undefined;
  const symptoms = (started ? await started : []).filter((s) => unreachable.includes(s.node));
  for (const s of symptoms) {
    for (const r of results) {
      if (r.status === 'fail' && reachability.has(r.id) && r.nodes.includes(s.node)) r.evidence.push({ kind: 'symptom', resource: s.node, detail: s.detail });
    }
  }
  return {
    format: REPORT_FORMAT,
    cluster: facts,
    startedAt,
    finishedAt: now().toISOString(),
    checks: results,
    affectedNodes: affected,
    ...(warnings.length ? { warnings } : {}),
    timing: clock.snapshot(),
    ...(symptoms.length ? { symptoms: symptoms.map((s) => ({ node: s.node, pod: s.pod, ...(s.confirmed !== undefined ? { confirmed: s.confirmed } : {}), detail: s.detail })) } : {}),
  };
}
