/**
 * The approval card of one fix request (issue 4): the fix with its exact change, risk and warnings,
 * who asked, the approvals so far, the state, and the buttons the viewer may use. Built from the
 * stored ApprovalRequest only; the buttons carry nothing but the opaque request id (the server
 * reloads the request on every click).
 *
 * `refresh` makes Teams fetch a user-specific view (an invoke with verb 'refresh') for each listed
 * user when they open the chat, so the requester sees Cancel and approvers see Approve / Reject.
 * Teams only honours refresh for at most 60 user ids
 * (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/user-specific-views).
 */
import template from '../../../cards/approval.json' with { type: 'json' };
import type { ApprovalRequest, ApprovalState } from '../../engine/approvals/request.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { BANNER, RISK_COLOR, type Banner } from './status-look.js';
import { localFixText } from './fix-text.js';
import { azEquivalent, prettyChange } from './fix-commands.js';
import { cardTime } from './card-time.js';
import { messagesFor, type Locale, type Messages } from '../i18n/index.js';

/** Teams' limit on refresh.userIds. */
export const MAX_REFRESH_USER_IDS = 60;

/** `data` of every Action.Execute on the approval card: the opaque request id, nothing else. */
export interface RequestActionData {
  requestId: string;
}

export interface ApprovalButtons {
  approve: boolean;
  reject: boolean;
  cancel: boolean;
}

export interface ApprovalCardInput {
  request: ApprovalRequest;
  /** The state to show (effectiveState: a pending request past its expiry shows as expired). */
  state: ApprovalState;
  /** Which buttons to offer; the server decides again on every click. */
  buttons: ApprovalButtons;
  /** Why the viewer's last click was refused, and what to do. */
  notice?: string;
  /** "Who may approve: …", shown while the request waits. */
  whoMayApprove?: string;
  /** For "expires in N min": the time the card is built (tests pass their own). */
  now?: Date;
}

/** The banner per state; the headline words are the catalog's (`Messages.approval.headline`). */
const BANNERS: Readonly<Record<ApprovalState, Banner>> = {
  pending: BANNER.working,
  approved: BANNER.working,
  executing: BANNER.working,
  succeeded: BANNER.working,
  failed: BANNER.attention,
  verified: BANNER.good,
  'still-failing': BANNER.warning,
  rejected: BANNER.refused,
  cancelled: BANNER.info,
  expired: BANNER.info,
  interrupted: BANNER.warning,
};

function personOf(actor: { id: string; name?: string; aadObjectId?: string }): string {
  return inertMarkdown(truncate(actor.name ?? actor.aadObjectId ?? actor.id, 100));
}

/** The requester's and approvers' channel ids ("29:…"): the users Teams refreshes the card for. */
export function refreshUserIdsOf(request: ApprovalRequest): string[] {
  const ids = [request.requester.id, ...request.approvals.map((a) => a.by.id), ...request.history.map((h) => h.by?.id ?? '')];
  return [...new Set(ids.filter((id) => id.startsWith('29:')))].slice(0, MAX_REFRESH_USER_IDS);
}

function outcomeOf(request: ApprovalRequest, t: Messages): Array<{ label: string; text: string }> {
  const labels = t.approval.outcome;
  const out: Array<{ label: string; text: string }> = [];
  if (request.execution?.detail) out.push({ label: labels.change, text: request.execution.detail });
  for (const step of request.execution?.steps ?? []) out.push({ label: labels.then, text: `${t.fixText.stepResult[step.result] ?? step.result}: ${step.detail}` });
  if (request.verification) {
    // verificationDetail (engine/approvals/run-approved-fix.ts) writes "Before: …", "After: …", "Note: …" lines (English data).
    const byPrefix = { Before: labels.checkBefore, After: labels.checkAfter, Note: labels.note } as const;
    for (const line of request.verification.detail.split('\n').filter(Boolean)) {
      const m = /^(Before|After|Note): (.*)$/s.exec(line);
      out.push(m ? { label: byPrefix[m[1] as keyof typeof byPrefix], text: m[2]! } : { label: labels.recheck, text: line });
    }
  }
  return out.map((o) => ({ label: t.common.label(o.label), text: inertRun(truncate(o.text, 800, t.common.cut)) }));
}

/**
 * The expiry as the reader's local time, with the minutes left while it waits. A TextBlock of its
 * own, not a Fact: hosts evaluate {{DATE()}}/{{TIME()}} in TextBlocks (card-time.ts).
 */
function expiryText(request: ApprovalRequest, state: ApprovalState, t: Messages, now: Date): string {
  const label = t.common.label(state === 'pending' ? t.approval.facts.expires : t.approval.facts.expiryWas);
  const at = cardTime(request.expiresAt) || request.expiresAt;
  if (state !== 'pending') return `${label}${at}`;
  const minutes = Math.max(1, Math.ceil((Date.parse(request.expiresAt) - now.getTime()) / 60_000));
  return `${label}${at} (${t.incidentLayout.expiresIn(minutes)})`;
}

/** `locale`: the card's own words; the fix, its change and results stay as stored (English data). */
export function approvalCard(input: ApprovalCardInput, locale: Locale = 'en'): AdaptiveCard {
  const t = messagesFor(locale);
  const { request, state, buttons } = input;
  // A fix whose target was already gone did nothing and needs nothing: grey, never a red failure.
  const notNeeded = state === 'failed' && request.execution?.notNeeded === true;
  const look = notNeeded ? { banner: BANNER.info, headline: t.incidentLayout.notNeeded.headline } : { banner: BANNERS[state], headline: t.approval.headline[state] };
  const fix = request.fix;
  // What the approver signs, in their language (rendered from the fix's kind and data); the exact change stays verbatim.
  const local = localFixText(fix, t);
  const az = azEquivalent(fix);
  const approvers = request.approvals.map((a) => personOf(a.by));
  const decided = [...request.history].reverse().find((h) => ['rejected', 'cancelled'].includes(h.state) && h.by);
  const facts = [
    { title: t.approval.facts.cluster, value: inertMarkdown(truncate(request.clusterName, 100)) },
    { title: t.approval.facts.requestedBy, value: personOf(request.requester) },
    { title: t.approval.facts.approvals, value: t.approval.facts.approvalsValue(request.approvals.length, request.requiredApprovals, approvers) },
    ...(decided?.by ? [{ title: decided.state === 'rejected' ? t.approval.facts.rejectedBy : t.approval.facts.cancelledBy, value: personOf(decided.by) }] : []),
  ];
  const requestData: RequestActionData = { requestId: request.id };
  const outcome = outcomeOf(request, t);
  const notice = input.notice ? inertRun(truncate(input.notice, 600, t.common.cut)) : '';
  return expandCard(template, {
    t: {
      refresh: t.approval.buttons.refresh,
      notDone: t.approval.notDone,
      onTarget: t.approval.onTarget,
      exactChange: t.approval.exactChange,
      azCommand: t.incidentLayout.azCommand,
      then: t.approval.then,
      result: t.approval.result,
      approve: t.approval.buttons.approve,
      reject: t.approval.buttons.reject,
      cancel: t.approval.buttons.cancel,
    },
    fallbackText: stripControl(t.approval.fallback(look.headline, truncate(local.title, 200), request.clusterName)),
    // The outcome is the engine's and Azure's own words: other languages show it verbatim, as code.
    outcomeFont: t.locale === 'en' ? 'Default' : 'Monospace',
    banner: { ...look.banner, headline: look.headline, subtitle: inertMarkdown(notNeeded ? t.incidentLayout.notNeeded.state : t.approval.state(state)) },
    hasNotice: notice !== '',
    expiry: expiryText(request, state, t, input.now ?? new Date()),
    hasWhoMayApprove: state === 'pending' && (input.whoMayApprove ?? '') !== '',
    whoMayApprove: inertRun(truncate(input.whoMayApprove ?? '', 300)),
    notice,
    fix: {
      title: inertMarkdown(truncate(local.title, 300)),
      risk: t.diagnosis.riskLabel(t.risk[fix.risk] ?? fix.risk),
      riskColor: RISK_COLOR[fix.risk] ?? 'Default',
      target: stripControl(truncate(fix.target, 300)),
      // Verbatim and in full up to the card budget: the approver must see exactly what will run.
      change: stripControl(truncate(prettyChange(fix.change), 4000)),
      hasAz: az !== undefined,
      az: stripControl(az ?? ''),
      // Steps the approved plan runs after the change (FixProposal.then): part of what is approved.
      then: local.then.map((text) => ({ text: inertRun(truncate(text, 600)) })),
      warnings: firstOf(local.warnings, 5).shown.map((w) => ({ text: inertRun(truncate(w, 400)) })),
    },
    facts,
    hasOutcome: outcome.length > 0,
    outcome,
    buttons,
    requestData,
    refreshData: requestData,
    refreshUserIds: refreshUserIdsOf(request),
  });
}
