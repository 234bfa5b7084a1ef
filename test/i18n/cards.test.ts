/**
 * Every card builder in both languages: valid (official renderer + 1.5 schema + size), under Teams'
 * limit at 1000 nodes, and — in Chinese — no English chrome left: every English word a zh-CN card
 * shows is either data (the report, names, commands typed in English) or a technical term the
 * Chinese catalog itself uses (NSG, kubectl…).
 */
import { describe, expect, it } from 'vitest';
import {
  COMMANDS,
  auditCard,
  chooseClusterCard,
  clusterNotFoundCard,
  diagnosisCard,
  errorCard,
  helpCard,
  progressCard,
  refusalCard,
  type AdaptiveCard,
} from '../../src/app/cards/index.js';
import { LOCALES, en, messagesFor, zhCN, type Locale } from '../../src/app/i18n/index.js';
import type { AuditRecord } from '../../src/store/append-log.js';
import { approvalCard } from '../../src/app/cards/approval-card.js';
import { watchChangeCard, watchesCard, watchStateCard } from '../../src/app/cards/watch-card.js';
import { incidentAuditCard, incidentDiagnosisCard } from '../../src/app/cards/incident-card.js';
import { AUDIT_ACTIONS } from '../../src/store/append-log.js';
import { APPROVAL_STATES, draftApprovalRequest, type ApprovalRequest } from '../../src/engine/approvals/request.js';
import { TEAMS_CARD_LIMIT_BYTES, cardSizeBytes, expectValidCard } from '../support/validate-card.js';
import { ofType, typed, unexpanded, visibleTexts } from '../cards/card-walk.js';
import { CLUSTER_ID, allFailingReport, healthyReport, mixedReport } from '../cards/reports.js';
import { CJK, leavesOf } from './catalog.js';

const ZWSP = /\u200B/g;

/** What a person reads: texts, fact titles/values, button titles and tooltips. */
function readable(card: object): string[] {
  const titles = typed(card)
    .filter((o) => typeof o.type === 'string' && (o.type as string).startsWith('Action.'))
    .flatMap((a) => [a.title, a.tooltip].filter((t): t is string => typeof t === 'string'));
  // {{DATE(…)}} / {{TIME(…)}} are host functions: the reader sees a date in their own format.
  const hostTime = /\{\{(DATE|TIME)\([^)]*\)\}\}/g;
  return [...visibleTexts(card), ...titles, String((card as AdaptiveCard).fallbackText ?? '')].map((t) => t.replace(ZWSP, '').replace(hostTime, ''));
}

const words = (text: string) => text.match(/[A-Za-z][A-Za-z']+/g) ?? [];

/** ASCII words the Chinese catalog uses on purpose (technical terms, product names, commands). */
const ZH_TERMS = new Set(leavesOf(zhCN).flatMap(([, texts]) => texts.flatMap(words)).map((w) => w.toLowerCase()));

/** English words of a zh-CN card that are neither data nor a term the Chinese catalog uses. */
function englishChrome(card: object, data: unknown): string[] {
  const dataWords = [...new Set(words(JSON.stringify(data)).map((w) => w.toLowerCase()))];
  // Long data is cut mid-word ("polic… (+120 characters)"): a prefix of a data word is data too.
  const isData = (w: string) => dataWords.some((d) => d.startsWith(w));
  return readable(card)
    .flatMap(words)
    .filter((w) => !ZH_TERMS.has(w.toLowerCase()) && !isData(w.toLowerCase()));
}

/** English catalog strings (static ones) that a zh-CN card shows verbatim. */
function englishStrings(card: object): string[] {
  const english = leavesOf(en)
    .filter(([path]) => path !== 'locale')
    .flatMap(([, texts]) => texts)
    .map((t) => t.trim())
    .filter((t) => words(t).length > 0);
  const shown = readable(card).map((t) => t.trim());
  return english.filter((e) => shown.includes(e));
}

const AUDIT_RECORDS: AuditRecord[] = [
  {
    at: '2026-11-25T10:05:00.000Z',
    actor: { id: '29:approver', name: 'Ana Approver', aadObjectId: '00000000-0000-0000-0000-00000000a002' },
    action: 'executed',
    requestId: 'req-1',
    clusterId: CLUSTER_ID,
    detail: 'Applied: NSG rule allow-kubelet-10250 priority 190',
    result: 'succeeded',
  },
  {
    at: '2026-11-25T10:01:00.000Z',
    actor: { id: '29:oncall', name: 'On-call Engineer' },
    action: 'requested',
    requestId: 'req-1',
    clusterId: CLUSTER_ID,
    detail: 'Requested fix-nsg-1 on aks-prod',
  },
  {
    at: '2026-11-25T10:02:00.000Z',
    actor: { id: '29:dev', name: 'Dev Outsider', aadObjectId: '00000000-0000-0000-0000-00000000c003' },
    action: 'refused',
    verb: 'approve',
    reason: 'not-approver',
    requestId: 'req-1',
    clusterId: CLUSTER_ID,
    detail: 'Refused approve (not-approver) of fix-nsg-1 on aks-prod',
  },
];

const POLICY = { requesterIds: [], approverIds: [], requireDistinctApprover: true, highRiskApprovals: 2, ttlMinutes: 30, allowedTenantIds: [] };

/** A request for the NSG fix of the mixed report, decided and executed as far as `state`. */
function approvalRequest(state: ApprovalRequest['state']): ApprovalRequest {
  const report = mixedReport();
  const fixId = report.checks.flatMap((c) => c.fixes).find((f) => f.kind === 'nsg-allow-10250')!.id;
  const out = draftApprovalRequest({ report, fixId, requester: { id: '29:req', name: 'Ana Requester' }, policy: POLICY, now: new Date('2026-01-01T00:00:00Z') });
  if (!out.ok) throw new Error(out.message);
  const r: ApprovalRequest = { ...out.draft, state };
  r.approvals = [{ by: { id: '29:lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000a002' }, at: r.createdAt }];
  r.history = [...r.history, { state: 'rejected', at: r.createdAt, by: { id: '29:lead', name: 'Team Lead' } }];
  if (['succeeded', 'failed', 'verified', 'still-failing'].includes(state)) {
    r.execution = {
      startedAt: r.createdAt,
      owner: 'bot-1',
      result: state === 'failed' ? 'failed' : 'succeeded',
      detail: 'Created rule allow-kubelet-10250 (priority 190)',
      steps: [{ kind: 'recreate-tunnel-pods', result: 'succeeded', detail: 'Recreated 2 konnectivity-agent pods' }],
    };
  }
  if (state === 'verified' || state === 'still-failing') {
    r.verification = { verdict: state, detail: 'Before: nsg-10250 fail: denied\nAfter: nsg-10250 pass: allowed\nNote: re-checked', at: r.createdAt };
  }
  return r;
}

const WATCHED = { id: CLUSTER_ID, name: 'aks-prod' };

/** Each builder with its input (the data its cards may show as is). */
const DEMOS = [
  { cluster: 'aks-nsg-deny', title: 'NSG denies 10250' },
  { cluster: 'aks-ufw', title: 'UFW enabled on a node' },
  ...Array.from({ length: 14 }, (_, i) => ({ cluster: `aks-demo-${i}`, title: `Demo ${i}` })),
];

/** The help card quotes kubectl's error verbatim: it is what users search for, in any language. */
const SYMPTOM = 'dial tcp <node-ip>:10250: i/o timeout';

const CASES: Array<{ name: string; data: unknown; build: (locale: Locale) => AdaptiveCard }> = [
  { name: 'diagnosis (healthy)', data: healthyReport(), build: (l) => diagnosisCard(healthyReport(), {}, l) },
  { name: 'diagnosis (mixed, with fix buttons)', data: mixedReport(), build: (l) => diagnosisCard(mixedReport(), { reportId: 'r-1' }, l) },
  {
    name: 'diagnosis (with a notice)',
    data: [mixedReport(), 'A notice in the data'],
    build: (l) => diagnosisCard(mixedReport(), { reportId: 'r-1', notice: 'A notice in the data', noticeTone: 'info' }, l),
  },
  { name: 'diagnosis (1000 nodes, all failing)', data: allFailingReport(1000), build: (l) => diagnosisCard(allFailingReport(1000), { reportId: 'r-1' }, l) },
  { name: 'progress (start)', data: 'aks-prod', build: (l) => progressCard('aks-prod', 0, 6, l) },
  { name: 'progress (half)', data: 'aks-prod', build: (l) => progressCard('aks-prod', 3, 6, l) },
  {
    name: 'help (with demos)',
    data: [COMMANDS.map((c) => [c.usage, c.example]), DEMOS, SYMPTOM],
    build: (l) => helpCard(DEMOS, l),
  },
  {
    name: 'cluster not found (suggestions)',
    data: ['aks-prdo', 'contoso-prod', 'contoso-dev', 'rg-prod', 'aks-prod'],
    build: (l) => clusterNotFoundCard({ query: 'aks-prdo', searched: ['contoso-prod', 'contoso-dev'], resourceGroup: 'rg-prod', suggestions: ['aks-prod'] }, l),
  },
  {
    name: 'cluster not found (nothing readable)',
    data: 'aks-x',
    build: (l) => clusterNotFoundCard({ query: 'aks-x', searched: [], suggestions: [] }, l),
  },
  {
    name: 'choose cluster',
    data: ['aks-shared', 'rg-shared-dev', 'rg-shared-prod', 'Dev', 'Prod', 'westeurope', '/subscriptions/'],
    build: (l) =>
      chooseClusterCard(
        {
          query: 'aks-shared',
          candidates: Array.from({ length: 17 }, (_, i) => ({
            id: `/subscriptions/00000000-0000-0000-0000-00000000000${i % 10}/resourceGroups/rg-shared-${i % 2 ? 'dev' : 'prod'}/providers/Microsoft.ContainerService/managedClusters/aks-shared`,
            name: 'aks-shared',
            resourceGroup: `rg-shared-${i % 2 ? 'dev' : 'prod'}`,
            subscriptionId: `00000000-0000-0000-0000-00000000000${i % 10}`,
            subscriptionName: i % 2 ? 'Dev' : 'Prod',
            location: 'westeurope',
          })),
        },
        l,
      ),
  },
  {
    name: 'refusal (translated parser refusal)',
    data: '";" (U+003B)',
    build: (l) => {
      const m = messagesFor(l);
      const english = { reason: 'The cluster name contains ";" (U+003B), which Azure names never contain.', hint: 'e.g. "diagnose cluster aks-prod-eastus".' };
      return refusalCard(m.refusal.command({ code: 'not-in-names', what: 'cluster name', char: '";" (U+003B)' }, english), l);
    },
  },
  {
    name: 'error (Azure message kept as data)',
    data: 'AuthorizationFailed: needs Microsoft.ContainerService/managedClusters/read corr-1',
    build: (l) =>
      errorCard({ title: messagesFor(l).error.lookupFailed('aks-prod'), message: 'AuthorizationFailed: needs Microsoft.ContainerService/managedClusters/read', correlationId: 'corr-1' }, l),
  },
  { name: 'audit (records)', data: AUDIT_RECORDS, build: (l) => auditCard({ cluster: 'aks-prod', records: [...AUDIT_RECORDS, ...Array.from({ length: 30 }, () => AUDIT_RECORDS[1]!)] }, l) },
  { name: 'audit (empty)', data: [], build: (l) => auditCard({ records: [] }, l) },
  {
    name: 'watch (a verdict changed)',
    data: [WATCHED, 'nsg-10250', 'ufw-10250', 'No NSG rule blocks TCP 10250', 'UFW is active on 1 node', '1h30m', '2026-11-26 10:15Z'],
    build: (l) =>
      watchChangeCard(
        {
          cluster: WATCHED,
          changes: [
            { check: 'nsg-10250', before: 'fail', after: 'pass', summary: 'No NSG rule blocks TCP 10250' },
            { check: 'ufw-10250', before: 'pass', after: 'warn', summary: 'UFW is active on 1 node' },
          ],
          intervalMinutes: 90,
          checkedAt: '2026-11-26T10:15:03.123Z',
        },
        l,
      ),
  },
  {
    name: 'watch (started, with verdicts)',
    data: [WATCHED, '15m'],
    build: (l) => {
      const t = messagesFor(l).watch;
      return watchStateCard(
        { heading: t.startedHeading('aks-prod', '15m'), message: t.startedMessage, cluster: WATCHED, verdicts: { 'nsg-10250': 'fail', 'snat-exhaustion': 'not-applicable' }, note: t.lastStateNote('2026-11-26 10:15Z') },
        l,
      );
    },
  },
  {
    name: 'watches (list)',
    data: [WATCHED, '15m', '1h', '2026-11-26 10:30Z', 'aks-gone'],
    build: (l) =>
      watchesCard(
        [
          { cluster: WATCHED, intervalMinutes: 15, nextDueAt: '2026-11-26T10:30:00.000Z', verdicts: { 'nsg-10250': 'fail', 'ufw-10250': 'pass' } },
          { cluster: { id: '/x/aks-gone', name: 'aks-gone' }, intervalMinutes: 60, nextDueAt: '2026-11-26T10:30:00.000Z', paused: { reason: messagesFor(l).watch.pausedGoneReason } },
          { cluster: WATCHED, intervalMinutes: 15, nextDueAt: '2026-11-26T10:30:00.000Z' },
        ],
        l,
      ),
  },
  { name: 'watches (empty)', data: [], build: (l) => watchesCard([], l) },
  { name: 'incident (diagnosis)', data: [mixedReport(), 'On-call Engineer', '2026-11-25 10:00:47Z'], build: (l) => incidentDiagnosisCard(mixedReport(), { requestedBy: 'On-call Engineer' }, l) },
  {
    name: 'incident (1000 nodes)',
    data: [allFailingReport(1000), '2026-11-25 10:00:47Z'],
    build: (l) => incidentDiagnosisCard(allFailingReport(1000), {}, l),
  },
  ...AUDIT_ACTIONS.map((action) => ({
    name: `incident (audit: ${action})`,
    data: [AUDIT_RECORDS[0], '2026-11-25 10:05:00Z', 'aks-prod'],
    build: (l: Locale) => incidentAuditCard({ ...AUDIT_RECORDS[0]!, action, result: action === 'failed' ? 'partial' : 'succeeded' }, l),
  })),
  ...APPROVAL_STATES.map((state) => ({
    name: `approval (${state})`,
    data: [approvalRequest(state), '2026-01-01T00:30:00.000Z'],
    build: (l: Locale) =>
      approvalCard(
        {
          request: approvalRequest(state),
          state,
          buttons: { approve: state === 'pending', reject: state === 'pending', cancel: state === 'pending' },
          ...(state === 'pending' ? { notice: messagesFor(l).approval.refusal('not-approver', 'You are not an approver.') } : {}),
        },
        l,
      ),
  })),
];

describe.each(LOCALES)('every card in %s', (locale) => {
  it.each(CASES)('$name: valid 1.5 card under 28 KB, nothing left unexpanded', ({ build }) => {
    const card = build(locale);
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    expect(cardSizeBytes(card)).toBeLessThan(TEAMS_CARD_LIMIT_BYTES);
  });
});

describe('zh-CN cards', () => {
  it.each(CASES)('$name: Chinese chrome, no English words but data and technical terms', ({ build, data }) => {
    const card = build('zh-CN');
    const texts = readable(card);
    expect(texts.some((t) => CJK.test(t))).toBe(true);
    expect(englishChrome(card, data)).toEqual([]);
    expect(englishStrings(card)).toEqual([]);
  });

  it('the English cards are what the English catalog says (the check is not vacuous)', () => {
    const card = diagnosisCard(mixedReport(), { reportId: 'r-1' }, 'en');
    expect(englishChrome(card, mixedReport()).length).toBeGreaterThan(10);
  });

  it('diagnosis: localized check names, status words and a headline per check, the engine summary as detail', () => {
    const report = mixedReport();
    const card = diagnosisCard(report, { reportId: 'r-1' }, 'zh-CN');
    const text = readable(card).join('\n');
    for (const check of report.checks) {
      expect(text).toContain(zhCN.checkTitle[check.id]);
      expect(text).toContain(zhCN.checkHeadline[check.id][check.status]);
      // Passed checks are one line in the collapsed list; the others keep the engine's English as
      // verbatim detail behind their evidence toggle (scenario-format.md: the report is English data).
      if (check.status === 'pass' || check.status === 'not-applicable') continue;
      expect(text).toContain(zhCN.common.label(zhCN.status[check.status]));
      expect(text).toContain(check.summary);
    }
    expect(text).toContain('在 aks-prod 上发现 2 个故障原因');
    expect(ofType(card, 'Action.Execute').map((a) => a.title)).toContain('申请此修复');
    expect(ofType(card, 'Action.Submit').map((a) => a.title)).toEqual(['重新诊断']);
    // Buttons still send the command the parser understands, whatever the language.
    expect((ofType(card, 'Action.Submit')[0]?.data as { msteams: { text: string } }).msteams.text).toBe(`diagnose ${CLUSTER_ID}`);
  });

  it('diagnosis: the English card shows no second headline line', () => {
    const card = diagnosisCard(mixedReport(), {}, 'en');
    for (const headlines of Object.values(en.checkHeadline)) {
      for (const h of Object.values(headlines)) expect(readable(card)).not.toContain(h);
    }
  });

  it('1000 nodes in Chinese still fits, with the "and N more" in Chinese', () => {
    const card = diagnosisCard(allFailingReport(1000), { reportId: 'r-1' }, 'zh-CN');
    expect(cardSizeBytes(card)).toBeLessThanOrEqual(26 * 1024);
    expect(readable(card).join('\n')).toContain('另有 990 个');
  });

  it('help: every command described in Chinese, examples unchanged', () => {
    const card = helpCard([], 'zh-CN');
    const text = readable(card).join('\n');
    for (const c of COMMANDS) expect(text).toContain(c.example);
    expect(text).toContain(zhCN.help.commands['diagnose-cluster']);
    expect(text).toContain('命令');
  });
});
