/**
 * The Azure side of an approved fix: what the diagnosis saw of its target, its executor, the plan's
 * later steps and the re-check, over one Azure layer. The approval pipeline (run-approved-fix.ts)
 * calls these; tests pass a fake.
 */
import type { AzureLayer } from '../../azure/clients.js';
import type { Logger } from '../../log.js';
import type { ClusterRef } from '../../cluster-ref.js';
import type { CheckResult, FixFollowUp, FixProposal } from '../report.js';
import { executorFor } from './fix-kinds.js';
import { nsgBaselineOf } from './nsg-rule.js';
import { runPlanStep } from './run-step.js';
import type { FixBaseline, FixExecution } from './types.js';
import { verifyFix, type FixVerification } from './verify.js';

/** Whose re-check this is: the click's correlation id and a logger bound to it (for the trace and the log). */
export interface FixScope {
  correlationId: string;
  log: Logger;
}

export interface FixRunner {
  /** What the diagnosis saw of the fix's target (the NSG etag), kept with the report. */
  captureBaseline(fix: FixProposal): Promise<FixBaseline>;
  /** Runs the executor of `fix.kind` (which prechecks the baseline first). */
  execute(cluster: ClusterRef, fix: FixProposal, baseline: FixBaseline | undefined): Promise<FixExecution>;
  /** Re-runs the checks that proposed the fix; `scope` names the click it belongs to. */
  verify(cluster: ClusterRef, fix: FixProposal, before: CheckResult[], scope?: FixScope): Promise<FixVerification>;
  /** Runs one step of the approved plan after its main change succeeded (FixProposal.then). */
  runStep(cluster: ClusterRef, step: FixFollowUp): Promise<FixExecution>;
}

export function azureFixRunner(layer: AzureLayer): FixRunner {
  return {
    // The diagnosis-time state the fix is approved against, as the checks read it (no second read).
    async captureBaseline(fix) {
      return nsgBaselineOf(fix);
    },
    async execute(cluster, fix, baseline) {
      const executor = executorFor(fix.kind);
      if (!executor) return { result: 'refused', detail: `The bot has no executor for ${fix.kind} fixes; apply it by hand.`, perTarget: [] };
      return executor.execute({ layer, cluster, fix, ...(baseline ? { baseline } : {}) });
    },
    // The re-check's own reads log through the click's bound logger, like a diagnosis's.
    verify: (cluster, fix, before, scope) => verifyFix(layer, cluster, fix, { before, ...(scope ? { log: scope.log } : {}) }),
    runStep: (cluster, step) => runPlanStep({ layer, cluster }, step),
  };
}
