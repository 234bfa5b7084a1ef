/**
 * Runs one step of an approved plan after its main change (FixProposal.then), by step kind. The
 * step kinds are a closed union (report.ts FixFollowUp), so an unknown kind in a stored record is
 * refused rather than guessed at.
 */
import type { FixFollowUp } from '../report.js';
import { restartTunnelAgents } from './tunnel-pod.js';
import type { FixContext, FixExecution } from './types.js';

export async function runPlanStep(ctx: Pick<FixContext, 'layer' | 'cluster'>, step: FixFollowUp): Promise<FixExecution> {
  switch (step.kind) {
    case 'recreate-tunnel-pods':
      return restartTunnelAgents(ctx);
    default:
      return { result: 'refused', detail: `The bot has no runner for the plan step "${String((step as { kind: unknown }).kind).slice(0, 60)}"; nothing was done.`, perTarget: [] };
  }
}
