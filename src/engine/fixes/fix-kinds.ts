/**
 * Every kind of fix a check can propose, described once: the executor that applies it (when the bot
 * may apply it itself), the checks whose re-run verifies it, and whether it runs on nodes through a
 * constant node script. A kind described twice throws at start-up (as teams-ai does for card
 * verbs). The report says who applies each fix (`FixProposal.appliedBy`, set by withApplier when
 * the diagnosis assembles it), so cards and the fix flow read that and never import executors.
 */
import { BY_HAND_REASON, type CheckId, type FixProposal } from '../report.js';
import { iptablesDeleteRule, iptablesInsertAccept, ufwAllow10250, ufwDisable } from './node-script.js';
import { nsgAllow10250, nsgAllowEgress, nsgEditDeny } from './nsg-rule.js';
import { nsgDeleteDeny } from './nsg-delete.js';
import { lbAllocatedOutboundPorts, lbOutboundIps } from './outbound.js';
import { recreateTunnelPods } from './tunnel-pod.js';
import type { FixExecutor } from './types.js';

export interface FixKind {
  kind: string;
  /**
   * The checks to re-run after it, when the fix id does not name its check (every check builds
   * fix ids as `<check id>:…`; verify.ts prefers that).
   */
  verifiedBy: readonly CheckId[];
  /** Applied on each node of `target` by a constant node script (FixProposal.scriptId); targets are node names. */
  onNodes: boolean;
  /** Set when the bot may apply it itself once approved; absent: advice, applied by hand. */
  executor?: FixExecutor;
}

const NODE = { onNodes: true } as const;
const ARM = { onNodes: false } as const;

/** Builds the table; throws on a kind described twice, or an executor registered under another kind. */
export function describeFixKinds(kinds: readonly FixKind[]): ReadonlyMap<string, FixKind> {
  const table = new Map<string, FixKind>();
  for (const k of kinds) {
    if (table.has(k.kind)) throw new Error(`fix kind "${k.kind}" is described twice`);
    if (k.executor && k.executor.kind !== k.kind) throw new Error(`fix kind "${k.kind}" names the executor of "${k.executor.kind}"`);
    table.set(k.kind, k);
  }
  return table;
}

export const FIX_KINDS: ReadonlyMap<string, FixKind> = describeFixKinds([
  { kind: 'nsg-allow-10250', verifiedBy: ['nsg-10250'], ...ARM, executor: nsgAllow10250 },
  { kind: 'nsg-edit-deny', verifiedBy: ['nsg-10250'], ...ARM, executor: nsgEditDeny },
  { kind: 'nsg-delete-deny', verifiedBy: ['nsg-10250'], ...ARM, executor: nsgDeleteDeny },
  { kind: 'nsg-allow-egress', verifiedBy: ['egress-tunnel-ports'], ...ARM, executor: nsgAllowEgress },
  { kind: 'ufw-allow-10250', verifiedBy: ['ufw-10250'], ...NODE, executor: ufwAllow10250 },
  { kind: 'ufw-disable', verifiedBy: ['ufw-10250'], ...NODE, executor: ufwDisable },
  { kind: 'iptables-delete-rule', verifiedBy: ['iptables-10250'], ...NODE, executor: iptablesDeleteRule },
  { kind: 'iptables-insert-accept', verifiedBy: ['iptables-10250'], ...NODE, executor: iptablesInsertAccept },
  { kind: 'recreate-tunnel-pods', verifiedBy: ['tunnel-agent-health'], ...ARM, executor: recreateTunnelPods },
  { kind: 'raise-agent-memory', verifiedBy: ['tunnel-agent-health'], ...ARM },
  { kind: 'raise-replica-ladder', verifiedBy: ['tunnel-agent-health'], ...ARM },
  { kind: 'lb-allocated-outbound-ports', verifiedBy: ['snat-exhaustion'], ...ARM, executor: lbAllocatedOutboundPorts },
  { kind: 'lb-outbound-ips', verifiedBy: ['snat-exhaustion'], ...ARM, executor: lbOutboundIps },
  { kind: 'nat-gateway', verifiedBy: ['snat-exhaustion'], ...ARM },
  { kind: 'nat-gateway-outbound-ips', verifiedBy: ['snat-exhaustion'], ...ARM },
  // What no executor can do (an appliance's firewall, a rule outside the bot's reach): the check says how.
  { kind: 'manual', verifiedBy: [], ...ARM },
]);

export function fixKindOf(kind: string): FixKind | undefined {
  return FIX_KINDS.get(kind);
}

export function executorFor(kind: string): FixExecutor | undefined {
  return FIX_KINDS.get(kind)?.executor;
}

/** Why the bot cannot apply this fix itself (English, for the card), or undefined when it can. */
export function byHandReason(fix: Pick<FixProposal, 'kind' | 'scriptId'>): string | undefined {
  const described = FIX_KINDS.get(fix.kind);
  if (!described?.executor) return BY_HAND_REASON;
  if (described.onNodes && fix.scriptId === undefined) return 'No node script applies this change; run it on each node by hand.';
  return undefined;
}

/** The fix as the report carries it: who applies it, and why by hand. */
export function withApplier(fix: FixProposal): FixProposal {
  const reason = byHandReason(fix);
  const { byHandReason: _old, ...rest } = fix;
  return reason === undefined ? { ...rest, appliedBy: 'bot' } : { ...rest, appliedBy: 'hand', byHandReason: reason };
}
