/**
 * The cluster as the diagnosis card shows it: the one-line strip under the headline (resource group ·
 * region · Kubernetes · nodes · tunnel) and the full facts behind their toggle.
 */
import type { ClusterFacts, NodePoolFacts } from '../../engine/report.js';
import { firstOf, inertMarkdown, truncate } from './card-text.js';
import type { Messages } from '../i18n/index.js';

export interface Fact {
  title: string;
  value: string;
}

/** "a, b, c and 990 more", in the card's language. */
export function listOf(items: readonly string[], max: number, m: Messages): string {
  const { shown, more } = firstOf(items, max);
  const head = shown.join(m.common.listSeparator);
  return more > 0 ? m.common.listMore(head, more) : head;
}

function poolLabel(pool: NodePoolFacts): string {
  const mode = pool.mode ? `${pool.mode}, ` : '';
  const size = pool.vmSize ? ` × ${pool.vmSize}` : '';
  return `${pool.name} (${mode}${pool.osType}, ${pool.count}${size})`;
}

export function clusterFacts(cluster: ClusterFacts, m: Messages): Fact[] {
  const t = m.diagnosis.facts;
  const facts: Fact[] = [{ title: t.cluster, value: cluster.name }];
  if (cluster.resourceGroup) facts.push({ title: t.resourceGroup, value: cluster.resourceGroup });
  if (cluster.location) facts.push({ title: t.location, value: cluster.location });
  // The tunnel kind with the egress it needs (docs/checks.md).
  facts.push({ title: t.tunnel, value: m.tunnel[cluster.tunnel] ?? cluster.tunnel });
  facts.push({ title: t.apiServer, value: cluster.private ? t.private : t.public });
  facts.push({ title: t.outboundType, value: cluster.outboundType || t.unknown });
  if (cluster.kubernetesVersion) facts.push({ title: t.kubernetes, value: cluster.kubernetesVersion });
  facts.push({ title: t.nodes, value: String(cluster.nodeCount) });
  if (cluster.nodePools && cluster.nodePools.length > 0) {
    const { shown, more } = firstOf(cluster.nodePools, 6);
    const head = shown.map(poolLabel).join('; ');
    facts.push({ title: t.nodePools, value: more > 0 ? m.common.listMore(head, more) : head });
  }
  if (cluster.nodeResourceGroup) facts.push({ title: t.nodeResourceGroup, value: cluster.nodeResourceGroup });
  // Fact values render markdown in Teams; names come from Azure, but nothing outside may link.
  return facts.map((f) => ({ title: f.title, value: inertMarkdown(truncate(f.value, 300, m.common.cut)) }));
}

/** resource group · region · Kubernetes · nodes · tunnel: what an on-call reader checks first, on one line. */
export function factsStrip(cluster: ClusterFacts, m: Messages): string {
  const s = m.incidentLayout.factsStrip;
  const parts = [
    cluster.resourceGroup,
    cluster.location,
    cluster.kubernetesVersion ? s.kubernetes(cluster.kubernetesVersion) : undefined,
    s.nodes(cluster.nodeCount),
    m.tunnel[cluster.tunnel] ?? cluster.tunnel,
  ].filter((p): p is string => p !== undefined && p !== '');
  return inertMarkdown(truncate(parts.join(' · '), 300, m.common.cut));
}
