/**
 * "diagnose cluster X" → exactly one managed cluster, or a clear reason why not: not found (with what
 * was searched and the closest names), or several candidates to choose from.
 */
import type { ClusterRef, SubscriptionRef } from '../cluster-ref.js';
import { userMessageOf } from '../user-message.js';
/** Which cluster the user named: already validated against Azure's naming rules by the parser. */
export type ClusterTarget =
  | { by: 'name'; name: string; resourceGroup?: string; subscription?: string }
  | { by: 'id'; id: string; subscriptionId: string; resourceGroup: string; name: string };

/** What cluster lookup needs from the Azure layer. */
export interface ClusterDirectory {
  subscriptions(): Promise<SubscriptionRef[]>;
  clusters(subscriptionIds: string[]): Promise<ClusterRef[]>;
  /** One query across every subscription in scope (Azure Resource Graph); absent = list per subscription. */
  clustersNamed?(name: string): Promise<ClusterRef[]>;
  /** A subscription's display name, for the answer; undefined when it cannot be read. */
  subscriptionName?(subscriptionId: string): Promise<string | undefined>;
}

/** How the cluster was looked up: one Resource Graph query, or a list per subscription (and why). */
export type ClusterLookup = { via: 'resource-graph' } | { via: 'per-subscription'; why?: string };

export type ClusterResolution = (
  | { kind: 'found'; cluster: ClusterRef; subscriptionName?: string }
  | { kind: 'ambiguous'; query: string; candidates: Array<ClusterRef & { subscriptionName?: string }> }
  | { kind: 'not-found'; query: string; searched: string[]; resourceGroup?: string; suggestions: string[] }
  | { kind: 'unknown-subscription'; subscription: string; known: string[] }
) & { lookup?: ClusterLookup };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

export function closestNames(query: string, names: string[], max = 3): string[] {
  const q = query.toLowerCase();
  const scored = [...new Set(names)]
    .map((name) => {
      const n = name.toLowerCase();
      const d = editDistance(q, n);
      // A shared stem ("prod" in "aks-prod-eastus") counts as close even when the edit distance is large.
      const contains = n.includes(q) || q.includes(n);
      return { name, score: contains ? Math.min(d, 1) : d };
    })
    .filter((s) => s.score <= Math.max(2, Math.floor(query.length / 3)))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}

function label(s: SubscriptionRef): string {
  return s.displayName ? `${s.displayName} (${s.subscriptionId})` : s.subscriptionId;
}

/**
 * A cluster named without a subscription: one Resource Graph query instead of a list per
 * subscription (300 subscriptions = 300 requests, each against that subscription's read budget).
 * Undefined, with the reason, when the per-subscription listing must answer instead: the query was
 * refused (no Microsoft.ResourceGraph/resources/read, or Resource Graph unavailable), or it found
 * nothing — Resource Graph can lag behind ARM for a cluster created moments ago, so "not found"
 * is only said after the authoritative lists.
 */
async function resolveByGraph(directory: ClusterDirectory, target: ClusterTarget & { by: 'name' }): Promise<ClusterResolution | { fallback: string }> {
  let hits: ClusterRef[];
  try {
    hits = await (directory.clustersNamed as (name: string) => Promise<ClusterRef[]>)(target.name);
  } catch (err) {
    return { fallback: `Azure Resource Graph refused the query (${userMessageOf(err)})` };
  }
  const rg = target.resourceGroup;
  const matches = hits.filter((c) => same(c.name, target.name) && (rg === undefined || same(c.resourceGroup, rg)));
  if (matches.length === 0) return { fallback: 'Azure Resource Graph found no such cluster; checking each subscription, as a new cluster can take a while to appear there' };
  const names = new Map<string, string | undefined>();
  for (const sub of new Set(matches.map((c) => c.subscriptionId.toLowerCase()))) names.set(sub, await directory.subscriptionName?.(sub).catch(() => undefined));
  const withName = (c: ClusterRef) => {
    const subscriptionName = names.get(c.subscriptionId.toLowerCase());
    return subscriptionName ? { subscriptionName } : {};
  };
  const lookup: ClusterLookup = { via: 'resource-graph' };
  if (matches.length === 1 && matches[0]) return { kind: 'found', cluster: matches[0], ...withName(matches[0]), lookup };
  return { kind: 'ambiguous', query: target.name, candidates: matches.map((c) => ({ ...c, ...withName(c) })), lookup };
}

export async function resolveCluster(directory: ClusterDirectory, target: ClusterTarget): Promise<ClusterResolution> {
  let why: string | undefined;
  if (target.by === 'name' && target.subscription === undefined && directory.clustersNamed) {
    const byGraph = await resolveByGraph(directory, target);
    if (!('fallback' in byGraph)) return byGraph;
    why = byGraph.fallback;
  }
  const lookup: ClusterLookup = why ? { via: 'per-subscription', why } : { via: 'per-subscription' };
  return { ...(await resolveBySubscription(directory, target)), lookup };
}

async function resolveBySubscription(directory: ClusterDirectory, target: ClusterTarget): Promise<ClusterResolution> {
  const subscriptions = await directory.subscriptions();
  const nameOf = (id: string) => subscriptions.find((s) => same(s.subscriptionId, id))?.displayName;

  let scope = subscriptions;
  const wanted = target.by === 'id' ? target.subscriptionId : target.subscription;
  if (wanted !== undefined) {
    scope = subscriptions.filter((s) => same(s.subscriptionId, wanted) || (s.displayName !== undefined && same(s.displayName, wanted)));
    if (scope.length === 0) {
      return { kind: 'unknown-subscription', subscription: wanted, known: subscriptions.map(label) };
    }
  }
  const all = await directory.clusters(scope.map((s) => s.subscriptionId));
  const rg = target.resourceGroup;
  const matches = all.filter((c) => same(c.name, target.name) && (rg === undefined || same(c.resourceGroup, rg)));

  if (matches.length === 1 && matches[0]) {
    const cluster = matches[0];
    const subscriptionName = nameOf(cluster.subscriptionId);
    return { kind: 'found', cluster, ...(subscriptionName ? { subscriptionName } : {}) };
  }
  if (matches.length > 1) {
    return {
      kind: 'ambiguous',
      query: target.name,
      candidates: matches.map((c) => {
        const subscriptionName = nameOf(c.subscriptionId);
        return { ...c, ...(subscriptionName ? { subscriptionName } : {}) };
      }),
    };
  }
  return {
    kind: 'not-found',
    query: target.name,
    searched: scope.map(label),
    ...(rg !== undefined ? { resourceGroup: rg } : {}),
    suggestions: closestNames(target.name, all.map((c) => c.name)),
  };
}
