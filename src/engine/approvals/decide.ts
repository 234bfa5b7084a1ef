/**
 * The approval flow's decisions, pure: given the stored request (reloaded on every click), the
 * clicker and the policy, what the request becomes and what must happen, or why nothing may.
 * request-repository.ts runs this inside a compare-and-swap loop, so a decision is always taken
 * on the latest stored state: of many racing clicks, one approval reaches the threshold.
 *
 * The card is untrusted (issue 4): it brings only a request id, a verb and optionally the plan
 * hash it was drawn with, which is only compared. Identity comes from the activity (Entra object
 * id and tenant, which Teams fills in and the Bot Framework token vouches for).
 */
import type { AuditAction } from '../../store/append-log.js';
import { isListed, sameId, type ApprovalPolicy } from './policy.js';
import { approvedAt, isPastExpiry, isUnclaimedTooLong, planHashOf, type ApprovalActor, type ApprovalRequest, type ApprovalState, type Requester } from './request.js';

export type ApprovalVerb = 'approve' | 'reject' | 'cancel' | 'refresh' | 'request';

/** The clicker, from the activity (src/app/events.ts Caller). */
export interface ActingUser {
  id: string;
  aadObjectId?: string;
  name?: string;
  tenantId?: string;
}

export interface ApprovalAction {
  verb: ApprovalVerb;
  by: ActingUser;
  now: Date;
}

/** 'execute': run the fix now (claimExecution first). 'audit:<action>': append that audit record. */
export type ApprovalEffect = 'execute' | `audit:${AuditAction}`;

export type RefusalCode =
  | 'unknown-request'
  | 'already-requested'
  | 'wrong-tenant'
  | 'no-identity'
  | 'not-requester'
  | 'not-approver'
  | 'self-approval'
  | 'already-decided'
  | 'expired'
  | 'plan-changed'
  | 'no-approvers-configured'
  | 'not-enough-approvers'
  | 'already-approved-by-you'
  | 'not-approved'
  | 'not-executing'
  | 'not-owner'
  | 'not-claimed'
  | 'busy'
  | 'not-recorded';

export interface Refusal {
  code: RefusalCode;
  /** For the user: what was wrong and what to do. */
  message: string;
}

export type Decision =
  | { ok: true; next: ApprovalRequest; effects: ApprovalEffect[] }
  | {
      ok: false;
      refusal: Refusal;
      /** A change to store although the action is refused: a pending request found past its expiry becomes 'expired'. */
      next?: ApprovalRequest;
      effects?: ApprovalEffect[];
    };

/** A second "Request this fix" for a fix already requested (also refused by the flow before it reaches here). */
export const ALREADY_REQUESTED: Refusal = { code: 'already-requested', message: 'This fix has already been requested; use the request card that is already in the chat.' };

export function refuse(code: RefusalCode, message: string): Decision {
  return { ok: false, refusal: { code, message } };
}

/** Longest display name kept on a request and in the audit log (Entra allows 256). */
export const MAX_ACTOR_NAME_CHARS = 256;
const MAX_ACTOR_ID_CHARS = 256;

/**
 * The clicker as the request and the audit log record them, normalised before anything is written:
 * trimmed, the name capped, the object id lower-case; a caller whose channel sent no user id is
 * named by its object id, so an audit record never has an empty actor.
 */
export function actorOf(user: ActingUser): ApprovalActor {
  const aadObjectId = user.aadObjectId?.trim().toLowerCase() || undefined;
  const channelId = (typeof user.id === 'string' ? user.id.trim() : '').slice(0, MAX_ACTOR_ID_CHARS);
  const actor: ApprovalActor = { id: channelId || (aadObjectId ? `aad:${aadObjectId}` : 'unknown') };
  if (aadObjectId) actor.aadObjectId = aadObjectId;
  const name = typeof user.name === 'string' ? user.name.trim().slice(0, MAX_ACTOR_NAME_CHARS) : '';
  if (name) actor.name = name;
  return actor;
}

/**
 * The same person: by Entra object id only, compared case-insensitively. A channel user id is not
 * an identity (a client can send any), so without object ids on both sides nobody is "the same".
 */
export function isSameUser(a: Pick<ApprovalActor, 'aadObjectId'>, b: Pick<ApprovalActor, 'aadObjectId'>): boolean {
  return sameId(a.aadObjectId, b.aadObjectId);
}

export function withState(request: ApprovalRequest, state: ApprovalState, at: Date, by?: ApprovalActor): ApprovalRequest {
  const entry = by ? { state, at: at.toISOString(), by } : { state, at: at.toISOString() };
  return { ...request, state, history: [...request.history, entry] };
}

const NO_APPROVERS =
  'No one may approve fixes yet: the bot administrator must set APPROVER_IDS (comma-separated Entra object ids of the approvers) in the bot\'s configuration and restart it.';

function describeState(state: ApprovalState): string {
  switch (state) {
    case 'approved':
    case 'executing':
      return 'has already been approved and is being applied';
    case 'succeeded':
    case 'failed':
    case 'verified':
    case 'still-failing':
      return `has already been carried out (${state})`;
    case 'interrupted':
      return 'was interrupted before it was fully applied; it will not be run again';
    default:
      return `was already ${state}`;
  }
}

function alreadyDecided(request: ApprovalRequest): Decision {
  if (request.execution?.neverStarted) return refuse('already-decided', `${UNCLAIMED_DETAIL} Nothing was done.`);
  return refuse('already-decided', `This request ${describeState(request.state)}. Nothing was done. To change the cluster again, run a new diagnosis and request the fix from its report.`);
}

/** Tenant rules: the caller's tenant is allowed, and it is the request's (no cross-tenant actions). */
function tenantRefusal(user: ActingUser, request: ApprovalRequest | undefined, policy: ApprovalPolicy): Decision | undefined {
  if (policy.allowedTenantIds.length > 0 && !isListed(policy.allowedTenantIds, user.tenantId)) {
    return refuse(
      'wrong-tenant',
      `Your organisation (tenant ${user.tenantId ?? 'unknown'}) may not act on these clusters. An administrator can add it to ALLOWED_TENANT_IDS.`,
    );
  }
  const requestTenant = request?.requester.tenantId;
  if (request && (requestTenant ?? '').toLowerCase() !== (user.tenantId ?? '').toLowerCase()) {
    return refuse('wrong-tenant', 'This request belongs to another organisation (tenant). Nothing was done.');
  }
  return undefined;
}

function integrityRefusal(request: ApprovalRequest): Decision | undefined {
  // The stored fix must still hash to the stored plan hash: an edited record does not. (Cards carry
  // no plan of their own: a click names a request id, and the stored request is what runs.)
  const stored = planHashOf(request.clusterId, request.fix);
  if (stored !== request.planHash) {
    return refuse(
      'plan-changed',
      'The fix on this card no longer matches the stored plan, so nothing was done. Run the diagnosis again and request the fix from the new report.',
    );
  }
  return undefined;
}

/** Approvers who could still approve: listed, and not the requester when the four-eyes rule is on. */
function eligibleApproverCount(request: Pick<ApprovalRequest, 'requester'>, policy: ApprovalPolicy): number {
  return policy.approverIds.filter((id) => !(policy.requireDistinctApprover && sameId(id, request.requester.aadObjectId))).length;
}

/** What an expiry stores and records, whoever finds it (a late click or the sweep). */
function expiry(request: ApprovalRequest, now: Date): { next: ApprovalRequest; effects: ApprovalEffect[] } {
  return { next: withState(request, 'expired', now), effects: ['audit:expired'] };
}

function expire(request: ApprovalRequest, now: Date): Decision {
  return {
    ok: false,
    refusal: {
      code: 'expired',
      message: `This request expired at ${request.expiresAt} without enough approvals. Nothing was done. Request the fix again if it is still needed.`,
    },
    ...expiry(request, now),
  };
}

/** The bot's own step that records an expiry nobody clicked on (its name in history and audit). */
export const EXPIRY_ACTOR: ApprovalActor = { id: 'system', name: 'tunnel-doctor (expiry sweep)' };

/**
 * pending past its expiry → expired, for the periodic sweep: the same stored change and audit
 * record a late click makes (expire above), so the audit log (and the incident feed listening to
 * it) hears of an expiry even when nobody looks at the card again. Anything else is left as it is.
 */
export function expireOverdue(request: ApprovalRequest | undefined, now: Date): Decision {
  if (!request) return refuse('unknown-request', 'This request is unknown to the bot.');
  if (request.state !== 'pending') return refuse('already-decided', `This request is ${request.state}; it was left as it is.`);
  if (!isPastExpiry(request, now)) return refuse('already-decided', `This request is pending until ${request.expiresAt}; it was left as it is.`);
  return { ok: true, ...expiry(request, now) };
}

/** Pending and still in time, else the refusal (and the expiry to store). */
function pendingRefusal(request: ApprovalRequest, now: Date): Decision | undefined {
  if (request.state === 'expired') {
    return refuse('expired', `This request expired at ${request.expiresAt}. Nothing was done. Request the fix again if it is still needed.`);
  }
  if (request.state !== 'pending') return alreadyDecided(request);
  if (isPastExpiry(request, now)) return expire(request, now);
  return undefined;
}

function decideRequest(draft: ApprovalRequest | undefined, action: ApprovalAction, policy: ApprovalPolicy): Decision {
  if (!draft) return refuse('unknown-request', 'This fix is not in the stored report any more. Run the diagnosis again.');
  if (draft.history.length > 0) return { ok: false, refusal: ALREADY_REQUESTED };
  const requester: Requester = draft.requester;
  // Only a person the channel vouches for may start a change (Teams' Entra object id): never a
  // channel user id, whatever REQUESTER_IDS says.
  if (!action.by.aadObjectId || !requester.aadObjectId) {
    return refuse('no-identity', 'Your Teams client did not send your Entra identity, so the bot cannot check who you are and will not request a fix for you. Use Teams signed in with your work account; you can still run diagnoses.');
  }
  if (!isSameUser(requester, action.by)) return refuse('not-requester', 'A request must be made by the person clicking.');
  const tenant = tenantRefusal(action.by, draft, policy);
  if (tenant) return tenant;
  if (policy.requesterIds.length > 0) {
    if (!isListed(policy.requesterIds, action.by.aadObjectId)) {
      // Who to ask, never a raw object id (issue 15): the administrator finds the id in Entra.
      return refuse('not-requester', 'You are not allowed to request fixes. Ask someone listed in REQUESTER_IDS to request it; the bot administrator can add you to REQUESTER_IDS.');
    }
  }
  if (policy.approverIds.length === 0) return refuse('no-approvers-configured', NO_APPROVERS);
  const eligible = eligibleApproverCount(draft, policy);
  if (eligible < draft.requiredApprovals) {
    return refuse(
      'not-enough-approvers',
      `This ${draft.fix.risk}-risk fix needs ${draft.requiredApprovals} approvals from people other than you, but APPROVER_IDS lists only ${eligible} such approver(s). An administrator must add approvers (APPROVER_IDS) or lower HIGH_RISK_APPROVALS.`,
    );
  }
  const integrity = integrityRefusal(draft);
  if (integrity) return integrity;
  if (isPastExpiry(draft, action.now)) return refuse('expired', 'This request expired before it was made (its time limit is in the past). Request the fix again.');
  // The requester as recorded: normalised like every actor (a 1100-character name is cut, not refused).
  const recorded: Requester = { ...actorOf(requester), ...(requester.tenantId ? { tenantId: requester.tenantId.toLowerCase() } : {}) };
  return { ok: true, next: withState({ ...draft, requester: recorded }, 'pending', action.now, actorOf(action.by)), effects: ['audit:requested'] };
}

function approverRefusal(request: ApprovalRequest, by: ActingUser, policy: ApprovalPolicy): Decision | undefined {
  if (policy.approverIds.length === 0) return refuse('no-approvers-configured', NO_APPROVERS);
  if (!by.aadObjectId) {
    return refuse('no-identity', 'Your Teams client did not send your Entra identity, so the bot cannot check that you may approve. Use Teams signed in with your work account.');
  }
  if (!isListed(policy.approverIds, by.aadObjectId)) {
    // Who to ask, never a raw object id (issue 15); the app names the approvers when it knows them.
    return refuse('not-approver', 'You are not an approver, so nothing was done. Ask an approver listed in APPROVER_IDS to approve it; the bot administrator can add you to APPROVER_IDS.');
  }
  return undefined;
}

function decideApprove(request: ApprovalRequest, action: ApprovalAction, policy: ApprovalPolicy): Decision {
  const role = approverRefusal(request, action.by, policy);
  if (role) return role;
  if (policy.requireDistinctApprover && isSameUser(request.requester, action.by)) {
    return refuse('self-approval', 'You requested this fix, so someone else must approve it (REQUIRE_DISTINCT_APPROVER is on). Ask another approver.');
  }
  const pending = pendingRefusal(request, action.now);
  if (pending) return pending;
  const aadObjectId = actorOf(action.by).aadObjectId as string;
  if (request.approvals.some((a) => sameId(a.by.aadObjectId, aadObjectId))) {
    const left = request.requiredApprovals - request.approvals.length;
    return refuse('already-approved-by-you', `You have already approved this request; it needs ${left} more approval(s) from other approvers.`);
  }
  const approvals = [...request.approvals, { by: { ...actorOf(action.by), aadObjectId }, at: action.now.toISOString() }];
  const counted = { ...request, approvals };
  if (approvals.length < request.requiredApprovals) return { ok: true, next: counted, effects: ['audit:approved'] };
  return { ok: true, next: withState(counted, 'approved', action.now, actorOf(action.by)), effects: ['audit:approved', 'execute'] };
}

function decideReject(request: ApprovalRequest, action: ApprovalAction, policy: ApprovalPolicy): Decision {
  const role = approverRefusal(request, action.by, policy);
  if (role) return role;
  const pending = pendingRefusal(request, action.now);
  if (pending) return pending;
  return { ok: true, next: withState(request, 'rejected', action.now, actorOf(action.by)), effects: ['audit:rejected'] };
}

function decideCancel(request: ApprovalRequest, action: ApprovalAction): Decision {
  if (!action.by.aadObjectId) {
    return refuse('no-identity', 'Your Teams client did not send your Entra identity, so the bot cannot check that you made this request. Use Teams signed in with your work account.');
  }
  if (!isSameUser(request.requester, action.by)) {
    return refuse('not-requester', 'Only the person who requested this fix can cancel it. An approver can reject it instead.');
  }
  const pending = pendingRefusal(request, action.now);
  if (pending) return pending;
  return { ok: true, next: withState(request, 'cancelled', action.now, actorOf(action.by)), effects: ['audit:cancelled'] };
}

export const UNCLAIMED_DETAIL =
  'Approved, but the bot stopped before applying it: nothing was changed on the cluster, and it will not be run on its own. Run a new diagnosis and request the fix again if it is still needed.';

/** The bot's own step that gives up an unclaimed approval (its name in history and audit). */
export const UNCLAIMED_ACTOR: ApprovalActor = { id: 'system', name: 'tunnel-doctor (approval never applied)' };

/**
 * approved → interrupted, for an approval whose claim is overdue (isUnclaimedTooLong): its process
 * died between the approval and the claim, so nothing ran. Never re-run silently (issue 4): the
 * people who approved may no longer want this change now, on a cluster that may have moved on.
 */
export function abandonUnclaimed(request: ApprovalRequest | undefined, now: Date, by: ApprovalActor = UNCLAIMED_ACTOR): Decision {
  if (!request) return refuse('unknown-request', 'This request is unknown to the bot.');
  if (!isUnclaimedTooLong(request, now)) {
    return refuse('not-approved', `This request is ${request.state}${request.state === 'approved' ? ' and may still be claimed' : ''}; it was left as it is.`);
  }
  const next = withState(request, 'interrupted', now, by);
  const startedAt = (approvedAt(request) ?? now).toISOString();
  return {
    ok: true,
    next: { ...next, execution: { startedAt, owner: 'none', finishedAt: now.toISOString(), result: 'interrupted', detail: UNCLAIMED_DETAIL, neverStarted: true } },
    effects: ['audit:failed'],
  };
}

/**
 * `request` is the stored request (undefined when the id is unknown), or for verb 'request' the
 * draft from draftApprovalRequest. 'refresh' (Teams' automatic refresh of a card) returns the
 * stored request unchanged with no effects: a refresh never executes or records anything; show
 * effectiveState() for an expiry nobody has clicked on yet.
 */
export function decideAction(request: ApprovalRequest | undefined, action: ApprovalAction, policy: ApprovalPolicy): Decision {
  if (action.verb === 'request') return decideRequest(request, action, policy);
  if (!request) {
    return refuse('unknown-request', 'This request is unknown to the bot (it may belong to another bot or have been removed). Nothing was done. Run the diagnosis again.');
  }
  // Who is clicking comes first: without an Entra object id (another channel, or none sent) there is
  // nobody to check the tenant, the role or the four-eyes rule against. Looking (refresh) is allowed.
  if (action.verb !== 'refresh' && !action.by.aadObjectId) {
    return refuse('no-identity', 'Your Teams client did not send your Entra identity, so the bot cannot check who you are; nothing was done. Use Teams signed in with your work account.');
  }
  const tenant = tenantRefusal(action.by, request, policy);
  if (tenant) return tenant;
  if (action.verb === 'refresh') return { ok: true, next: request, effects: [] };
  if (isUnclaimedTooLong(request, action.now)) {
    // A click on an approval nobody claimed: record the give-up (nothing ran) and say what to do.
    const abandoned = abandonUnclaimed(request, action.now);
    if (!abandoned.ok) return abandoned;
    return { ok: false, refusal: { code: 'not-claimed', message: UNCLAIMED_DETAIL }, next: abandoned.next, effects: abandoned.effects };
  }
  const integrity = integrityRefusal(request);
  if (integrity) return integrity;
  switch (action.verb) {
    case 'approve':
      return decideApprove(request, action, policy);
    case 'reject':
      return decideReject(request, action, policy);
    case 'cancel':
      return decideCancel(request, action);
  }
}
