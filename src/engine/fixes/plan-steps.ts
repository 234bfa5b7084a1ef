/**
 * Steps an approved plan runs after its main change (FixProposal.then). Pure and import-free of
 * Azure, so the checks that propose fixes can attach them without depending on the executors.
 *
 * Why a restart: the tunnel agents (konnectivity-agent, tunnelfront, aks-link) that could not
 * reach the API server sit in crash back-off, and back-off grows to five minutes between
 * attempts (Kubernetes: "the back-off delay is capped at 300 seconds"), so the tunnel can stay
 * down for minutes after the egress is open again. Recreating the pods starts them at once.
 */
import type { FixFollowUp, FixProposal } from '../report.js';

/** Fix kinds after which the plan restarts the tunnel agents: they unblock the agents' egress. */
export const EGRESS_UNBLOCKING_KINDS: ReadonlySet<string> = new Set([
  'nsg-allow-egress',
  'nsg-edit-deny',
  'nsg-delete-deny',
  'lb-allocated-outbound-ports',
  'lb-outbound-ips',
]);

/** The "recreate the tunnel agent pods" step, as approvers read it. */
export function recreateTunnelPodsStep(agentName?: string): FixFollowUp {
  const agents = agentName ? `${agentName} pods` : 'tunnel agent pods';
  return {
    kind: 'recreate-tunnel-pods',
    change: `restart the ${agents} in kube-system (kubectl delete pod <each agent pod> -n kube-system, through AKS command invoke; their ReplicaSet recreates them), so they leave crash back-off now that their egress is open`,
  };
}

/** Attaches the restart step to a fix that unblocks the tunnel's egress; other fixes are returned unchanged. */
export function withTunnelRestart(fix: FixProposal, agentName?: string): FixProposal {
  if (!EGRESS_UNBLOCKING_KINDS.has(fix.kind)) return fix;
  if (fix.then?.some((s) => s.kind === 'recreate-tunnel-pods')) return fix;
  fix.then = [...(fix.then ?? []), recreateTunnelPodsStep(agentName)];
  return fix;
}
