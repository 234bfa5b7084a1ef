/**
 * Issue 10 from outside, with authentication on (an app id configured): every refused Bot Framework
 * token is a 401 in the bot's own words (never the library's text, never a 500), bodies that are
 * not JSON activities are refused before any token check, and nothing reaches Azure. And a bot
 * with authentication off refuses to start against real Azure.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafeToServe, parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBot, type RunningBot } from '../../src/start-bot.js';
import { messageActivity } from '../support/fake-connector.js';
import { readAccessLog, spawnBot } from '../support/bot-process.js';
import { tempDir } from '../support/temp-dir.js';

const APP_ID = '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const dir = tempDir('bot-auth');
const accessLog = path.join(dir, 'access.jsonl');
let bot: RunningBot;

beforeAll(async () => {
  bot = await startBot(
    parseConfig({
      PORT: '0',
      SIM_LATENCY_SCALE: '0',
      AZURE_MODE: 'simulated',
      SIM_ACCESS_LOG: accessLog,
      STATE_SQLITE_PATH: path.join(dir, 'state.sqlite'),
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppTenantId: TENANT,
    }),
    silentLogger,
  );
});

afterAll(async () => {
  await bot?.close();
});

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: 'http://127.0.0.1:1/', iat: now() - 60, exp: now() + 3600, ...extra });
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function rs256(payload: object, header: object = { alg: 'RS256', typ: 'JWT', kid: 'td-test-key' }): string {
  const head = `${b64(header)}.${b64(payload)}`;
  return `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
}

function hs256(payload: object, secret: string): string {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const TOKENS: Array<[string, string | undefined]> = [
  ['no Authorization header', undefined],
  ['not a bearer token', 'Basic dXNlcjpwYXNz'],
  ['garbage', 'Bearer not.a.jwt'],
  ['alg:none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
  ['HS256 keyed with a public key', `Bearer ${hs256(claims(), publicKey.export({ type: 'spki', format: 'pem' }).toString())}`],
  ['a self-signed RS256 token (wrong signature)', `Bearer ${rs256(claims())}`],
  ['nbf in the future', `Bearer ${rs256(claims({ nbf: now() + 3600 }))}`],
  ['expired', `Bearer ${rs256(claims({ exp: now() - 3600 }))}`],
  ['another audience', `Bearer ${rs256(claims({ aud: '00000000-0000-0000-0000-000000000001' }))}`],
  ['another issuer', `Bearer ${rs256(claims({ iss: 'https://sts.evil.example/' }))}`],
];

async function post(body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

describe('authentication on: refused tokens', () => {
  it.each(TOKENS)('answers 401 in its own words for %s, and runs nothing', async (_what, authorization) => {
    const invoke = { ...messageActivity(''), type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'approve', data: { requestId: 'A'.repeat(22) } } } };
    for (const activity of [messageActivity('diagnose aks-nsg-deny'), invoke]) {
      const res = await post(JSON.stringify(activity), { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text)).toEqual({ error: 'Unauthorized: a valid Bot Framework token is required.' });
    }
    await bot.drain();
    expect(readAccessLog(accessLog)).toEqual([]);
  });

  it('refuses a form body (415) and an activity without a type (400) before looking at any token', async () => {
    expect((await post('type=message&text=diagnose', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post('{"text":"diagnose aks-nsg-deny"}', { 'content-type': 'application/json' })).status).toBe(400);
    expect(readAccessLog(accessLog)).toEqual([]);
  });
});

describe('authentication off is for the simulated Azure only', () => {
  it('TD_LOCAL=true AZURE_MODE=azure without an app id does not start, and says which setting to fix', async () => {
    const env = { TD_LOCAL: 'true', AZURE_MODE: 'azure' };
    // The CLI may still read this configuration to diagnose real Azure: it serves nothing.
    const config = parseConfig(env);
    expect(config.demoIdentities).toBe(false);
    expect(config.trustedChannels).toEqual(['msteams']);
    expect(() => assertSafeToServe(config)).toThrow(/MicrosoftAppId[^]*authentication on[^]*simulated/);
    await expect(startBot({ ...config, port: 0, store: { kind: 'sqlite', path: path.join(dir, 'never-in-process.sqlite') } }, silentLogger)).rejects.toThrow(/MicrosoftAppId/);
    const starting = spawnBot('bot against real Azure with auth off', { ...env, MicrosoftAppId: '', STATE_SQLITE_PATH: path.join(dir, 'never.sqlite') });
    await expect(starting).rejects.toThrow(/exited before listening[^]*MicrosoftAppId/);
  });

  it('AZURE_MODE=azure alone without an app id is refused while reading the configuration', () => {
    expect(() => parseConfig({ AZURE_MODE: 'azure' })).toThrow(/MicrosoftAppId[^]*only[^]*simulated/);
  });

  it('keeps demo identities and the local chat to the simulated Azure without an app id', () => {
    const local = parseConfig({ AZURE_MODE: 'simulated' });
    expect(local.demoIdentities).toBe(true);
    expect(local.trustedChannels).toEqual(['msteams', 'local']);
    const teams = parseConfig({ AZURE_MODE: 'simulated', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x', MicrosoftAppTenantId: TENANT });
    expect(teams.demoIdentities).toBe(false);
    expect(teams.trustedChannels).toEqual(['msteams']);
    expect(() => parseConfig({ TRUSTED_IDENTITY_CHANNELS: 'msteams,<script>' })).toThrow(/TRUSTED_IDENTITY_CHANNELS/);
    // Another channel is trusted only when named on purpose.
    expect(parseConfig({ AZURE_MODE: 'simulated', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x', MicrosoftAppTenantId: TENANT, TRUSTED_IDENTITY_CHANNELS: 'msteams, WebChat' }).trustedChannels).toEqual(['msteams', 'webchat']);
  });
});
