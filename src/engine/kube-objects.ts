/**
 * Kubernetes objects other than pods, as `kubectl get … -o json` prints them through AKS command
 * invoke: the konnectivity-agent-autoscaler ladder (a ConfigMap) and Events (OOM kills reported
 * by node-problem-detector). Also Kubernetes memory quantities, for the memory-limit fix.
 */
import { KubectlOutputError } from './kube-pods.js';

// ---------------------------------------------------------------------------------------------
// The replicas ladder (cluster-proportional-autoscaler, "ladder" mode)

/** [threshold, replicas]: from `threshold` nodes (or cores) on, run `replicas`. */
export type LadderStep = [number, number];

export interface Ladder {
  nodesToReplicas: LadderStep[];
  /** Usually empty for konnectivity-agent; cluster-proportional-autoscaler takes the larger of both. */
  coresToReplicas: LadderStep[];
  /** "default": the configmap is absent or unusable, so AKS's documented defaults apply. */
  source: 'configmap' | 'default';
  /** Why the defaults were used although a configmap was given. */
  note?: string;
}

/** AKS's ladder for konnectivity-agent (docs/checks.md), also the value when the configmap is absent. */
export const DEFAULT_NODES_TO_REPLICAS: readonly LadderStep[] = Object.freeze([
  [1, 2],
  [100, 3],
  [250, 4],
  [500, 5],
  [1000, 6],
  [5000, 10],
] as LadderStep[]);

export const LADDER_CONFIGMAP = { namespace: 'kube-system', name: 'konnectivity-agent-autoscaler', key: 'ladder' } as const;

function defaultLadder(note?: string): Ladder {
  return {
    nodesToReplicas: DEFAULT_NODES_TO_REPLICAS.map(([n, r]) => [n, r] as LadderStep),
    coresToReplicas: [],
    source: 'default',
    ...(note ? { note } : {}),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates one list of steps the way cluster-proportional-autoscaler's parseParams does: every
 * entry a pair of integers, none negative (1.8.0 allowed replicas 0). Returns the steps sorted by
 * threshold, as the autoscaler sorts them before looking up (laddercontroller.SyncConfig).
 */
function ladderSteps(value: unknown, field: string): LadderStep[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return `${field} is not a list`;
  const steps: LadderStep[] = [];
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length !== 2) return `${field} has an entry that is not a [count, replicas] pair: ${JSON.stringify(entry)}`;
    const [n, r] = entry as unknown[];
    if (!Number.isInteger(n) || !Number.isInteger(r) || (n as number) < 0 || (r as number) < 0) {
      return `${field} has an entry that is not two non-negative integers: ${JSON.stringify(entry)}`;
    }
    steps.push([n as number, r as number]);
  }
  return steps.sort((a, b) => a[0] - b[0]);
}

/**
 * The ladder from `kubectl get configmap konnectivity-agent-autoscaler -n kube-system -o json`
 * (data.ladder is itself JSON: {"coresToReplicas": [...], "nodesToReplicas": [...]}).
 * `undefined` (configmap not found) gives the defaults; a malformed one gives the defaults and a
 * note — cluster-proportional-autoscaler refuses such a ladder too (parseParams fails), so it
 * cannot be what the agents were scaled by.
 */
export function parseLadder(configMapJson: string | undefined): Ladder {
  if (configMapJson === undefined || configMapJson.trim() === '') return defaultLadder();
  let doc: unknown;
  try {
    doc = JSON.parse(configMapJson);
  } catch {
    return defaultLadder('the konnectivity-agent-autoscaler configmap output is not JSON; judging by the default ladder');
  }
  // A List (kubectl get configmap -l …) holding the configmap is accepted too.
  if (isObject(doc) && Array.isArray(doc.items)) {
    doc = doc.items.find((i) => isObject(i) && isObject(i.metadata) && i.metadata.name === LADDER_CONFIGMAP.name);
    if (doc === undefined) return defaultLadder();
  }
  if (!isObject(doc)) return defaultLadder('the konnectivity-agent-autoscaler configmap output is not a ConfigMap; judging by the default ladder');
  const raw = isObject(doc.data) ? doc.data[LADDER_CONFIGMAP.key] : undefined;
  if (typeof raw !== 'string') {
    return defaultLadder(`the konnectivity-agent-autoscaler configmap has no "${LADDER_CONFIGMAP.key}" key; judging by the default ladder`);
  }
  let params: unknown;
  try {
    params = JSON.parse(raw);
  } catch {
    return defaultLadder(`the konnectivity-agent-autoscaler ladder is not valid JSON (${raw.slice(0, 80)}); the autoscaler rejects it too; judging by the default ladder`);
  }
  if (!isObject(params)) return defaultLadder('the konnectivity-agent-autoscaler ladder is not a JSON object; judging by the default ladder');
  const nodes = ladderSteps(params.nodesToReplicas, 'nodesToReplicas');
  const cores = ladderSteps(params.coresToReplicas, 'coresToReplicas');
  for (const problem of [nodes, cores]) {
    if (typeof problem === 'string') return defaultLadder(`the konnectivity-agent-autoscaler ladder is invalid (${problem}); the autoscaler rejects it too; judging by the default ladder`);
  }
  return { nodesToReplicas: nodes as LadderStep[], coresToReplicas: cores as LadderStep[], source: 'configmap' };
}

/**
 * The step cluster-proportional-autoscaler picks for `count` (getExpectedReplicasFromEntries in
 * kubernetes-sigs/cluster-proportional-autoscaler pkg/autoscaler/controller/laddercontroller):
 * the last step whose threshold ≤ count; below the first threshold, the first step still applies
 * (its test: 0 resources → the first step's replicas); no steps at all → 1 replica.
 */
export function ladderStepFor(steps: readonly LadderStep[], count: number): { step?: LadderStep; replicas: number } {
  if (steps.length === 0) return { replicas: 1 };
  let chosen = steps[0] as LadderStep;
  for (const step of steps) if (step[0] <= count) chosen = step;
  return { step: chosen, replicas: chosen[1] };
}

/**
 * Replicas the autoscaler asks for: the larger of the nodes ladder and (when the cluster's core
 * count is known and the ladder has a cores list) the cores ladder, as getExpectedReplicasFromParams
 * does. The autoscaler counts schedulable (not cordoned) nodes.
 */
export function expectedReplicas(ladder: Pick<Ladder, 'nodesToReplicas'> & Partial<Pick<Ladder, 'coresToReplicas'>>, nodeCount: number, coreCount?: number): number {
  const byNodes = ladderStepFor(ladder.nodesToReplicas, nodeCount).replicas;
  const cores = ladder.coresToReplicas ?? [];
  if (coreCount === undefined || cores.length === 0) return byNodes;
  return Math.max(byNodes, ladderStepFor(cores, coreCount).replicas);
}

/** The ladder as the configmap's `ladder` value holds it. */
export function ladderJson(ladder: Pick<Ladder, 'nodesToReplicas' | 'coresToReplicas'>): string {
  return JSON.stringify({ coresToReplicas: ladder.coresToReplicas, nodesToReplicas: ladder.nodesToReplicas });
}

// ---------------------------------------------------------------------------------------------
// Events

export interface KubeEvent {
  reason: string;
  message: string;
  /** "Warning" | "Normal". */
  type?: string;
  /** The event's own namespace (Node events live in "default"). */
  namespace?: string;
  involvedObject: { kind: string; name: string; namespace?: string };
  lastTimestamp?: string;
  eventTime?: string;
  count: number;
  /** source.component, e.g. "kernel-monitor" (node-problem-detector). */
  source?: string;
}

interface RawEvent {
  metadata?: { namespace?: string };
  reason?: string;
  message?: string;
  note?: string;
  type?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  regarding?: { kind?: string; name?: string; namespace?: string };
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
  eventTime?: string | null;
  deprecatedLastTimestamp?: string | null;
  count?: number;
  deprecatedCount?: number;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string };
  deprecatedSource?: { component?: string };
  reportingController?: string;
}

/**
 * `kubectl get events -o json` (core/v1 Events; the events.k8s.io/v1 field names — note,
 * regarding, deprecatedCount, series — are read too, since the two APIs serve the same objects).
 */
export function parseEvents(json: string): KubeEvent[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new KubectlOutputError('kubectl did not return a JSON event list');
  }
  if (!isObject(doc) || !Array.isArray(doc.items)) throw new KubectlOutputError('kubectl returned JSON without an items list');
  return (doc.items as unknown[]).filter(isObject).map((item) => {
    const e = item as RawEvent;
    const about = e.involvedObject ?? e.regarding ?? {};
    const last = e.lastTimestamp ?? e.deprecatedLastTimestamp ?? e.series?.lastObservedTime ?? e.firstTimestamp ?? undefined;
    const source = e.source?.component ?? e.deprecatedSource?.component ?? e.reportingController;
    const namespace = e.metadata?.namespace;
    return {
      reason: e.reason ?? '',
      message: e.message ?? e.note ?? '',
      ...(e.type ? { type: e.type } : {}),
      ...(namespace ? { namespace } : {}),
      involvedObject: { kind: about.kind ?? '', name: about.name ?? '', ...(about.namespace ? { namespace: about.namespace } : {}) },
      ...(last ? { lastTimestamp: last } : {}),
      ...(e.eventTime ? { eventTime: e.eventTime } : {}),
      count: e.series?.count ?? e.count ?? e.deprecatedCount ?? 1,
      ...(source ? { source } : {}),
    };
  });
}

/** When the event last happened, whichever field carries it. */
export function eventTimeOf(e: KubeEvent): string | undefined {
  return e.lastTimestamp ?? e.eventTime;
}

/**
 * The process an OOM-kill event names. node-problem-detector's kernel monitor copies the kernel
 * line: "Memory cgroup out of memory: Killed process 21877 (proxy-agent) total-vm:…"; older
 * kernels print "Killed process 21877 (proxy-agent), UID 0, …" or "Out of memory: Kill process …".
 */
export function oomKilledProcess(message: string): { pid: number; process: string } | undefined {
  const m = /\bKill(?:ed)? process (\d+) \(([^)]*)\)/.exec(message);
  if (!m) return undefined;
  return { pid: Number(m[1]), process: m[2] as string };
}

// ---------------------------------------------------------------------------------------------
// Memory quantities (k8s.io/apimachinery resource.Quantity, the subset memory limits use)

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Bytes in a memory quantity ("1Gi", "500Mi", "512M", "1e9", "1073741824"); undefined if not one. */
export function parseMemoryQuantity(text: string): { bytes: number; family: 'binary' | 'decimal' } | undefined {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix in BINARY) return { bytes: value * (BINARY[suffix] as number), family: 'binary' };
  const exponent = m[3] !== undefined ? 10 ** Number(m[3]) : (DECIMAL[suffix] as number);
  return { bytes: value * exponent, family: 'decimal' };
}

/** A whole-byte quantity in the largest unit of its family that divides it ("2Gi", "1000Mi", "1024M"). */
export function formatMemoryQuantity(bytes: number, family: 'binary' | 'decimal' = 'binary'): string {
  const whole = Math.ceil(bytes);
  const units = family === 'binary' ? (['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const).map((u) => [u, BINARY[u] as number] as const) : (['E', 'P', 'T', 'G', 'M', 'k'] as const).map((u) => [u, DECIMAL[u] as number] as const);
  for (const [unit, size] of units) if (whole >= size && whole % size === 0) return `${whole / size}${unit}`;
  return String(whole);
}
