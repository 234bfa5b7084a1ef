/**
 * Issue 10, probed from outside over real HTTP against a local-mode bot (authentication off, demo
 * approvers configured as in the demo): a web page's cross-site form posts, foreign Host/Origin
 * headers, replies aimed off the machine, identities from other channels or without an Entra object
 * id, upper-case ids, and approvers whose name or id the audit log would refuse. Every probe is
 * judged by what the simulated Azure served (its access log: NSG rule writes) and by the audit log.
 */
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IDENTITIES } from '../../src/app/demo-identities.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { cardActionActivity, messageActivity, postActivity } from '../support/fake-connector.js';
import { readAccessLog, rulePutsIn } from '../support/bot-process.js';
import { tempDir } from '../support/temp-dir.js';
import { APPROVER, REQUESTER, startApprovalHarness, TENANT, type ApprovalHarness, type Person } from './approval-harness.js';

const dir = tempDir('untrusted-callers');
const accessLog = path.join(dir, 'access.jsonl');
const statePath = path.join(dir, 'state.sqlite');
const DEMO_APPROVER = DEMO_IDENTITIES.find((d) => d.key === 'approver')!;
const CONVERSATION = { id: 'a:untrusted-callers', conversationType: 'personal', tenantId: TENANT };

let h: ApprovalHarness;
let port: number;

beforeAll(async () => {
  h = await startApprovalHarness({ APPROVER_IDS: `${APPROVER.aadObjectId},${DEMO_APPROVER.aadObjectId}`, SIM_ACCESS_LOG: accessLog, STATE_SQLITE_PATH: statePath }, CONVERSATION.id);
  port = Number(new URL(h.bot.url).port);
});

afterAll(async () => {
  await h?.close();
});

/** A raw request, so Host and Origin can be anything a browser or a rebinding DNS name would send. */
function raw(method: string, urlPath: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function auditCount(): Promise<number> {
  return (await h.bot.store.audit.readAudit({ limit: 1000 })).length;
}

function azureRequestsSoFar(): number {
  return readAccessLog(accessLog).length;
}

describe('local mode: reachable only from this machine, never from a web page', () => {
  it('refuses the cross-site form chain (diagnose, request, approve as the demo approver): 0 Azure requests, 0 audit records', async () => {
    const azureBefore = azureRequestsSoFar();
    const auditBefore = await auditCount();
    const evil = { Origin: 'https://evil.example', Host: `127.0.0.1:${port}` };
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const chain = [
      form({ type: 'message', text: 'diagnose aks-nsg-deny', channelId: 'msteams', serviceUrl: 'https://evil.example/' }),
      form({ type: 'invoke', name: 'adaptiveCard/action', 'value[action][verb]': 'request-fix' }),
      form({ type: 'invoke', name: 'adaptiveCard/action', 'value[action][verb]': 'approve', 'from[aadObjectId]': DEMO_APPROVER.aadObjectId }),
    ];
    for (const body of chain) {
      const withOrigin = await raw('POST', '/api/messages', { ...evil, 'content-type': 'application/x-www-form-urlencoded' }, body);
      expect(withOrigin.status).toBe(403);
      // Even without an Origin (an old browser, a redirect): a form body is not an activity.
      const noOrigin = await raw('POST', '/api/messages', { Host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' }, body);
      expect(noOrigin.status).toBe(415);
    }
    for (const type of ['multipart/form-data; boundary=x', 'text/plain', 'application/json-patch+json']) {
      const res = await raw('POST', '/api/messages', { Host: `127.0.0.1:${port}`, 'content-type': type }, JSON.stringify(messageActivity('diagnose aks-nsg-deny')));
      expect(res.status, type).toBe(415);
    }
    await h.bot.drain();
    expect(azureRequestsSoFar()).toBe(azureBefore);
    expect(rulePutsIn(accessLog)).toHaveLength(0);
    expect(await auditCount()).toBe(auditBefore);
  });

  it.each([
    ['a rebinding DNS name', { Host: `evil.example:${PORT_PLACEHOLDER()}` }],
    ['another site\'s Origin', { Origin: 'https://evil.example' }],
    ['an opaque Origin', { Origin: 'null' }],
    ['a loopback Origin on another port', { Origin: 'http://127.0.0.1:1' }],
  ])('refuses %s on every route, /api/messages included', async (_what, headers) => {
    const h2 = { Host: `127.0.0.1:${port}`, ...resolvePort(headers) };
    const activity = JSON.stringify(messageActivity('help', { deliveryMode: 'expectReplies' }));
    expect((await raw('POST', '/api/messages', { ...h2, 'content-type': 'application/json' }, activity)).status).toBe(403);
    for (const route of ['/healthz', '/readyz', '/', '/local-chat/api/identities']) expect((await raw('GET', route, h2)).status, route).toBe(403);
  });

  it('answers this machine: loopback Host, with or without its own Origin', async () => {
    const activity = JSON.stringify(messageActivity('help', { deliveryMode: 'expectReplies' }));
    const variants: Array<Record<string, string>> = [{ Host: `127.0.0.1:${port}` }, { Host: `localhost:${port}` }, { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` }];
    for (const headers of variants) {
      const res = await raw('POST', '/api/messages', { ...headers, 'content-type': 'application/json; charset=utf-8' }, activity);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(JSON.parse(res.text).activities.length).toBeGreaterThan(0);
    }
  });

  it('never posts replies off this machine: a foreign serviceUrl is refused before the turn, and nothing reaches Azure', async () => {
    const azureBefore = azureRequestsSoFar();
    for (const serviceUrl of ['https://evil.example/', 'http://10.0.0.5:3978/', 'http://127.0.0.1.evil.example/']) {
      const res = await postActivity(h.bot.url, messageActivity('diagnose aks-nsg-deny', { serviceUrl, conversation: CONVERSATION }));
      expect(res.status, serviceUrl).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/only to a connector on this machine/);
    }
    await h.bot.drain();
    expect(azureRequestsSoFar()).toBe(azureBefore);
  });

  it('answers 400, not 500, for a body that is not an activity', async () => {
    for (const body of ['{}', '{"text":"diagnose aks-nsg-deny"}', '[]', '"help"', '{"type":""}']) {
      const res = await raw('POST', '/api/messages', { Host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, body);
      expect(res.status, body).toBe(400);
    }
  });

  it('never echoes typed text as markdown: a phishing link comes back inside a code span', async () => {
    const res = await postActivity(h.bot.url, messageActivity('[Reset your password](https://evil.example/login) `x`\nnow', { deliveryMode: 'expectReplies' }));
    const text = res.body.activities[0].text as string;
    expect(text).toContain('`[Reset your password](https://evil.example/login)  x  now`');
    expect(text.split('`')).toHaveLength(3);
  });
});

/** A person as the channel sends them: any field may be missing or odd. */
type Sender = { id?: string; name?: string; aadObjectId?: string };

async function clickAs(verb: string, data: unknown, from: Sender, replyToId: string, overrides: Record<string, unknown> = {}): Promise<Json> {
  const res = await postActivity(h.bot.url, cardActionActivity(verb, data, {
    serviceUrl: h.connector.url,
    from,
    conversation: CONVERSATION,
    channelData: { tenant: { id: TENANT } },
    replyToId,
    ...overrides,
  }));
  expect(res.status).toBe(200);
  return res.body.value as Json;
}

async function requestButton(): Promise<Json> {
  const diagnosis = await h.diagnose('aks-nsg-deny');
  const button = executeActions(diagnosis).find((a) => a.verb === 'request-fix' && String(a.data?.fixId).startsWith('nsg-10250:'));
  expect(button).toBeDefined();
  return button!;
}

async function auditOf(requestId: string) {
  return (await h.bot.store.audit.readAudit({ requestId, limit: 50 })).reverse();
}

describe('identity comes from Teams, or not at all', () => {
  it('a caller with a channel user id only may diagnose but not request a fix: nothing stored, the refused attempt audited as the activity carried it', async () => {
    const button = await requestButton();
    const auditBefore = await auditCount();
    const card = await clickAs('request-fix', button.data, { id: '29:bob', name: 'Bob' }, 'diagnosis-card');
    expect(cardText(card)).toMatch(/did not send your Entra identity/);
    expect(await auditCount()).toBe(auditBefore + 1);
    const [refused] = await h.bot.store.audit.readAudit({ limit: 1 });
    expect(refused).toMatchObject({ action: 'refused', verb: 'request', reason: 'no-identity', actor: { id: '29:bob', name: 'Bob' } });
    expect(refused!.actor.aadObjectId).toBeUndefined();
    const key = `approval/${refused!.requestId}`;
    expect((await h.bot.store.state.read([key]))[key]).toBeUndefined();
    expect(rulePutsIn(accessLog)).toHaveLength(0);
  });

  it('on another channel (webchat), a client-set object id is not believed: neither a request nor an approval', async () => {
    const button = await requestButton();
    const onWebchat = { channelId: 'webchat' };
    const refusedRequest = await clickAs('request-fix', button.data, REQUESTER, 'diagnosis-card', onWebchat);
    expect(cardText(refusedRequest)).toMatch(/did not send your Entra identity/);

    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const refusedApproval = await clickAs('approve', { requestId }, APPROVER, activityId, onWebchat);
    expect(cardText(refusedApproval)).toMatch(/did not send your Entra identity/);
    expect(cardText(refusedApproval)).toMatch(/Fix waiting for approval/);
    await h.bot.drain();
    expect(rulePutsIn(accessLog)).toHaveLength(0);
    const audit = await auditOf(requestId);
    expect(audit.map((r) => r.action)).toEqual(['requested', 'refused']);
    // Audited as the activity carried it, without the object id the client set and nobody vouched for.
    expect(audit[1]).toMatchObject({ verb: 'approve', reason: 'no-identity', actor: { id: APPROVER.id, name: APPROVER.name } });
    expect(audit[1]!.actor.aadObjectId).toBeUndefined();
    // Cancelled here so the next test starts from a quiet cluster.
    await h.click('cancel', { requestId }, REQUESTER, activityId);
  });

  it('a click from another organisation is refused as wrong-tenant, approve and refresh alike, and each attempt is audited', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const elsewhere = { conversation: { ...CONVERSATION, tenantId: '11111111-2222-4333-8444-555555555555' }, channelData: { tenant: { id: '11111111-2222-4333-8444-555555555555' } } };
    expect(cardText(await clickAs('approve', { requestId }, APPROVER, activityId, elsewhere))).toMatch(/another organisation/);
    expect(cardText(await clickAs('refresh', { requestId }, APPROVER, activityId, elsewhere))).toMatch(/another organisation/);
    const audit = await auditOf(requestId);
    expect(audit.map((r) => `${r.action} ${r.verb ?? ''} ${r.reason ?? ''}`.trim())).toEqual(['requested', 'refused approve wrong-tenant', 'refused refresh wrong-tenant']);
    expect(audit[1]!.actor.aadObjectId).toBe(APPROVER.aadObjectId);
    await h.click('cancel', { requestId }, REQUESTER, activityId);
  });

  it('upper-case object ids are the same person: the requester, under another case and channel id, may cancel their request', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const shouting: Sender = { id: '29:someone-else', name: 'On-call (phone)', aadObjectId: REQUESTER.aadObjectId.toUpperCase() };
    const cancelled = await clickAs('cancel', { requestId }, shouting, activityId);
    expect(cardText(cancelled)).toMatch(/Fix request cancelled/);
    await h.bot.drain();
    expect(rulePutsIn(accessLog)).toHaveLength(0);
    expect((await auditOf(requestId)).map((r) => r.action)).toEqual(['requested', 'cancelled']);
  });

  it('bob with two channel ids and one object id cannot approve his own request: the four-eyes rule is on object ids', async () => {
    const bob: Person = { id: '29:bob-desktop', name: 'Bob', aadObjectId: APPROVER.aadObjectId };
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny', bob), 'nsg-10250:', bob);
    const selfApproval = await clickAs('approve', { requestId }, { ...bob, id: '29:bob-phone', aadObjectId: APPROVER.aadObjectId.toUpperCase() }, activityId);
    expect(cardText(selfApproval)).toMatch(/someone else must approve/);
    await clickAs('cancel', { requestId }, bob, activityId);
    await h.bot.drain();
    expect(rulePutsIn(accessLog)).toHaveLength(0);
    const audit = await auditOf(requestId);
    expect(audit.map((r) => r.action)).toEqual(['requested', 'refused', 'cancelled']);
    expect(audit[1]).toMatchObject({ verb: 'approve', reason: 'self-approval', actor: { id: '29:bob-phone', aadObjectId: APPROVER.aadObjectId } });
  });
});


describe('audit and state move together', () => {
  it('an approval whose audit record cannot be written is not taken: refused, request still pending, nothing run', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    // The audit log's storage fails (a full disk, a lost lock) — from outside, in the bot's own file.
    const db = new Database(statePath);
    try {
      db.exec(`CREATE TRIGGER td_test_audit_down BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;`);
      const refused = await clickAs('approve', { requestId }, APPROVER, activityId);
      expect(cardText(refused)).toMatch(/could not write the audit record[^]*Nothing was done/);
      expect(cardText(refused)).toMatch(/Fix waiting for approval/);
    } finally {
      db.exec('DROP TRIGGER IF EXISTS td_test_audit_down');
      db.close();
    }
    const key = `approval/${requestId}`;
    expect((await h.bot.store.state.read([key]))[key]).toMatchObject({ state: 'pending', approvals: [] });
    await h.bot.drain();
    expect(rulePutsIn(accessLog)).toHaveLength(0);
    expect((await auditOf(requestId)).map((r) => r.action)).toEqual(['requested']);
    await h.click('cancel', { requestId }, REQUESTER, activityId);
    expect((await auditOf(requestId)).map((r) => r.action)).toEqual(['requested', 'cancelled']);
  });

  it('a refused click whose record cannot be written still gets its refusal, never an error', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const db = new Database(statePath);
    try {
      db.exec(`CREATE TRIGGER td_test_audit_down BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;`);
      // The requester is no approver here: refused as 'not-approver', whose record the log refuses.
      const refused = await clickAs('approve', { requestId }, REQUESTER, activityId);
      expect(cardText(refused)).toMatch(/not an approver/);
      expect(cardText(refused)).toMatch(/Fix waiting for approval/);
      expect(cardText(refused)).not.toMatch(/did not work|went wrong|Reference for support/i);
    } finally {
      db.exec('DROP TRIGGER IF EXISTS td_test_audit_down');
      db.close();
    }
    // The lost record is logged (warn), not retried: the log holds what it could take.
    expect((await auditOf(requestId)).map((r) => r.action)).toEqual(['requested']);
    await h.click('cancel', { requestId }, REQUESTER, activityId);
  });

  it('an approver with no channel user id and an 1100-character name: approved, executed once, every step audited', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const odd: Sender = { name: `  ${'A'.repeat(1100)}  `, aadObjectId: APPROVER.aadObjectId.toUpperCase() };
    const approved = await clickAs('approve', { requestId }, odd, activityId);
    expect(cardText(approved)).toMatch(/Fix approved: applying it/);
    await h.waitForCard(activityId, /Fix applied and verified|Fix applied, but the check still fails|The fix was not applied/);
    await h.bot.drain();
    expect(rulePutsIn(accessLog)).toHaveLength(1);
    const audit = await auditOf(requestId);
    expect(audit.map((r) => r.action)).toEqual(['requested', 'approved', 'executed', 'verified']);
    const approval = audit.find((r) => r.action === 'approved')!;
    expect(approval.actor).toEqual({ id: `aad:${APPROVER.aadObjectId}`, aadObjectId: APPROVER.aadObjectId, name: 'A'.repeat(256) });
    const key = `approval/${requestId}`;
    expect((await h.bot.store.state.read([key]))[key]?.state).toMatch(/verified|still-failing/);
  });
});

// it.each's table is built before beforeAll runs: the port goes in when the test runs.
function PORT_PLACEHOLDER(): string {
  return '{port}';
}

function resolvePort(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('{port}', String(port))]));
}

