/**
 * An approval request: one fix of one stored report, waiting for (or past) approval. Stored under
 * `approval/<id>` (request-repository.ts); the card carries only `id` and a verb, so every field
 * here comes from the bot's own store, never from card data (issue 4: server-side authorisation).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FixFollowUp, FixProposal, Report } from '../report.js';
import type { ApprovalPolicy } from './policy.js';

export const APPROVAL_STATES = [
  'pending',
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'executing',
  'succeeded',
  'failed',
  'interrupted',
  'verified',
  'still-failing',
] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** A Teams user, as recorded on the request (Caller of src/app/events.ts, without trust in its name). */
export interface ApprovalActor {
  /** Channel user id (Teams: "29:…"), or 'system' for the bot's own steps. */
  id: string;
  /** Entra object id: the identity policy checks use. */
  aadObjectId?: string;
  name?: string;
}

export interface Requester extends ApprovalActor {
  tenantId?: string;
}

export interface Approval {
  by: ApprovalActor & { aadObjectId: string };
  at: string;
}

export interface HistoryEntry {
  state: ApprovalState;
  at: string;
  by?: ApprovalActor;
}

export type ExecutionResult = 'succeeded' | 'failed';

/** The outcome of a step the plan runs after its main change (FixProposal.then). */
export interface StepOutcome {
  kind: FixFollowUp['kind'];
  /** 'skipped': the main change did not succeed, so the step did not run. */
  result: 'succeeded' | 'failed' | 'skipped';
  detail: string;
}

export interface Execution {
  startedAt: string;
  /** Instance id of the bot process that claimed it (claimExecution). */
  owner: string;
  /**
   * The owner's last sign of life (renewExecution, every third of the lease while it runs). An
   * execution silent for longer than the lease has lost its owner, however that replica was named:
   * whichever instance sweeps next marks it interrupted (isOwnerGone). Absent: startedAt counts.
   */
  heartbeatAt?: string;
  finishedAt?: string;
  result?: ExecutionResult | 'interrupted';
  detail?: string;
  /** The plan's follow-up steps, in order, once the execution finished. */
  steps?: StepOutcome[];
  /** Approved but never claimed (its process died first): nothing ran (abandonUnclaimed). */
  neverStarted?: boolean;
  /** Nothing ran because the fix's target was already gone (a pod replaced since the diagnosis): not a failure. */
  notNeeded?: boolean;
}

export interface Verification {
  at: string;
  verdict: 'verified' | 'still-failing';
  detail: string;
}

export interface ApprovalRequest {
  /** Opaque, unguessable: 16 random bytes, base64url (22 characters). */
  id: string;
  clusterId: string;
  clusterName: string;
  /** A copy of the stored report's fix, taken when the request was made. */
  fix: FixProposal;
  /** sha256 of what will run (planHashOf): an edited record no longer matches it. */
  planHash: string;
  requester: Requester;
  requiredApprovals: number;
  approvals: Approval[];
  state: ApprovalState;
  history: HistoryEntry[];
  createdAt: string;
  expiresAt: string;
  execution?: Execution;
  verification?: Verification;
}

/** States from which nothing but a read happens any more. */
export const FINAL_STATES: readonly ApprovalState[] = ['rejected', 'expired', 'cancelled', 'interrupted', 'verified', 'still-failing'];

export function newRequestId(): string {
  return randomBytes(16).toString('base64url');
}

/** Request ids as newRequestId makes them; anything else from a card is refused before a store read. */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{22,64}$/.test(value);
}

/** JSON with object keys sorted at every depth and undefined fields left out: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What will change and where: the fields an edit of the stored record must not be able to alter unseen. */
export function planHashOf(clusterId: string, fix: Pick<FixProposal, 'kind' | 'target' | 'change' | 'params' | 'scriptId' | 'then'>): string {
  // `then` is part of the plan: the steps after the change run on the same approval. Absent (not
  // an empty list) when a fix has none, so hashes of requests made before `then` existed still match.
  const then = fix.then && fix.then.length > 0 ? fix.then.map((s) => ({ kind: s.kind, change: s.change })) : undefined;
  const plan = { clusterId, kind: fix.kind, target: fix.target, change: fix.change, params: fix.params, scriptId: fix.scriptId, then };
  return createHash('sha256').update(canonicalJson(plan), 'utf8').digest('hex');
}

export function requiredApprovalsFor(fix: Pick<FixProposal, 'risk'>, policy: Pick<ApprovalPolicy, 'highRiskApprovals'>): number {
  return fix.risk === 'high' ? policy.highRiskApprovals : 1;
}

export type DraftOutcome = { ok: true; draft: ApprovalRequest } | { ok: false; code: 'unknown-fix'; message: string };

/**
 * A not-yet-stored request for fix `fixId` of `report` (the report the bot stored, never one
 * rebuilt from a card). decideAction(draft, { verb: 'request' }) checks the requester and makes it pending.
 */
export function draftApprovalRequest(input: {
  report: Report;
  fixId: string;
  requester: Requester;
  policy: ApprovalPolicy;
  now: Date;
  id?: string;
}): DraftOutcome {
  const fix = input.report.checks.flatMap((c) => c.fixes).find((f) => f.id === input.fixId);
  if (!fix) {
    return {
      ok: false,
      code: 'unknown-fix',
      message: `This report has no fix "${input.fixId}". Run the diagnosis again and request the fix from the new report.`,
    };
  }
  const copy = structuredClone(fix);
  const clusterId = input.report.cluster.id;
  const requester: Requester = { id: input.requester.id };
  if (input.requester.aadObjectId) requester.aadObjectId = input.requester.aadObjectId;
  if (input.requester.name) requester.name = input.requester.name;
  if (input.requester.tenantId) requester.tenantId = input.requester.tenantId;
  return {
    ok: true,
    draft: {
      id: input.id ?? newRequestId(),
      clusterId,
      clusterName: input.report.cluster.name,
      fix: copy,
      planHash: planHashOf(clusterId, copy),
      requester,
      requiredApprovals: requiredApprovalsFor(copy, input.policy),
      approvals: [],
      state: 'pending',
      history: [],
      createdAt: input.now.toISOString(),
      expiresAt: new Date(input.now.getTime() + input.policy.ttlMinutes * 60_000).toISOString(),
    },
  };
}

/** The state a card should show at `now`: a pending request past its expiry shows as expired before anyone clicks. */
export function effectiveState(request: ApprovalRequest, now: Date): ApprovalState {
  return request.state === 'pending' && isPastExpiry(request, now) ? 'expired' : request.state;
}

export function isPastExpiry(request: Pick<ApprovalRequest, 'expiresAt'>, now: Date): boolean {
  return now.getTime() >= Date.parse(request.expiresAt);
}

/**
 * How long an approved request may wait for its claim. The approving process claims it right
 * after answering the invoke (milliseconds), so one still 'approved' after this was approved by a
 * process that died before claiming; another instance may safely give it up (abandonUnclaimed):
 * the claim and the give-up are both compare-and-swaps from 'approved', so only one of them wins.
 */
export const CLAIM_GRACE_MS = 2 * 60_000;

/** When the request became 'approved' (its last such history entry). */
export function approvedAt(request: Pick<ApprovalRequest, 'history'>): Date | undefined {
  const entry = [...request.history].reverse().find((h) => h.state === 'approved');
  return entry ? new Date(entry.at) : undefined;
}

/** Approved, and its claim is overdue: the process that approved it died before applying it. */
export function isUnclaimedTooLong(request: Pick<ApprovalRequest, 'state' | 'history'>, now: Date): boolean {
  if (request.state !== 'approved') return false;
  const at = approvedAt(request);
  return at === undefined || now.getTime() - at.getTime() >= CLAIM_GRACE_MS;
}

/** How long an execution may go without a heartbeat before its owner counts as gone (EXECUTION_LEASE_SECONDS). */
export const DEFAULT_EXECUTION_LEASE_MS = 90_000;

/** Executing, and its owner has not renewed it within `leaseMs`: the process that ran it is gone. */
export function isOwnerGone(request: Pick<ApprovalRequest, 'state' | 'execution'>, now: Date, leaseMs: number): boolean {
  if (request.state !== 'executing' || !request.execution) return false;
  const last = Date.parse(request.execution.heartbeatAt ?? request.execution.startedAt);
  return !Number.isFinite(last) || now.getTime() - last >= leaseMs;
}
