import { describe, expect, it } from 'vitest';
import { readApprovalPolicy } from '../../../src/app/policy-config.js';
import { ConfigError } from '../../../src/config-error.js';
import { ALEX, DANA, OTHER_TENANT, TENANT } from './fixtures.js';

function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    readApprovalPolicy(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

describe('readApprovalPolicy', () => {
  it('defaults: no approvers, four-eyes on, 2 approvals for high risk, 30 minutes, the bot tenant', () => {
    expect(readApprovalPolicy({ MicrosoftAppTenantId: TENANT.toUpperCase() })).toEqual({
      requesterIds: [],
      approverIds: [],
      requireDistinctApprover: true,
      highRiskApprovals: 2,
      ttlMinutes: 30,
      allowedTenantIds: [TENANT],
    });
    expect(readApprovalPolicy({}).allowedTenantIds).toEqual([]);
  });

  it('reads every variable, trimming, lower-casing and de-duplicating ids', () => {
    const policy = readApprovalPolicy({
      REQUESTER_IDS: ` ${DANA.aadObjectId} `,
      APPROVER_IDS: `${ALEX.aadObjectId},${(ALEX.aadObjectId as string).toUpperCase()}, ${DANA.aadObjectId},`,
      REQUIRE_DISTINCT_APPROVER: 'false',
      HIGH_RISK_APPROVALS: '3',
      APPROVAL_TTL_MINUTES: '1440',
      ALLOWED_TENANT_IDS: `${TENANT},${OTHER_TENANT}`,
      MicrosoftAppTenantId: 'ignored-when-allowed-tenants-are-set',
    });
    expect(policy).toEqual({
      requesterIds: [DANA.aadObjectId],
      approverIds: [ALEX.aadObjectId, DANA.aadObjectId],
      requireDistinctApprover: false,
      highRiskApprovals: 3,
      ttlMinutes: 1440,
      allowedTenantIds: [TENANT, OTHER_TENANT],
    });
  });

  it.each([
    ['APPROVER_IDS', 'alex@contoso.com', /APPROVER_IDS is "alex@contoso.com": comma-separated Entra object ids/],
    ['REQUESTER_IDS', `${DANA.aadObjectId},29:dana`, /REQUESTER_IDS is "29:dana"/],
    ['ALLOWED_TENANT_IDS', 'contoso.onmicrosoft.com', /ALLOWED_TENANT_IDS is "contoso.onmicrosoft.com"/],
    ['REQUIRE_DISTINCT_APPROVER', 'maybe', /REQUIRE_DISTINCT_APPROVER is "maybe": true or false/],
    ['HIGH_RISK_APPROVALS', '0', /HIGH_RISK_APPROVALS is "0": a whole number from 1 to 10/],
    ['HIGH_RISK_APPROVALS', '1.5', /HIGH_RISK_APPROVALS is "1.5"/],
    ['HIGH_RISK_APPROVALS', '11', /HIGH_RISK_APPROVALS is "11"/],
    ['APPROVAL_TTL_MINUTES', '0', /APPROVAL_TTL_MINUTES is "0": a whole number from 1 to 1440/],
    ['APPROVAL_TTL_MINUTES', '1441', /APPROVAL_TTL_MINUTES is "1441"/],
    ['APPROVAL_TTL_MINUTES', 'thirty', /APPROVAL_TTL_MINUTES is "thirty"/],
  ])('refuses %s=%s, naming the variable', (name, value, message) => {
    const err = configErrorOf({ [name]: value });
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(message);
  });

  it('accepts the bounds', () => {
    expect(readApprovalPolicy({ HIGH_RISK_APPROVALS: '1', APPROVAL_TTL_MINUTES: '1' })).toMatchObject({ highRiskApprovals: 1, ttlMinutes: 1 });
    expect(readApprovalPolicy({ REQUIRE_DISTINCT_APPROVER: 'off' }).requireDistinctApprover).toBe(false);
  });
});
