/**
 * What every fix executor takes and gives back. The fix kinds (fix-kinds.ts) map a FixProposal's
 * `kind` to at most one executor; the approved fix's pipeline calls `execute` once. `execute` always
 * runs its own precheck first (is the target still as the diagnosis saw it?), so nothing is written
 * against a target that changed since the diagnosis; a failed precheck is a 'refused' execution.
 */
import type { AzureLayer } from '../../azure/clients.js';
import { userMessageOf } from '../../user-message.js';
import type { ClusterRef } from '../../cluster-ref.js';
import type { FixProposal } from '../report.js';

/**
 * What the diagnosis saw, kept with the approval request and compared before writing.
 * It travels beside the fix rather than inside `fix.params`: `params` are a node script's
 * run-command parameters (validateScriptParameters refuses any other name), and an etag is not one.
 */
export interface FixBaseline {
  /** Etag of the NSG in `fix.target` when the diagnosis read it (fix.nsgEtag, from NsgView.etag). */
  nsgEtag?: string;
}

export interface FixContext {
  layer: AzureLayer;
  /** The cluster the diagnosis was for: every target must belong to it. */
  cluster: ClusterRef;
  fix: FixProposal;
  baseline?: FixBaseline;
}

export type Precheck = { ok: true; detail: string } | { ok: false; reason: string };

export interface TargetOutcome {
  /** NSG rule id, node computer name, namespace/pod, or cluster id. */
  target: string;
  result: 'succeeded' | 'failed' | 'skipped';
  detail: string;
}

export interface FixExecution {
  /** 'refused': the precheck stopped it and nothing was written. */
  result: 'succeeded' | 'failed' | 'partial' | 'refused';
  /** With 'refused': the target is already gone (e.g. the pod was replaced), so the fix is not needed, not failed. */
  notNeeded?: boolean;
  /** For the chat: what happened, no secrets, no raw Azure payloads. */
  detail: string;
  perTarget: TargetOutcome[];
}

export interface FixExecutor {
  kind: string;
  execute(ctx: FixContext): Promise<FixExecution>;
}

export const refused = (reason: string): FixExecution => ({ result: 'refused', detail: reason, perTarget: [] });

/** A user-facing message for any error: AzureError and ScriptParameterError carry one; others stay in the log. */
export const messageOf = (err: unknown): string => userMessageOf(err);
