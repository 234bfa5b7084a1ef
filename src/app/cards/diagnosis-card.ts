/**
 * The diagnosis card: the verdict, the cluster's facts, one row per check (evidence behind a toggle,
 * proposed fixes with the exact change), the affected nodes and the notes.
 *
 * A 1000-node cluster with every check failing on every node must still fit Teams' ~28 KB message
 * limit, so lists are cut ("and 990 more") and, if the card is still too big, rebuilt with tighter
 * limits (DETAIL_LEVELS) until it fits. The full report stays available from the CLI (--json).
 */
import template from '../../../cards/diagnosis.json' with { type: 'json' };
import type { CheckResult, ClusterFacts, FixProposal, NodePoolFacts, Report, TunnelKind } from '../../engine/report.js';
import { CHECK_IDS } from '../../engine/report.js';
import { notExecutableReason } from '../../engine/fixes/executors.js';
import { diagnoseSubmitData, type DiagnoseSubmitData } from './card-actions.js';
import { CARD_BYTE_BUDGET, cardBytes, expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, plural, stripControl, summariseList, truncate } from './card-text.js';
import { BANNER, CHECK_TITLES, RISK_COLOR, STATUS_LOOK, type Banner } from './status-look.js';

export interface DiagnosisCardOptions {
  /** While checks are still running: the card shows what is done so far and claims no verdict. */
  progress?: { done: number; total: number };
  /**
   * The id the report is stored under (the approval flow): each fix the bot can apply gets a
   * "Request this fix" button (Action.Execute, data { reportId, fixId }), the others say why not.
   */
  reportId?: string;
  /** A line above the facts: the answer to a click on the card (a fix requested, or why not). */
  notice?: string;
  /** 'refused' (the default): nothing was done; 'info': the click did what it said. */
  noticeTone?: 'info' | 'refused';
}

/** `data` of "Request this fix": ids only; the server reloads the report and the fix from its store. */
export interface RequestFixData {
  reportId: string;
  fixId: string;
}

/** How much detail the card carries; the builder steps down this ladder until the card fits. */
interface DetailLevel {
  evidencePerCheck: number;
  evidenceChars: number;
  fixesPerCheck: number;
  changeChars: number;
  warningsPerFix: number;
  summaryChars: number;
  notes: number;
}

const DETAIL_LEVELS: readonly DetailLevel[] = [
  { evidencePerCheck: 5, evidenceChars: 600, fixesPerCheck: 3, changeChars: 1500, warningsPerFix: 3, summaryChars: 600, notes: 5 },
  { evidencePerCheck: 3, evidenceChars: 400, fixesPerCheck: 2, changeChars: 1000, warningsPerFix: 2, summaryChars: 400, notes: 3 },
  { evidencePerCheck: 2, evidenceChars: 250, fixesPerCheck: 1, changeChars: 800, warningsPerFix: 2, summaryChars: 300, notes: 3 },
  { evidencePerCheck: 1, evidenceChars: 200, fixesPerCheck: 1, changeChars: 500, warningsPerFix: 1, summaryChars: 300, notes: 2 },
  { evidencePerCheck: 0, evidenceChars: 0, fixesPerCheck: 1, changeChars: 300, warningsPerFix: 1, summaryChars: 200, notes: 1 },
  { evidencePerCheck: 0, evidenceChars: 0, fixesPerCheck: 0, changeChars: 0, warningsPerFix: 0, summaryChars: 160, notes: 1 },
];

/** Node lists always show the first 10 names, then "and N more". */
const NODES_SHOWN = 10;

/** Egress each tunnel needs (docs/checks.md), shown next to the tunnel kind. */
const TUNNEL_LABEL: Readonly<Record<TunnelKind, string>> = {
  konnectivity: 'konnectivity (egress TCP 443)',
  'tunnel-front': 'tunnel-front (egress TCP 9000)',
  'aks-link': 'aks-link (egress UDP 1194)',
  none: 'none found',
  unknown: 'unknown',
};

interface Fact {
  title: string;
  value: string;
}

function poolLabel(pool: NodePoolFacts): string {
  const mode = pool.mode ? `${pool.mode}, ` : '';
  const size = pool.vmSize ? ` × ${pool.vmSize}` : '';
  return `${pool.name} (${mode}${pool.osType}, ${pool.count}${size})`;
}

function clusterFacts(cluster: ClusterFacts): Fact[] {
  const facts: Fact[] = [{ title: 'Cluster', value: cluster.name }];
  if (cluster.resourceGroup) facts.push({ title: 'Resource group', value: cluster.resourceGroup });
  if (cluster.location) facts.push({ title: 'Location', value: cluster.location });
  facts.push({ title: 'Tunnel', value: TUNNEL_LABEL[cluster.tunnel] ?? cluster.tunnel });
  facts.push({ title: 'API server', value: cluster.private ? 'Private' : 'Public' });
  facts.push({ title: 'Outbound type', value: cluster.outboundType || 'unknown' });
  if (cluster.kubernetesVersion) facts.push({ title: 'Kubernetes', value: cluster.kubernetesVersion });
  facts.push({ title: 'Nodes', value: String(cluster.nodeCount) });
  if (cluster.nodePools && cluster.nodePools.length > 0) {
    const { shown, more } = firstOf(cluster.nodePools, 6);
    facts.push({ title: 'Node pools', value: shown.map(poolLabel).join('; ') + (more > 0 ? ` and ${more} more` : '') });
  }
  if (cluster.nodeResourceGroup) facts.push({ title: 'Node resource group', value: cluster.nodeResourceGroup });
  // Fact values render markdown in Teams; names come from Azure, but nothing outside may link.
  return facts.map((f) => ({ title: f.title, value: inertMarkdown(truncate(f.value, 300)) }));
}

interface Verdict extends Banner {
  headline: string;
}

function verdictOf(report: Report, progress: DiagnosisCardOptions['progress']): Verdict {
  const name = report.cluster.name;
  if (progress && progress.done < progress.total) {
    return { ...BANNER.working, headline: `Diagnosing ${name}… ${progress.done} of ${plural(progress.total, 'check')}` };
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  if (failed > 0) return { ...BANNER.attention, headline: `${plural(failed, 'cause')} found on ${name}` };
  // Same order as exitCodeFor: a failure outranks an unknown, and unknown means "incomplete".
  if (report.checks.some((c) => c.status === 'unknown')) return { ...BANNER.warning, headline: `Diagnosis incomplete on ${name}` };
  return { ...BANNER.good, headline: `Tunnel healthy on ${name}` };
}

function durationText(report: Report): string | undefined {
  const ms = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return ms < 60_000 ? `took ${Math.max(1, Math.round(ms / 1000))} s` : `took ${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function subtitleOf(report: Report, progress: DiagnosisCardOptions['progress']): string {
  if (report.checks.length === 0) return '';
  const count = (s: CheckResult['status']) => report.checks.filter((c) => c.status === s).length;
  const tally: Array<[number, string]> = [
    [count('fail'), 'failed'],
    [count('warn'), count('warn') === 1 ? 'warning' : 'warnings'],
    [count('unknown'), 'unknown'],
    [count('pass'), 'passed'],
    [count('not-applicable'), 'not applicable'],
  ];
  const parts = tally.filter(([n]) => n > 0).map(([n, word]) => `${n} ${word}`);
  const inProgress = progress && progress.done < progress.total;
  const took = inProgress ? undefined : durationText(report);
  return `${plural(report.checks.length, 'check')}: ${parts.join(' · ')}${took ? ` — ${took}` : ''}`;
}

interface FixView {
  title: string;
  risk: string;
  riskColor: string;
  approval: string;
  target: string;
  change: string;
  warnings: Array<{ text: string }>;
  hasRequest: boolean;
  request: RequestFixData | Record<string, never>;
  hasManualReason: boolean;
  manualReason: string;
}

function fixView(fix: FixProposal, level: DetailLevel, reportId: string | undefined): FixView {
  const manual = reportId === undefined ? undefined : notExecutableReason(fix);
  const canRequest = reportId !== undefined && manual === undefined;
  return {
    hasRequest: canRequest,
    request: canRequest ? { reportId, fixId: fix.id } : {},
    hasManualReason: manual !== undefined,
    manualReason: inertRun(manual ?? ''),
    title: inertMarkdown(truncate(fix.title, 300)),
    risk: fix.risk,
    riskColor: RISK_COLOR[fix.risk] ?? 'Default',
    approval: fix.needsApproval ? 'needs approval' : 'no approval needed',
    target: stripControl(truncate(fix.target, 200)),
    // Verbatim: a TextRun renders no markdown, so `*` in a rule or `_` in a chain name stay as they are.
    change: stripControl(truncate(fix.change, level.changeChars)),
    warnings: firstOf(fix.warnings ?? [], level.warningsPerFix).shown.map((w) => ({ text: inertRun(truncate(w, 300)) })),
  };
}

interface CheckRowView {
  rowId: string;
  detailsId: string;
  icon: string;
  color: string;
  title: string;
  statusLabel: string;
  summary: string;
  hasUnknownReason: boolean;
  why: string;
  resolve: string;
  hasDetails: boolean;
  detailsTitle: string;
  evidence: Array<{ label: string; detail: string }>;
  hasMoreEvidence: boolean;
  moreEvidence: string;
  hasNodes: boolean;
  nodesHeading: string;
  nodes: string;
  fixes: FixView[];
  hasMoreFixes: boolean;
  moreFixes: string;
}

/**
 * "and 3 more evidence items (all in the JSON report)": the chat has no way to open the full report
 * yet, so the card names where it is: `tunnel-doctor diagnose <cluster> --json`.
 */
function leftOut(list: { shown: unknown[]; more: number }, one: string, many = `${one}s`): string {
  const n = list.more;
  return list.shown.length > 0
    ? `and ${n} more ${n === 1 ? one : many} (all in the JSON report: tunnel-doctor diagnose --json)`
    : `${plural(n, one, many)} (all in the JSON report: tunnel-doctor diagnose --json)`;
}

function evidenceLabel(kind: string, resource: string | undefined): string {
  // The resource is usually an ARM id: its last segment names it well enough on a phone screen.
  const name = resource ? resource.split('/').filter(Boolean).pop() ?? resource : undefined;
  return inertMarkdown(truncate(name ? `${kind} · ${name}` : kind, 200));
}

function checkRowView(check: CheckResult, level: DetailLevel, reportId: string | undefined): CheckRowView {
  const look = STATUS_LOOK[check.status] ?? STATUS_LOOK.unknown;
  const evidence = firstOf(check.evidence, level.evidencePerCheck);
  const fixes = firstOf(check.fixes, level.fixesPerCheck);
  const hasNodes = check.nodes.length > 0 && check.status !== 'pass';
  const hasDetails = evidence.shown.length > 0 || evidence.more > 0 || hasNodes;
  return {
    rowId: `check-${check.id}`,
    detailsId: `evidence-${check.id}`,
    icon: look.icon,
    color: look.color,
    title: CHECK_TITLES[check.id] ?? inertMarkdown(check.id),
    statusLabel: look.label,
    summary: inertRun(truncate(check.summary, level.summaryChars)),
    hasUnknownReason: check.unknownReason !== undefined,
    why: inertRun(truncate(check.unknownReason?.why ?? '', 400)),
    resolve: inertRun(truncate(check.unknownReason?.resolve ?? '', 400)),
    hasDetails,
    detailsTitle: check.evidence.length > 0 ? `Evidence (${check.evidence.length})` : 'Details',
    evidence: evidence.shown.map((e) => ({
      label: evidenceLabel(e.kind, e.resource),
      detail: stripControl(truncate(e.detail, level.evidenceChars)) || '(empty)',
    })),
    hasMoreEvidence: evidence.more > 0,
    moreEvidence: leftOut(evidence, 'evidence item'),
    hasNodes,
    nodesHeading: `Nodes (${check.nodes.length}):`,
    nodes: stripControl(summariseList(check.nodes, NODES_SHOWN)),
    fixes: fixes.shown.map((f) => fixView(f, level, reportId)),
    hasMoreFixes: fixes.more > 0,
    moreFixes: leftOut(fixes, 'proposed fix', 'proposed fixes'),
  };
}

/** Checks in the fixed order of the contract, so every card reads the same way. */
function orderedChecks(checks: readonly CheckResult[]): CheckResult[] {
  const rank = (c: CheckResult) => {
    const i = (CHECK_IDS as readonly string[]).indexOf(c.id);
    return i < 0 ? CHECK_IDS.length : i;
  };
  return [...checks].sort((a, b) => rank(a) - rank(b));
}

interface DiagnosisView {
  fallbackText: string;
  banner: Verdict & { subtitle: string; hasSubtitle: boolean };
  facts: Fact[];
  hasChecks: boolean;
  checks: CheckRowView[];
  hasAffected: boolean;
  affectedHeading: string;
  affectedNodes: string;
  hasNotes: boolean;
  notes: Array<{ text: string }>;
  hasRediagnose: boolean;
  rediagnose: DiagnoseSubmitData;
  hasNotice: boolean;
  notice: { text: string } & Banner;
}

function diagnosisView(report: Report, opts: DiagnosisCardOptions, level: DetailLevel): DiagnosisView {
  const verdict = verdictOf(report, opts.progress);
  const subtitle = subtitleOf(report, opts.progress);
  const checks = orderedChecks(report.checks);
  const failing = checks.filter((c) => c.status === 'fail').map((c) => c.id);
  const notes = firstOf(report.warnings ?? [], level.notes);
  const inProgress = opts.progress !== undefined && opts.progress.done < opts.progress.total;
  const cluster = report.cluster;
  const rg = cluster.resourceGroup;
  return {
    fallbackText: stripControl(`Tunnel Doctor: ${verdict.headline}${failing.length > 0 ? ` (${failing.join(', ')})` : ''}`),
    banner: { ...verdict, headline: inertMarkdown(verdict.headline), subtitle, hasSubtitle: subtitle !== '' },
    facts: clusterFacts(cluster),
    hasChecks: checks.length > 0,
    checks: checks.map((c) => checkRowView(c, level, inProgress ? undefined : opts.reportId)),
    hasAffected: report.affectedNodes.length > 0,
    affectedHeading: `Affected nodes (${report.affectedNodes.length})`,
    affectedNodes: stripControl(summariseList(report.affectedNodes, NODES_SHOWN)),
    hasNotes: notes.shown.length > 0,
    notes: [
      ...notes.shown.map((w) => ({ text: inertRun(truncate(w, 300)) })),
      ...(notes.more > 0 ? [{ text: leftOut(notes, 'note') }] : []),
    ],
    hasNotice: opts.notice !== undefined && opts.notice !== '',
    notice: { ...(opts.noticeTone === 'info' ? BANNER.info : BANNER.refused), text: inertRun(truncate(opts.notice ?? '', 600)) },
    hasRediagnose: !inProgress && cluster.id !== '',
    rediagnose: diagnoseSubmitData(cluster.id, `diagnose ${cluster.name}${rg ? ` in ${rg}` : ''}`),
  };
}

export function diagnosisCard(report: Report, opts: DiagnosisCardOptions = {}): AdaptiveCard {
  let card: AdaptiveCard | undefined;
  for (const level of DETAIL_LEVELS) {
    card = expandCard(template, diagnosisView(report, opts, level));
    if (cardBytes(card) <= CARD_BYTE_BUDGET) return card;
  }
  // The last level carries no evidence and one fix per check; only absurd input gets here.
  if (!card) throw new Error('no detail levels');
  return card;
}
