/**
 * The approval repository's behaviour on a real store, run against SQLite and Blob (Azurite):
 * exactly-once under racing clicks and racing instances, interruption, audit order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNCLAIMED_DETAIL, type ApprovalEffect } from '../../../src/engine/approvals/decide.js';
import { approvalKey, ApprovalRequestRepository, type TransitionOutcome } from '../../../src/engine/approvals/request-repository.js';
import { EXECUTING_INDEX_KEY, OPEN_INDEX_KEY } from '../../../src/engine/approvals/request-index.js';
import { CLAIM_GRACE_MS, type ApprovalRequest } from '../../../src/engine/approvals/request.js';
import type { AuditLog } from '../../../src/store/append-log.js';
import type { StateStore } from '../../../src/store/state-store.js';
import { ALEX, DANA, draft, EVE, minutesAfter, NSG_FIX, policy, SAM, T0, UFW_FIX } from './fixtures.js';

export interface ApprovalStoreUnderTest {
  state: StateStore;
  audit: AuditLog;
  /** A second handle on the same data, as another bot instance would open it. */
  other(): { state: StateStore; audit: AuditLog };
  close(): Promise<void>;
}

function countExecute(outcomes: TransitionOutcome[]): number {
  return outcomes.filter((o) => o.ok && o.effects.includes('execute' as ApprovalEffect)).length;
}

export function describeApprovalRepository(name: string, makeStore: () => Promise<ApprovalStoreUnderTest>): void {
  describe(`${name}: approval request repository`, () => {
    let sut: ApprovalStoreUnderTest;
    let repo: ApprovalRequestRepository;
    let clock: Date;

    beforeEach(async () => {
      sut = await makeStore();
      clock = minutesAfter(T0, 1);
      repo = new ApprovalRequestRepository({ state: sut.state, audit: sut.audit, now: () => clock });
    });
    afterEach(async () => {
      await sut.close();
    });

    async function submitted(fixId = NSG_FIX.id): Promise<ApprovalRequest> {
      const outcome = await repo.submit(draft(fixId, DANA, T0), { by: DANA, now: T0 }, policy());
      if (!outcome.ok) throw new Error(outcome.refusal.message);
      return outcome.request;
    }

    async function approvedRequest(): Promise<ApprovalRequest> {
      const request = await submitted();
      const outcome = await repo.act(request.id, { verb: 'approve', by: ALEX, now: clock }, policy());
      expect(outcome.ok && outcome.request.state).toBe('approved');
      return request;
    }

    it('stores a submitted request under approval/<id>, creates it only once, and loads it back', async () => {
      const request = await submitted();
      expect(request.state).toBe('pending');
      expect(await repo.load(request.id)).toEqual(request);
      const raw = (await sut.state.read([approvalKey(request.id)]))[approvalKey(request.id)];
      expect(raw?.state).toBe('pending');
      const again = await repo.submit(draft(NSG_FIX.id, DANA, T0), { by: DANA, now: T0 }, policy());
      expect(again.ok).toBe(true); // a new draft has a new id
      const duplicate = { ...draft(), id: request.id };
      const dup = await repo.submit(duplicate, { by: DANA, now: T0 }, policy());
      expect(!dup.ok && dup.refusal.code).toBe('already-requested');
      expect(await repo.load(request.id)).toEqual(request);
      expect(await repo.load('not a request id/../x')).toBeUndefined();
    });

    it('refuses unknown ids and an edited stored record, executing nothing', async () => {
      const unknown = await repo.act('AAAAAAAAAAAAAAAAAAAAAA', { verb: 'approve', by: ALEX, now: clock }, policy());
      expect(!unknown.ok && unknown.refusal.code).toBe('unknown-request');
      const request = await submitted();
      const key = approvalKey(request.id);
      const stored = (await sut.state.read([key]))[key];
      await sut.state.write({ [key]: { ...stored, fix: { ...request.fix, change: 'Allow * from Internet' } } });
      const edited = await repo.act(request.id, { verb: 'approve', by: ALEX, now: clock }, policy());
      expect(!edited.ok && edited.refusal.code).toBe('plan-changed');
      expect((await repo.load(request.id))?.state).toBe('pending');
    });

    it('records a refused click as evidence (verb, code, the clicker normalised) and changes nothing', async () => {
      const request = await submitted();
      const outcome = await repo.act(request.id, { verb: 'approve', by: EVE, now: clock }, policy());
      if (outcome.ok) throw new Error('an outsider approved');
      await repo.recordRefusal(request, 'approve', outcome.refusal, { ...EVE, aadObjectId: EVE.aadObjectId!.toUpperCase(), name: '  Eve  ' });
      // Without an Entra id: recorded as the activity carried it (the channel id, the name).
      await repo.recordRefusal(request, 'cancel', { code: 'no-identity', message: 'no identity' }, { id: '29:anon', name: 'Claims To Be Alex' });
      const [anonymous, refused] = await sut.audit.readAudit({ requestId: request.id, limit: 10 });
      expect(refused).toMatchObject({ action: 'refused', verb: 'approve', reason: 'not-approver', clusterId: request.clusterId });
      expect(refused!.actor).toEqual({ id: EVE.id, aadObjectId: EVE.aadObjectId, name: 'Eve' });
      expect(refused!.detail).toMatch(/^Refused approve \(not-approver\) of .* on .*: You are not an approver/);
      expect(anonymous).toMatchObject({ action: 'refused', verb: 'cancel', reason: 'no-identity', actor: { id: '29:anon', name: 'Claims To Be Alex' } });
      expect(anonymous!.actor.aadObjectId).toBeUndefined();
      expect(await repo.load(request.id)).toEqual(request);
    });

    it('records an approver with no channel user id and an 1100-character name, normalised, with its audit record', async () => {
      const request = await submitted();
      const nameless = { ...ALEX, id: '', name: `  ${'N'.repeat(1100)}  `, aadObjectId: (ALEX.aadObjectId as string).toUpperCase() };
      const outcome = await repo.act(request.id, { verb: 'approve', by: nameless, now: clock }, policy());
      expect(outcome.ok && outcome.request.state).toBe('approved');
      const approved = (await sut.audit.readAudit({ requestId: request.id, limit: 10 })).filter((r) => r.action === 'approved');
      expect(approved).toHaveLength(1);
      expect(approved[0]!.actor).toEqual({ id: `aad:${ALEX.aadObjectId}`, aadObjectId: ALEX.aadObjectId, name: 'N'.repeat(256) });
    });

    it('leaves the request as it was, with a refusal, when its audit record cannot be written', async () => {
      const request = await submitted();
      let failing = true;
      const flaky: AuditLog = {
        appendAudit: (entry) => (failing ? Promise.reject(new Error('audit store down')) : sut.audit.appendAudit(entry)),
        readAudit: (q) => sut.audit.readAudit(q),
      };
      const flakyRepo = new ApprovalRequestRepository({ state: sut.state, audit: flaky, now: () => clock });
      const refused = await flakyRepo.act(request.id, { verb: 'approve', by: ALEX, now: clock }, policy());
      expect(!refused.ok && refused.refusal.code).toBe('not-recorded');
      expect(!refused.ok && refused.request?.state).toBe('pending');
      expect(await repo.load(request.id)).toEqual(request);
      expect((await sut.audit.readAudit({ requestId: request.id, limit: 10 })).map((r) => r.action)).toEqual(['requested']);
      // Nor can a request be made without its 'requested' record.
      const lost = await flakyRepo.submit(draft(NSG_FIX.id, DANA, T0), { by: DANA, now: T0 }, policy());
      expect(!lost.ok && lost.refusal.code).toBe('not-recorded');
      failing = false;
      const retried = await flakyRepo.act(request.id, { verb: 'approve', by: ALEX, now: clock }, policy());
      expect(retried.ok && retried.effects).toContain('execute');
      expect((await sut.audit.readAudit({ requestId: request.id, limit: 10 })).map((r) => r.action)).toEqual(['approved', 'requested']);
    });

    it('turns 50 concurrent approve clicks by one approver into exactly one execute', async () => {
      const request = await submitted();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => repo.act(request.id, { verb: 'approve', by: ALEX, now: clock }, policy())),
      );
      expect(countExecute(outcomes)).toBe(1);
      const refusals = outcomes.flatMap((o) => (o.ok ? [] : [o.refusal.code]));
      expect(refusals).toHaveLength(49);
      expect(new Set(refusals)).toEqual(new Set(['already-decided']));
      const stored = await repo.load(request.id);
      expect(stored?.state).toBe('approved');
      expect(stored?.approvals).toHaveLength(1);
      const approvals = await sut.audit.readAudit({ requestId: request.id, limit: 100 });
      expect(approvals.map((r) => r.action)).toEqual(['approved', 'requested']);
    });

    it('turns 50 concurrent clicks by two approvers on two instances into exactly one execute', async () => {
      const request = await submitted();
      const second = sut.other();
      const otherRepo = new ApprovalRequestRepository({ state: second.state, audit: second.audit, now: () => clock });
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? repo : otherRepo).act(request.id, { verb: 'approve', by: i % 4 < 2 ? ALEX : SAM, now: clock }, policy()),
        ),
      );
      expect(countExecute(outcomes)).toBe(1);
      const winner = outcomes.find((o) => o.ok);
      const stored = await repo.load(request.id);
      expect(stored?.approvals).toHaveLength(1);
      expect(winner?.ok && winner.request.approvals[0]?.by.aadObjectId).toBe(stored?.approvals[0]?.by.aadObjectId);
    });

    it('needs both approvals of a high-risk fix under concurrency, and still executes once', async () => {
      const request = await submitted(UFW_FIX.id);
      expect(request.requiredApprovals).toBe(2);
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) => repo.act(request.id, { verb: 'approve', by: i % 2 === 0 ? ALEX : SAM, now: clock }, policy())),
      );
      expect(countExecute(outcomes)).toBe(1);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
      const stored = await repo.load(request.id);
      expect(stored?.state).toBe('approved');
      expect(stored?.approvals.map((a) => a.by.aadObjectId).sort()).toEqual([ALEX.aadObjectId, SAM.aadObjectId].sort());
    });

    it.each([
      ['with an empty index', false],
      // An earlier claim attempt that died after its index write: no index write slows the racers here.
      ['with the id already in the index', true],
    ])('lets exactly one of 50 racing claimExecution calls win, and none before approval (%s)', async (_label, indexed) => {
      const request = await submitted();
      expect((await repo.claimExecution(request.id, 'early')).ok).toBe(false);
      await repo.act(request.id, { verb: 'approve', by: ALEX, now: clock }, policy());
      if (indexed) await sut.state.write({ [EXECUTING_INDEX_KEY]: { requests: { [request.id]: T0.toISOString() } } });
      const second = sut.other();
      const otherRepo = new ApprovalRequestRepository({ state: second.state, audit: second.audit, now: () => clock });
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? repo : otherRepo).claimExecution(request.id, `instance-${i}`)),
      );
      const winners = outcomes.flatMap((o, i) => (o.ok ? [i] : []));
      expect(winners).toHaveLength(1);
      const stored = await repo.load(request.id);
      expect(stored?.state).toBe('executing');
      expect(stored?.execution?.owner).toBe(`instance-${winners[0]}`);
      expect(stored?.history.filter((h) => h.state === 'executing')).toHaveLength(1);
      expect(await repo.executingIndex()).toEqual([request.id]);
    });

    it('marks a request left executing by a dead process interrupted at start-up, and never runs it again', async () => {
      const request = await approvedRequest();
      expect((await repo.claimExecution(request.id, 'instance-a')).ok).toBe(true);
      // instance-a dies here. A live instance-b is running another request meanwhile.
      const other = await approvedRequest();
      expect((await repo.claimExecution(other.id, 'instance-b')).ok).toBe(true);
      // A leftover index entry of a request that finished must simply be dropped.
      const done = await approvedRequest();
      await repo.claimExecution(done.id, 'instance-a');
      await repo.finishExecution(done.id, 'instance-a', { result: 'succeeded', detail: 'ok' });
      expect((await repo.executingIndex()).sort()).toEqual([request.id, other.id].sort());

      clock = minutesAfter(T0, 10);
      // instance-b is alive: it renews its execution's lease.
      expect((await repo.renewExecution(other.id, 'instance-b')).ok).toBe(true);
      const restarted = new ApprovalRequestRepository({ state: sut.state, audit: sut.audit, now: () => clock });
      expect(await restarted.markInterruptedOnStartup('instance-a')).toEqual([request.id]);
      const stored = await restarted.load(request.id);
      expect(stored?.state).toBe('interrupted');
      expect(stored?.execution?.result).toBe('interrupted');
      expect((await restarted.load(other.id))?.state).toBe('executing');
      expect(await restarted.executingIndex()).toEqual([other.id]);
      expect((await restarted.claimExecution(request.id, 'instance-a')).ok).toBe(false);
      const late = await restarted.finishExecution(request.id, 'instance-a', { result: 'succeeded', detail: 'late' });
      expect(!late.ok && late.refusal.code).toBe('not-executing');
      const [last] = await sut.audit.readAudit({ requestId: request.id, limit: 1 });
      expect(last).toMatchObject({ action: 'failed', result: 'partial', actor: { id: 'system' } });
      // Without an owner (one instance), every executing request is its dead predecessor's.
      expect(await restarted.markInterruptedOnStartup()).toEqual([other.id]);
      expect(await restarted.executingIndex()).toEqual([]);
    });

    it('interrupts an execution whose owner stopped renewing its lease, from an instance of any name, with its audit record', async () => {
      const leased = (now: () => Date) => new ApprovalRequestRepository({ state: sut.state, audit: sut.audit, now, executionLeaseMs: 60_000 });
      const request = await approvedRequest();
      const replicaA = leased(() => clock);
      expect((await replicaA.claimExecution(request.id, 'replica-a1b2c')).ok).toBe(true);
      // A live owner renews: a sweep 50 s after the renewal leaves it alone.
      clock = new Date(clock.getTime() + 50_000);
      expect((await replicaA.renewExecution(request.id, 'replica-a1b2c')).ok).toBe(true);
      clock = new Date(clock.getTime() + 50_000);
      const replicaB = leased(() => clock);
      expect(await replicaB.markInterruptedOnStartup('replica-z9y8x')).toEqual([]);
      expect(await replicaB.interruptOrphanedExecutions()).toEqual([]);
      expect((await replicaB.load(request.id))?.state).toBe('executing');
      // replica-a1b2c was killed; its successor has another name. Past the lease, any sweep finishes it.
      clock = new Date(clock.getTime() + 11_000);
      expect((await replicaB.sweepOpenRequests(clock)).interrupted).toEqual([request.id]);
      const stored = await replicaB.load(request.id);
      expect(stored?.state).toBe('interrupted');
      expect(stored?.execution?.detail).toMatch(/replica-a1b2c stopped/);
      expect(await replicaB.executingIndex()).toEqual([]);
      const [last] = await sut.audit.readAudit({ requestId: request.id, limit: 1 });
      expect(last).toMatchObject({ action: 'failed', result: 'partial', actor: { id: 'system' } });
      // The old owner, should it come back, can neither renew nor record a result.
      expect((await replicaA.renewExecution(request.id, 'replica-a1b2c')).ok).toBe(false);
      expect((await replicaA.finishExecution(request.id, 'replica-a1b2c', { result: 'succeeded', detail: 'late' })).ok).toBe(false);
    });

    it('gives up an approval whose process died before claiming it, at start-up or on the next look, and never runs it', async () => {
      // The approving process dies right after the approval: no claim. The approval listed it first.
      const request = await approvedRequest();
      expect(await repo.executingIndex()).toEqual([request.id]);
      const clicked = await approvedRequest();

      // A restart within the grace leaves it alone: another instance may be about to claim it.
      clock = new Date(clock.getTime() + CLAIM_GRACE_MS - 1000);
      const early = new ApprovalRequestRepository({ state: sut.state, audit: sut.audit, now: () => clock });
      expect(await early.markInterruptedOnStartup('instance-b')).toEqual([]);
      expect((await early.load(request.id))?.state).toBe('approved');

      clock = new Date(clock.getTime() + 2000);
      const restarted = new ApprovalRequestRepository({ state: sut.state, audit: sut.audit, now: () => clock });
      // A click on the other one, after the grace: refused, recorded as never applied.
      const click = await restarted.act(clicked.id, { verb: 'approve', by: SAM, now: clock }, policy());
      expect(!click.ok && click.refusal.code).toBe('not-claimed');
      expect(!click.ok && click.refusal.message).toMatch(/nothing was changed[^]*request the fix again/i);
      expect(click.ok ? undefined : click.request?.state).toBe('interrupted');
      // The sweep finds the first one through the index.
      expect(await restarted.markInterruptedOnStartup('instance-b')).toEqual([request.id]);
      for (const id of [request.id, clicked.id]) {
        const stored = await restarted.load(id);
        expect(stored?.state).toBe('interrupted');
        expect(stored?.execution).toMatchObject({ result: 'interrupted', neverStarted: true, detail: UNCLAIMED_DETAIL });
        expect(stored?.history.some((h) => h.state === 'executing')).toBe(false);
        // Never run afterwards: the claim is refused, so no executor is ever called.
        const claim = await restarted.claimExecution(id, 'instance-b');
        expect(!claim.ok && claim.refusal.code).toBe('not-approved');
        const [last] = await sut.audit.readAudit({ requestId: id, limit: 1 });
        expect(last).toMatchObject({ action: 'failed', result: 'failed', actor: { id: 'system' } });
        expect(last?.detail).toMatch(/nothing was changed/);
      }
      expect(await restarted.executingIndex()).toEqual([]);
    });

    it('lets a late claim and the give-up race: exactly one of them wins', async () => {
      const request = await approvedRequest();
      clock = new Date(clock.getTime() + CLAIM_GRACE_MS + 1000);
      const [claim, resolved] = await Promise.all([repo.claimExecution(request.id, 'instance-a'), repo.resolveUnclaimed(request.id)]);
      const stored = await repo.load(request.id);
      if (claim.ok) expect(stored?.state).toBe('executing');
      else expect(stored?.state).toBe('interrupted');
      expect(resolved?.state === 'interrupted').toBe(!claim.ok);
      expect(stored?.history.filter((h) => h.state === 'executing' || h.state === 'interrupted')).toHaveLength(1);
    });

    it('writes the audit records of a request in order: requested, approved ×2, executed, verified', async () => {
      const request = await submitted(UFW_FIX.id);
      await repo.act(request.id, { verb: 'approve', by: ALEX, now: clock }, policy());
      await repo.act(request.id, { verb: 'approve', by: EVE, now: clock }, policy()); // refused: records nothing
      await repo.act(request.id, { verb: 'approve', by: SAM, now: clock }, policy());
      await repo.act(request.id, { verb: 'refresh', by: SAM, now: clock }, policy()); // records nothing
      expect((await repo.claimExecution(request.id, 'instance-a')).ok).toBe(true);
      expect((await repo.finishExecution(request.id, 'instance-a', { result: 'succeeded', detail: 'ufw rule added on 3 nodes' })).ok).toBe(true);
      expect((await repo.recordVerification(request.id, { verdict: 'verified', detail: 'kubectl logs works' }, 'instance-a')).ok).toBe(true);
      const records = (await sut.audit.readAudit({ requestId: request.id, limit: 100 })).reverse();
      expect(records.map((r) => [r.action, r.actor.id, r.result])).toEqual([
        ['requested', DANA.id, undefined],
        ['approved', ALEX.id, undefined],
        ['approved', SAM.id, undefined],
        ['executed', 'system', 'succeeded'],
        ['verified', 'system', 'succeeded'],
      ]);
      expect(records[1]?.detail).toMatch(/^Approval 1 of 2 for Allow 10250 in UFW/);
      expect(records[3]?.detail).toMatch(/ufw rule added on 3 nodes/);
      for (const r of records) expect(r.clusterId).toBe(request.clusterId);
      expect((await repo.load(request.id))?.history.map((h) => h.state)).toEqual(['pending', 'approved', 'executing', 'succeeded', 'verified']);
    });

    it('stores an expiry found by a late click, audits it once, and refuses the click', async () => {
      const request = await submitted();
      clock = minutesAfter(T0, 31);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => repo.act(request.id, { verb: 'approve', by: ALEX, now: clock }, policy())),
      );
      expect(outcomes.every((o) => !o.ok && o.refusal.code === 'expired')).toBe(true);
      expect((await repo.load(request.id))?.state).toBe('expired');
      const actions = (await sut.audit.readAudit({ requestId: request.id, limit: 100 })).map((r) => r.action);
      expect(actions).toEqual(['expired', 'requested']);
    });

    it('sweeps a pending request past its expiry into expired, recorded once by two racing instances as a click would', async () => {
      const overdue = await submitted();
      const fresh = await submitted(UFW_FIX.id);
      const clicked = await submitted();
      expect((await repo.openIndex()).sort()).toEqual([overdue.id, fresh.id, clicked.id].sort());
      // `fresh` was made later, so it is still in time when the others are past their 30 minutes.
      const key = approvalKey(fresh.id);
      const stored = (await sut.state.read([key]))[key];
      await sut.state.write({ [key]: { ...stored, expiresAt: minutesAfter(T0, 60).toISOString() } });
      clock = minutesAfter(T0, 31);
      // The clicked one is expired by a click, so the sweep below must only drop it.
      const click = await repo.act(clicked.id, { verb: 'reject', by: ALEX, now: clock }, policy());
      expect(!click.ok && click.refusal.code).toBe('expired');

      const second = sut.other();
      const otherRepo = new ApprovalRequestRepository({ state: second.state, audit: second.audit, now: () => clock });
      const [a, b] = await Promise.all([repo.sweepOpenRequests(clock), otherRepo.sweepOpenRequests(clock)]);
      expect([...(a?.expired ?? []), ...(b?.expired ?? [])]).toEqual([overdue.id]);
      const expired = await repo.load(overdue.id);
      expect(expired?.state).toBe('expired');
      expect(expired?.history.filter((h) => h.state === 'expired')).toHaveLength(1);
      const records = await sut.audit.readAudit({ requestId: overdue.id, limit: 100 });
      expect(records.map((r) => r.action)).toEqual(['expired', 'requested']);
      expect(records[0]).toMatchObject({ actor: { id: 'system' }, clusterId: overdue.clusterId });
      // The same sentence a late click records (decide.ts expire → audit-entries.ts).
      const byClick = (await sut.audit.readAudit({ requestId: clicked.id, limit: 1 }))[0];
      expect(records[0]?.detail.replace(overdue.id, '')).toBe(byClick?.detail.replace(clicked.id, ''));
      expect((await repo.load(fresh.id))?.state).toBe('pending');
      expect((await sut.audit.readAudit({ requestId: fresh.id, limit: 100 })).map((r) => r.action)).toEqual(['requested']);
      expect(await repo.openIndex()).toEqual([fresh.id]);
      // A later sweep finds nothing more to record.
      expect(await repo.sweepOpenRequests(minutesAfter(T0, 40))).toEqual({ expired: [], interrupted: [], dropped: [] });
    });

    it('sweeps an approval nobody claimed past the grace into interrupted, never applied, and leaves a young one', async () => {
      const request = await approvedRequest();
      expect(await repo.openIndex()).toEqual([request.id]);
      const within = await repo.sweepOpenRequests(new Date(clock.getTime() + CLAIM_GRACE_MS - 1000));
      expect(within).toEqual({ expired: [], interrupted: [], dropped: [] });
      expect((await repo.load(request.id))?.state).toBe('approved');

      clock = new Date(clock.getTime() + CLAIM_GRACE_MS + 1000);
      const second = sut.other();
      const otherRepo = new ApprovalRequestRepository({ state: second.state, audit: second.audit, now: () => clock });
      const [a, b] = await Promise.all([repo.sweepOpenRequests(clock), otherRepo.sweepOpenRequests(clock)]);
      expect([...(a?.interrupted ?? []), ...(b?.interrupted ?? [])]).toEqual([request.id]);
      const stored = await repo.load(request.id);
      expect(stored?.state).toBe('interrupted');
      expect(stored?.execution).toMatchObject({ result: 'interrupted', neverStarted: true, detail: UNCLAIMED_DETAIL });
      const records = await sut.audit.readAudit({ requestId: request.id, limit: 100 });
      expect(records.map((r) => r.action)).toEqual(['failed', 'approved', 'requested']);
      expect(records[0]).toMatchObject({ result: 'failed', actor: { id: 'system' } });
      expect(await repo.openIndex()).toEqual([]);
      expect(await repo.executingIndex()).toEqual([]);
      expect((await repo.claimExecution(request.id, 'late')).ok).toBe(false);
    });

    it('drops requests from the open index when they end, and ids whose request is gone or already ended', async () => {
      const rejected = await submitted();
      const cancelled = await submitted();
      const executed = await approvedRequest();
      await repo.act(rejected.id, { verb: 'reject', by: ALEX, now: clock }, policy());
      await repo.act(cancelled.id, { verb: 'cancel', by: DANA, now: clock }, policy());
      expect((await repo.claimExecution(executed.id, 'instance-a')).ok).toBe(true);
      expect(await repo.openIndex()).toEqual([]);
      // Leftovers (a crash between a transition and its index write, a deleted record) go at the next sweep.
      const missing = 'AAAAAAAAAAAAAAAAAAAAAA';
      await sut.state.write({ [OPEN_INDEX_KEY]: { requests: { [rejected.id]: T0.toISOString(), [missing]: T0.toISOString() } } });
      const swept = await repo.sweepOpenRequests(minutesAfter(T0, 120));
      expect(swept.dropped.sort()).toEqual([rejected.id, missing].sort());
      expect(swept.expired).toEqual([]);
      expect(await repo.openIndex()).toEqual([]);
      expect((await repo.load(rejected.id))?.state).toBe('rejected');
      expect((await sut.audit.readAudit({ requestId: rejected.id, limit: 100 })).map((r) => r.action)).toEqual(['rejected', 'requested']);
    });

    it('leaves nothing behind in the index key space but the index itself', async () => {
      const request = await approvedRequest();
      await repo.claimExecution(request.id, 'x');
      expect(Object.keys(await sut.state.read([EXECUTING_INDEX_KEY]))).toEqual([EXECUTING_INDEX_KEY]);
      await repo.finishExecution(request.id, 'x', { result: 'failed', detail: 'ARM 409' });
      expect(await repo.executingIndex()).toEqual([]);
      expect((await repo.load(request.id))?.state).toBe('failed');
    });
  });
}
