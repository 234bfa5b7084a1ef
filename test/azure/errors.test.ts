import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { AzureError, toAzureError } from '../../src/azure/errors.js';

function restError(status: number, code: string | undefined, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
  return new RestError(`message for ${status}`, {
    statusCode: status,
    ...(code ? { code } : {}),
    request,
    response: { status, headers: createHttpHeaders(headers), request },
  });
}

describe('toAzureError', () => {
  it('names the missing RBAC action on 403', () => {
    const e = toAzureError(restError(403, 'AuthorizationFailed'), 'write rule x', 'Microsoft.Network/networkSecurityGroups/securityRules/write');
    expect(e).toBeInstanceOf(AzureError);
    expect(e.statusCode).toBe(403);
    expect(e.code).toBe('AuthorizationFailed');
    expect(e.rbacAction).toBe('Microsoft.Network/networkSecurityGroups/securityRules/write');
    expect(e.userMessage).toContain('"Microsoft.Network/networkSecurityGroups/securityRules/write"');
  });

  it('maps 404, 409, 412 and 429 (with Retry-After) to distinct messages', () => {
    expect(toAzureError(restError(404, 'ResourceNotFound'), 'read nsg').userMessage).toContain('does not exist');
    expect(toAzureError(restError(409, 'Conflict'), 'run').userMessage).toContain('conflict');
    expect(toAzureError(restError(412, 'PreconditionFailed'), 'write').userMessage).toContain('changed by someone else');
    const throttled = toAzureError(restError(429, undefined, { 'retry-after': '7' }), 'list');
    expect(throttled.code).toBe('TooManyRequests');
    expect(throttled.retryAfterMs).toBe(7000);
  });

  it('treats a missing status as unreachable and keeps AzureErrors as they are', () => {
    const request = createPipelineRequest({ url: 'http://127.0.0.1:1/x' });
    const unreachable = toAzureError(new RestError('connect ECONNREFUSED', { code: 'REQUEST_SEND_ERROR', request }), 'list clusters');
    expect(unreachable.code).toBe('Unreachable');
    const own = new AzureError({ code: 'X', message: 'm', userMessage: 'u' });
    expect(toAzureError(own, 'anything')).toBe(own);
    expect(toAzureError(new Error('boom'), 'do it').code).toBe('Unexpected');
  });
});
