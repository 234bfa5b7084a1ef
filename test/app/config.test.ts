import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config-error.js';

const APP = '11111111-2222-3333-4444-555555555555';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUB = '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69';

function fails(env: NodeJS.ProcessEnv, variable: string, message: RegExp) {
  let err: unknown;
  try {
    parseConfig(env);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).variable).toBe(variable);
  expect((err as ConfigError).message).toMatch(message);
}

describe('parseConfig', () => {
  it('names this instance from TD_INSTANCE_ID, else the host name, and refuses ids that are not plain names', async () => {
    const { hostname } = await import('node:os');
    expect(parseConfig({ TD_INSTANCE_ID: 'tunnel-doctor-1' }).instanceId).toBe('tunnel-doctor-1');
    expect(parseConfig({}).instanceId).toBe(hostname().slice(0, 100));
    fails({ TD_INSTANCE_ID: 'bot a; rm -rf /' }, 'TD_INSTANCE_ID', /up to 100 letters, digits/);
    fails({ TD_INSTANCE_ID: 'x'.repeat(101) }, 'TD_INSTANCE_ID', /up to 100/);
  });

  it('defaults to the simulated Azure, local mode, loopback, port 3978', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ azureMode: 'simulated', local: true, port: 3978, bindHost: '127.0.0.1' });
    expect(c.bot.appId).toBe('');
    expect(c.simulator.scenarios[0]).toMatch(/scenarios$/);
    expect(c.simulator.latencyScale).toBe(0.1);
    expect(c.store).toMatchObject({ kind: 'sqlite', path: expect.stringMatching(/data\/tunnel-doctor\.sqlite$/) });
  });

  it('points at a running simulated Azure when SIM_ENDPOINT is set', () => {
    expect(parseConfig({ SIM_ENDPOINT: 'http://127.0.0.1:4010/' }).simulator.endpoint).toBe('http://127.0.0.1:4010');
    expect(parseConfig({}).simulator.endpoint).toBeUndefined();
  });

  it('switches to real Azure when subscriptions are configured, and then demands an app id', () => {
    fails({ AZURE_SUBSCRIPTION_IDS: SUB }, 'MicrosoftAppId', /only allowed in local mode/);
  });

  it('accepts a SingleTenant bot for real Azure', () => {
    const c = parseConfig({
      AZURE_SUBSCRIPTION_IDS: `${SUB}, ${SUB.replace('3f', '4f')}`,
      MicrosoftAppId: APP,
      MicrosoftAppPassword: 's3cret',
      MicrosoftAppTenantId: TENANT,
    });
    expect(c).toMatchObject({ azureMode: 'azure', local: false, bindHost: '0.0.0.0' });
    expect(c.subscriptionIds).toHaveLength(2);
    expect(c.bot).toMatchObject({ appId: APP, appType: 'SingleTenant', tenantId: TENANT });
  });

  it('accepts a UserAssignedMSI bot without a secret and refuses one with a secret, without echoing it', () => {
    const base = { AZURE_MODE: 'azure', MicrosoftAppId: APP, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT };
    expect(parseConfig(base).bot.appType).toBe('UserAssignedMSI');
    let msg = '';
    try {
      parseConfig({ ...base, MicrosoftAppPassword: 'topsecret' });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/MicrosoftAppPassword/);
    expect(msg).not.toContain('topsecret');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', /TCP port number/],
    [{ PORT: '70000' }, 'PORT', /TCP port number/],
    [{ AZURE_MODE: 'cloud' }, 'AZURE_MODE', /simulated .* or azure/],
    [{ AZURE_SUBSCRIPTION_IDS: 'prod' }, 'AZURE_SUBSCRIPTION_IDS', /GUIDs/],
    [{ MicrosoftAppType: 'MultiTenant' }, 'MicrosoftAppType', /no longer be MultiTenant/],
    [{ MicrosoftAppId: 'not-a-guid' }, 'MicrosoftAppId', /GUID/],
    [{ MicrosoftAppId: APP, MicrosoftAppPassword: 'x' }, 'MicrosoftAppTenantId', /tenant id/],
    [{ MicrosoftAppId: APP, MicrosoftAppTenantId: TENANT }, 'MicrosoftAppPassword', /client secret/],
    [{ SIM_SCENARIOS: 'no/such/dir' }, 'SIM_SCENARIOS', /existing scenario files/],
    [{ SIM_LATENCY_SCALE: '-1' }, 'SIM_LATENCY_SCALE', /number from 0 to 10/],
    [{ BIND_HOST: '0.0.0.0' }, 'BIND_HOST', /authentication is off/],
    [{ TD_LOCAL: 'maybe' }, 'TD_LOCAL', /true or false/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /debug, info/],
    [{ STATE_STORE: 'redis' }, 'STATE_STORE', /sqlite .* or blob/],
    [{ SIM_ENDPOINT: 'http://10.0.0.5:4010' }, 'SIM_ENDPOINT', /on this machine/],
    [{ STATE_STORE: 'blob' }, 'STATE_BLOB_CONNECTION_STRING', /.+/],
  ])('%j → %s', (env, variable, message) => fails(env, variable, message));
});
