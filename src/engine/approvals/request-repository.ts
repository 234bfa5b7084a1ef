/**
 * Approval requests in the durable StateStore (SQLite or Blob), one item per request under
 * `approval/<id>`, changed only by compare-and-swap on the item's eTag: read, decide (pure,
 * decide.ts / execution.ts), write with the eTag read. A writer that loses re-reads and decides
 * again on what the winner wrote, so double clicks, Teams' invoke retries and several bot
 * instances sharing the store produce one transition to 'approved', hence one 'execute' effect,
 * and one claimExecution winner.
 *
 * Audit and state move together: a transition's audit records are built and checked before
 * anything is written, then the state is swapped in, then the records are
 * appended; if the append fails, the swap is undone (while nobody has moved the request on) and the
 * click is refused ('not-recorded'), so no state exists without its record and no record without
 * its state. A refused click changes nothing (except a found expiry); the flow records the attempt
 * itself with recordRefusal (who, which verb, why), a record no state depends on.
 *
 * Executing and open requests are listed in two indexes (request-index.ts; the store has no key
 * listing): a restarted instance finds what its dead predecessor left 'executing', and
 * sweepOpenRequests (the watch lease holder's tick) records expiries and unclaimed approvals.
 */
import type { AuditEntry, AuditLog } from '../../store/append-log.js';
import { ETagConflictError, IF_ABSENT, type StateStore } from '../../store/state-store.js';
import { checkedAuditEntries, refusalEntry } from './audit-entries.js';
import { abandonUnclaimed, actorOf, decideAction, expireOverdue, EXPIRY_ACTOR, UNCLAIMED_ACTOR, type ActingUser, type ApprovalAction, type ApprovalEffect, type ApprovalVerb, type Decision, type Refusal } from './decide.js';
import { finishExecution, interruptExecution, recordVerification, renewExecution, startExecution, systemActor } from './execution.js';
import type { ApprovalPolicy } from './policy.js';
import { backOff } from './back-off.js';
import { requestFromItem } from './request-from-item.js';
import { EXECUTING_INDEX_KEY, OPEN_INDEX_KEY, RequestIndex, type IndexKey } from './request-index.js';
import { canonicalJson, DEFAULT_EXECUTION_LEASE_MS, isOwnerGone, isPastExpiry, isRequestId, isUnclaimedTooLong, type ApprovalActor, type ApprovalRequest, type ExecutionResult, type StepOutcome } from './request.js';

export const APPROVAL_KEY_PREFIX = 'approval/';
const DEFAULT_MAX_ATTEMPTS = 20;

export const approvalKey = (id: string): string => `${APPROVAL_KEY_PREFIX}${id}`;

export type TransitionOutcome =
  | { ok: true; request: ApprovalRequest; effects: ApprovalEffect[] }
  | { ok: false; refusal: Refusal; /** The stored request after the refusal (for the card), when there is one. */ request?: ApprovalRequest };

export interface ApprovalRepositoryOptions {
  state: StateStore;
  audit: AuditLog;
  /** Compare-and-swap attempts per transition before answering 'busy'. */
  maxAttempts?: number;
  now?: () => Date;
  /** How long an execution may go without its owner's heartbeat (default DEFAULT_EXECUTION_LEASE_MS). */
  executionLeaseMs?: number;
}

interface Loaded {
  request: ApprovalRequest | undefined;
  eTag: string | undefined;
}

/** What one sweepOpenRequests call recorded or dropped (ids). */
export interface SweepResult {
  expired: string[];
  interrupted: string[];
  dropped: string[];
}

/** Pending or approved: a state the sweep may still have to resolve. */
function isOpen(request: ApprovalRequest | undefined): boolean {
  return request?.state === 'pending' || request?.state === 'approved';
}

const BUSY: Refusal = {
  code: 'busy',
  message: 'Many people changed this request at the same moment and your click could not be applied. Nothing was done; refresh the card and try again.',
};

const NOT_RECORDED: Refusal = {
  code: 'not-recorded',
  message: 'The bot could not write the audit record of this step, so the step was not taken: the request is as it was. Nothing was done; try again in a minute.',
};

/** Thrown inside the repository when a transition's audit records cannot be written; never leaves it. */
class AuditNotWritten extends Error {
  constructor(cause: unknown) {
    super('audit records not written', { cause });
  }
}

export class ApprovalRequestRepository {
  private readonly state: StateStore;
  private readonly audit: AuditLog;
  private readonly maxAttempts: number;
  private readonly now: () => Date;
  readonly executionLeaseMs: number;
  /** Requests being executed (or about to be claimed): what a start-up sweep must look at. */
  private readonly executing: RequestIndex;
  /** Requests pending or approved: what sweepOpenRequests must look at. */
  private readonly open: RequestIndex;

  constructor(options: ApprovalRepositoryOptions) {
    this.executionLeaseMs = options.executionLeaseMs ?? DEFAULT_EXECUTION_LEASE_MS;
    this.state = options.state;
    this.audit = options.audit;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.now = options.now ?? (() => new Date());
    // An index has more writers than one request (every request's transitions), so more attempts.
    const indexOf = (key: IndexKey) => new RequestIndex({ state: this.state, key, maxAttempts: this.maxAttempts * 3, now: this.now });
    this.executing = indexOf(EXECUTING_INDEX_KEY);
    this.open = indexOf(OPEN_INDEX_KEY);
  }

  /** Stores a new request; throws ETagConflictError if the id exists (IF_ABSENT: two instances, one record). */
  async create(request: ApprovalRequest): Promise<void> {
    await this.state.write({ [approvalKey(request.id)]: { ...request, eTag: IF_ABSENT } });
  }

  /** The requester's click on "Request fix": policy check, create-only write, 'requested' audit. */
  async submit(draft: ApprovalRequest, action: Omit<ApprovalAction, 'verb'>, policy: ApprovalPolicy): Promise<TransitionOutcome> {
    const decision = decideAction(draft, { ...action, verb: 'request' }, policy);
    if (!decision.ok) return { ok: false, refusal: decision.refusal };
    const entries = checkedAuditEntries(decision.effects, decision.next, actorOf(action.by), this.now);
    if (!entries) return { ok: false, refusal: NOT_RECORDED };
    try {
      await this.create(decision.next);
    } catch (err) {
      if (!(err instanceof ETagConflictError)) throw err;
      return { ok: false, refusal: { code: 'already-requested', message: 'This request already exists; use the card already in the chat.' } };
    }
    try {
      await this.appendEntries(entries);
    } catch (err) {
      if (!(err instanceof AuditNotWritten)) throw err;
      // Not requested after all: the request goes, as if the click had never happened.
      await this.state.delete([approvalKey(decision.next.id)]);
      return { ok: false, refusal: NOT_RECORDED };
    }
    // After the create, so the sweep never finds (and drops) an id whose request is not written yet.
    await this.open.add(decision.next.id);
    return { ok: true, request: decision.next, effects: decision.effects };
  }

  async load(id: string): Promise<ApprovalRequest | undefined> {
    return (await this.loadWithETag(id)).request;
  }

  private async loadWithETag(id: string): Promise<Loaded> {
    // An id that newRequestId could not have made is never looked up: card data stays out of keys.
    if (!isRequestId(id)) return { request: undefined, eTag: undefined };
    const key = approvalKey(id);
    const item = (await this.state.read([key]))[key];
    return { request: requestFromItem(id, item), eTag: item?.eTag };
  }

  /**
   * Read, decide, compare-and-swap; on a lost swap, read and decide again (up to maxAttempts).
   * `decide` must be pure: it runs once per attempt. `actor` is who the audit records name.
   */
  async transition(
    id: string,
    decide: (current: ApprovalRequest | undefined) => Decision,
    actor: ApprovalActor | ((next: ApprovalRequest) => ApprovalActor),
    /** The request as the caller just read it: the first attempt decides on it instead of reading again. */
    read?: Loaded,
  ): Promise<TransitionOutcome> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const { request, eTag } = attempt === 1 && read ? read : await this.loadWithETag(id);
      const decision = decide(request);
      const next = decision.next;
      if (!next || next === request) {
        return decision.ok ? { ok: true, request: decision.next, effects: decision.effects } : refusedWith(decision.refusal, request);
      }
      const effects = decision.effects ?? [];
      const entries = checkedAuditEntries(effects, next, typeof actor === 'function' ? actor(next) : actor, this.now);
      if (!entries) return refusedWith(NOT_RECORDED, request);
      try {
        await this.state.write({ [approvalKey(id)]: { ...next, eTag: eTag ?? IF_ABSENT } });
      } catch (err) {
        if (!(err instanceof ETagConflictError)) throw err;
        await backOff(attempt);
        continue;
      }
      try {
        await this.appendEntries(entries);
      } catch (err) {
        if (!(err instanceof AuditNotWritten)) throw err;
        return refusedWith(NOT_RECORDED, await this.undo(id, next, request));
      }
      // Only the writer that made the request leave pending/approved drops it: one index write per request.
      if (isOpen(request) && !isOpen(next)) await this.open.drop(id);
      return decision.ok ? { ok: true, request: next, effects } : refusedWith(decision.refusal, next);
    }
    return refusedWith(BUSY, await this.load(id));
  }

  /** A card click (approve, reject, cancel, refresh) by `action.by`, decided on the stored request. */
  async act(id: string, action: ApprovalAction, policy: ApprovalPolicy): Promise<TransitionOutcome> {
    // One read per click: the index check and the first attempt of the transition share it.
    const read = await this.loadWithETag(id);
    if (action.verb === 'approve') await this.indexIfApprovalMayComplete(id, read.request);
    // A click that finds an approval nobody claimed records the bot's give-up, not the clicker's.
    const actor = (next: ApprovalRequest) => (next.execution?.neverStarted && next.state === 'interrupted' ? UNCLAIMED_ACTOR : actorOf(action.by));
    return this.transition(id, (current) => decideAction(current, action, policy), actor, read);
  }

  /**
   * Appends the record of a refused click on `request` (stored, or the draft of a refused request):
   * the clicker as the activity carried them (actorOf: normalised, never trusted for a decision),
   * the verb and the refusal code. No state goes with it, so there is nothing to undo; throws when
   * the log refuses the append, and the caller decides what a lost record means (the flow logs it).
   */
  async recordRefusal(request: ApprovalRequest, verb: ApprovalVerb, refusal: Refusal, by: ActingUser): Promise<void> {
    await this.audit.appendAudit(refusalEntry(request, verb, refusal, actorOf(by)));
  }

  /**
   * Before an approve that may reach the threshold: list the id in the executing index, so that if
   * this process dies between the approval and its claim, a start-up sweep finds the request
   * (the store has no key listing). A listed request that stays pending is dropped by the sweep.
   */
  private async indexIfApprovalMayComplete(id: string, current: ApprovalRequest | undefined): Promise<void> {
    if (current?.state !== 'pending' || current.approvals.length + 1 < current.requiredApprovals) return;
    await this.executing.add(id);
  }

  /**
   * The bot's own step, not a user's: if `id` is an approval whose claim is overdue
   * (isUnclaimedTooLong), record that it was never applied. The flow calls it before answering a
   * refresh, which itself never changes anything (decideAction). Returns the stored request.
   */
  async resolveUnclaimed(id: string): Promise<ApprovalRequest | undefined> {
    return (await this.resolveUnclaimedAt(id, this.now())).request;
  }

  /** resolveUnclaimed at `now`; `recorded` when this call (not a racer) made the give-up. */
  private async resolveUnclaimedAt(id: string, now: Date): Promise<{ request: ApprovalRequest | undefined; recorded: boolean }> {
    const current = await this.load(id);
    if (!current || !isUnclaimedTooLong(current, now)) return { request: current, recorded: false };
    const outcome = await this.transition(id, (latest) => abandonUnclaimed(latest, now), UNCLAIMED_ACTOR);
    if (outcome.ok) await this.executing.drop(id);
    return { request: outcome.request, recorded: outcome.ok };
  }

  /**
   * Periodic, on one instance at a time (the watch lease holder's tick), though two at once are
   * safe: every change is a compare-and-swap transition, so a racing sweep (or click) that loses
   * re-reads, finds the request no longer open, and records nothing. A pending request past its
   * expiry becomes 'expired' exactly as a late click would record it (expireOverdue); an approval
   * unclaimed past CLAIM_GRACE_MS is given up (resolveUnclaimed). Ids whose request is gone or no
   * longer open are dropped from the open index.
   */
  async sweepOpenRequests(now: Date = this.now()): Promise<SweepResult> {
    const result: SweepResult = { expired: [], interrupted: [], dropped: [] };
    for (const id of await this.open.ids()) {
      const request = await this.load(id);
      if (!isOpen(request)) {
        await this.open.drop(id);
        result.dropped.push(id);
        continue;
      }
      if (request?.state === 'pending' && isPastExpiry(request, now)) {
        const outcome = await this.transition(id, (latest) => expireOverdue(latest, now), EXPIRY_ACTOR);
        if (outcome.ok) result.expired.push(id);
      } else if (request?.state === 'approved' && isUnclaimedTooLong(request, now)) {
        if ((await this.resolveUnclaimedAt(id, now)).recorded) result.interrupted.push(id);
      }
    }
    result.interrupted.push(...(await this.interruptOrphanedExecutions(now)));
    return result;
  }

  /**
   * Executions whose owner stopped renewing them for longer than the lease: the replica that ran
   * them is gone, whatever its name was and whether or not it ever starts again. Each becomes
   * 'interrupted' with its audit record (never re-run). Returns the ids so marked.
   */
  async interruptOrphanedExecutions(now: Date = this.now(), by = 'lease sweep'): Promise<string[]> {
    const interrupted: string[] = [];
    for (const id of await this.executing.ids()) {
      const request = await this.load(id);
      if (!request || !isOwnerGone(request, now, this.executionLeaseMs)) continue;
      const outcome = await this.transition(
        id,
        (latest) => (latest && isOwnerGone(latest, now, this.executionLeaseMs) ? interruptExecution(latest, now, by) : { ok: false, refusal: { code: 'not-executing', message: 'renewed or finished meanwhile' } }),
        systemActor(by),
      );
      if (!outcome.ok) continue;
      interrupted.push(id);
      await this.executing.drop(id);
    }
    return interrupted;
  }

  /** The owner's heartbeat on its running execution; refused once it is no longer executing or not its own. */
  renewExecution(id: string, owner: string): Promise<TransitionOutcome> {
    return this.transition(id, (latest) => renewExecution(latest, owner, this.now()), systemActor(owner));
  }

  /** approved → executing for exactly one caller; run the fix only when this returns ok. */
  async claimExecution(id: string, owner: string): Promise<TransitionOutcome> {
    const read = await this.loadWithETag(id);
    const early = startExecution(read.request, owner, this.now());
    if (!early.ok) return refusedWith(early.refusal, read.request);
    await this.executing.add(id);
    return this.transition(id, (latest) => startExecution(latest, owner, this.now()), systemActor(owner), read);
  }

  /** executing → succeeded | failed, by the claimer only; audits 'executed' or 'failed'. */
  async finishExecution(id: string, owner: string, outcome: { result: ExecutionResult; detail: string; steps?: StepOutcome[]; notNeeded?: boolean }): Promise<TransitionOutcome> {
    const done = await this.transition(id, (latest) => finishExecution(latest, owner, outcome, this.now()), systemActor(owner));
    if (done.ok) await this.executing.drop(id);
    return done;
  }

  /** succeeded | failed → verified | still-failing, after the re-check. */
  recordVerification(id: string, verdict: { verdict: 'verified' | 'still-failing'; detail: string }, owner: string): Promise<TransitionOutcome> {
    return this.transition(id, (latest) => recordVerification(latest, verdict, this.now(), owner), systemActor(owner));
  }

  /**
   * At start-up: requests a dead process left 'executing' become 'interrupted' (never re-run).
   * With several instances on one store pass this instance's stable `owner` id, so only its own
   * predecessor's requests are touched, not those another live instance is running right now.
   * Requests approved but never claimed past CLAIM_GRACE_MS become 'interrupted' too, marked as
   * never started (abandonUnclaimed): whichever instance approved them is gone. Younger ones stay
   * listed (a claim may be in flight); the next click or refresh on their card resolves them.
   * Returns the ids marked interrupted.
   */
  async markInterruptedOnStartup(owner?: string): Promise<string[]> {
    const interrupted: string[] = [];
    for (const id of await this.executing.ids()) {
      const request = await this.load(id);
      if (request?.state === 'approved') {
        const outcome = await this.transition(id, (latest) => abandonUnclaimed(latest, this.now()), UNCLAIMED_ACTOR);
        if (!outcome.ok) continue; // claimed meanwhile, or still within its grace: leave it listed
        interrupted.push(id);
        await this.executing.drop(id);
        continue;
      }
      // Another instance's execution is left to it while it still renews its lease; once it has
      // stopped (killed, and perhaps restarted under another replica name) it is interrupted here.
      if (request?.state === 'executing' && owner !== undefined && request.execution?.owner !== owner && !isOwnerGone(request, this.now(), this.executionLeaseMs)) continue;
      if (request?.state === 'executing') {
        const by = owner ?? 'start-up';
        const mine = (latest: ApprovalRequest | undefined) => owner === undefined || latest?.execution?.owner === owner;
        const outcome = await this.transition(
          id,
          (latest) =>
            mine(latest) || (latest && isOwnerGone(latest, this.now(), this.executionLeaseMs))
              ? interruptExecution(latest, this.now(), by)
              : { ok: false, refusal: { code: 'not-executing', message: 'renewed by its live owner meanwhile' } },
          systemActor(by),
        );
        if (outcome.ok) interrupted.push(id);
        else if (outcome.request?.state === 'executing') continue;
      }
      await this.executing.drop(id);
    }
    return interrupted;
  }

  /** Ids in the executing index (for tests and the readiness page). */
  executingIndex(): Promise<string[]> {
    return this.executing.ids();
  }

  /** Ids in the open index: pending or approved requests the sweep still watches (for tests). */
  openIndex(): Promise<string[]> {
    return this.open.ids();
  }

  private async appendEntries(entries: readonly AuditEntry[]): Promise<void> {
    // In order, one at a time: the log's order is the order of appends (append-log.ts).
    try {
      for (const entry of entries) await this.audit.appendAudit(entry);
    } catch (err) {
      throw new AuditNotWritten(err);
    }
  }

  /**
   * Puts `previous` back after its transition to `written` could not be audited, if the stored
   * request is still exactly `written` (compare-and-swap: a request someone moved on meanwhile is
   * left alone). Returns the request as stored afterwards.
   */
  private async undo(id: string, written: ApprovalRequest, previous: ApprovalRequest | undefined): Promise<ApprovalRequest | undefined> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const { request, eTag } = await this.loadWithETag(id);
      if (!request || !eTag || canonicalJson(request) !== canonicalJson(written)) return request;
      try {
        if (previous) await this.state.write({ [approvalKey(id)]: { ...previous, eTag } });
        else await this.state.delete([approvalKey(id)]);
        return previous;
      } catch (err) {
        if (!(err instanceof ETagConflictError)) throw err;
        await backOff(attempt);
      }
    }
    return this.load(id);
  }
}

function refusedWith(refusal: Refusal, request: ApprovalRequest | undefined): TransitionOutcome {
  return request ? { ok: false, refusal, request } : { ok: false, refusal };
}
