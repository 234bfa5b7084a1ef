/**
 * The diagnosis report: `tunnel-doctor-report/v1` of ../shared/scenario-format.md.
 * The CLI prints it with --json and every card is built from it, never from raw Azure objects.
 * Extend with optional fields only; the fields below are a contract.
 */
import type { DiagnosisTiming } from './phase-timing.js';

export const REPORT_FORMAT = 'tunnel-doctor-report/v1' as const;

/** Fixed check ids, one per cause of a broken tunnel (scenario-format.md). */
export const CHECK_IDS = [
  'nsg-10250',
  'ufw-10250',
  'iptables-10250',
  'egress-tunnel-ports',
  'snat-exhaustion',
  'tunnel-agent-health',
  // The probe itself (docs/checks.md): fails for a node that does not answer on 10250 and that
  // none of the six causes above explains.
  'kubelet-reachability',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'not-applicable' | 'unknown';
export type TunnelKind = 'konnectivity' | 'tunnel-front' | 'aks-link' | 'none' | 'unknown';
export type Risk = 'low' | 'medium' | 'high';

export interface Evidence {
  /** e.g. "nsg-rule", "command-output", "metric", "pod", "probe", "route". */
  kind: string;
  /** ARM id (or node computer name) the evidence was read from. */
  resource?: string;
  detail: string;
}

export interface FixProposal {
  /** Stable within one report; the approval flow refers to it. */
  id: string;
  /** e.g. "nsg-allow-10250", "nsg-edit-deny", "ufw-allow-10250", "iptables-delete-rule". */
  kind: string;
  title: string;
  /** ARM id, or node computer name(s), the fix changes. */
  target: string;
  /** The exact rule or command, as it will be applied. */
  change: string;
  risk: Risk;
  needsApproval: boolean;
  /** Warnings the approver must read (AKS reconciles managed NSGs, host changes and support …). */
  warnings?: string[];
  /**
   * Extension (optional), NSG fixes: the etag of the NSG in `target` as the checks read it. The fix
   * is approved against that state and written only if the NSG still carries it (If-Match).
   */
  nsgEtag?: string;
  // Extensions for node-host fixes (optional):
  /**
   * The constant node script (src/engine/node-scripts.ts NodeScriptId) that applies `change` on
   * each node of `target`. Absent: no script applies it, so it can only be done by hand.
   */
  scriptId?: string;
  /** That script's run-command parameters, already checked with validateScriptParameters. */
  params?: Record<string, string>;
  /**
   * Extension (optional): steps the approved plan runs after this fix succeeds, shown to the
   * approvers as "Then: …" and covered by the plan hash. E.g. an egress or SNAT fix leaves the
   * tunnel agents in crash back-off, so the plan restarts them.
   */
  then?: FixFollowUp[];
  /**
   * Extension (optional), set by the diagnosis for every fix (fixes/fix-kinds.ts): 'bot' when the bot
   * may apply it itself once approved, 'hand' when it is advice to apply by hand (`byHandReason`
   * says why). Absent (a report from an older version): treated as 'hand'.
   */
  appliedBy?: 'bot' | 'hand';
  byHandReason?: string;
}

/** Why a fix is applied by hand, when nothing more specific is known (FixProposal.byHandReason). */
export const BY_HAND_REASON = 'The bot cannot apply this change itself; apply it by hand as described.';

/** True when the bot may apply this fix itself once approved (the report says so; see appliedBy). */
export const appliedByBot = (fix: Pick<FixProposal, 'appliedBy'>): boolean => fix.appliedBy === 'bot';

/** A step of an approved plan that runs after its main fix succeeded. */
export interface FixFollowUp {
  kind: 'recreate-tunnel-pods';
  /** What it does, as the approval card shows it. */
  change: string;
}

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  summary: string;
  /** Computer names the cause applies to. */
  nodes: string[];
  evidence: Evidence[];
  fixes: FixProposal[];
  /** For "unknown": why, and what would resolve it. */
  unknownReason?: { why: string; resolve: string };
  durationMs?: number;
}

export interface NodePoolFacts {
  name: string;
  mode?: string;
  osType: 'Linux' | 'Windows';
  count: number;
  vmSize?: string;
  /** ARM id of the pool's scale set, when found in the node resource group. */
  vmss?: string;
  subnetId?: string;
  /** agentPoolProfiles[].type when it is not VirtualMachineScaleSets (VirtualMachines, AvailabilitySet). */
  type?: string;
}

export interface ClusterFacts {
  id: string;
  name: string;
  tunnel: TunnelKind;
  private: boolean;
  outboundType: string;
  nodeCount: number;
  // Extensions (optional in the contract, always filled by this implementation):
  resourceGroup?: string;
  subscriptionId?: string;
  location?: string;
  kubernetesVersion?: string;
  nodeResourceGroup?: string;
  fqdn?: string;
  nodePools?: NodePoolFacts[];
  /** Tunnel agent pods found (namespace/name), for the card and the checks. */
  tunnelPods?: string[];
}

export interface Report {
  format: typeof REPORT_FORMAT;
  cluster: ClusterFacts;
  startedAt: string;
  finishedAt: string;
  checks: CheckResult[];
  affectedNodes: string[];
  /** Notes on what could not be read, each naming what would resolve it. */
  warnings?: string[];
  /** Extension: `kubectl logs` of a pod on some affected nodes, to tie the verdict to the symptom. */
  symptoms?: Array<{ node: string; pod: string; confirmed?: boolean; detail: string }>;
  /** Extension: wall time per phase (ms since the diagnosis began; phases overlap) and how the speculative probe fared. */
  timing?: DiagnosisTiming;
}

/** Exit status of `tunnel-doctor diagnose` (scenario-format.md section 2). */
export const EXIT = { healthy: 0, causeFound: 1, badInput: 2, incomplete: 3 } as const;

export function exitCodeFor(report: Report): number {
  if (report.checks.some((c) => c.status === 'fail')) return EXIT.causeFound;
  if (report.checks.some((c) => c.status === 'unknown')) return EXIT.incomplete;
  return EXIT.healthy;
}
