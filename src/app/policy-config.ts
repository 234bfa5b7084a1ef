/**
 * The approval policy of issue 4, read from an `env` argument (tests pass their own) the way
 * src/config.ts reads the rest: a bad value throws ConfigError naming the variable and the shape
 * it should have. parseConfig calls readApprovalPolicy once at start.
 */
import { ConfigError } from '../config-error.js';
import {
  DEFAULT_APPROVAL_TTL_MINUTES,
  DEFAULT_HIGH_RISK_APPROVALS,
  type ApprovalPolicy,
} from '../engine/approvals/policy.js';

export type { ApprovalPolicy } from '../engine/approvals/policy.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_HIGH_RISK_APPROVALS = 10;
const MAX_TTL_MINUTES = 24 * 60;

function readGuidList(env: NodeJS.ProcessEnv, name: string, what: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !GUID.test(id));
  if (bad !== undefined) {
    throw new ConfigError(name, `comma-separated ${what} (GUIDs), e.g. ${name}=6f1c9a52-0b8e-4b53-9d2e-1f5a7c3e9b10`, bad);
  }
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

function readBool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, 'true or false', env[name]);
}

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, meaning: string): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new ConfigError(name, `a whole number from ${min} to ${max} (${meaning}), default ${fallback}`, raw);
  }
  return n;
}

/**
 * ALLOWED_TENANT_IDS unset falls back to the bot's own tenant (MicrosoftAppTenantId): a guest or a
 * shared channel can bring users of other tenants to a single-tenant bot, and they must not act on
 * this organisation's clusters unless someone lists their tenant on purpose.
 */
export function readApprovalPolicy(env: NodeJS.ProcessEnv): ApprovalPolicy {
  const requesterIds = readGuidList(env, 'REQUESTER_IDS', 'Entra object ids of the users who may request fixes');
  const approverIds = readGuidList(env, 'APPROVER_IDS', 'Entra object ids of the users who may approve fixes');
  const requireDistinctApprover = readBool(env, 'REQUIRE_DISTINCT_APPROVER', true);
  const highRiskApprovals = readInt(
    env,
    'HIGH_RISK_APPROVALS',
    DEFAULT_HIGH_RISK_APPROVALS,
    1,
    MAX_HIGH_RISK_APPROVALS,
    'approvals a high-risk fix needs',
  );
  const ttlMinutes = readInt(env, 'APPROVAL_TTL_MINUTES', DEFAULT_APPROVAL_TTL_MINUTES, 1, MAX_TTL_MINUTES, 'minutes a request stays approvable');
  let allowedTenantIds = readGuidList(env, 'ALLOWED_TENANT_IDS', 'Entra tenant ids whose users may request and approve');
  if (allowedTenantIds.length === 0) {
    const botTenant = env.MicrosoftAppTenantId?.trim();
    if (botTenant && GUID.test(botTenant)) allowedTenantIds = [botTenant.toLowerCase()];
  }
  return { requesterIds, approverIds, requireDistinctApprover, highRiskApprovals, ttlMinutes, allowedTenantIds };
}
