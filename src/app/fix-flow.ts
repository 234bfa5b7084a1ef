/**
 * One-click fixes gated by approval (issue 4), behind the card verbs:
 *   request-fix (diagnosis card) → a pending request and its approval card;
 *   approve / reject / cancel (approval card) → the repository's decision on the stored request;
 *   the approval that reaches the threshold → claim, execute against the stored baseline, record,
 *   re-check, record, updating the approval card at each step;
 *   refresh (Teams' user-specific views) → the card as the viewer may use it, never an execution.
 * Card data is untrusted: ids only, validated, and everything acted on is reloaded from the store.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import type { ApprovalPolicy } from '../engine/approvals/policy.js';
import { isListed, sameId } from '../engine/approvals/policy.js';
import { ALREADY_REQUESTED, isSameUser, type ApprovalVerb, type Refusal } from '../engine/approvals/decide.js';
import { draftApprovalRequest, effectiveState, isRequestId, type ApprovalRequest, type StepOutcome } from '../engine/approvals/request.js';
import { ApprovalRequestRepository, type TransitionOutcome } from '../engine/approvals/request-repository.js';
import { checksForFix, type FixVerification } from '../engine/fixes/verify.js';
import type { FixBaseline, FixExecution } from '../engine/fixes/types.js';
import { notExecutableReason } from '../engine/fixes/executors.js';
import type { ClusterRef } from '../cluster-ref.js';
import type { CheckResult, FixFollowUp, FixProposal, Report } from '../engine/report.js';
import type { AuditLog } from '../store/append-log.js';
import { ETagConflictError, IF_ABSENT, type StateStore } from '../store/state-store.js';
import { createCardVerbRegistry, type CardVerbRegistry } from './card-verbs.js';
import { approvalCard, diagnosisCard, errorCard, refusalCard, type ApprovalButtons } from './cards/index.js';
import { localFixText } from './cards/fix-text.js';
import type { CardActionAnswer, CardActionEvent, Caller, ReplyChannel } from './events.js';
import { fixesOf, isReportId, reportShelf, type StoredReport } from './stored-reports.js';
import { userMessageOf } from '../user-message.js';
import { en, localeOf, messagesFor, userMessageIn, type Locale, type Messages } from './i18n/index.js';

/** The Azure side of fixes, supplied by the composition root (the engine's executors over the Azure layer). */
export interface FixRunner {
  /** What the diagnosis saw of the fix's target (the NSG etag), kept with the report. */
  captureBaseline(fix: FixProposal): Promise<FixBaseline>;
  /** Runs the executor of `fix.kind` (which prechecks the baseline first). */
  execute(cluster: ClusterRef, fix: FixProposal, baseline: FixBaseline | undefined): Promise<FixExecution>;
  verify(cluster: ClusterRef, fix: FixProposal, before: CheckResult[]): Promise<FixVerification>;
  /** Runs one step of the approved plan after its main change succeeded (FixProposal.then). */
  runStep(cluster: ClusterRef, step: FixFollowUp): Promise<FixExecution>;
}

export interface FixFlowDeps {
  state: StateStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  /** This process's id: the owner of the executions it claims. */
  instanceId: string;
  runner: FixRunner;
  /** Display names of the approvers, when the deployment knows them (local mode's demo people): the cards name who to ask. */
  approverNames?: readonly string[];
  log: Logger;
  now?: () => Date;
  /** How long an execution may go without this process's heartbeat before another instance interrupts it. */
  executionLeaseMs?: number;
}

export interface FixFlow {
  /** After a diagnosis: stores the report with its fixes' baselines; undefined when it could not (logged). */
  keepReport(report: Report, cluster: ClusterRef): Promise<string | undefined>;
  verbs: CardVerbRegistry;
  /** At start-up: requests a dead predecessor left executing become 'interrupted' (never re-run). */
  markInterrupted(): Promise<string[]>;
  /** Periodic (watch lease holder's tick): records expiries and unclaimed approvals nobody clicked on. */
  sweepOpenRequests(): Promise<void>;
}

/** Where a request came from: its report and fix, so the executor gets the stored baseline and cluster. */
const SOURCE_KEY_PREFIX = 'approval-source/';
const MAX_FIX_ID_CHARS = 300;
/** Recent audit records searched for approvers' display names (a refusal names who to ask). */
const SEEN_APPROVER_RECORDS = 200;
/** Approvers named in one refusal: enough to find someone, short enough to read. */
const MAX_NAMED_APPROVERS = 5;

/**
 * One request per fix of a report: the id is derived from the (unguessable) report id and the fix
 * id, so a double click or Teams' retry of the invoke finds the request already made instead of
 * opening a second one.
 */
export function requestIdFor(reportId: string, fixId: string): string {
  return createHash('sha256').update(`tunnel-doctor-request\n${reportId}\n${fixId}`, 'utf8').digest('base64url').slice(0, 22);
}

function fields(data: unknown): Record<string, unknown> {
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

function refused(reason: string, m: Messages = en): CardActionAnswer {
  return { card: refusalCard({ reason, hint: m.common.nothingDone }, m.locale) };
}

/** The language of a click's answers: the clicker's (Teams sends their UI locale on the invoke). */
function messagesOf(event: CardActionEvent): Messages {
  return messagesFor(localeOf(event.locale));
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

function statusLine(check: CheckResult): string {
  return `${check.id} ${check.status}: ${check.summary}`;
}

/** The re-check as the approval card shows it: before and after per check, one line each. */
export function verificationDetail(v: FixVerification): string {
  const lines = [
    ...(v.before ?? []).map((c) => `Before: ${statusLine(c)}`),
    ...v.after.map((c) => `After: ${statusLine(c)}`),
    ...(v.note ? [`Note: ${v.note}`] : []),
  ];
  return lines.join('\n').slice(0, 3500) || v.verdict;
}

export function createFixFlow(deps: FixFlowDeps): FixFlow {
  const { policy, runner, log, instanceId } = deps;
  const now = deps.now ?? (() => new Date());
  const repo = new ApprovalRequestRepository({ state: deps.state, audit: deps.audit, now, ...(deps.executionLeaseMs ? { executionLeaseMs: deps.executionLeaseMs } : {}) });
  const shelf = reportShelf(deps.state);

  function cardOf(request: ApprovalRequest, viewer?: Caller, notice?: string, locale: Locale = 'en'): object {
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

  /**
   * Every refused click on a stored request (or on the draft of a refused "Request this fix") goes
   * to the audit log: who, which verb, why (issue 15). A refusal changes no state, so a lost record
   * has nothing to undo; it is logged and the clicker still gets the refusal, never an error.
   */
  async function auditRefusal(request: ApprovalRequest, verb: ApprovalVerb, refusal: Refusal, event: CardActionEvent): Promise<void> {
    try {
      await repo.recordRefusal(request, verb, refusal, event.caller);
    } catch (err) {
      log.warn('refused click not audited', { err, correlationId: event.correlationId, requestId: request.id, verb, code: refusal.code });
    }
  }

  /**
   * Updates the shared approval card (what everyone sees) in place, or posts it when there is no id;
   * then the diagnosis card the fix was requested from, so it tells the fix's story too (issue 15).
   */
  async function showToAll(replies: ReplyChannel, activityId: string | undefined, request: ApprovalRequest | undefined, locale: Locale = 'en'): Promise<void> {
    if (!request) return;
    const reply = { card: cardOf(request, undefined, undefined, locale) };
    if (activityId) await replies.update(activityId, reply);
    else await replies.send(reply);
    await updateDiagnosisCard(replies, request.id, locale);
  }

  /** The stored requests of a report's fixes, by fix id (requestIdFor makes their ids). */
  async function requestsOf(reportId: string, report: Report): Promise<Record<string, ApprovalRequest>> {
    const found: Record<string, ApprovalRequest> = {};
    for (const fix of fixesOf(report)) {
      if (notExecutableReason(fix) !== undefined) continue;
      const request = await repo.load(requestIdFor(reportId, fix.id));
      if (request) found[fix.id] = request;
    }
    return found;
  }

  /** The diagnosis card of a stored report, with the story of each fix requested from it. */
  async function storedDiagnosisCard(stored: StoredReport, reportId: string, locale: Locale, notice?: { text: string; tone: 'info' | 'refused' }): Promise<object> {
    const fixRequests = await requestsOf(reportId, stored.report);
    return diagnosisCard(stored.report, { reportId, fixRequests, now: now(), ...(notice ? { notice: notice.text, noticeTone: notice.tone } : {}) }, locale);
  }

  /** Rebuilds the diagnosis card a request came from, in place; a card the bot cannot find is left alone (logged). */
  async function updateDiagnosisCard(replies: ReplyChannel, requestId: string, locale: Locale, notice?: { text: string; tone: 'info' | 'refused' }): Promise<void> {
    try {
      const source = await sourceRecordOf(requestId);
      if (!source?.diagnosisActivityId) return;
      const stored = await shelf.load(source.reportId);
      if (!stored) return;
      await replies.update(source.diagnosisActivityId, { card: await storedDiagnosisCard(stored, source.reportId, locale, notice) });
    } catch (err) {
      // The approval card already tells the story; the diagnosis card only lags behind.
      log.warn('could not update the diagnosis card', { err, requestId });
    }
  }

  async function keepReport(report: Report, cluster: ClusterRef): Promise<string | undefined> {
    try {
      const baselines: Record<string, FixBaseline> = {};
      for (const fix of fixesOf(report)) {
        if (notExecutableReason(fix) !== undefined) continue;
        baselines[fix.id] = await runner.captureBaseline(fix);
      }
      return await shelf.save(report, cluster, baselines);
    } catch (err) {
      // The diagnosis still shows; only its "Request this fix" buttons are missing.
      log.warn('could not store the report for fixes', { err, cluster: cluster.id });
      return undefined;
    }
  }

  /** `diagnosisActivityId`: the diagnosis card the request came from, updated in place as the fix moves. */
  async function rememberSource(requestId: string, reportId: string, fixId: string, diagnosisActivityId: string | undefined): Promise<void> {
    try {
      const where = diagnosisActivityId ? { diagnosisActivityId } : {};
      await deps.state.write({ [`${SOURCE_KEY_PREFIX}${requestId}`]: { reportId, fixId, ...where, eTag: IF_ABSENT } });
    } catch (err) {
      // Same id, same report and fix (requestIdFor): the record is already there.
      if (!(err instanceof ETagConflictError)) throw err;
    }
  }

  async function sourceRecordOf(requestId: string): Promise<{ reportId: string; diagnosisActivityId?: string } | undefined> {
    const key = `${SOURCE_KEY_PREFIX}${requestId}`;
    const item = (await deps.state.read([key]))[key];
    if (!item || !isReportId(item.reportId)) return undefined;
    const activity = typeof item.diagnosisActivityId === 'string' && item.diagnosisActivityId.length <= 300 ? item.diagnosisActivityId : undefined;
    return { reportId: item.reportId, ...(activity ? { diagnosisActivityId: activity } : {}) };
  }

  async function sourceOf(requestId: string): Promise<StoredReport | undefined> {
    const record = await sourceRecordOf(requestId);
    return record ? shelf.load(record.reportId) : undefined;
  }

  async function requestFix(event: CardActionEvent): Promise<CardActionAnswer> {
    const m = messagesOf(event);
    const data = fields(event.data);
    const { reportId, fixId } = data;
    if (!isReportId(reportId) || typeof fixId !== 'string' || fixId.length === 0 || fixId.length > MAX_FIX_ID_CHARS) {
      return refused(m.fixFlow.badRequestButton, m);
    }
    const stored = await shelf.load(reportId);
    if (!stored) return refused(m.fixFlow.reportNotStored, m);
    const withNotice = async (notice: string) => ({ card: await storedDiagnosisCard(stored, reportId, m.locale, { text: notice, tone: 'refused' }) });
    const fix = fixesOf(stored.report).find((f) => f.id === fixId);
    if (!fix) return withNotice(m.fixFlow.noSuchFix(fixId.slice(0, 80)));
    const manual = notExecutableReason(fix);
    if (manual) return withNotice(m.fixFlow.manualNotRequested(m.diagnosis.manualFix(manual)));
    const requestId = requestIdFor(reportId, fixId);
    const draft = draftApprovalRequest({ report: stored.report, fixId, requester: event.caller, policy, now: now(), id: requestId });
    if (!draft.ok) return withNotice(m.locale === 'en' ? draft.message : m.fixFlow.noSuchFix(fixId.slice(0, 80)));
    const existing = await repo.load(requestId);
    if (existing) {
      await auditRefusal(existing, 'request', ALREADY_REQUESTED, event);
      return withNotice(m.fixFlow.alreadyRequested);
    }
    await rememberSource(requestId, reportId, fixId, event.replyToId);
    const outcome = await repo.submit(draft.draft, { by: event.caller, now: now() }, policy);
    if (!outcome.ok) {
      await auditRefusal(draft.draft, 'request', outcome.refusal, event);
      return withNotice(m.approval.refusal(outcome.refusal.code, outcome.refusal.message));
    }
    const request = outcome.request;
    log.info('fix requested', { correlationId: event.correlationId, requestId, fix: fix.kind, cluster: request.clusterId });
    const title = localFixText(fix, m).title.slice(0, 120);
    const notice = { text: m.fixFlow.requested(title), tone: 'info' as const };
    return {
      // The clicked card, now with the fix's story in place of its Request button.
      card: await storedDiagnosisCard(stored, reportId, m.locale, notice),
      // The approval card is a message of its own, so the diagnosis stays readable above it.
      followUp: async (replies) => {
        await replies.send({ card: cardOf(request, undefined, undefined, m.locale) });
        // Everyone else's copy of the diagnosis card loses its Request button too (the invoke's
        // answer only replaces the clicker's).
        await updateDiagnosisCard(replies, request.id, m.locale, notice);
      },
    };
  }

  /** Runs each FixProposal.then step in order once the main change succeeded; otherwise records them as skipped. */
  async function runPlanSteps(cluster: ClusterRef, fix: FixProposal, mainSucceeded: boolean, llog: Logger): Promise<StepOutcome[]> {
    const outcomes: StepOutcome[] = [];
    for (const step of fix.then ?? []) {
      if (!mainSucceeded) {
        outcomes.push({ kind: step.kind, result: 'skipped', detail: 'Not run: the change before it did not succeed.' });
        continue;
      }
      let run: FixExecution;
      try {
        run = await runner.runStep(cluster, step);
      } catch (err) {
        llog.error('plan step threw', { err, step: step.kind });
        run = { result: 'failed', detail: userMessageOf(err), perTarget: [] };
      }
      llog.info('plan step ran', { step: step.kind, result: run.result });
      outcomes.push({ kind: step.kind, result: run.result === 'succeeded' ? 'succeeded' : 'failed', detail: run.result === 'refused' ? `Nothing was done: ${run.detail}` : run.detail });
    }
    return outcomes;
  }

  /** approved → executing → succeeded|failed → verified|still-failing, updating the card at each step. */
  async function runApproved(requestId: string, activityId: string | undefined, replies: ReplyChannel, correlationId: string, locale: Locale = 'en'): Promise<void> {
    const llog = log.child({ correlationId, requestId });
    const claim = await repo.claimExecution(requestId, instanceId);
    if (!claim.ok) {
      // Another click or instance won the claim; it reports the outcome.
      llog.info('execution not claimed', { code: claim.refusal.code });
      return;
    }
    // The lease: while this process runs the fix it says so three times per lease, so an instance
    // that finds the execution silent knows its owner is gone (request.ts isOwnerGone).
    const heartbeat = setInterval(() => {
      repo.renewExecution(requestId, instanceId).catch((err: unknown) => llog.warn('execution heartbeat failed', { err }));
    }, Math.max(250, Math.floor(repo.executionLeaseMs / 3)));
    heartbeat.unref?.();
    try {
      await executeClaimed(claim.request, requestId, activityId, replies, llog, locale);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** The claimed execution: run, record, re-check, record. */
  async function executeClaimed(
    request: ApprovalRequest,
    requestId: string,
    activityId: string | undefined,
    replies: ReplyChannel,
    llog: Logger,
    locale: Locale,
  ): Promise<void> {
    await showToAll(replies, activityId, request, locale);
    const source = await sourceOf(requestId);
    let execution: FixExecution;
    if (!source || source.cluster.id.toLowerCase() !== request.clusterId.toLowerCase()) {
      execution = { result: 'refused', detail: 'The stored report of this request is gone, so the bot cannot check the target is unchanged. Diagnose again.', perTarget: [] };
    } else {
      try {
        execution = await runner.execute(source.cluster, request.fix, source.baselines[request.fix.id]);
      } catch (err) {
        llog.error('fix execution threw', { err });
        execution = { result: 'failed', detail: userMessageOf(err), perTarget: [] };
      }
    }
    const detail =
      execution.result === 'refused'
        ? `Nothing was changed: ${execution.detail}`
        : execution.result === 'partial'
          ? `Partly applied: ${execution.detail}`
          : execution.detail;
    // The plan's later steps (restart the tunnel agents …) run only after the main change fully
    // succeeded, still inside the claimed execution: a crash here leaves it 'interrupted' too.
    const steps = source ? await runPlanSteps(source.cluster, request.fix, execution.result === 'succeeded', llog) : [];
    const notNeeded = execution.result === 'refused' && execution.notNeeded === true;
    const finished = await repo.finishExecution(requestId, instanceId, { result: execution.result === 'succeeded' ? 'succeeded' : 'failed', detail, steps, ...(notNeeded ? { notNeeded } : {}) });
    llog.info('fix executed', { result: execution.result });
    await showToAll(replies, activityId, finished.request, locale);
    // A refused execution wrote nothing: there is nothing to re-check.
    if (!finished.ok || execution.result === 'refused' || !source) return;
    const ids = checksForFix(request.fix);
    const before = source.report.checks.filter((c) => ids.includes(c.id));
    let verdict: { verdict: 'verified' | 'still-failing'; detail: string };
    try {
      const v = await runner.verify(source.cluster, request.fix, before);
      verdict = { verdict: v.verdict, detail: verificationDetail(v) };
    } catch (err) {
      llog.warn('re-check failed', { err });
      verdict = { verdict: 'still-failing', detail: `Note: the re-check could not run: ${userMessageOf(err)}` };
    }
    const recorded = await repo.recordVerification(requestId, verdict, instanceId);
    llog.info('fix verified', { verdict: verdict.verdict });
    await showToAll(replies, activityId, recorded.request, locale);
  }

  /** What a refreshed card must say in words, not only in its headline: nothing ran, and what to do now. */
  function refreshNotice(request: ApprovalRequest, m: Messages): string | undefined {
    if (effectiveState(request, now()) === 'expired') {
      return m.fixFlow.expiredOnRefresh(request.expiresAt, request.approvals.length, request.requiredApprovals);
    }
    if (request.state === 'interrupted' && request.execution?.neverStarted) return request.execution.detail;
    return undefined;
  }

  async function answerTo(event: CardActionEvent, outcome: TransitionOutcome, verb: ApprovalVerb): Promise<CardActionAnswer> {
    const m = messagesOf(event);
    if (!outcome.ok) {
      // The engine's refusal has a code: the clicker reads it in their language (English as written).
      const reason = await refusalText(outcome.refusal.code, outcome.refusal.message, m, event.caller, outcome.request);
      const card = outcome.request ? cardOf(outcome.request, event.caller, reason, m.locale) : refusalCard({ reason, hint: m.common.nothingDone }, m.locale);
      return { card };
    }
    const request = outcome.request;
    if (verb === 'refresh') {
      const notice = refreshNotice(request, m);
      return { card: notice ? cardOf(request, event.caller, notice, m.locale) : cardOf(request, event.caller, undefined, m.locale) };
    }
    const requestId = request.id;
    return {
      card: cardOf(request, event.caller, undefined, m.locale),
      followUp: outcome.effects.includes('execute')
        ? (replies) => runApproved(requestId, event.replyToId, replies, event.correlationId, m.locale)
        : // Everyone else's copy of the card shows the new state too.
          (replies) => showToAll(replies, event.replyToId, request, m.locale),
    };
  }

  function onRequestVerb(verb: Exclude<ApprovalVerb, 'request'>) {
    return async (event: CardActionEvent): Promise<CardActionAnswer> => {
      const requestId = fields(event.data).requestId;
      if (!isRequestId(requestId)) return refused(messagesOf(event).fixFlow.badDecisionButton, messagesOf(event));
      // An approval whose process died before applying it is given up first (never re-run), so
      // even a refresh, which changes nothing itself, shows what happened.
      if (verb === 'refresh') await repo.resolveUnclaimed(requestId);
      const outcome = await repo.act(requestId, { verb, by: event.caller, now: now() }, policy);
      if (outcome.ok && verb !== 'refresh') log.info('fix request decision', { correlationId: event.correlationId, requestId, verb, state: outcome.request.state });
      if (!outcome.ok) {
        log.info('fix request click refused', { correlationId: event.correlationId, requestId, verb, code: outcome.refusal.code });
        // An id the bot never stored is not audited: card data is untrusted, and there is no request to name.
        if (outcome.request) await auditRefusal(outcome.request, verb, outcome.refusal, event);
      }
      return answerTo(event, outcome, verb);
    };
  }

  const verbs = createCardVerbRegistry([
    ['request-fix', requestFix],
    ['approve', onRequestVerb('approve')],
    ['reject', onRequestVerb('reject')],
    ['cancel', onRequestVerb('cancel')],
    ['refresh', onRequestVerb('refresh')],
  ]);

  return {
    keepReport,
    verbs,
    markInterrupted: () => repo.markInterruptedOnStartup(instanceId),
    async sweepOpenRequests() {
      const swept = await repo.sweepOpenRequests(now());
      if (swept.expired.length > 0 || swept.interrupted.length > 0) log.info('open fix requests swept', { expired: swept.expired, interrupted: swept.interrupted });
    },
  };
}

/** For app errors in a card action: the card names the correlation id the log has. */
export function cardActionErrorCard(err: unknown, correlationId: string, locale: Locale = 'en'): object {
  const m = messagesFor(locale);
  return errorCard({ title: m.error.actionFailed, message: userMessageIn(m, err), correlationId }, locale);
}
