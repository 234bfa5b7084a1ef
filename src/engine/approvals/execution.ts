/**
 * The approval flow after the decision, pure like decide.ts: the claim that makes one process the
 * executor, its result, the interruption of a process that died mid-run, and the re-check. The
 * bot's own steps: the actor is 'system' and the instance id.
 */
import { refuse, withState, type Decision } from './decide.js';
import type { ApprovalActor, ApprovalRequest, ExecutionResult, StepOutcome } from './request.js';

export function systemActor(owner: string): ApprovalActor {
  return { id: 'system', name: `tunnel-doctor ${owner}` };
}

/** approved → executing. Exactly one claimer wins the compare-and-swap; the rest see 'executing'. */
export function startExecution(request: ApprovalRequest | undefined, owner: string, now: Date): Decision {
  if (!request) return refuse('unknown-request', 'This request is unknown to the bot. Nothing was done.');
  if (request.state !== 'approved') {
    return refuse(
      request.state === 'executing' ? 'already-decided' : 'not-approved',
      request.state === 'executing'
        ? `This fix is already being applied (by ${request.execution?.owner ?? 'another instance'}). Nothing more was done.`
        : `This request is ${request.state}, not approved, so nothing was run.`,
    );
  }
  const next = withState(request, 'executing', now, systemActor(owner));
  return { ok: true, next: { ...next, execution: { startedAt: now.toISOString(), owner, heartbeatAt: now.toISOString() } }, effects: [] };
}

/** executing → executing with a new heartbeat, by its owner only: the lease that says the owner is alive. */
export function renewExecution(request: ApprovalRequest | undefined, owner: string, now: Date): Decision {
  if (!request) return refuse('unknown-request', 'This request is unknown to the bot.');
  if (request.state !== 'executing' || !request.execution) return refuse('not-executing', `This request is ${request.state}, not executing.`);
  if (request.execution.owner !== owner) return refuse('not-owner', `This request is being executed by ${request.execution.owner}, not ${owner}.`);
  return { ok: true, next: { ...request, execution: { ...request.execution, heartbeatAt: now.toISOString() } }, effects: [] };
}

/** executing → succeeded | failed, only by the instance that claimed it. */
export function finishExecution(
  request: ApprovalRequest | undefined,
  owner: string,
  outcome: { result: ExecutionResult; detail: string; steps?: StepOutcome[]; notNeeded?: boolean },
  now: Date,
): Decision {
  if (!request) return refuse('unknown-request', 'This request is unknown to the bot.');
  if (request.state !== 'executing' || !request.execution) {
    return refuse('not-executing', `This request is ${request.state}, not executing: its result cannot be recorded.`);
  }
  if (request.execution.owner !== owner) {
    return refuse('not-owner', `This request is being executed by ${request.execution.owner}, not ${owner}.`);
  }
  const next = withState(request, outcome.result, now, systemActor(owner));
  return {
    ok: true,
    next: {
      ...next,
      execution: {
        ...request.execution,
        finishedAt: now.toISOString(),
        result: outcome.result,
        detail: outcome.detail,
        ...(outcome.steps && outcome.steps.length > 0 ? { steps: outcome.steps } : {}),
        ...(outcome.notNeeded ? { notNeeded: true } : {}),
      },
    },
    effects: [outcome.result === 'succeeded' ? 'audit:executed' : 'audit:failed'],
  };
}

/**
 * executing → interrupted: its process died, so whether the change landed is unknown. It is never
 * run again on its own (issue 4): a person looks at the cluster and requests a fix again.
 */
export function interruptExecution(request: ApprovalRequest | undefined, now: Date, by: string): Decision {
  if (!request) return refuse('unknown-request', 'This request is unknown to the bot.');
  if (request.state !== 'executing' || !request.execution) {
    return refuse('not-executing', `This request is ${request.state}, not executing.`);
  }
  const next = withState(request, 'interrupted', now, systemActor(by));
  return {
    ok: true,
    next: {
      ...next,
      execution: {
        ...request.execution,
        finishedAt: now.toISOString(),
        result: 'interrupted',
        detail: `The bot instance ${request.execution.owner} stopped while applying the fix (its last sign of life was at ${request.execution.heartbeatAt ?? request.execution.startedAt}); whether it was applied is unknown. It was not run again.`,
      },
    },
    effects: ['audit:failed'],
  };
}

/** succeeded | failed → verified | still-failing: the re-check after the fix. */
export function recordVerification(
  request: ApprovalRequest | undefined,
  verdict: { verdict: 'verified' | 'still-failing'; detail: string },
  now: Date,
  owner: string,
): Decision {
  if (!request) return refuse('unknown-request', 'This request is unknown to the bot.');
  if (request.state !== 'succeeded' && request.state !== 'failed') {
    return refuse('not-executing', `This request is ${request.state}: only a finished execution can be verified.`);
  }
  const next = withState(request, verdict.verdict, now, systemActor(owner));
  return { ok: true, next: { ...next, verification: { at: now.toISOString(), ...verdict } }, effects: ['audit:verified'] };
}
