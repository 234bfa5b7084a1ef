/**
 * Node pools the diagnosis cannot read: the bot reads nodes through scale sets (instances, NICs,
 * run-command on virtualMachineScaleSets), and AKS also has pools of type VirtualMachines and
 * AvailabilitySet (agentPoolProfiles[].type, REST API spec AgentPoolType), and a scale-set pool whose
 * scale set was not found. Their nodes are never dropped silently: the checks that speak for every
 * node cannot pass while some were not looked at, so a pass becomes unknown naming those pools.
 */
import type { CheckId, CheckResult, NodePoolFacts } from './report.js';

/** The checks whose verdict covers every node of the cluster. */
const EVERY_NODE_CHECKS = new Set<CheckId>(['nsg-10250', 'ufw-10250', 'iptables-10250', 'kubelet-reachability']);

export function unreadPools(pools: readonly NodePoolFacts[]): NodePoolFacts[] {
  return pools.filter((p) => p.vmss === undefined && p.count > 0);
}

export function describeUnreadPools(pools: readonly NodePoolFacts[]): string {
  return pools
    .map((p) => `${p.name} (${p.type ? `type ${p.type}, not a scale set` : 'no scale set found in the node resource group'}, ${p.count} node${p.count === 1 ? '' : 's'})`)
    .join(', ');
}

/** The report warning for the pools that were not read, if any. */
export function unreadPoolsWarning(pools: readonly NodePoolFacts[]): string | undefined {
  const unread = unreadPools(pools);
  if (unread.length === 0) return undefined;
  return `Node pool${unread.length === 1 ? '' : 's'} ${describeUnreadPools(unread)} could not be read: the bot reads nodes through scale sets, so these nodes were not checked.`;
}

/** A pass that speaks for every node becomes unknown while some pools were not read. */
export function withUnreadPools(result: CheckResult, pools: readonly NodePoolFacts[]): CheckResult {
  const unread = unreadPools(pools);
  if (unread.length === 0 || !EVERY_NODE_CHECKS.has(result.id)) return result;
  const why = `the nodes of ${describeUnreadPools(unread)} were not checked: the bot reads nodes through scale sets only`;
  const note = { kind: 'note' as const, detail: `Not checked: ${describeUnreadPools(unread)}.` };
  if (result.status !== 'pass') return { ...result, evidence: [...result.evidence, note] };
  return {
    ...result,
    status: 'unknown',
    summary: `${result.summary} — but ${why}`,
    evidence: [...result.evidence, note],
    unknownReason: { why, resolve: `Check the nodes of ${unread.map((p) => p.name).join(', ')} by hand (az vm run-command invoke on each VM, and their NSGs), or run the workloads on a scale-set pool.` },
  };
}
