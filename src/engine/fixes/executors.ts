/**
 * The fix executors, by FixProposal kind: one typed handler per kind, registered once at start-up
 * (a kind registered twice throws, as teams-ai does for card verbs). Kinds without an executor —
 * 'manual', 'raise-agent-memory', 'nat-gateway' … — are advice the user applies
 * by hand; `notExecutableReason` says why for the card.
 */
import type { FixProposal } from '../report.js';
import { iptablesDeleteRule, iptablesInsertAccept, ufwAllow10250, ufwDisable } from './node-script.js';
import { nsgAllow10250, nsgAllowEgress, nsgEditDeny } from './nsg-rule.js';
import { nsgDeleteDeny } from './nsg-delete.js';
import { lbAllocatedOutboundPorts, lbOutboundIps } from './outbound.js';
import { recreateTunnelPods } from './tunnel-pod.js';
import type { FixExecutor } from './types.js';

export type { FixBaseline, FixContext, FixExecution, FixExecutor, Precheck, TargetOutcome } from './types.js';
export { nsgBaselineOf, NSG_CHANGED } from './nsg-rule.js';

export type ExecutorRegistry = ReadonlyMap<string, FixExecutor>;

/** Builds a registry; throws on a kind registered twice (a programming error, caught at start-up). */
export function createExecutorRegistry(executors: readonly FixExecutor[]): ExecutorRegistry {
  const registry = new Map<string, FixExecutor>();
  for (const executor of executors) {
    if (registry.has(executor.kind)) throw new Error(`fix kind "${executor.kind}" has two executors`);
    registry.set(executor.kind, executor);
  }
  return registry;
}

export const EXECUTORS: ExecutorRegistry = createExecutorRegistry([
  nsgAllow10250,
  nsgAllowEgress,
  nsgEditDeny,
  nsgDeleteDeny,
  ufwAllow10250,
  ufwDisable,
  iptablesDeleteRule,
  iptablesInsertAccept,
  recreateTunnelPods,
  lbAllocatedOutboundPorts,
  lbOutboundIps,
]);

/** Node-script kinds: executable only when the diagnosis named the constant script that applies them. */
const SCRIPT_KINDS = new Set(['ufw-allow-10250', 'ufw-disable', 'iptables-delete-rule', 'iptables-insert-accept']);

const BY_HAND: Record<string, string> = {};

export function executorFor(kind: string): FixExecutor | undefined {
  return EXECUTORS.get(kind);
}

export function isExecutable(fix: Pick<FixProposal, 'kind' | 'scriptId'>): boolean {
  return notExecutableReason(fix) === undefined;
}

/** Why the bot cannot apply this fix itself (for the card), or undefined when it can. */
export function notExecutableReason(fix: Pick<FixProposal, 'kind' | 'scriptId'>): string | undefined {
  const byHand = BY_HAND[fix.kind];
  if (byHand) return byHand;
  if (!EXECUTORS.has(fix.kind)) return 'The bot cannot apply this change itself; apply it by hand as described.';
  if (SCRIPT_KINDS.has(fix.kind) && fix.scriptId === undefined) return 'No node script applies this change; run it on each node by hand.';
  return undefined;
}
