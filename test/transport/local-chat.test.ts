/**
 * The local chat page's routes over real HTTP: the page API turns input into activities for
 * /api/messages (through CloudAdapter), the connector emulation receives the bot's replies and
 * updates, and the event stream carries them back. Only in local mode without an app id.
 */
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBot, type RunningBot } from '../../src/start-bot.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { openChatStream, type ChatStream } from '../support/local-chat-client.js';
import { tempDir } from '../support/temp-dir.js';

const stateFile = (name: string) => path.join(tempDir(`local-chat-${name}`), 'state.sqlite');

/** A raw request with headers fetch() will not set (Host). */
function rawRequest(url: string, method: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (the page itself)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

describe('local chat with an app id configured', () => {
  let bot: RunningBot;
  beforeAll(async () => {
    bot = await startBot(
      parseConfig({
        PORT: '0',
        SIM_LATENCY_SCALE: '0',
        STATE_SQLITE_PATH: stateFile('appid'),
        MicrosoftAppId: '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69',
        MicrosoftAppPassword: 'not-a-real-secret',
        MicrosoftAppTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      }),
      silentLogger,
    );
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('answers 404 for the page, its API and the connector emulation', async () => {
    expect((await call(`${bot.url}/`, 'GET')).status).toBe(404);
    expect((await call(`${bot.url}/local-chat/chat.js`, 'GET')).status).toBe(404);
    expect((await call(`${bot.url}/local-chat/api/identities`, 'GET')).status).toBe(404);
    expect((await call(`${bot.url}/local-chat/api/conversations`, 'POST', {})).status).toBe(404);
    expect((await call(`${bot.url}/v3/conversations/x/activities`, 'POST', { type: 'message', text: 'hi' })).status).toBe(404);
  });
});

describe('local chat in local mode', () => {
  let bot: RunningBot;
  let chat: ChatStream;
  let conversationId: string;

  beforeAll(async () => {
    bot = await startBot(parseConfig({ PORT: '0', SIM_LATENCY_SCALE: '0', STATE_SQLITE_PATH: stateFile('local') }), silentLogger);
    const created = await call(`${bot.url}/local-chat/api/conversations`, 'POST');
    expect(created.status).toBe(201);
    conversationId = created.body.conversationId;
    expect(conversationId).toMatch(/^local-chat-[0-9a-f-]{36}$/);
    chat = await openChatStream(bot.url, conversationId);
  });
  afterAll(async () => {
    chat?.close();
    await bot?.close();
  });

  const api = (p: string) => `${bot.url}/local-chat/api/conversations/${conversationId}${p}`;

  it('serves the page and the official renderer with a strict CSP', async () => {
    const page = await call(`${bot.url}/`, 'GET');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.body).toContain('Local demo — authentication is off');
    const renderer = await call(`${bot.url}/local-chat/adaptivecards.min.js`, 'GET');
    expect(renderer.status).toBe(200);
    expect(renderer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(String(renderer.body)).toContain('AdaptiveCards');
  });

  it('lists the four demo identities without their object ids', async () => {
    const res = await call(`${bot.url}/local-chat/api/identities`, 'GET');
    expect(res.status).toBe(200);
    expect(res.body.demoIdentities).toBe(true);
    expect(res.body.identities.map((d: Json) => d.key)).toEqual(['requester', 'approver', 'second-approver', 'outsider']);
  });

  it('greets a new conversation with the help card, delivered through the connector emulation', async () => {
    const greeting = await chat.waitFor((items) => items.find((i) => i.from.role === 'bot' && /diagnose/i.test(cardText(i.cards))));
    expect(greeting.id).toMatch(/^bot-\d+$/);
  });

  it('a message round trip: the page posts, the bot answers through the connector, the stream shows both', async () => {
    const res = await call(api('/messages'), 'POST', { identity: 'requester', text: 'diagnose cluster no-such-cluster-xyz', locale: 'en-US' });
    expect(res.status).toBe(202);
    const echoed = await chat.waitFor((items) => items.find((i) => i.id === res.body.id));
    expect(echoed).toMatchObject({ from: { role: 'user', name: 'Riley (on-call)', identity: 'requester' }, text: 'diagnose cluster no-such-cluster-xyz' });
    // The bot's progress card, then the same card updated in place with the answer.
    const answer = await chat.waitFor((items) =>
      items.slice(items.indexOf(echoed) + 1).find((i) => i.from.role === 'bot' && /No cluster named .no-such-cluster-xyz/.test(cardText(i.cards))),
    );
    expect(answer.version).toBeGreaterThan(1);
  });

  it('an invoke round trip: Request this fix, outsider refused, approver approves, the card is updated in place', async () => {
    await call(api('/messages'), 'POST', { identity: 'requester', text: 'diagnose cluster aks-nsg-deny' });
    const diagnosis = await chat.waitFor((items) =>
      items.find((i) => executeActions(i.cards).some((a) => a.verb === 'request-fix') && /nsg-10250/.test(cardText(i.cards))),
    );
    const request = executeActions(diagnosis.cards).find((a) => a.verb === 'request-fix')!;
    const requested = await call(api('/invoke'), 'POST', { identity: 'requester', replyToId: diagnosis.id, verb: request.verb, data: request.data });
    expect(requested.status).toBe(200);
    expect(cardText(requested.body.card)).toMatch(/Fix requested/);

    const approval = await chat.waitFor((items) => items.find((i) => /Fix waiting for approval/.test(cardText(i.cards))));
    const approve = executeActions(approval.cards).find((a) => a.verb === 'approve')!;
    expect(approve).toBeDefined();

    const outsider = await call(api('/invoke'), 'POST', { identity: 'outsider', replyToId: approval.id, verb: 'approve', data: approve.data });
    expect(cardText(outsider.body.card)).toMatch(/not an approver/);
    // Who to ask, by the demo approvers' names, never an object id (issue 15).
    expect(cardText(outsider.body.card)).toMatch(/Ask Avery \(team lead\) or Sam \(SRE lead\) to approve it/);
    expect(cardText(outsider.body.card)).not.toMatch(/de70c004-/);
    const self = await call(api('/invoke'), 'POST', { identity: 'requester', replyToId: approval.id, verb: 'approve', data: approve.data });
    // The demo requester is no approver (only the two demo approvers are, APPROVER_IDS being unset).
    expect(cardText(self.body.card)).toMatch(/not an approver/);

    const approved = await call(api('/invoke'), 'POST', { identity: 'approver', replyToId: approval.id, verb: 'approve', data: approve.data });
    expect(cardText(approved.body.card)).toMatch(/Fix approved/);
    const verified = await chat.waitFor((items) => items.find((i) => i.id === approval.id && /Fix applied and verified/.test(cardText(i.cards))));
    expect(verified.version).toBeGreaterThan(approval.version);
    expect(cardText(verified.cards)).toMatch(/nsg-10250 pass/);
  });

  it('an Action.Submit (messageBack) becomes a message with its text and the rest of the data as value', async () => {
    const res = await call(api('/messages'), 'POST', {
      identity: 'outsider',
      value: { action: 'diagnose', clusterId: 'aks-demo-healthy', msteams: { type: 'messageBack', text: 'diagnose aks-demo-healthy', displayText: 'Diagnose aks-demo-healthy' } },
    });
    expect(res.status).toBe(202);
    const echoed = await chat.waitFor((items) => items.find((i) => i.id === res.body.id));
    expect(echoed).toMatchObject({ from: { name: 'Olive (another team)' }, text: 'Diagnose aks-demo-healthy' });
    await chat.waitFor((items) => items.slice(items.indexOf(echoed) + 1).find((i) => /Tunnel healthy on aks-demo-healthy/.test(cardText(i.cards))));
  });

  it('refuses requests addressed to another host name (DNS rebinding) or from another site', async () => {
    const port = new URL(bot.url).port;
    const rebound = await rawRequest(`${bot.url}/`, 'GET', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/only at 127.0.0.1 or localhost/);
    const viaApi = await rawRequest(api('/messages'), 'POST', { host: `attacker.example:${port}` }, JSON.stringify({ identity: 'approver', text: 'help' }));
    expect(viaApi.status).toBe(403);
    const crossSite = await rawRequest(api('/messages'), 'POST', { origin: 'https://attacker.example' }, JSON.stringify({ identity: 'approver', text: 'help' }));
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toMatch(/other sites/);
    const sameSite = await rawRequest(`${bot.url}/local-chat/api/identities`, 'GET', { origin: bot.url, host: new URL(bot.url).host });
    expect(sameSite.status).toBe(200);
    expect((await rawRequest(`${bot.url}/`, 'GET', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('rejects bad input with 400 and a clear message, and unknown conversations with 404', async () => {
    const long = await call(api('/messages'), 'POST', { identity: 'requester', text: 'x'.repeat(2001) });
    expect(long.status).toBe(400);
    expect(long.body.error).toMatch(/at most 2000/);
    const who = await call(api('/messages'), 'POST', { identity: 'admin', text: 'help' });
    expect(who.status).toBe(400);
    expect(who.body.error).toMatch(/"identity" must be one of: requester, approver, second-approver, outsider/);
    const empty = await call(api('/messages'), 'POST', { identity: 'requester', text: '   ' });
    expect(empty.status).toBe(400);
    const notJson = await call(api('/messages'), 'POST', '[1,2]');
    expect(notJson.status).toBe(400);
    const verb = await call(api('/invoke'), 'POST', { identity: 'approver', replyToId: 'bot-1', verb: 'v'.repeat(65), data: {} });
    expect(verb.status).toBe(400);
    expect(verb.body.error).toMatch(/"verb"/);
    const data = await call(api('/invoke'), 'POST', { identity: 'approver', replyToId: 'bot-1', verb: 'approve', data: { pad: 'x'.repeat(9000) } });
    expect(data.status).toBe(400);
    expect(data.body.error).toMatch(/larger than 8192 bytes/);
    const target = await call(api('/invoke'), 'POST', { identity: 'approver', replyToId: 'bot-99999', verb: 'approve', data: {} });
    expect(target.status).toBe(400);
    expect(target.body.error).toMatch(/not a card the bot sent/);
    const userItem = await call(api('/invoke'), 'POST', { identity: 'approver', replyToId: 'user-1', verb: 'approve', data: {} });
    expect(userItem.status).toBe(400);
    const locale = await call(api('/messages'), 'POST', { identity: 'requester', text: 'help', locale: '<script>' });
    expect(locale.status).toBe(400);
    expect(locale.body.error).toMatch(/"locale"/);
    const submit = await call(api('/messages'), 'POST', { identity: 'requester', value: 'diagnose' });
    expect(submit.status).toBe(400);
    expect(submit.body.error).toMatch(/"value" \(Action.Submit data\) must be a JSON object/);
    const back = await call(api('/messages'), 'POST', { identity: 'requester', value: { msteams: { type: 'messageBack', text: 'y'.repeat(2001) } } });
    expect(back.status).toBe(400);
    expect(back.body.error).toMatch(/value.msteams.text/);
    const unknown = await call(`${bot.url}/local-chat/api/conversations/local-chat-nope/messages`, 'POST', { identity: 'requester', text: 'help' });
    expect(unknown.status).toBe(404);
    const connector = await call(`${bot.url}/v3/conversations/local-chat-nope/activities`, 'POST', { type: 'message', text: 'x' });
    expect(connector.status).toBe(404);
  });
});
