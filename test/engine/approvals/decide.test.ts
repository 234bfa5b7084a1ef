import { describe, expect, it } from 'vitest';
import { abandonUnclaimed, decideAction, UNCLAIMED_DETAIL, type ApprovalAction, type Decision, type RefusalCode } from '../../../src/engine/approvals/decide.js';
import { auditEntriesFor } from '../../../src/engine/approvals/audit-entries.js';
import { finishExecution, interruptExecution, recordVerification, startExecution } from '../../../src/engine/approvals/execution.js';
import {
  approvedAt,
  canonicalJson,
  CLAIM_GRACE_MS,
  draftApprovalRequest,
  effectiveState,
  isRequestId,
  newRequestId,
  planHashOf,
  type ApprovalRequest,
} from '../../../src/engine/approvals/request.js';
import { ALEX, DANA, draft, EVE, minutesAfter, NSG_FIX, OTHER_TENANT, policy, report, SAM, T0, TENANT, UFW_FIX } from './fixtures.js';

function ok(decision: Decision): Extract<Decision, { ok: true }> {
  if (!decision.ok) throw new Error(`expected ok, got ${decision.refusal.code}: ${decision.refusal.message}`);
  return decision;
}

function refusedCode(decision: Decision): RefusalCode {
  if (decision.ok) throw new Error(`expected a refusal, got state ${decision.next.state}`);
  expect(decision.refusal.message.length).toBeGreaterThan(20);
  return decision.refusal.code;
}

function act(verb: ApprovalAction['verb'], by = ALEX, now = minutesAfter(T0, 1), extra: Partial<ApprovalAction> = {}): ApprovalAction {
  return { verb, by, now, ...extra };
}

/** A stored, pending request for `fixId` made by Dana. */
function pending(fixId = NSG_FIX.id, p = policy()): ApprovalRequest {
  return ok(decideAction(draft(fixId, DANA, T0, p), act('request', DANA, T0), p)).next;
}

function approved(fixId = NSG_FIX.id): ApprovalRequest {
  let request = pending(fixId);
  for (const approver of [ALEX, SAM].slice(0, request.requiredApprovals)) request = ok(decideAction(request, act('approve', approver), policy())).next;
  expect(request.state).toBe('approved');
  return request;
}

describe('request ids and plan hashes', () => {
  it('makes opaque 22-character base64url ids, all different', () => {
    const ids = new Set(Array.from({ length: 200 }, newRequestId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(isRequestId('../../etc/passwd')).toBe(false);
    expect(isRequestId('short')).toBe(false);
  });

  it('hashes the plan canonically: key order does not matter, every planned field does', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
    const base = planHashOf('c1', UFW_FIX);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(planHashOf('c1', { ...UFW_FIX, title: 'renamed', risk: 'low' } as typeof UFW_FIX)).toBe(base);
    expect(planHashOf('c1', { ...UFW_FIX, params: { port: '10250' } })).toBe(base);
    for (const changed of [
      planHashOf('c2', UFW_FIX),
      planHashOf('c1', { ...UFW_FIX, kind: 'iptables-delete-rule' }),
      planHashOf('c1', { ...UFW_FIX, target: 'other-node' }),
      planHashOf('c1', { ...UFW_FIX, change: 'ufw disable' }),
      planHashOf('c1', { ...UFW_FIX, params: { port: '22' } }),
      planHashOf('c1', { ...UFW_FIX, scriptId: 'ufw-disable' }),
    ]) {
      expect(changed).not.toBe(base);
    }
  });

  it('drafts from the stored report: a copy of the fix, 1 approval for medium, HIGH_RISK_APPROVALS for high, expiry after the TTL', () => {
    const medium = draft(NSG_FIX.id);
    expect(medium.fix).toEqual(NSG_FIX);
    expect(medium.fix).not.toBe(NSG_FIX);
    expect(medium.requiredApprovals).toBe(1);
    expect(medium.expiresAt).toBe(minutesAfter(T0, 30).toISOString());
    expect(medium.planHash).toBe(planHashOf(medium.clusterId, NSG_FIX));
    expect(draft(UFW_FIX.id, DANA, T0, policy({ highRiskApprovals: 3 })).requiredApprovals).toBe(3);
    const missing = draftApprovalRequest({ report: report(), fixId: 'no-such-fix', requester: DANA, policy: policy(), now: T0 });
    expect(missing.ok).toBe(false);
  });
});

describe('decideAction: request', () => {
  it('makes a pending request with a requested audit', () => {
    const decision = ok(decideAction(draft(), act('request', DANA, T0), policy()));
    expect(decision.next.state).toBe('pending');
    expect(decision.next.history).toEqual([{ state: 'pending', at: T0.toISOString(), by: { id: DANA.id, aadObjectId: DANA.aadObjectId, name: DANA.name } }]);
    expect(decision.effects).toEqual(['audit:requested']);
  });

  it('lets anyone in an allowed tenant request when REQUESTER_IDS is empty, only listed people otherwise', () => {
    expect(ok(decideAction(draft(NSG_FIX.id, EVE), act('request', EVE, T0), policy())).next.state).toBe('pending');
    const listed = policy({ requesterIds: [DANA.aadObjectId as string] });
    expect(refusedCode(decideAction(draft(NSG_FIX.id, EVE), act('request', EVE, T0), listed))).toBe('not-requester');
    expect(ok(decideAction(draft(NSG_FIX.id, DANA), act('request', DANA, T0), listed)).next.state).toBe('pending');
    const anonymous = { id: '29:anon', tenantId: DANA.tenantId };
    expect(refusedCode(decideAction(draft(NSG_FIX.id, anonymous), act('request', anonymous, T0), listed))).toBe('no-identity');
  });

  it('refuses another tenant, a draft made for someone else, and a draft already requested', () => {
    const outsider = { ...EVE, tenantId: OTHER_TENANT };
    expect(refusedCode(decideAction(draft(NSG_FIX.id, outsider), act('request', outsider, T0), policy()))).toBe('wrong-tenant');
    expect(refusedCode(decideAction(draft(NSG_FIX.id, DANA), act('request', EVE, T0), policy()))).toBe('not-requester');
    expect(refusedCode(decideAction(pending(), act('request', DANA, T0), policy()))).toBe('already-requested');
    expect(refusedCode(decideAction(undefined, act('request', DANA, T0), policy()))).toBe('unknown-request');
  });

  it('refuses while APPROVER_IDS is empty, saying who must configure what', () => {
    const decision = decideAction(draft(), act('request', DANA, T0), policy({ approverIds: [] }));
    expect(refusedCode(decision)).toBe('no-approvers-configured');
    if (!decision.ok) expect(decision.refusal.message).toMatch(/administrator must set APPROVER_IDS/);
  });

  it('refuses a high-risk request that too few other approvers could ever approve', () => {
    // Dana is one of the two listed approvers; with the four-eyes rule only Alex remains, and high risk needs 2.
    const twoApprovers = policy({ approverIds: [DANA.aadObjectId as string, ALEX.aadObjectId as string] });
    expect(refusedCode(decideAction(draft(UFW_FIX.id, DANA, T0, twoApprovers), act('request', DANA, T0), twoApprovers))).toBe('not-enough-approvers');
    const noFourEyes = { ...twoApprovers, requireDistinctApprover: false };
    expect(ok(decideAction(draft(UFW_FIX.id, DANA, T0, noFourEyes), act('request', DANA, T0), noFourEyes)).next.state).toBe('pending');
  });
});

describe('decideAction: approve', () => {
  it('approves a medium-risk fix with one approval and asks for exactly one execution', () => {
    const decision = ok(decideAction(pending(), act('approve', ALEX), policy()));
    expect(decision.next.state).toBe('approved');
    expect(decision.effects).toEqual(['audit:approved', 'execute']);
    expect(decision.next.approvals.map((a) => a.by.aadObjectId)).toEqual([ALEX.aadObjectId]);
  });

  it('needs two different approvers for a high-risk fix; the same approver twice is refused', () => {
    const first = ok(decideAction(pending(UFW_FIX.id), act('approve', ALEX), policy()));
    expect(first.next.state).toBe('pending');
    expect(first.effects).toEqual(['audit:approved']);
    expect(refusedCode(decideAction(first.next, act('approve', ALEX), policy()))).toBe('already-approved-by-you');
    // Same Entra object id under another channel id (a second device) is still the same approver.
    const alexElsewhere = { ...ALEX, id: '29:alex-other-device', aadObjectId: (ALEX.aadObjectId as string).toUpperCase() };
    expect(refusedCode(decideAction(first.next, act('approve', alexElsewhere), policy()))).toBe('already-approved-by-you');
    const second = ok(decideAction(first.next, act('approve', SAM), policy()));
    expect(second.next.state).toBe('approved');
    expect(second.effects).toEqual(['audit:approved', 'execute']);
  });

  it('refuses self-approval while REQUIRE_DISTINCT_APPROVER is on, allows it when off', () => {
    expect(refusedCode(decideAction(pending(), act('approve', DANA), policy()))).toBe('self-approval');
    const relaxed = policy({ requireDistinctApprover: false });
    expect(ok(decideAction(pending(NSG_FIX.id, relaxed), act('approve', DANA), relaxed)).next.state).toBe('approved');
  });

  it('refuses a non-approver, a caller without an Entra id, and everyone while APPROVER_IDS is empty', () => {
    expect(refusedCode(decideAction(pending(), act('approve', EVE), policy()))).toBe('not-approver');
    expect(refusedCode(decideAction(pending(), act('approve', { id: ALEX.id, tenantId: ALEX.tenantId }), policy()))).toBe('no-identity');
    // An approver's display name or channel id is no identity: only the Entra object id counts.
    expect(refusedCode(decideAction(pending(), act('approve', { ...EVE, id: ALEX.id, name: ALEX.name }), policy()))).toBe('not-approver');
    expect(refusedCode(decideAction(pending(), act('approve', ALEX), policy({ approverIds: [] })))).toBe('no-approvers-configured');
  });

  it('refuses callers of another tenant, even listed approvers, and requests of another tenant', () => {
    expect(refusedCode(decideAction(pending(), act('approve', { ...ALEX, tenantId: OTHER_TENANT }), policy()))).toBe('wrong-tenant');
    expect(refusedCode(decideAction(pending(), act('approve', { ...ALEX, tenantId: undefined }), policy()))).toBe('wrong-tenant');
    const both = policy({ allowedTenantIds: [ALEX.tenantId as string, OTHER_TENANT] });
    expect(refusedCode(decideAction(pending(NSG_FIX.id, both), act('approve', { ...ALEX, tenantId: OTHER_TENANT }), both))).toBe('wrong-tenant');
  });

  it('expires a pending request at expiresAt: the approval is refused and the expiry is recorded', () => {
    const request = pending();
    expect(ok(decideAction(request, act('approve', ALEX, minutesAfter(T0, 29.99)), policy())).next.state).toBe('approved');
    const late = decideAction(request, act('approve', ALEX, minutesAfter(T0, 30)), policy());
    expect(refusedCode(late)).toBe('expired');
    expect(late.ok).toBe(false);
    if (!late.ok) {
      expect(late.next?.state).toBe('expired');
      expect(late.effects).toEqual(['audit:expired']);
      expect(late.effects).not.toContain('execute');
      // Once stored as expired, later clicks are refused without another change.
      const again = decideAction(late.next, act('approve', SAM, minutesAfter(T0, 31)), policy());
      expect(refusedCode(again)).toBe('expired');
      if (!again.ok) expect(again.next).toBeUndefined();
    }
    expect(effectiveState(request, minutesAfter(T0, 30))).toBe('expired');
    expect(effectiveState(request, minutesAfter(T0, 29))).toBe('pending');
  });

  it('refuses replays after the decision and after completion, with nothing to execute', () => {
    let request = approved();
    expect(refusedCode(decideAction(request, act('approve', SAM), policy()))).toBe('already-decided');
    request = ok(startExecution(request, 'instance-a', minutesAfter(T0, 2))).next;
    expect(refusedCode(decideAction(request, act('approve', SAM), policy()))).toBe('already-decided');
    request = ok(finishExecution(request, 'instance-a', { result: 'succeeded', detail: 'rule added' }, minutesAfter(T0, 3))).next;
    for (const verb of ['approve', 'reject', 'cancel'] as const) {
      const decision = decideAction(request, act(verb, verb === 'cancel' ? DANA : SAM), policy());
      expect(refusedCode(decision)).toBe('already-decided');
      expect(decision.ok).toBe(false);
      if (!decision.ok) expect(decision.next).toBeUndefined();
    }
  });

  it('refuses an edited stored plan', () => {
    const request = pending();
    const edited = { ...request, fix: { ...request.fix, change: 'Allow * inbound from Internet' } };
    expect(refusedCode(decideAction(edited, act('approve', ALEX), policy()))).toBe('plan-changed');
    const retargeted = { ...request, clusterId: request.clusterId.replace('aks-prod', 'aks-other') };
    expect(refusedCode(decideAction(retargeted, act('approve', ALEX), policy()))).toBe('plan-changed');
    expect(ok(decideAction(request, act('approve', ALEX), policy())).next.state).toBe('approved');
  });

  it('refuses an unknown request id', () => {
    for (const verb of ['approve', 'reject', 'cancel', 'refresh'] as const) {
      expect(refusedCode(decideAction(undefined, act(verb), policy()))).toBe('unknown-request');
    }
  });
});

describe('decideAction: identity is the Entra object id, never the channel user id', () => {
  const bobChannelOnly = { id: '29:bob', name: 'Bob', tenantId: TENANT };

  it('refuses a request from a caller with a channel user id only, even with REQUESTER_IDS empty', () => {
    expect(refusedCode(decideAction(draft(NSG_FIX.id, bobChannelOnly), act('request', bobChannelOnly, T0), policy({ requesterIds: [] })))).toBe('no-identity');
  });

  it('never judges self-approval or cancellation by the channel user id', () => {
    const request = pending();
    // Same channel id as the requester, another object id: a different person (a client chose the id).
    const sameChannelId = { ...ALEX, id: DANA.id };
    expect(ok(decideAction(request, act('approve', sameChannelId), policy())).next.state).toBe('approved');
    expect(refusedCode(decideAction(request, act('cancel', { id: DANA.id, tenantId: TENANT }), policy()))).toBe('no-identity');
    expect(refusedCode(decideAction(request, act('cancel', sameChannelId), policy()))).toBe('not-requester');
  });

  it('compares object ids case-insensitively: the requester in upper case is still the requester', () => {
    const request = pending();
    const upperDana = { ...DANA, id: '29:dana-on-phone', aadObjectId: (DANA.aadObjectId as string).toUpperCase() };
    expect(refusedCode(decideAction(request, act('approve', upperDana), policy()))).toBe('self-approval');
    expect(ok(decideAction(request, act('cancel', upperDana), policy())).next.state).toBe('cancelled');
  });

  it('records the requester normalised: object id lower-case, name trimmed and capped', () => {
    const shouting = { ...DANA, aadObjectId: (DANA.aadObjectId as string).toUpperCase(), name: ` ${'x'.repeat(2000)} ` };
    const next = ok(decideAction(draft(NSG_FIX.id, shouting), act('request', shouting, T0), policy())).next;
    expect(next.requester.aadObjectId).toBe(DANA.aadObjectId);
    expect(next.requester.name).toHaveLength(256);
  });
});

describe('decideAction: reject, cancel, refresh', () => {
  it('lets an approver reject a pending request; a non-approver cannot', () => {
    const decision = ok(decideAction(pending(), act('reject', SAM), policy()));
    expect(decision.next.state).toBe('rejected');
    expect(decision.effects).toEqual(['audit:rejected']);
    expect(refusedCode(decideAction(pending(), act('reject', EVE), policy()))).toBe('not-approver');
    expect(refusedCode(decideAction(decision.next, act('approve', ALEX), policy()))).toBe('already-decided');
  });

  it('lets only the requester cancel, only while pending', () => {
    expect(refusedCode(decideAction(pending(), act('cancel', ALEX), policy()))).toBe('not-requester');
    const cancelled = ok(decideAction(pending(), act('cancel', DANA), policy()));
    expect(cancelled.next.state).toBe('cancelled');
    expect(cancelled.effects).toEqual(['audit:cancelled']);
    expect(refusedCode(decideAction(approved(), act('cancel', DANA), policy()))).toBe('already-decided');
    expect(refusedCode(decideAction(pending(), act('cancel', DANA, minutesAfter(T0, 45)), policy()))).toBe('expired');
  });

  it('never has effects or changes on refresh, in any state, even past expiry', () => {
    const requests = [pending(), pending(UFW_FIX.id), approved()];
    for (const request of requests) {
      for (const by of [ALEX, DANA, EVE]) {
        const decision = ok(decideAction(request, act('refresh', by, minutesAfter(T0, 90)), policy()));
        expect(decision.effects).toEqual([]);
        expect(decision.next).toBe(request);
      }
    }
    expect(refusedCode(decideAction(pending(), act('refresh', { ...EVE, tenantId: OTHER_TENANT }), policy()))).toBe('wrong-tenant');
  });
});

describe('execution transitions', () => {
  it('claims only an approved request, records the result by its owner only, then verification', () => {
    expect(refusedCode(startExecution(pending(), 'a', T0))).toBe('not-approved');
    const running = ok(startExecution(approved(), 'a', minutesAfter(T0, 2))).next;
    expect(running.state).toBe('executing');
    expect(running.execution).toEqual({ startedAt: minutesAfter(T0, 2).toISOString(), owner: 'a', heartbeatAt: minutesAfter(T0, 2).toISOString() });
    expect(refusedCode(startExecution(running, 'b', T0))).toBe('already-decided');
    expect(refusedCode(finishExecution(running, 'b', { result: 'succeeded', detail: 'x' }, T0))).toBe('not-owner');
    const failed = ok(finishExecution(running, 'a', { result: 'failed', detail: 'ARM said 409' }, minutesAfter(T0, 3)));
    expect(failed.next.state).toBe('failed');
    expect(failed.effects).toEqual(['audit:failed']);
    const checked = ok(recordVerification(failed.next, { verdict: 'still-failing', detail: 'logs still time out' }, minutesAfter(T0, 4), 'a'));
    expect(checked.next.state).toBe('still-failing');
    expect(checked.effects).toEqual(['audit:verified']);
    expect(refusedCode(recordVerification(checked.next, { verdict: 'verified', detail: 'x' }, T0, 'a'))).toBe('not-executing');
  });

  it('records the plan steps with the result, and the audit record tells them', () => {
    const running = ok(startExecution(approved(), 'a', T0)).next;
    const steps = [{ kind: 'recreate-tunnel-pods' as const, result: 'skipped' as const, detail: 'Not run: the change before it did not succeed.' }];
    const failed = ok(finishExecution(running, 'a', { result: 'failed', detail: 'ARM said 409', steps }, minutesAfter(T0, 1)));
    expect(failed.next.execution?.steps).toEqual(steps);
    const [entry] = auditEntriesFor(failed.effects, failed.next, { id: 'system' });
    expect(entry?.detail).toMatch(/ARM said 409 Then recreate-tunnel-pods: skipped: Not run/);
    // No steps: no empty list stored.
    expect(ok(finishExecution(running, 'a', { result: 'succeeded', detail: 'ok', steps: [] }, T0)).next.execution).not.toHaveProperty('steps');
  });

  it('gives up an approval only once its claim is overdue, as never started, and never lets it run', () => {
    const request = approved();
    const at = approvedAt(request)!;
    const within = new Date(at.getTime() + CLAIM_GRACE_MS - 1);
    const past = new Date(at.getTime() + CLAIM_GRACE_MS);
    expect(refusedCode(abandonUnclaimed(request, within))).toBe('not-approved');
    expect(refusedCode(abandonUnclaimed(pending(), past))).toBe('not-approved');
    // Within the grace a click is simply refused; the claim may still come.
    const early = decideAction(request, act('approve', SAM, within), policy());
    expect(refusedCode(early)).toBe('already-decided');
    expect(early.ok ? undefined : early.next).toBeUndefined();
    const late = decideAction(request, act('reject', SAM, past), policy());
    expect(refusedCode(late)).toBe('not-claimed');
    const given = late.ok ? undefined : late.next;
    expect(given?.state).toBe('interrupted');
    expect(given?.execution).toMatchObject({ result: 'interrupted', neverStarted: true, detail: UNCLAIMED_DETAIL });
    expect(late.ok ? [] : late.effects).toEqual(['audit:failed']);
    // A refresh never records it (the flow asks the repository to), and nothing can claim it after.
    expect(ok(decideAction(request, act('refresh', SAM, past), policy())).next).toBe(request);
    expect(refusedCode(startExecution(given!, 'a', past))).toBe('not-approved');
    expect(refusedCode(decideAction(given!, act('approve', SAM, past), policy()))).toBe('already-decided');
  });

  it('interrupts only an executing request, and an interrupted one cannot be claimed again', () => {
    expect(refusedCode(interruptExecution(approved(), T0, 'boot'))).toBe('not-executing');
    const running = ok(startExecution(approved(), 'a', T0)).next;
    const interrupted = ok(interruptExecution(running, minutesAfter(T0, 5), 'boot'));
    expect(interrupted.next.state).toBe('interrupted');
    expect(interrupted.next.execution?.result).toBe('interrupted');
    expect(interrupted.effects).toEqual(['audit:failed']);
    expect(refusedCode(startExecution(interrupted.next, 'a', T0))).toBe('not-approved');
    expect(refusedCode(decideAction(interrupted.next, act('approve', SAM), policy()))).toBe('already-decided');
  });
});
