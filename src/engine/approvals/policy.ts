/**
 * Who may request and approve fixes, as the engine sees it. Parsed from configuration by
 * src/app/policy-config.ts (readApprovalPolicy); defined here so the engine never imports the app.
 * Every id is an Entra object id (or tenant id), lower-case: Teams sends `aadObjectId` on each
 * activity, and it is the one identity a user cannot choose (a display name or channel id can be
 * shared by guests); ids are compared case-insensitively, as GUIDs are.
 */
export interface ApprovalPolicy {
  /** Entra object ids who may request a fix; empty: anyone in an allowed tenant. */
  requesterIds: string[];
  /** Entra object ids who may approve or reject; empty: nothing can be approved. */
  approverIds: string[];
  /** The requester may not approve their own request (four-eyes rule); on by default. */
  requireDistinctApprover: boolean;
  /** Approvals a fix of risk 'high' needs (others need one). */
  highRiskApprovals: number;
  /** Minutes a request stays approvable. */
  ttlMinutes: number;
  /** Tenants whose users may act; empty: no tenant is configured (local mode), callers must still share the request's tenant. */
  allowedTenantIds: string[];
}

export const DEFAULT_HIGH_RISK_APPROVALS = 2;
export const DEFAULT_APPROVAL_TTL_MINUTES = 30;

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export function isListed(ids: readonly string[], id: string | undefined): boolean {
  return id !== undefined && ids.some((listed) => sameId(listed, id));
}
