/**
 * The diagnosis card: the verdict, the cluster's facts, one row per check (evidence behind a toggle,
 * proposed fixes with the exact change), the affected nodes and the notes.
 *
 * A 1000-node cluster with every check failing on every node must still fit Teams' ~28 KB message
 * limit, so lists are cut ("and 990 more") and, if the card is still too big, rebuilt with tighter
 * limits (DETAIL_LEVELS) until it fits. The full report stays available from the CLI (--json).
 */
import template from '../../../cards/diagnosis.json' with { type: 'json' };
import type { CheckResult, ClusterFacts, FixProposal, NodePoolFacts, Report } from '../../engine/report.js';
import { CHECK_IDS } from '../../engine/report.js';
import { notExecutableReason } from '../../engine/fixes/executors.js';
import { diagnoseSubmitData, type DiagnoseSubmitData } from './card-actions.js';
import { CARD_BYTE_BUDGET, cardBytes, expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { BANNER, RISK_COLOR, statusLook, type Banner } from './status-look.js';
import { messagesFor, type LeftOutKind, type Locale, type Messages } from '../i18n/index.js';

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

/** A "Then:" step is a sentence, not a rule: it never needs the change's full length. */
const THEN_CHARS = 600;

/** Node lists always show the first 10 names, then "and N more". */
const NODES_SHOWN = 10;

interface Fact {
  title: string;
  value: string;
}

/** "a, b, c and 990 more", in the card's language. */
function listOf(items: readonly string[], max: number, m: Messages): string {
  const { shown, more } = firstOf(items, max);
  const head = shown.join(m.common.listSeparator);
  return more > 0 ? m.common.listMore(head, more) : head;
}

function poolLabel(pool: NodePoolFacts): string {
  const mode = pool.mode ? `${pool.mode}, ` : '';
  const size = pool.vmSize ? ` × ${pool.vmSize}` : '';
  return `${pool.name} (${mode}${pool.osType}, ${pool.count}${size})`;
}

function clusterFacts(cluster: ClusterFacts, m: Messages): Fact[] {
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

interface Verdict extends Banner {
  headline: string;
}

function verdictOf(report: Report, progress: DiagnosisCardOptions['progress'], m: Messages): Verdict {
  const name = report.cluster.name;
  if (progress && progress.done < progress.total) {
    return { ...BANNER.working, headline: m.diagnosis.diagnosing(name, progress.done, progress.total) };
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  if (failed > 0) return { ...BANNER.attention, headline: m.diagnosis.causesFound(failed, name) };
  // Same order as exitCodeFor: a failure outranks an unknown, and unknown means "incomplete".
  if (report.checks.some((c) => c.status === 'unknown')) return { ...BANNER.warning, headline: m.diagnosis.incomplete(name) };
  return { ...BANNER.good, headline: m.diagnosis.healthy(name) };
}

function durationText(report: Report, m: Messages): string | undefined {
  const ms = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return m.diagnosis.took(ms);
}

/** Tally order: what needs action first. */
const TALLY_ORDER: ReadonlyArray<CheckResult['status']> = ['fail', 'warn', 'unknown', 'pass', 'not-applicable'];

function subtitleOf(report: Report, progress: DiagnosisCardOptions['progress'], m: Messages): string {
  if (report.checks.length === 0) return '';
  const count = (s: CheckResult['status']) => report.checks.filter((c) => c.status === s).length;
  const parts = TALLY_ORDER.filter((s) => count(s) > 0).map((s) => m.diagnosis.tally[s](count(s)));
  const inProgress = progress && progress.done < progress.total;
  const took = inProgress ? undefined : durationText(report, m);
  return m.diagnosis.subtitle(report.checks.length, parts, took);
}

interface FixView {
  title: string;
  risk: string;
  riskColor: string;
  approval: string;
  target: string;
  change: string;
  /** Steps the approved plan runs after `change` (FixProposal.then), shown as "Then: …" under it. */
  then: Array<{ text: string }>;
  warnings: Array<{ text: string }>;
  hasRequest: boolean;
  request: RequestFixData | Record<string, never>;
  hasManualReason: boolean;
  manualReason: string;
}

function fixView(fix: FixProposal, level: DetailLevel, reportId: string | undefined, m: Messages): FixView {
  const manual = reportId === undefined ? undefined : notExecutableReason(fix);
  const canRequest = reportId !== undefined && manual === undefined;
  return {
    hasRequest: canRequest,
    request: canRequest ? { reportId, fixId: fix.id } : {},
    hasManualReason: manual !== undefined,
    manualReason: inertRun(manual === undefined ? '' : m.diagnosis.manualFix(manual)),
    title: inertMarkdown(truncate(fix.title, 300, m.common.cut)),
    risk: m.diagnosis.riskLabel(m.risk[fix.risk] ?? fix.risk),
    riskColor: RISK_COLOR[fix.risk] ?? 'Default',
    approval: m.diagnosis.fixMeta(fix.needsApproval ? m.diagnosis.needsApproval : m.diagnosis.noApprovalNeeded),
    target: stripControl(truncate(fix.target, 200, m.common.cut)),
    // Verbatim: a TextRun renders no markdown, so `*` in a rule or `_` in a chain name stay as they are.
    change: stripControl(truncate(fix.change, level.changeChars, m.common.cut)),
    // Part of what an approver approves (the plan hash covers it), so it sits right under the change.
    then: (fix.then ?? []).map((step) => ({ text: inertRun(truncate(step.change, Math.min(THEN_CHARS, level.changeChars), m.common.cut)) })),
    warnings: firstOf(fix.warnings ?? [], level.warningsPerFix).shown.map((w) => ({ text: inertRun(truncate(w, 300, m.common.cut)) })),
  };
}

interface CheckRowView {
  rowId: string;
  detailsId: string;
  icon: string;
  color: string;
  title: string;
  statusLabel: string;
  /** Other languages than the engine's: a localized line for the check and status, the summary below it. */
  hasHeadline: boolean;
  headline: string;
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
function leftOut(list: { shown: unknown[]; more: number }, kind: LeftOutKind, m: Messages): string {
  return m.diagnosis.leftOut(kind, list.more, list.shown.length > 0);
}

function evidenceLabel(kind: string, resource: string | undefined, m: Messages): string {
  // The resource is usually an ARM id: its last segment names it well enough on a phone screen.
  const name = resource ? resource.split('/').filter(Boolean).pop() ?? resource : undefined;
  return inertMarkdown(truncate(name ? `${kind} · ${name}` : kind, 200, m.common.cut));
}

function checkRowView(check: CheckResult, level: DetailLevel, reportId: string | undefined, m: Messages): CheckRowView {
  const look = statusLook(check.status, m);
  // The engine writes English; in English its summary is the headline, elsewhere it is the detail.
  const headline = m.locale === 'en' ? undefined : m.checkHeadline[check.id]?.[check.status];
  const evidence = firstOf(check.evidence, level.evidencePerCheck);
  const fixes = firstOf(check.fixes, level.fixesPerCheck);
  const hasNodes = check.nodes.length > 0 && check.status !== 'pass';
  const hasDetails = evidence.shown.length > 0 || evidence.more > 0 || hasNodes;
  return {
    rowId: `check-${check.id}`,
    detailsId: `evidence-${check.id}`,
    icon: look.icon,
    color: look.color,
    title: m.checkTitle[check.id] ?? inertMarkdown(check.id),
    statusLabel: m.common.label(look.label),
    hasHeadline: headline !== undefined,
    headline: headline ?? '',
    summary: inertRun(truncate(check.summary, level.summaryChars, m.common.cut)),
    hasUnknownReason: check.unknownReason !== undefined,
    why: inertRun(truncate(check.unknownReason?.why ?? '', 400, m.common.cut)),
    resolve: inertRun(truncate(check.unknownReason?.resolve ?? '', 400, m.common.cut)),
    hasDetails,
    detailsTitle: check.evidence.length > 0 ? m.diagnosis.evidence(check.evidence.length) : m.diagnosis.details,
    evidence: evidence.shown.map((e) => ({
      label: evidenceLabel(e.kind, e.resource, m),
      detail: stripControl(truncate(e.detail, level.evidenceChars, m.common.cut)) || m.diagnosis.empty,
    })),
    hasMoreEvidence: evidence.more > 0,
    moreEvidence: leftOut(evidence, 'evidence', m),
    hasNodes,
    nodesHeading: m.diagnosis.nodesHeading(check.nodes.length),
    nodes: stripControl(listOf(check.nodes, NODES_SHOWN, m)),
    fixes: fixes.shown.map((f) => fixView(f, level, reportId, m)),
    hasMoreFixes: fixes.more > 0,
    moreFixes: leftOut(fixes, 'fix', m),
  };
}

/**
 * Checks in the fixed order of the contract, so every card reads the same way — except that a
 * failing kubelet-reachability leads: it fails only for nodes no other check explains, so nothing
 * else on the card points at them.
 */
function orderedChecks(checks: readonly CheckResult[]): CheckResult[] {
  const rank = (c: CheckResult) => {
    if (c.id === 'kubelet-reachability' && c.status === 'fail') return -1;
    const i = (CHECK_IDS as readonly string[]).indexOf(c.id);
    return i < 0 ? CHECK_IDS.length : i;
  };
  return [...checks].sort((a, b) => rank(a) - rank(b));
}

/** The card's fixed words, bound as `${$root.t.…}` in cards/diagnosis.json. */
function chromeOf(m: Messages) {
  return {
    checks: m.diagnosis.checksHeading,
    why: m.diagnosis.why,
    toResolve: m.diagnosis.toResolve,
    notes: m.diagnosis.notes,
    requestFix: m.diagnosis.requestFix,
    diagnoseAgain: m.diagnosis.diagnoseAgain,
    then: m.diagnosis.then,
  };
}

interface DiagnosisView {
  t: ReturnType<typeof chromeOf>;
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

function diagnosisView(report: Report, opts: DiagnosisCardOptions, level: DetailLevel, m: Messages): DiagnosisView {
  const verdict = verdictOf(report, opts.progress, m);
  const subtitle = subtitleOf(report, opts.progress, m);
  const checks = orderedChecks(report.checks);
  const failing = checks.filter((c) => c.status === 'fail').map((c) => c.id);
  const notes = firstOf(report.warnings ?? [], level.notes);
  const inProgress = opts.progress !== undefined && opts.progress.done < opts.progress.total;
  const cluster = report.cluster;
  const rg = cluster.resourceGroup;
  return {
    t: chromeOf(m),
    fallbackText: stripControl(m.diagnosis.fallback(verdict.headline, failing)),
    banner: { ...verdict, headline: inertMarkdown(verdict.headline), subtitle, hasSubtitle: subtitle !== '' },
    facts: clusterFacts(cluster, m),
    hasChecks: checks.length > 0,
    checks: checks.map((c) => checkRowView(c, level, inProgress ? undefined : opts.reportId, m)),
    hasAffected: report.affectedNodes.length > 0,
    affectedHeading: m.diagnosis.affectedHeading(report.affectedNodes.length),
    affectedNodes: stripControl(listOf(report.affectedNodes, NODES_SHOWN, m)),
    hasNotes: notes.shown.length > 0,
    notes: [
      ...notes.shown.map((w) => ({ text: inertRun(truncate(w, 300, m.common.cut)) })),
      ...(notes.more > 0 ? [{ text: leftOut(notes, 'note', m) }] : []),
    ],
    hasNotice: opts.notice !== undefined && opts.notice !== '',
    notice: { ...(opts.noticeTone === 'info' ? BANNER.info : BANNER.refused), text: inertRun(truncate(opts.notice ?? '', 600, m.common.cut)) },
    hasRediagnose: !inProgress && cluster.id !== '',
    rediagnose: diagnoseSubmitData(cluster.id, `diagnose ${cluster.name}${rg ? ` in ${rg}` : ''}`),
  };
}

/** `locale`: the language of the card's own words; the engine's summaries and evidence stay as written. */
export function diagnosisCard(report: Report, opts: DiagnosisCardOptions = {}, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  let card: AdaptiveCard | undefined;
  for (const level of DETAIL_LEVELS) {
    card = expandCard(template, diagnosisView(report, opts, level, m));
    if (cardBytes(card) <= CARD_BYTE_BUDGET) return card;
  }
  // The last level carries no evidence and one fix per check; only absurd input gets here.
  if (!card) throw new Error('no detail levels');
  return card;
}
