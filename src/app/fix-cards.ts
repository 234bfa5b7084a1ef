/**
 * The cards of a fix as it moves: the approval card (with the buttons a viewer may use, and who to
 * ask), and the diagnosis card it was requested from, which tells each requested fix's story too
 * (issue 15). Everything shown is read from the store, never from card data.
 */
import type { Logger } from '../log.js';
import type { ApprovalPolicy } from '../engine/approvals/policy.js';
import { isListed, sameId } from '../engine/approvals/policy.js';
import { isSameUser, type Refusal } from '../engine/approvals/decide.js';
import { effectiveState, type ApprovalRequest } from '../engine/approvals/request.js';
import type { ApprovalRequestRepository } from '../engine/approvals/request-repository.js';
import { appliedByBot, type Report } from '../engine/report.js';
import type { AuditLog } from '../store/append-log.js';
import { approvalCard, diagnosisCard, type ApprovalButtons } from './cards/index.js';
import type { Caller, ReplyChannel } from './events.js';
import { requestIdFor, type FixSources, type LoadedFixSource } from './fix-sources.js';
import { messagesFor, type Locale, type Messages } from './i18n/index.js';
import { fixesOf, type StoredReport } from './stored-reports.js';

/** Recent audit records searched for approvers' display names (a refusal names who to ask). */
const SEEN_APPROVER_RECORDS = 200;
/** Approvers named in one refusal: enough to find someone, short enough to read. */
const MAX_NAMED_APPROVERS = 5;

export type CardNotice = { text: string; tone: 'info' | 'refused' };

export interface FixCardsDeps {
  repo: ApprovalRequestRepository;
  sources: FixSources;
  audit: AuditLog;
  policy: ApprovalPolicy;
  approverNames?: readonly string[];
  log: Logger;
  now: () => Date;
}

/** Which buttons `viewer` may use; without a viewer, the card everyone sees (the server decides on each click). */
function buttonsFor(request: ApprovalRequest, state: ReturnType<typeof effectiveState>, policy: ApprovalPolicy, viewer?: Caller): ApprovalButtons {
  if (state !== 'pending') return { approve: false, reject: false, cancel: false };
  if (!viewer) return { approve: true, reject: true, cancel: true };
  const isRequester = isSameUser(request.requester, viewer);
  const isApprover = isListed(policy.approverIds, viewer.aadObjectId);
  const approvedAlready = request.approvals.some((a) => sameId(a.by.aadObjectId, viewer.aadObjectId));
  return {
    approve: isApprover && !approvedAlready && !(policy.requireDistinctApprover && isRequester),
    reject: isApprover,
    cancel: isRequester,
  };
}

export type FixCards = ReturnType<typeof createFixCards>;

export function createFixCards(deps: FixCardsDeps) {
  const { policy, log, now, repo } = deps;

  function approvalCardOf(request: ApprovalRequest, viewer?: Caller, notice?: string, locale: Locale = 'en'): object {
    const state = effectiveState(request, now());
    const whoMayApprove = messagesFor(locale).incidentLayout.whoMayApprove([...(deps.approverNames ?? [])], request.requiredApprovals);
    return approvalCard({ request, state, buttons: buttonsFor(request, state, policy, viewer), whoMayApprove, now: now(), ...(notice ? { notice } : {}) }, locale);
  }

  /**
   * Display names of approvers the clicker could ask about `request`: the deployment's (local mode's
   * demo people) and those the audit log has seen act under an Entra object id listed in
   * APPROVER_IDS (the id decides who counts; the name is only shown). Never the clicker, nor who
   * cannot approve this request any more (its requester under the four-eyes rule, who approved it
   * already). Empty when none is known.
   */
  async function approversToAsk(clicker: Caller, request: ApprovalRequest | undefined): Promise<string[]> {
    const excluded: Array<{ aadObjectId?: string | undefined; name?: string | undefined }> = [clicker, ...(request?.approvals.map((a) => a.by) ?? [])];
    if (request && policy.requireDistinctApprover) excluded.push(request.requester);
    const excludedIds = excluded.map((p) => p.aadObjectId);
    const excludedNames = excluded.map((p) => p.name?.trim().toLowerCase());
    const names = new Map<string, string>();
    const add = (name: string | undefined) => {
      const shown = name?.trim();
      if (shown && !excludedNames.includes(shown.toLowerCase())) names.set(shown.toLowerCase(), shown);
    };
    (deps.approverNames ?? []).forEach(add);
    try {
      for (const r of await deps.audit.readAudit({ limit: SEEN_APPROVER_RECORDS })) {
        const id = r.actor.aadObjectId;
        if (id && isListed(policy.approverIds, id) && !excludedIds.some((x) => sameId(x, id))) add(r.actor.name);
      }
    } catch (err) {
      // Only the names are missing: the refusal still says to ask an approver listed in APPROVER_IDS.
      log.warn('could not read the audit log for approver names', { err });
    }
    return [...names.values()].slice(0, MAX_NAMED_APPROVERS);
  }

  /** A refused approval says who can approve instead: by display name where the bot knows any, never by object id. */
  async function refusalText(code: Refusal['code'], english: string, m: Messages, clicker: Caller, request: ApprovalRequest | undefined): Promise<string> {
    const reason = m.approval.refusal(code, english);
    if (code !== 'not-approver' && code !== 'self-approval') return reason;
    const names = await approversToAsk(clicker, request);
    // Without names the engine's message already says to ask an approver listed in APPROVER_IDS.
    if (names.length === 0) return reason;
    const ask = m.incidentLayout.askApprovers(names);
    return code === 'not-approver' ? `${m.approval.notApprover} ${ask}` : `${reason} ${ask}`;
  }

  /** The stored requests of a report's fixes, by fix id; `known` (just written) is not read again. */
  async function requestsOf(reportId: string, report: Report, known?: ApprovalRequest): Promise<Record<string, ApprovalRequest>> {
    const found: Record<string, ApprovalRequest> = {};
    for (const fix of fixesOf(report)) {
      if (!appliedByBot(fix)) continue;
      const id = requestIdFor(reportId, fix.id);
      const request = known?.id === id ? known : await repo.load(id);
      if (request) found[fix.id] = request;
    }
    return found;
  }

  /** The diagnosis card of a stored report, with the story of each fix requested from it. */
  async function storedDiagnosisCard(stored: StoredReport, reportId: string, locale: Locale, notice?: CardNotice, known?: ApprovalRequest): Promise<object> {
    const fixRequests = await requestsOf(reportId, stored.report, known);
    return diagnosisCard(stored.report, { reportId, fixRequests, now: now(), ...(notice ? { notice: notice.text, noticeTone: notice.tone } : {}) }, locale);
  }

  /**
   * Rebuilds the diagnosis card a request came from, in place; a card the bot cannot find is left
   * alone (logged). `source`: already read by the caller (the fix pipeline reads it once per run).
   */
  async function updateDiagnosisCard(replies: ReplyChannel, request: ApprovalRequest, locale: Locale, notice?: CardNotice, source?: LoadedFixSource): Promise<void> {
    try {
      const record = source?.record ?? (await deps.sources.recordOf(request.id));
      if (!record?.diagnosisActivityId) return;
      const stored = source ? source.stored : (await deps.sources.load(request.id))?.stored;
      if (!stored) return;
      await replies.update(record.diagnosisActivityId, { card: await storedDiagnosisCard(stored, record.reportId, locale, notice, request) });
    } catch (err) {
      // The approval card already tells the story; the diagnosis card only lags behind.
      log.warn('could not update the diagnosis card', { err, requestId: request.id });
    }
  }

  /**
   * Updates the shared approval card (what everyone sees) in place, or posts it when there is no id;
   * then the diagnosis card the fix was requested from, so it tells the fix's story too (issue 15).
   */
  async function showToAll(replies: ReplyChannel, activityId: string | undefined, request: ApprovalRequest, locale: Locale = 'en', source?: LoadedFixSource): Promise<void> {
    const reply = { card: approvalCardOf(request, undefined, undefined, locale) };
    if (activityId) await replies.update(activityId, reply);
    else await replies.send(reply);
    await updateDiagnosisCard(replies, request, locale, undefined, source);
  }

  return { approvalCardOf, refusalText, storedDiagnosisCard, updateDiagnosisCard, showToAll };
}
