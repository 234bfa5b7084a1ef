import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { AzureError } from '../../src/azure/errors.js';
import { createLogger, REDACTED, type LogLevel } from '../../src/log.js';

function collect(level: LogLevel = 'debug') {
  const lines: string[] = [];
  const log = createLogger(level, {}, (line) => lines.push(line));
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, records };
}

describe('createLogger (pino)', () => {
  it('writes one JSON object per line with level label, ISO time and message', () => {
    const { log, lines, records } = collect('info');
    log.debug('not written at info');
    log.info('diagnosis started', { cluster: 'aks-prod' });
    log.error('diagnosis failed', { n: 3 });
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).not.toContain('\n');
    const [a, b] = records();
    expect(a).toMatchObject({ level: 'info', msg: 'diagnosis started', cluster: 'aks-prod' });
    expect(Date.parse(String(a?.time))).not.toBeNaN();
    expect(String(a?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(b).toMatchObject({ level: 'error', n: 3 });
  });

  it('child loggers carry their bindings (correlation id, request id) on every line, nested too', () => {
    const { log, records } = collect();
    const diag = log.child({ correlationId: 'corr-1' });
    diag.info('one');
    diag.child({ requestId: 'req-9' }).warn('two', { extra: true });
    log.info('three');
    const [one, two, three] = records();
    expect(one).toMatchObject({ correlationId: 'corr-1', msg: 'one' });
    expect(two).toMatchObject({ correlationId: 'corr-1', requestId: 'req-9', extra: true, level: 'warn' });
    expect(three?.correlationId).toBeUndefined();
  });

  it('replaces fields whose key names a secret, at any depth and in child bindings', () => {
    const { log, lines, records } = collect();
    log.child({ MicrosoftAppPassword: 'hunter2-app-secret' }).info('config', {
      bot: { appId: 'a', appPassword: 'pw-123456' },
      headers: { Authorization: 'Bearer abc.def.ghi' },
      store: { connectionString: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=c2VjcmV0', accountKey: 'c2VjcmV0' },
      accessToken: 'tok-xyz',
      list: [{ clientSecret: 's3cr3t' }],
    });
    const text = lines.join('\n');
    for (const secret of ['hunter2-app-secret', 'pw-123456', 'abc.def.ghi', 'c2VjcmV0', 'tok-xyz', 's3cr3t']) expect(text).not.toContain(secret);
    const [r] = records();
    expect(r).toMatchObject({ MicrosoftAppPassword: REDACTED, accessToken: REDACTED, headers: REDACTED, bot: { appId: 'a', appPassword: REDACTED } });
  });

  it.each([
    ['storage connection string', 'could not open DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=QUJDREVGR0g=;EndpointSuffix=core.windows.net', 'QUJDREVGR0g='],
    ['service bus key', 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=S2V5S2V5S2V5', 'S2V5S2V5S2V5'],
    ['SAS connection string', 'BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig=Zm9vYmFy', 'Zm9vYmFy'],
    ['SAS URL sig=', 'GET https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2030-01-01&sp=r&sig=abc%2Fdef%3D failed', 'abc%2Fdef%3D'],
    ['bearer token', 'sent Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.eyJhdWQiOiJodHRwczovL21h.c2lnbmF0dXJl', 'eyJ0eXAiOiJKV1QiLCJhbGciOi'],
    ['bare JWT', 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sIgNaTuRe was rejected', 'sIgNaTuRe'],
    ['app insights connection string', 'InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://x', '00000000-1111-2222-3333-444444444444'],
    ['client secret in a form body', 'grant_type=client_credentials&client_secret=VerySecretValue&scope=x', 'VerySecretValue'],
  ])('scrubs a %s from free text (message and field values)', (_shape, text, secret) => {
    const { log, lines } = collect();
    log.warn(text, { detail: text, nested: { again: [text] } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain(REDACTED);
  });

  it('serialises errors as type, message, user message and code, never the request or response', () => {
    const { log, lines, records } = collect();
    const request = createPipelineRequest({
      url: 'https://management.azure.com/subscriptions/x?api-version=1',
      headers: createHttpHeaders({ authorization: 'Bearer SECRET-BEARER-VALUE' }),
      body: '{"customerData":"BODY-CONTENT"}',
    });
    const rest = new RestError('Forbidden', {
      code: 'AuthorizationFailed',
      statusCode: 403,
      request,
      response: { request, status: 403, headers: createHttpHeaders({ 'set-cookie': 'COOKIE-VALUE' }), bodyAsText: '{"error":"RESPONSE-BODY"}' },
    });
    const err = new AzureError({ code: 'AuthorizationFailed', statusCode: 403, message: 'ARM said no', userMessage: 'The bot lacks a role.', cause: rest });
    log.error('diagnosis failed', { err });
    const text = lines.join('');
    for (const leak of ['SECRET-BEARER-VALUE', 'BODY-CONTENT', 'COOKIE-VALUE', 'RESPONSE-BODY']) expect(text).not.toContain(leak);
    const e = records()[0]?.err as Record<string, unknown>;
    expect(e).toMatchObject({ type: 'AzureError', message: 'ARM said no', userMessage: 'The bot lacks a role.', code: 'AuthorizationFailed', statusCode: 403 });
    expect(e.cause).toMatchObject({ type: 'RestError', code: 'AuthorizationFailed', statusCode: 403 });
    expect(Object.keys(e.cause as object).sort()).toEqual(['code', 'message', 'stack', 'statusCode', 'type']);
  });
});
