/**
 * The pipeline of an approved fix, in one place: claim → execute → the plan's later steps → record →
 * re-check → record. Exactly one caller wins the claim (the repository's compare-and-swap); the
 * others return at once, and the winner reports every step through `onStep` (the app updates the
 * approval card). A crash anywhere after the claim leaves the request 'executing' until its lease
 * runs out, then 'interrupted': never re-run.
 */
import type { Logger } from '../../log.js';
import { userMessageOf } from '../../user-message.js';
import type { ClusterRef } from '../../cluster-ref.js';
import type { CheckResult, FixProposal, Report } from '../report.js';
import type { FixRunner } from '../fixes/fix-runner.js';
import type { FixBaseline, FixExecution } from '../fixes/types.js';
import { checksForFix, type FixVerification } from '../fixes/verify.js';
import type { ApprovalRequest, StepOutcome } from './request.js';
import type { ApprovalRequestRepository } from './request-repository.js';

/** The stored diagnosis a request was made from: the cluster, the checks before, the baseline of its target. */
export interface FixSource {
  cluster: ClusterRef;
  report: Report;
  baselines: Record<string, FixBaseline>;
}

export interface ApprovedFixRun {
  requestId: string;
  repo: ApprovalRequestRepository;
  runner: FixRunner;
  /** This process's id: the owner of the execution it claims. */
  instanceId: string;
  /** The click's correlation id: on every log line and on the re-check's trace. */
  correlationId: string;
  /** Bound to the correlation id and the request id. */
  log: Logger;
  /** The request's source; undefined when its report is gone (the fix is then refused, nothing runs). */
  loadSource(): Promise<FixSource | undefined>;
  /** After each recorded step (claimed, executed, verified): the request as stored. */
  onStep(request: ApprovalRequest): Promise<void>;
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

/** Runs an approved request's fix if this call wins the claim; resolves when the last step is recorded. */
export async function runApprovedFix(run: ApprovedFixRun): Promise<void> {
  const { repo, requestId, instanceId, log } = run;
  const claim = await repo.claimExecution(requestId, instanceId);
  if (!claim.ok) {
    // Another click or instance won the claim; it reports the outcome.
    log.info('execution not claimed', { code: claim.refusal.code });
    return;
  }
  // The lease: while this process runs the fix it says so three times per lease, so an instance
  // that finds the execution silent knows its owner is gone (request.ts isOwnerGone).
  const heartbeat = setInterval(() => {
    repo.renewExecution(requestId, instanceId).catch((err: unknown) => log.warn('execution heartbeat failed', { err }));
  }, Math.max(250, Math.floor(repo.executionLeaseMs / 3)));
  heartbeat.unref?.();
  try {
    await executeClaimed(run, claim.request);
  } finally {
    clearInterval(heartbeat);
  }
}

async function executeClaimed(run: ApprovedFixRun, request: ApprovalRequest): Promise<void> {
  const { repo, runner, requestId, instanceId, log } = run;
  await run.onStep(request);
  const source = await run.loadSource();
  let execution: FixExecution;
  if (!source || source.cluster.id.toLowerCase() !== request.clusterId.toLowerCase()) {
    execution = { result: 'refused', detail: 'The stored report of this request is gone, so the bot cannot check the target is unchanged. Diagnose again.', perTarget: [] };
  } else {
    try {
      execution = await runner.execute(source.cluster, request.fix, source.baselines[request.fix.id]);
    } catch (err) {
      log.error('fix execution threw', { err });
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
  const steps = source ? await runPlanSteps(runner, source.cluster, request.fix, execution.result === 'succeeded', log) : [];
  const notNeeded = execution.result === 'refused' && execution.notNeeded === true;
  const finished = await repo.finishExecution(requestId, instanceId, { result: execution.result === 'succeeded' ? 'succeeded' : 'failed', detail, steps, ...(notNeeded ? { notNeeded } : {}) });
  log.info('fix executed', { result: execution.result });
  if (finished.request) await run.onStep(finished.request);
  // A refused execution wrote nothing: there is nothing to re-check.
  if (!finished.ok || execution.result === 'refused' || !source) return;
  const verdict = await recheck(run, source, request.fix);
  const recorded = await repo.recordVerification(requestId, verdict, instanceId);
  log.info('fix verified', { verdict: verdict.verdict });
  if (recorded.request) await run.onStep(recorded.request);
}

/** The re-check, logged like a diagnosis (started, finished with each check's verdict) under the click's correlation id. */
async function recheck(run: ApprovedFixRun, source: FixSource, fix: FixProposal): Promise<{ verdict: 'verified' | 'still-failing'; detail: string }> {
  const ids = checksForFix(fix);
  const before = source.report.checks.filter((c) => ids.includes(c.id));
  run.log.info('re-check started', { cluster: source.cluster.id, checks: ids });
  try {
    const v = await run.runner.verify(source.cluster, fix, before, { correlationId: run.correlationId, log: run.log });
    run.log.info('re-check finished', { cluster: source.cluster.id, verdict: v.verdict, checks: v.after.map((c) => `${c.id}:${c.status}`) });
    return { verdict: v.verdict, detail: verificationDetail(v) };
  } catch (err) {
    run.log.warn('re-check failed', { err });
    return { verdict: 'still-failing', detail: `Note: the re-check could not run: ${userMessageOf(err)}` };
  }
}

/** Runs each FixProposal.then step in order once the main change succeeded; otherwise records them as skipped. */
async function runPlanSteps(runner: FixRunner, cluster: ClusterRef, fix: FixProposal, mainSucceeded: boolean, log: Logger): Promise<StepOutcome[]> {
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
      log.error('plan step threw', { err, step: step.kind });
      run = { result: 'failed', detail: userMessageOf(err), perTarget: [] };
    }
    log.info('plan step ran', { step: step.kind, result: run.result });
    outcomes.push({ kind: step.kind, result: run.result === 'succeeded' ? 'succeeded' : 'failed', detail: run.result === 'refused' ? `Nothing was done: ${run.detail}` : run.detail });
  }
  return outcomes;
}
