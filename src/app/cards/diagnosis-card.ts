/**
 * The diagnosis card, laid out for an incident (issue 15): the verdict, then each root cause with
 * its one-line evidence, its nodes, the consequences it explains and its fix button; then one line
 * of cluster facts; passing checks, cluster details and each fix's exact change behind toggles. As
 * its fixes move (requested → approved → applied → verified), the same card is rebuilt with their
 * state in place of the Request button (`fixRequests`).
 *
 * A 1000-node cluster with every check failing on every node must still fit Teams' ~28 KB message
 * limit, so lists are cut ("and 990 more") and, if the card is still too big, rebuilt with tighter
 * limits (DETAIL_LEVELS) until it fits. The full report stays available from the CLI (--json).
 */
import template from '../../../cards/diagnosis.json' with { type: 'json' };
import type { ApprovalRequest } from '../../engine/approvals/request.js';
import { rootCauses } from '../../engine/cause-links.js';
import type { CheckResult, Report } from '../../engine/report.js';
import { CHECK_IDS } from '../../engine/report.js';
import { diagnoseSubmitData, type DiagnoseSubmitData } from './card-actions.js';
import { CARD_BYTE_BUDGET, cardBytes, expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { portalUrl, topLevelResource, vmssInstanceId } from './fix-commands.js';
import { cardTime } from './card-time.js';
import { BANNER, statusLook, type Banner } from './status-look.js';
import { clusterFacts, factsStrip, listOf, type Fact } from './cluster-facts-view.js';
import { DETAIL_LEVELS, type DetailLevel } from './detail-levels.js';
import { fixView, type FixView, type FixViewContext } from './fix-view.js';
import { messagesFor, type LeftOutKind, type Locale, type Messages } from '../i18n/index.js';

export interface DiagnosisCardOptions {
  /**
   * The id the report is stored under (the approval flow): each fix the bot can apply gets a
   * "Request this fix" button (Action.Execute, data { reportId, fixId }), the others say why not.
   */
  reportId?: string;
  /** A line above the causes: the answer to a click on the card (a fix requested, or why not). */
  notice?: string;
  /** 'refused' (the default): nothing was done; 'info': the click did what it said. */
  noticeTone?: 'info' | 'refused';
  /**
   * The stored requests of this report's fixes, by fix id: each such fix shows its story
   * (requested by, approved by, applied, verified) instead of a Request button.
   */
  fixRequests?: Readonly<Record<string, ApprovalRequest>>;
  /** For "expires in N min" and expiry: the time the card is built (tests pass their own). */
  now?: Date;
}

/** The line under a check's title: about two lines at 540 px; the whole summary is in its evidence. */
const LINE_CHARS = 120;
/** A consequence's line under its cause: one line. */
const CONSEQUENCE_CHARS = 90;

/** Cut to `max` with a bare "…": the whole text is one toggle away, so no count of what was cut. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** Nodes named under a cause (the evidence toggle names up to NODES_SHOWN). */
const NODES_INLINE = 3;
const NODES_SHOWN = 10;

interface Verdict extends Banner {
  headline: string;
}

function verdictOf(report: Report, causes: number, m: Messages): Verdict {
  const name = report.cluster.name;
  if (causes > 0) return { ...BANNER.attention, headline: m.diagnosis.causesFound(causes, name) };
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

function subtitleOf(report: Report, m: Messages): string {
  if (report.checks.length === 0) return '';
  const count = (s: CheckResult['status']) => report.checks.filter((c) => c.status === s).length;
  const parts = TALLY_ORDER.filter((s) => count(s) > 0).map((s) => m.diagnosis.tally[s](count(s)));
  const took = durationText(report, m);
  const asOf = cardTime(report.finishedAt);
  return `${m.diagnosis.subtitle(report.checks.length, parts, took)}${asOf ? ` · ${m.incidentLayout.asOf(asOf)}` : ''}`;
}

interface CheckView {
  rowId: string;
  detailsId: string;
  icon: string;
  color: string;
  title: string;
  /** One line: the localized headline, or (English) the engine's summary. */
  line: string;
  hasUnknownReason: boolean;
  why: string;
  resolve: string;
  hasNodes: boolean;
  nodes: string;
  nodesHeading: string;
  allNodes: string;
  hasDetails: boolean;
  detailsTitle: string;
  evidence: Array<{ label: string; detail: string }>;
  hasMoreEvidence: boolean;
  moreEvidence: string;
  fixes: FixView[];
  hasMoreFixes: boolean;
  moreFixes: string;
  hasLinks: boolean;
  links: Array<{ title: string; url: string }>;
}

/** Links per check (the portal's pages of what its evidence names); more would crowd the toggle. */
const LINKS_PER_CHECK = 3;

/** The Azure resources a check's evidence names (NSG, load balancer, VNet…) and its first node's scale set instance, as portal links. */
function evidenceLinks(check: CheckResult, scaleSets: readonly string[], m: Messages): Array<{ title: string; url: string }> {
  const ids = [
    ...check.evidence.map((e) => (e.resource ? topLevelResource(e.resource) : undefined)),
    ...check.nodes.slice(0, 1).map((n) => vmssInstanceId(n, scaleSets)),
  ].filter((id): id is string => id !== undefined);
  const unique = [...new Map(ids.map((id) => [id.toLowerCase(), id] as const)).values()];
  return unique.slice(0, LINKS_PER_CHECK).flatMap((id) => {
    const url = portalUrl(id);
    const name = id.split('/').pop() ?? id;
    const label = /\/virtualMachines\/\d+$/.test(id) ? check.nodes[0] ?? name : name;
    return url ? [{ title: m.incidentLayout.openResource(truncate(label, 60)), url }] : [];
  });
}

interface CauseView extends CheckView {
  consequences: Array<{ title: string; line: string; covered: string }>;
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

/** The check's title in the card's language; a check this build does not know keeps its id. */
function checkTitle(check: CheckResult, m: Messages): string {
  return (m.checkTitle as Record<string, string | undefined>)[check.id] ?? inertMarkdown(check.id);
}

/** English: the engine's summary, cut to one line. Other languages: the headline from the check's id and status. */
function checkLine(check: CheckResult, level: DetailLevel, m: Messages, max = LINE_CHARS): string {
  const headline = m.locale === 'en' ? undefined : (m.checkHeadline as Record<string, Record<string, string> | undefined>)[check.id]?.[check.status];
  if (headline !== undefined) return headline;
  if (m.locale !== 'en') return m.status[check.status] ?? check.status;
  return inertRun(oneLine(check.summary, Math.min(max, level.summaryChars)));
}

function checkView(check: CheckResult, level: DetailLevel, ctx: FixViewContext, withFixes: boolean): CheckView {
  const { m } = ctx;
  const look = statusLook(check.status, m);
  const evidence = firstOf(check.evidence, level.evidencePerCheck);
  const fixes = firstOf(withFixes ? check.fixes : [], level.fixesPerCheck);
  const hasNodes = check.nodes.length > 0 && check.status !== 'pass';
  // The English summary cut to a line loses its end: the evidence toggle keeps it whole. Other
  // languages show a headline from the check's id and status, and the engine's words verbatim here.
  const summaryCut = m.locale !== 'en' || check.summary.length > Math.min(LINE_CHARS, level.summaryChars);
  const evidenceRows = [
    ...(summaryCut ? [{ label: m.common.label(look.label), detail: stripControl(truncate(check.summary, level.summaryChars, m.common.cut)) }] : []),
    // Other languages: the unknown reason is the engine's English, shown verbatim with the evidence.
    ...(m.locale !== 'en' && check.unknownReason
      ? [{ label: m.diagnosis.why, detail: stripControl(`${check.unknownReason.why}\n${check.unknownReason.resolve}`) }]
      : []),
    ...evidence.shown.map((e) => ({
      label: evidenceLabel(e.kind, e.resource, m),
      detail: stripControl(truncate(e.detail, level.evidenceChars, m.common.cut)) || m.diagnosis.empty,
    })),
  ];
  const links = evidenceLinks(check, ctx.scaleSets, m);
  const hasDetails = evidenceRows.length > 0 || evidence.more > 0 || check.nodes.length > NODES_INLINE || links.length > 0;
  const safeId = check.id.replace(/[^A-Za-z0-9-]/g, '-');
  return {
    rowId: `check-${safeId}`,
    detailsId: `evidence-${safeId}`,
    icon: look.icon,
    color: look.color,
    title: checkTitle(check, m),
    line: checkLine(check, level, m),
    hasUnknownReason: m.locale === 'en' && check.unknownReason !== undefined,
    why: inertRun(truncate(check.unknownReason?.why ?? '', 160, m.common.cut)),
    resolve: inertRun(truncate(check.unknownReason?.resolve ?? '', 160, m.common.cut)),
    hasNodes,
    nodes: stripControl(listOf(check.nodes, NODES_INLINE, m)),
    nodesHeading: m.diagnosis.nodesHeading(check.nodes.length),
    allNodes: stripControl(listOf(check.nodes, NODES_SHOWN, m)),
    hasDetails,
    detailsTitle: check.evidence.length > 0 ? m.diagnosis.evidence(check.evidence.length) : m.incidentLayout.evidenceToggle,
    evidence: evidenceRows,
    hasMoreEvidence: evidence.more > 0,
    moreEvidence: leftOut(evidence, 'evidence', m),
    fixes: fixes.shown.map((f) => fixView(f, ctx)),
    hasMoreFixes: fixes.more > 0,
    moreFixes: leftOut(fixes, 'fix', m),
    hasLinks: links.length > 0,
    links,
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

/** Not failing, not passing: warnings, unknowns and not-applicable checks that say why. What a reader must still see. */
function needsAMention(check: CheckResult): boolean {
  return check.status === 'warn' || check.status === 'unknown';
}

/** The card's fixed words, bound as `${$root.t.…}` in cards/diagnosis.json. */
function chromeOf(m: Messages) {
  return {
    why: m.diagnosis.why,
    toResolve: m.diagnosis.toResolve,
    notes: m.diagnosis.notes,
    requestFix: m.diagnosis.requestFix,
    diagnoseAgain: m.diagnosis.diagnoseAgain,
    then: m.diagnosis.then,
    consequence: m.incidentLayout.consequence,
    nodes: m.incidentLayout.nodes,
    detailsToggle: m.incidentLayout.detailsToggle,
    changeToggle: m.incidentLayout.changeToggle,
    azCommand: m.incidentLayout.azCommand,
    openCluster: m.incidentLayout.openCluster,
  };
}

interface DiagnosisView {
  t: ReturnType<typeof chromeOf>;
  fallbackText: string;
  banner: Verdict & { subtitle: string; hasSubtitle: boolean };
  hasNotice: boolean;
  notice: { text: string } & Banner;
  hasCauses: boolean;
  causes: CauseView[];
  hasOthers: boolean;
  others: CheckView[];
  factsStrip: string;
  hasPassed: boolean;
  passedToggle: string;
  /** Under a root cause the other checks that need a mention sit behind a toggle; alone, they are the card. */
  othersCollapsed: boolean;
  othersVisible: boolean;
  othersToggle: string;
  passed: Array<{ rowId: string; icon: string; color: string; title: string; line: string }>;
  facts: Fact[];
  hasAffected: boolean;
  affectedHeading: string;
  affectedNodes: string;
  hasNotes: boolean;
  notesFont: 'Default' | 'Monospace';
  notes: Array<{ text: string }>;
  hasRediagnose: boolean;
  rediagnose: DiagnoseSubmitData;
  hasPortal: boolean;
  portalUrl: string;
  hasBottomActions: boolean;
}

function diagnosisView(report: Report, opts: DiagnosisCardOptions, level: DetailLevel, m: Messages): DiagnosisView {
  let ids = 0;
  const ctx: FixViewContext = {
    level,
    reportId: opts.reportId,
    requests: opts.fixRequests ?? {},
    now: opts.now ?? new Date(),
    m,
    nextId: () => `fix-${++ids}`,
    scaleSets: (report.cluster.nodePools ?? []).map((p) => p.vmss).filter((v): v is string => v !== undefined),
  };
  const checks = orderedChecks(report.checks);
  const roots = rootCauses({ checks });
  const verdict = verdictOf(report, roots.length, m);
  const subtitle = subtitleOf(report, m);
  const failing = roots.map((r) => r.check.id);
  const notes = firstOf(report.warnings ?? [], level.notes);
  const cluster = report.cluster;
  const rg = cluster.resourceGroup;
  const causes: CauseView[] = roots.map((root) => ({
    ...checkView(root.check, level, ctx, true),
    consequences: root.consequences.map((c) => ({
      title: checkTitle(c, m),
      line: checkLine(c, level, m, CONSEQUENCE_CHARS),
      covered: root.planCoversConsequences ? m.incidentLayout.coveredByPlan : '',
    })),
  }));
  // A consequence the root's plan does not cover keeps its own fixes, as a row of its own.
  const uncovered = roots.filter((r) => !r.planCoversConsequences).flatMap((r) => r.consequences);
  const others = checks.filter((c) => needsAMention(c) || uncovered.includes(c)).map((c) => checkView(c, level, ctx, true));
  const passed = checks.filter((c) => c.status === 'pass' || c.status === 'not-applicable');
  const url = portalUrl(cluster.id);
  const hasRediagnose = cluster.id !== '';
  return {
    t: chromeOf(m),
    fallbackText: stripControl(m.diagnosis.fallback(verdict.headline, failing)),
    banner: { ...verdict, headline: inertMarkdown(verdict.headline), subtitle, hasSubtitle: subtitle !== '' },
    hasNotice: opts.notice !== undefined && opts.notice !== '',
    notice: { ...(opts.noticeTone === 'info' ? BANNER.info : BANNER.refused), text: inertRun(truncate(opts.notice ?? '', 600, m.common.cut)) },
    hasCauses: causes.length > 0,
    causes,
    hasOthers: others.length > 0,
    others,
    factsStrip: factsStrip(cluster, m),
    hasPassed: passed.length > 0,
    passedToggle: m.incidentLayout.passedToggle(passed.filter((c) => c.status === 'pass').length),
    othersCollapsed: causes.length > 0 && others.length > 0,
    othersVisible: causes.length === 0,
    othersToggle: m.incidentLayout.othersToggle(others.length),
    passed: passed.map((c) => {
      const look = statusLook(c.status, m);
      return { rowId: `check-${c.id.replace(/[^A-Za-z0-9-]/g, '-')}`, icon: look.icon, color: look.color, title: checkTitle(c, m), line: checkLine(c, level, m) };
    }),
    facts: clusterFacts(cluster, m),
    hasAffected: report.affectedNodes.length > 0,
    affectedHeading: m.diagnosis.affectedHeading(report.affectedNodes.length),
    affectedNodes: stripControl(listOf(report.affectedNodes, NODES_SHOWN, m)),
    hasNotes: notes.shown.length > 0,
    // The notes are the engine's English: other languages show them verbatim, as code.
    notesFont: m.locale === 'en' ? 'Default' : 'Monospace',
    notes: [
      ...notes.shown.map((w) => ({ text: inertRun(truncate(w, 300, m.common.cut)) })),
      ...(notes.more > 0 ? [{ text: leftOut(notes, 'note', m) }] : []),
    ],
    hasRediagnose,
    rediagnose: diagnoseSubmitData(cluster.id, `diagnose ${cluster.name}${rg ? ` in ${rg}` : ''}`),
    hasPortal: url !== undefined,
    portalUrl: url ?? '',
    hasBottomActions: hasRediagnose || url !== undefined,
  };
}

/** `locale`: the language of the card's own words; the engine's evidence stays as written. */
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
