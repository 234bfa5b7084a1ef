/**
 * Reading a catalog in tests: every leaf string, with every message function called on sample
 * arguments (one entry per function path, so a new function must get its sample here).
 */
import { APPROVAL_STATES } from '../../src/engine/approvals/request.js';
import type { RefusalCode } from '../../src/engine/approvals/decide.js';
import type { CommandRefusal } from '../../src/app/parse-command.js';
import type { Messages } from '../../src/app/i18n/index.js';

export const REFUSAL_CODES: RefusalCode[] = [
  'unknown-request',
  'already-requested',
  'wrong-tenant',
  'no-identity',
  'not-requester',
  'not-approver',
  'self-approval',
  'already-decided',
  'expired',
  'plan-changed',
  'no-approvers-configured',
  'not-enough-approvers',
  'already-approved-by-you',
  'not-approved',
  'not-executing',
  'not-owner',
  'not-claimed',
  'busy',
  'not-recorded',
];

export const COMMAND_REFUSALS: CommandRefusal[] = [
  { code: 'too-long', length: 612 },
  { code: 'audit-one-cluster' },
  { code: 'no-cluster' },
  { code: 'not-cluster-id' },
  { code: 'not-printable', what: 'cluster name', char: '"а" (U+0430)' },
  { code: 'not-in-names', what: 'resource group name', char: '";" (U+003B)' },
  { code: 'invalid-value', what: 'subscription id', value: 'not-a-guid' },
  { code: 'named-twice', what: 'resource group' },
  { code: 'named-twice', what: 'subscription' },
  { code: 'not-one-name', value: 'aks prod' },
  { code: 'unwatch-interval' },
  { code: 'bad-interval', value: '1m' },
  { code: 'watch-no-cluster', verb: 'watch' },
  { code: 'watch-no-cluster', verb: 'unwatch' },
  { code: 'watch-one-cluster', verb: 'watch' },
];

/** Sample calls per function path; each returns one or more rendered strings. */
const SAMPLES: Record<string, (f: any) => string[]> = {
  'common.listMore': (f) => [f('a, b', 990)],
  'common.label': (f) => [f('X')],
  'common.cut': (f) => [f(120)],
  'diagnosis.diagnosing': (f) => [f('aks-prod', 2, 6)],
  'diagnosis.causesFound': (f) => [f(1, 'aks-prod'), f(2, 'aks-prod')],
  'diagnosis.incomplete': (f) => [f('aks-prod')],
  'diagnosis.healthy': (f) => [f('aks-prod')],
  'diagnosis.took': (f) => [f(47_000), f(125_000)],
  'diagnosis.subtitle': (f) => [f(6, ['2 x', '1 y'], 'took'), f(1, ['1 x'], undefined)],
  'diagnosis.tally.fail': (f) => [f(1), f(2)],
  'diagnosis.tally.warn': (f) => [f(1), f(2)],
  'diagnosis.tally.unknown': (f) => [f(1)],
  'diagnosis.tally.pass': (f) => [f(1)],
  'diagnosis.tally.not-applicable': (f) => [f(1)],
  'diagnosis.fallback': (f) => [f('H', ['nsg-10250']), f('H', [])],
  'diagnosis.evidence': (f) => [f(3)],
  'diagnosis.nodesHeading': (f) => [f(3)],
  'diagnosis.affectedHeading': (f) => [f(3)],
  'diagnosis.leftOut': (f) => [f('evidence', 3, true), f('fix', 1, false), f('note', 2, true)],
  'diagnosis.riskLabel': (f) => [f('R')],
  'diagnosis.fixMeta': (f) => [f('A')],
  'diagnosis.manualFix': (f) => [f('The bot cannot apply this change itself; apply it by hand as described.')],
  'help.moreDemos': (f) => [f(1), f(3)],
  'help.fallback': (f) => [f(['help', 'audit'])],
  'notFound.headline': (f) => [f('aks-x', undefined), f('aks-x', 'rg-x')],
  'notFound.fallback': (f) => [f('aks-x', undefined, []), f('aks-x', 'rg-x', ['aks-y'])],
  'notFound.searched': (f) => [f(1), f(3)],
  'chooseCluster.headline': (f) => [f(2, 'aks-x')],
  'chooseCluster.where': (f) => [f('rg', 'sub', undefined), f('rg', 'sub', 'westeurope')],
  'chooseCluster.more': (f) => [f(4)],
  'chooseCluster.diagnoseIn': (f) => [f('rg-prod')],
  'chooseCluster.fallback': (f) => [f(2, 'aks-x', [{ name: 'aks-x', resourceGroup: 'rg' }])],
  'refusal.fallback': (f) => [f('R')],
  'refusal.command': (f) =>
    COMMAND_REFUSALS.flatMap((r) => {
      const out = f(r, { reason: 'English reason.', hint: 'English hint.' }) as { reason: string; hint: string };
      return [out.reason, out.hint];
    }),
  'refusal.unknownButton': (f) => [f('explode')],
  'error.lookupFailed': (f) => [f('aks-x')],
  'error.noSubscription': (f) => [f('Prod')],
  'error.knownSubscriptions': (f) => [f(['A', 'B']), f([])],
  'error.diagnosisFailed': (f) => [f('aks-x')],
  'app.unrecognised': (f) => [f('hello')],
  'app.busy': (f) => [f(45)],
  'app.droppedTitle': (f) => [f('aks-x')],
  'audit.heading': (f) => [f(undefined), f('aks-x')],
  'audit.fallback': (f) => [f('H', 3)],
  'audit.step': (f) => [f('approved', 'Ana', '{{TIME(2026-11-26T01:23:00Z)}}')],
  'audit.refusedStep': (f) => [f('approve', 'Olive', '{{TIME(2026-11-26T01:24:00Z)}}', 'not an approver')],
  'audit.unverified': (f) => [f('Olive')],
  'approval.state': (f) => APPROVAL_STATES.map((s) => f(s)),
  'approval.fallback': (f) => [f('H', 'Fix', 'aks-x')],
  'approval.facts.approvalsValue': (f) => [f(0, 1, []), f(1, 2, ['Ana'])],
  'approval.refusal': (f) =>
    REFUSAL_CODES.map((code) => f(code, 'You are not an approver, so nothing was done. Ask an approver listed in APPROVER_IDS to approve it; the bot administrator can add you to APPROVER_IDS.')),
  'incident.diagnosisHeadline': (f) => [f('aks-x', 1), f('aks-x', 2)],
  'incident.diagnosisSubtitle': (f) => [f(0), f(3)],
  'incident.action.requested': (f) => [f('aks-x')],
  'incident.action.approved': (f) => [f('aks-x')],
  'incident.action.rejected': (f) => [f('aks-x')],
  'incident.action.cancelled': (f) => [f('aks-x')],
  'incident.action.expired': (f) => [f('aks-x')],
  'incident.action.executed': (f) => [f('aks-x')],
  'incident.action.failed': (f) => [f('aks-x')],
  'incident.action.failedPartial': (f) => [f('aks-x')],
  'incident.action.verified': (f) => [f('aks-x')],
  'incident.action.stillFailing': (f) => [f('aks-x')],
  'incident.action.refused': (f) => [f('aks-x')],
  'incident.moreChecks': (f) => [f(1), f(2)],
  'incident.footer': (f) => [f('aks-x')],
  'watch.changedHeading': (f) => [f('aks-x', 1), f('aks-x', 2)],
  'watch.changedSubtitle': (f) => [f('2026-11-26 01:23Z', '15m')],
  'watch.changedFallback': (f) => [f('aks-x', 'nsg-10250 pass → fail')],
  'watch.startedHeading': (f) => [f('aks-x', '15m')],
  'watch.updatedHeading': (f) => [f('aks-x', '15m', '15m'), f('aks-x', '1h', '15m')],
  'watch.baselineFailedNote': (f) => [f('403 Forbidden')],
  'watch.lastStateNote': (f) => [f('2026-11-26 01:23Z')],
  'watch.stoppedHeading': (f) => [f('aks-x')],
  'watch.notWatchingReason': (f) => [f('aks-x')],
  'watch.severalMatchReason': (f) => [f('aks-x', 2)],
  'watch.limitConversationReason': (f) => [f(20)],
  'watch.limitTotalReason': (f) => [f(500)],
  'watch.pausedGoneHeading': (f) => [f('aks-x')],
  'watch.pausedFailingHeading': (f) => [f('aks-x')],
  'watch.pausedFailingMessage': (f) => [f(3, '403 Forbidden')],
  'watch.resumeNote': (f) => [f('aks-x')],
  'watch.listHeading': (f) => [f(0), f(2)],
  'watch.listSchedule': (f) => [f('15m', '2026-11-26 01:23Z')],
  'watch.listPaused': (f) => [f('R')],
  'watch.listVerdicts': (f) => [f(['❌ 2 x', '✅ 4 y'])],
  'watch.listVerdictPart': (f) => [f('❌', 2, 'Failed')],
  'watch.listMore': (f) => [f(1), f(3)],
  'fixFlow.expiredOnRefresh': (f) => [f('2026-11-26T02:00:00.000Z', 1, 2)],
  'watch.lookupFailedTitle': (f) => [f('aks-x')],
  'watch.unknownSubscriptionTitle': (f) => [f('Prod')],
  'watch.unknownSubscriptionMessage': (f) => [f('A, B'), f('')],
  'fixFlow.noSuchFix': (f) => [f('fix-1')],
  'fixFlow.manualNotRequested': (f) => [f('R')],
  'fixFlow.requested': (f) => [f('Allow TCP 10250')],
  'incidentLayout.factsStrip.kubernetes': (f) => [f('1.30.4')],
  'incidentLayout.factsStrip.nodes': (f) => [f(1), f(3)],
  'incidentLayout.asOf': (f) => [f('{{TIME(2026-11-26T01:23:00Z)}}')],
  'incidentLayout.passedToggle': (f) => [f(4)],
  'incidentLayout.othersToggle': (f) => [f(3)],
  'incidentLayout.openResource': (f) => [f('NSG')],
  'incidentLayout.requestedBy': (f) => [f('Ana', '{{TIME(2026-11-26T01:23:00Z)}}')],
  'incidentLayout.approvedBy': (f) => [f(['Ana', 'Bo'], '{{TIME(2026-11-26T01:23:00Z)}}')],
  'incidentLayout.expiresIn': (f) => [f(1), f(27)],
  'incidentLayout.stateLine': (f) => APPROVAL_STATES.map((s) => f(s)),
  'incidentLayout.whoMayApprove': (f) => [f([], 1), f(['Ana', 'Bo'], 2)],
  'incidentLayout.askApprovers': (f) => [f([]), f(['Ana', 'Bo'])],
  'fixText.title': (f) =>
    ['nsg-allow-10250', 'nsg-allow-egress', 'nsg-edit-deny', 'nsg-delete-deny', 'ufw-allow-10250', 'ufw-disable', 'iptables-delete-rule', 'iptables-insert-accept', 'recreate-tunnel-pods', 'lb-allocated-outbound-ports', 'lb-outbound-ips', 'manual'].map((kind) =>
      f(kind, { nsg: 'aks-nsg', rule: 'AllowX', priority: 299, pod: 'konnectivity-agent-1' }, 'Add outbound rule AllowX to NSG aks-nsg'),
    ),
  'fixText.warnings': (f) => ['nsg-allow-egress', 'nsg-edit-deny', 'ufw-disable', 'recreate-tunnel-pods', 'lb-outbound-ips', 'manual'].flatMap((kind) => f(kind, ['AKS manages this NSG and may reconcile changes to it.'])),
  'fixText.step': (f) => [f('recreate-tunnel-pods', 'restart the konnectivity-agent pods in kube-system')],
};

export function samplePaths(): string[] {
  return Object.keys(SAMPLES);
}

/** Every leaf of a catalog as [path, strings]; functions rendered with their samples. */
export function leavesOf(messages: Messages): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  const walk = (node: unknown, path: string) => {
    if (typeof node === 'string') out.push([path, [node]]);
    else if (typeof node === 'function') {
      const sample = SAMPLES[path];
      if (!sample) throw new Error(`no sample arguments for message function ${path} (add them in test/i18n/catalog.ts)`);
      out.push([path, sample(node)]);
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
    } else throw new Error(`${path}: unexpected ${typeof node}`);
  };
  walk(messages, '');
  return out;
}

/** The key paths of a catalog (functions and strings are leaves). */
export function keyPaths(node: unknown, path = ''): string[] {
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => keyPaths(v, path ? `${path}.${k}` : k));
  return [path];
}

/** Han ideographs or CJK punctuation (，：（）…). */
export const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;
