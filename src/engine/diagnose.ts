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
import type { ClusterRef } from './find-cluster.js';
import { parsePodList, tunnelAgentPods, type PodSummary } from './kube-pods.js';
import { REPORT_FORMAT, type CheckId, type CheckResult, type ClusterFacts, type Report } from './report.js';
import { userMessageOf } from '../user-message.js';
import type { SymptomResult } from './symptom-check.js';
import { gatherNodes, markTunnelAgents } from './gather.js';
import { POD_LIST_COMMAND as POD_LIST } from './checks/tunnel-agent-health.js';

export interface DiagnosisContext {
  ref: ClusterRef;
  layer: AzureLayer;
  log: Logger;
  cluster: ManagedClusterLike;
  scaleSets: ScaleSetLike[];
  facts: ClusterFacts;
  /** The running tunnel agent pods (empty when none or unreadable). */
  agentPods: PodSummary[];
  /** kube-system pods, or the reason they could not be read. */
  pods: { ok: true; pods: PodSummary[] } | { ok: false; reason: string };
  /** Memoises any further read for the length of this diagnosis. */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
}

/** The memo key of the `kubectl logs` symptom check, started by the probe plan. */
export const SYMPTOMS_KEY = 'symptoms';
/** The memo key of the node inventory (NodeView[]), started before the pods are known. */
export const NODES_KEY = 'nodes';

export interface Check {
  id: CheckId;
  run(ctx: DiagnosisContext): Promise<Omit<CheckResult, 'id' | 'durationMs'>>;
}

export interface DiagnoseOptions {
  checks?: Check[];
  log?: Logger;
  onProgress?: (p: { done: number; total: number; check?: CheckId }) => void;
  now?: () => Date;
}


async function readPods(layer: AzureLayer, clusterId: string): Promise<DiagnosisContext['pods']> {
  try {
    const result = await runKubectl(layer, clusterId, POD_LIST);
    if (result.exitCode !== 0) return { ok: false, reason: `kubectl exited ${result.exitCode}: ${result.logs.slice(0, 300)}` };
    return { ok: true, pods: parsePodList(result.logs) };
  } catch (err) {
    return { ok: false, reason: userMessageOf(err) };
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

  const cluster = (await getCluster(layer, ref.id)) as ManagedClusterLike;
  const nodeRg = cluster.nodeResourceGroup;
  const scaleSetsP = nodeRg ? (listScaleSets(layer, parseArmId(ref.id).subscriptionId, nodeRg) as Promise<ScaleSetLike[]>) : Promise.resolve([]);
  const podsP = readPods(layer, ref.id);
  // The node inventory (instances + NICs, paged) does not need the pods: read it while kubectl runs.
  const inventoryP = scaleSetsP.then((sets) => gatherNodes(layer, poolFacts(cluster, sets), []));
  inventoryP.catch(() => {}); // observed by the checks that need it; this only marks it handled
  const [scaleSets, pods] = await Promise.all([scaleSetsP, podsP]);
  const tunnel = pods.ok ? tunnelAgentPods(pods.pods) : { kind: 'unknown' as const, pods: [] };
  const facts = clusterFacts(ref, cluster, poolFacts(cluster, scaleSets), {
    kind: tunnel.kind,
    pods: tunnel.pods.map((p) => `${p.namespace}/${p.name}`),
  });

  const memo = new Map<string, Promise<unknown>>([[NODES_KEY, inventoryP.then((nodes) => markTunnelAgents(nodes, tunnel.pods))]]);
  const ctx: DiagnosisContext = {
    ref,
    layer,
    log,
    cluster,
    scaleSets,
    facts,
    agentPods: tunnel.pods,
    pods,
    once: <T>(key: string, read: () => Promise<T>) => {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = read();
        memo.set(key, p);
      }
      return p;
    },
  };

  let done = 0;
  const results = await Promise.all(
    checks.map(async (check) => {
      const r = await runCheck(check, ctx);
      done += 1;
      opts.onProgress?.({ done, total, check: check.id });
      return r;
    }),
  );
  const warnings = pods.ok ? [] : [`The kube-system pods could not be read (${pods.reason}), so the tunnel kind is unknown.`];
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
    ...(symptoms.length ? { symptoms: symptoms.map((s) => ({ node: s.node, pod: s.pod, ...(s.confirmed !== undefined ? { confirmed: s.confirmed } : {}), detail: s.detail })) } : {}),
  };
}
