/**
 * The audit records of a transition (append-log.ts AuditEntry), one per 'audit:<action>' effect:
 * who did what to which fix on which cluster, in one sentence an auditor can read without the
 * state store (which may be overwritten; the audit log cannot be).
 */
import { toAuditRecord, type AuditAction, type AuditEntry, type AuditResult } from '../../store/append-log.js';
import type { ApprovalEffect, ApprovalVerb, Refusal } from './decide.js';
import type { ApprovalActor, ApprovalRequest } from './request.js';

/** The plan's follow-up steps (FixProposal.then) as the audit record tells them: what ran after the change, and how it ended. */
function stepsText(request: ApprovalRequest): string {
  return (request.execution?.steps ?? []).map((s) => ` Then ${s.kind}: ${s.result}: ${s.detail}`).join('');
}

/** "<title> [<kind>, risk <risk>] on <cluster> (<target>)": how every record names the fix (cards/audit-card.ts parses it). */
function fixNamed(request: ApprovalRequest): string {
  return `${request.fix.title} [${request.fix.kind}, risk ${request.fix.risk}] on ${request.clusterName} (${request.fix.target})`;
}

function sentence(action: Exclude<AuditAction, 'refused'>, request: ApprovalRequest): { detail: string; result?: AuditResult } {
  const what = `${fixNamed(request)}: ${request.fix.change}`;
  switch (action) {
    case 'requested':
      return { detail: `Requested ${what}${(request.fix.then ?? []).map((t) => `; then ${t.kind}: ${t.change}`).join('')}; needs ${request.requiredApprovals} approval(s) by ${request.expiresAt}; plan ${request.planHash}` };
    case 'approved':
      return { detail: `Approval ${request.approvals.length} of ${request.requiredApprovals} for ${what}` };
    case 'rejected':
      return { detail: `Rejected ${what}` };
    case 'cancelled':
      return { detail: `Cancelled by the requester: ${what}` };
    case 'expired':
      return { detail: `Expired at ${request.expiresAt} with ${request.approvals.length} of ${request.requiredApprovals} approval(s): ${what}` };
    case 'executed':
      return { detail: `Executed ${what} on ${request.execution?.owner}: ${request.execution?.detail ?? ''}${stepsText(request)}`.trim(), result: 'succeeded' };
    case 'failed':
      return request.state === 'interrupted'
        ? // 'partial': an interrupted run may or may not have changed the cluster; one never started did not.
          { detail: `Interrupted ${what}: ${request.execution?.detail ?? ''}`.trim(), result: request.execution?.neverStarted ? 'failed' : 'partial' }
        : { detail: `Execution failed for ${what}: ${request.execution?.detail ?? ''}${stepsText(request)}`.trim(), result: 'failed' };
    case 'verified':
      return {
        detail: `Re-check after the fix: ${request.verification?.verdict ?? request.state}: ${request.verification?.detail ?? ''}`.trim(),
        result: request.state === 'verified' ? 'succeeded' : 'failed',
      };
  }
}

export function auditEntriesFor(effects: readonly ApprovalEffect[], request: ApprovalRequest, actor: ApprovalActor): AuditEntry[] {
  return effects.flatMap((effect) => {
    if (!effect.startsWith('audit:')) return [];
    const action = effect.slice('audit:'.length) as AuditAction;
    if (action === 'refused') return []; // a refusal is recorded by refusalEntry, never as a transition's effect
    const { detail, result } = sentence(action, request);
    const entry: AuditEntry = {
      actor: { ...actor },
      action,
      requestId: request.id,
      clusterId: request.clusterId,
      detail: detail.slice(0, 4000),
    };
    if (result) entry.result = result;
    return [entry];
  });
}

/**
 * The record of a refused click on a stored request (or on the draft of a refused "Request this
 * fix"): who tried which verb on which fix, and the refusal code and message. `actor` is what the
 * activity carried (actorOf), recorded as seen even without an Entra id, and never used to decide
 * anything. The message is the engine's English, so the record reads the same in every language.
 */
export function refusalEntry(request: ApprovalRequest, verb: ApprovalVerb, refusal: Refusal, actor: ApprovalActor): AuditEntry {
  return {
    actor: { ...actor },
    action: 'refused',
    verb,
    reason: refusal.code,
    requestId: request.id,
    clusterId: request.clusterId,
    detail: `Refused ${verb} (${refusal.code}) of ${fixNamed(request)}: ${refusal.message}`.slice(0, 4000),
  };
}

/**
 * The audit entries of a transition, each checked as the log will check it (toAuditRecord);
 * undefined if one would be refused. Checked before the state is written: a record the log would
 * refuse (an empty actor, a name too long) must stop the transition, not leave it unrecorded.
 */
export function checkedAuditEntries(effects: readonly ApprovalEffect[], request: ApprovalRequest, actor: ApprovalActor, now: () => Date): AuditEntry[] | undefined {
  const entries = auditEntriesFor(effects, request, actor);
  try {
    for (const entry of entries) toAuditRecord(entry, now);
  } catch {
    return undefined;
  }
  return entries;
}
