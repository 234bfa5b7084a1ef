/**
 * One-click fixes gated by approval (issue 4): the card verbs of the fix feature.
 *   request-fix (diagnosis card) → a pending request and its approval card;
 *   approve / reject / cancel (approval card) → the repository's decision on the stored request;
 *   the approval that reaches the threshold → the engine's pipeline (run-approved-fix.ts: claim,
 *   execute against the stored baseline, record, re-check, record), the approval card updated at
 *   each step;
 *   refresh (Teams' user-specific views) → the card as the viewer may use it, never an execution.
 * Card data is untrusted: ids only, validated, and everything acted on is reloaded from the store.
 */
import type { Logger } from '../log.js';
import type { ApprovalPolicy } from '../engine/approvals/policy.js';
import { ALREADY_REQUESTED, type ApprovalVerb, type Refusal } from '../engine/approvals/decide.js';
import { draftApprovalRequest, effectiveState, isRequestId, type ApprovalRequest } from '../engine/approvals/request.js';
import { ApprovalRequestRepository, type TransitionOutcome } from '../engine/approvals/request-repository.js';
import { runApprovedFix } from '../engine/approvals/run-approved-fix.js';
import type { FixRunner } from '../engine/fixes/fix-runner.js';
import type { FixBaseline } from '../engine/fixes/types.js';
import type { ClusterRef } from '../cluster-ref.js';
import { appliedByBot, BY_HAND_REASON, type Report } from '../engine/report.js';
import type { AuditLog } from '../store/append-log.js';
import type { StateStore } from '../store/state-store.js';
import { auditEmittingSteps, type AppEvents } from './app-events.js';
import type { CardVerbEntry, CardVerbFeature } from './card-verbs.js';
import { errorCard, refusalCard } from './cards/index.js';
import { localFixText } from './cards/fix-text.js';
import type { EventContext } from './event-context.js';
import type { CardActionAnswer, CardActionEvent, ReplyChannel } from './events.js';
import { createFixCards } from './fix-cards.js';
import { fixSources, requestIdFor, type LoadedFixSource } from './fix-sources.js';
import { fixesOf, isReportId, reportShelf } from './stored-reports.js';
import { en, messagesFor, userMessageIn, type Locale, type Messages } from './i18n/index.js';

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
  /** Told of each approval step once its audit record is stored (the incident channel listens there). */
  events?: Pick<AppEvents, 'emit'>;
}

export interface FixFlow extends CardVerbFeature {
  /** After a diagnosis: stores the report with its fixes' baselines; undefined when it could not (logged). */
  keepReport(report: Report, cluster: ClusterRef): Promise<string | undefined>;
  /** At start-up: requests a dead predecessor left executing become 'interrupted' (never re-run). */
  markInterrupted(): Promise<string[]>;
  /** Periodic (watch lease holder's tick): records expiries and unclaimed approvals nobody clicked on. */
  sweepOpenRequests(): Promise<void>;
}

const MAX_FIX_ID_CHARS = 300;

function fields(data: unknown): Record<string, unknown> {
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

function refused(reason: string, m: Messages = en): CardActionAnswer {
  return { card: refusalCard({ reason, hint: m.common.nothingDone }, m.locale) };
}

export function createFixFlow(deps: FixFlowDeps): FixFlow {
  const { policy, runner, log, instanceId } = deps;
  const now = deps.now ?? (() => new Date());
  // Every approval step appends exactly one audit record (the repository's): that is where it becomes an event.
  const audit = deps.events ? auditEmittingSteps(deps.audit, deps.events) : deps.audit;
  const repo = new ApprovalRequestRepository({ state: deps.state, audit, now, ...(deps.executionLeaseMs ? { executionLeaseMs: deps.executionLeaseMs } : {}) });
  const shelf = reportShelf(deps.state);
  const sources = fixSources(deps.state, shelf);
  const cards = createFixCards({ repo, sources, audit, policy, ...(deps.approverNames ? { approverNames: deps.approverNames } : {}), log, now });

  /**
   * Every refused click on a stored request (or on the draft of a refused "Request this fix") goes
   * to the audit log: who, which verb, why (issue 15). A refusal changes no state, so a lost record
   * has nothing to undo; it is logged and the clicker still gets the refusal, never an error.
   */
  async function auditRefusal(request: ApprovalRequest, verb: ApprovalVerb, refusal: Refusal, ctx: EventContext): Promise<void> {
    try {
      await repo.recordRefusal(request, verb, refusal, ctx.caller);
    } catch (err) {
      ctx.log.warn('refused click not audited', { err, requestId: request.id, verb, code: refusal.code });
    }
  }

  async function keepReport(report: Report, cluster: ClusterRef): Promise<string | undefined> {
    try {
      const baselines: Record<string, FixBaseline> = {};
      for (const fix of fixesOf(report)) {
        if (!appliedByBot(fix)) continue;
        baselines[fix.id] = await runner.captureBaseline(fix);
      }
      return await shelf.save(report, cluster, baselines);
    } catch (err) {
      // The diagnosis still shows; only its "Request this fix" buttons are missing.
      log.warn('could not store the report for fixes', { err, cluster: cluster.id });
      return undefined;
    }
  }

  async function requestFix(event: CardActionEvent, ctx: EventContext): Promise<CardActionAnswer> {
    const { m } = ctx;
    const { reportId, fixId } = fields(event.data);
    if (!isReportId(reportId) || typeof fixId !== 'string' || fixId.length === 0 || fixId.length > MAX_FIX_ID_CHARS) {
      return refused(m.fixFlow.badRequestButton, m);
    }
    const stored = await shelf.load(reportId);
    if (!stored) return refused(m.fixFlow.reportNotStored, m);
    const withNotice = async (notice: string) => ({ card: await cards.storedDiagnosisCard(stored, reportId, m.locale, { text: notice, tone: 'refused' }) });
    const fix = fixesOf(stored.report).find((f) => f.id === fixId);
    if (!fix) return withNotice(m.fixFlow.noSuchFix(fixId.slice(0, 80)));
    if (!appliedByBot(fix)) return withNotice(m.fixFlow.manualNotRequested(m.diagnosis.manualFix(fix.byHandReason ?? BY_HAND_REASON)));
    const requestId = requestIdFor(reportId, fixId);
    const draft = draftApprovalRequest({ report: stored.report, fixId, requester: ctx.caller, policy, now: now(), id: requestId });
    if (!draft.ok) return withNotice(m.locale === 'en' ? draft.message : m.fixFlow.noSuchFix(fixId.slice(0, 80)));
    const existing = await repo.load(requestId);
    if (existing) {
      await auditRefusal(existing, 'request', ALREADY_REQUESTED, ctx);
      return withNotice(m.fixFlow.alreadyRequested);
    }
    await sources.remember(requestId, reportId, fixId, event.replyToId);
    const outcome = await repo.submit(draft.draft, { by: ctx.caller, now: now() }, policy);
    if (!outcome.ok) {
      await auditRefusal(draft.draft, 'request', outcome.refusal, ctx);
      return withNotice(m.approval.refusal(outcome.refusal.code, outcome.refusal.message));
    }
    const request = outcome.request;
    ctx.log.info('fix requested', { requestId, fix: fix.kind, cluster: request.clusterId });
    const title = localFixText(fix, m).title.slice(0, 120);
    const notice = { text: m.fixFlow.requested(title), tone: 'info' as const };
    return {
      // The clicked card, now with the fix's story in place of its Request button.
      card: await cards.storedDiagnosisCard(stored, reportId, m.locale, notice, request),
      // The approval card is a message of its own, so the diagnosis stays readable above it.
      followUp: async (replies) => {
        await replies.send({ card: cards.approvalCardOf(request, undefined, undefined, m.locale) });
        // Everyone else's copy of the diagnosis card loses its Request button too (the invoke's
        // answer only replaces the clicker's).
        await cards.updateDiagnosisCard(replies, request, m.locale, notice);
      },
    };
  }

  /** The engine's pipeline for an approval that reached the threshold; the approval card follows each step. */
  async function runApproved(requestId: string, activityId: string | undefined, replies: ReplyChannel, ctx: EventContext): Promise<void> {
    // Read once per run, after the claim: the executor's cluster and baseline, and the diagnosis card to update.
    let source: Promise<LoadedFixSource | undefined> | undefined;
    const loaded = () => (source ??= sources.load(requestId));
    await runApprovedFix({
      requestId,
      repo,
      runner,
      instanceId,
      correlationId: ctx.correlationId,
      log: ctx.log.child({ requestId }),
      loadSource: async () => (await loaded())?.stored,
      // A source that cannot be read leaves the diagnosis card behind (fix-cards.ts reads it again and logs).
      onStep: async (request) => cards.showToAll(replies, activityId, request, ctx.locale, await loaded().catch(() => undefined)),
    });
  }

  /** What a refreshed card must say in words, not only in its headline: nothing ran, and what to do now. */
  function refreshNotice(request: ApprovalRequest, m: Messages): string | undefined {
    if (effectiveState(request, now()) === 'expired') {
      return m.fixFlow.expiredOnRefresh(request.expiresAt, request.approvals.length, request.requiredApprovals);
    }
    if (request.state === 'interrupted' && request.execution?.neverStarted) return request.execution.detail;
    return undefined;
  }

  async function answerTo(event: CardActionEvent, ctx: EventContext, outcome: TransitionOutcome, verb: ApprovalVerb): Promise<CardActionAnswer> {
    const { m } = ctx;
    if (!outcome.ok) {
      // The engine's refusal has a code: the clicker reads it in their language (English as written).
      const reason = await cards.refusalText(outcome.refusal.code, outcome.refusal.message, m, ctx.caller, outcome.request);
      const card = outcome.request ? cards.approvalCardOf(outcome.request, ctx.caller, reason, m.locale) : refusalCard({ reason, hint: m.common.nothingDone }, m.locale);
      return { card };
    }
    const request = outcome.request;
    if (verb === 'refresh') return { card: cards.approvalCardOf(request, ctx.caller, refreshNotice(request, m), m.locale) };
    return {
      card: cards.approvalCardOf(request, ctx.caller, undefined, m.locale),
      followUp: outcome.effects.includes('execute')
        ? (replies) => runApproved(request.id, event.replyToId, replies, ctx)
        : // Everyone else's copy of the card shows the new state too.
          (replies) => cards.showToAll(replies, event.replyToId, request, m.locale),
    };
  }

  function onRequestVerb(verb: Exclude<ApprovalVerb, 'request'>) {
    return async (event: CardActionEvent, ctx: EventContext): Promise<CardActionAnswer> => {
      const requestId = fields(event.data).requestId;
      if (!isRequestId(requestId)) return refused(ctx.m.fixFlow.badDecisionButton, ctx.m);
      // An approval whose process died before applying it is given up first (never re-run), so
      // even a refresh, which changes nothing itself, shows what happened.
      if (verb === 'refresh') await repo.resolveUnclaimed(requestId);
      const outcome = await repo.act(requestId, { verb, by: ctx.caller, now: now() }, policy);
      if (outcome.ok && verb !== 'refresh') ctx.log.info('fix request decision', { requestId, verb, state: outcome.request.state });
      if (!outcome.ok) {
        ctx.log.info('fix request click refused', { requestId, verb, code: outcome.refusal.code });
        // An id the bot never stored is not audited: card data is untrusted, and there is no request to name.
        if (outcome.request) await auditRefusal(outcome.request, verb, outcome.refusal, ctx);
      }
      return answerTo(event, ctx, outcome, verb);
    };
  }

  const cardVerbs: CardVerbEntry[] = [
    ['request-fix', requestFix],
    ['approve', onRequestVerb('approve')],
    ['reject', onRequestVerb('reject')],
    ['cancel', onRequestVerb('cancel')],
    ['refresh', onRequestVerb('refresh')],
  ];

  return {
    keepReport,
    cardVerbs,
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
