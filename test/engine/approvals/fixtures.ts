/** Shared builders for the approval tests: a report with fixes, people, a policy. */
import { draftApprovalRequest, type ApprovalRequest } from '../../../src/engine/approvals/request.js';
import type { ApprovalPolicy } from '../../../src/engine/approvals/policy.js';
import type { ActingUser } from '../../../src/engine/approvals/decide.js';
import { REPORT_FORMAT, type FixProposal, type Report } from '../../../src/engine/report.js';

export const TENANT = '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69';
export const OTHER_TENANT = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';

export const DANA: ActingUser = { id: '29:dana', aadObjectId: '6f1c9a52-0b8e-4b53-9d2e-1f5a7c3e9b10', name: 'Dana Ops', tenantId: TENANT };
export const ALEX: ActingUser = { id: '29:alex', aadObjectId: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'Alex Lead', tenantId: TENANT };
export const SAM: ActingUser = { id: '29:sam', aadObjectId: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'Sam Sec', tenantId: TENANT };
export const EVE: ActingUser = { id: '29:eve', aadObjectId: 'e0e0e0e0-0000-4000-8000-00000000000e', name: 'Eve', tenantId: TENANT };

export const CLUSTER_ID = `/subscriptions/${TENANT}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod`;

export function policy(overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy {
  return {
    requesterIds: [],
    approverIds: [DANA.aadObjectId as string, ALEX.aadObjectId as string, SAM.aadObjectId as string],
    requireDistinctApprover: true,
    highRiskApprovals: 2,
    ttlMinutes: 30,
    allowedTenantIds: [TENANT],
    ...overrides,
  };
}

export const NSG_FIX: FixProposal = {
  id: 'fix-nsg-1',
  kind: 'nsg-allow-10250',
  title: 'Allow TCP 10250 from the control plane',
  target: `/subscriptions/${TENANT}/resourceGroups/mc_rg/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-nsg`,
  change: 'Allow TCP 10250 inbound from AzureCloud, priority 100',
  risk: 'medium',
  needsApproval: true,
};

export const UFW_FIX: FixProposal = {
  id: 'fix-ufw-1',
  kind: 'ufw-allow-10250',
  title: 'Allow 10250 in UFW',
  target: 'aks-nodepool1-12345678-vmss000000',
  change: 'ufw allow 10250/tcp',
  risk: 'high',
  needsApproval: true,
  scriptId: 'ufw-allow-10250',
  params: { port: '10250' },
};

export function report(fixes: FixProposal[] = [NSG_FIX, UFW_FIX]): Report {
  return {
    format: REPORT_FORMAT,
    cluster: { id: CLUSTER_ID, name: 'aks-prod', tunnel: 'konnectivity', private: false, outboundType: 'loadBalancer', nodeCount: 3 },
    startedAt: '2026-03-01T10:00:00.000Z',
    finishedAt: '2026-03-01T10:00:20.000Z',
    checks: [
      { id: 'nsg-10250', status: 'fail', summary: 'NSG denies 10250', nodes: [], evidence: [], fixes: fixes.filter((f) => f.kind.startsWith('nsg')) },
      { id: 'ufw-10250', status: 'fail', summary: 'UFW on', nodes: [], evidence: [], fixes: fixes.filter((f) => f.kind.startsWith('ufw')) },
    ],
    affectedNodes: [],
  };
}

export const T0 = new Date('2026-03-01T10:01:00.000Z');

export function minutesAfter(start: Date, minutes: number): Date {
  return new Date(start.getTime() + minutes * 60_000);
}

/** A draft for `fixId`, requested by `by` at `now`. */
export function draft(fixId = NSG_FIX.id, by: ActingUser = DANA, now = T0, p = policy()): ApprovalRequest {
  const outcome = draftApprovalRequest({ report: report(), fixId, requester: by, policy: p, now });
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.draft;
}
