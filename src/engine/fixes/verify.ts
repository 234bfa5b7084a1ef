/**
 * After a fix: re-run only the check(s) that proposed it and say whether the cause is gone.
 * "verified" when the proposing check no longer fails for the fix's nodes (all of its nodes, for
 * fixes that name a resource rather than nodes). SNAT metrics look back over a window, so a SNAT
 * fix only verifies once that window no longer holds failed connections: the note says so.
 * A plan that restarts the tunnel agents afterwards (FixProposal.then) also re-runs
 * tunnel-agent-health: the plan is only done when the agents run again. A fix for an NSG, UFW or
 * iptables cause also re-runs kubelet-reachability: done only when the node answers on 10250
 * (or a cause another check names still explains it).
 */
import type { AzureLayer } from '../../azure/clients.js';
import { ALL_CHECKS } from '../checks/index.js';
import { EXPLAINING_CHECKS } from '../checks/kubelet-reachability.js';
import { diagnoseCluster } from '../diagnose.js';
import type { ClusterRef } from '../../cluster-ref.js';
import { CHECK_IDS, type CheckId, type CheckResult, type FixProposal } from '../report.js';
import type { Logger } from '../../log.js';
import { parseNodeTarget } from './cluster-nodes.js';
import { fixKindOf } from './fix-kinds.js';

/**
 * The checks to re-run: the one named by the fix id's prefix (every check builds ids as
 * `<check id>:…`, and nsg-edit-deny comes from nsg-10250 or egress-tunnel-ports), else by kind.
 */
export function checksForFix(fix: Pick<FixProposal, 'id' | 'kind' | 'then'>): CheckId[] {
  const prefix = fix.id.split(':')[0] ?? '';
  const own = (CHECK_IDS as readonly string[]).includes(prefix) ? [prefix as CheckId] : [...(fixKindOf(fix.kind)?.verifiedBy ?? [])];
  // A plan that restarts the tunnel agents is only done when the agents run again.
  const restarts = (fix.then ?? []).some((s) => s.kind === 'recreate-tunnel-pods');
  const withAgents: CheckId[] = restarts && !own.includes('tunnel-agent-health') ? [...own, 'tunnel-agent-health'] : own;
  // A fix for a node-reachability cause is only done when the node answers on 10250 again (or
  // another known cause still explains it): kubelet-reachability says so.
  const reach = withAgents.some((id) => EXPLAINING_CHECKS.includes(id)) && !withAgents.includes('kubelet-reachability');
  return reach ? [...withAgents, 'kubelet-reachability'] : withAgents;
}

export interface FixVerification {
  verdict: 'verified' | 'still-failing';
  before?: CheckResult[];
  after: CheckResult[];
  /** For the chat: which check still fails and where, or why it cannot pass yet. */
  note?: string;
}

export async function verifyFix(
  layer: AzureLayer,
  clusterRef: ClusterRef,
  fix: FixProposal,
  opts: { before?: CheckResult[]; log?: Logger } = {},
): Promise<FixVerification> {
  const ids = checksForFix(fix);
  if (ids.length === 0) return { verdict: 'still-failing', after: [], note: `No check verifies a ${fix.kind} fix.`, ...(opts.before ? { before: opts.before } : {}) };
  const report = await diagnoseCluster(layer, clusterRef, { checks: ALL_CHECKS.filter((c) => ids.includes(c.id)), ...(opts.log ? { log: opts.log } : {}) });
  const after = report.checks;
  const target = fixKindOf(fix.kind)?.onNodes ? parseNodeTarget(fix.target) : undefined;
  const fixNodes = target?.ok ? target.names.map((n) => n.toLowerCase()) : undefined;
  const failing = after.filter((c) => {
    if (c.status === 'unknown') return true; // not proven either way: not verified
    if (c.status !== 'fail') return false;
    return fixNodes === undefined || c.nodes.some((n) => fixNodes.includes(n.toLowerCase()));
  });
  const base = { after, ...(opts.before ? { before: opts.before } : {}) };
  if (failing.length === 0) return { verdict: 'verified', ...base };
  const snat = failing.some((c) => c.id === 'snat-exhaustion');
  const note =
    failing.map((c) => `${c.id}: ${c.summary}`).join(' ') +
    (snat ? ' SNAT metrics cover the last minutes, so failed connections from before the change still count; verify again later.' : '');
  return { verdict: 'still-failing', ...base, note };
}
