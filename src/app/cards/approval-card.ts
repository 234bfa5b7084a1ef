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
}

const HEADLINES: Readonly<Record<ApprovalState, { banner: Banner; headline: string }>> = {
  pending: { banner: BANNER.working, headline: 'Fix waiting for approval' },
  approved: { banner: BANNER.working, headline: 'Fix approved: applying it…' },
  executing: { banner: BANNER.working, headline: 'Applying the fix…' },
  succeeded: { banner: BANNER.working, headline: 'Fix applied: re-checking…' },
  failed: { banner: BANNER.attention, headline: 'The fix was not applied' },
  verified: { banner: BANNER.good, headline: 'Fix applied and verified' },
  'still-failing': { banner: BANNER.warning, headline: 'Fix applied, but the check still fails' },
  rejected: { banner: BANNER.refused, headline: 'Fix rejected' },
  cancelled: { banner: BANNER.info, headline: 'Fix request cancelled' },
  expired: { banner: BANNER.info, headline: 'Fix request expired' },
  interrupted: { banner: BANNER.warning, headline: 'Fix interrupted: check the cluster' },
};

function personOf(actor: { id: string; name?: string; aadObjectId?: string }): string {
  return inertMarkdown(truncate(actor.name ?? actor.aadObjectId ?? actor.id, 100));
}

/** The requester's and approvers' channel ids ("29:…"): the users Teams refreshes the card for. */
export function refreshUserIdsOf(request: ApprovalRequest): string[] {
  const ids = [request.requester.id, ...request.approvals.map((a) => a.by.id), ...request.history.map((h) => h.by?.id ?? '')];
  return [...new Set(ids.filter((id) => id.startsWith('29:')))].slice(0, MAX_REFRESH_USER_IDS);
}

function outcomeOf(request: ApprovalRequest): Array<{ label: string; text: string }> {
  const out: Array<{ label: string; text: string }> = [];
  if (request.execution?.detail) out.push({ label: 'Change', text: request.execution.detail });
  for (const step of request.execution?.steps ?? []) out.push({ label: 'Then', text: `${step.result}: ${step.detail}` });
  if (request.verification) {
    for (const line of request.verification.detail.split('\n').filter(Boolean)) {
      const m = /^(Before|After|Note): (.*)$/s.exec(line);
      out.push(m ? { label: `Check ${m[1]!.toLowerCase()}`, text: m[2]! } : { label: 'Re-check', text: line });
    }
  }
  return out.map((o) => ({ label: o.label, text: inertRun(truncate(o.text, 800)) }));
}

export function approvalCard(input: ApprovalCardInput): AdaptiveCard {
  const { request, state, buttons } = input;
  const look = HEADLINES[state];
  const fix = request.fix;
  const approvers = request.approvals.map((a) => personOf(a.by));
  const decided = [...request.history].reverse().find((h) => ['rejected', 'cancelled'].includes(h.state) && h.by);
  const facts = [
    { title: 'Cluster', value: inertMarkdown(truncate(request.clusterName, 100)) },
    { title: 'Requested by', value: personOf(request.requester) },
    {
      title: 'Approvals',
      value: `${request.approvals.length} of ${request.requiredApprovals}${approvers.length > 0 ? `: ${approvers.join(', ')}` : ''}`,
    },
    ...(decided?.by ? [{ title: decided.state === 'rejected' ? 'Rejected by' : 'Cancelled by', value: personOf(decided.by) }] : []),
    { title: state === 'pending' ? 'Expires' : 'Expiry was', value: request.expiresAt },
  ];
  const requestData: RequestActionData = { requestId: request.id };
  const outcome = outcomeOf(request);
  const notice = input.notice ? inertRun(truncate(input.notice, 600)) : '';
  return expandCard(template, {
    fallbackText: stripControl(`Tunnel Doctor: ${look.headline}: ${truncate(fix.title, 200)} on ${request.clusterName}`),
    banner: { ...look.banner, headline: look.headline, subtitle: inertMarkdown(`State: ${state}`) },
    hasNotice: notice !== '',
    notice,
    fix: {
      title: inertMarkdown(truncate(fix.title, 300)),
      risk: fix.risk,
      riskColor: RISK_COLOR[fix.risk] ?? 'Default',
      target: stripControl(truncate(fix.target, 300)),
      // Verbatim and in full up to the card budget: the approver must see exactly what will run.
      change: stripControl(truncate(fix.change, 4000)),
      // Steps the approved plan runs after the change (FixProposal.then): part of what is approved.
      then: (fix.then ?? []).map((step) => ({ text: inertRun(truncate(step.change, 600)) })),
      warnings: firstOf(fix.warnings ?? [], 5).shown.map((w) => ({ text: inertRun(truncate(w, 400)) })),
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
