/**
 * A local stand-in for the Bot Framework connector service at the activity's serviceUrl: it records
 * the activities the bot POSTs (send) and PUTs (update in place), like Teams' connector would receive.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: 'POST' | 'PUT';
  conversationId: string;
  activityId?: string;
  activity: Record<string, any>;
  /** Date.now() when the connector received it. */
  at?: number;
}

/** An answer the connector gives instead of accepting a request (throttling, gateway errors). */
export interface ConnectorFault {
  status: number;
  headers?: Record<string, string>;
}

export interface FakeConnectorOptions {
  /**
   * Asked before each POST/PUT is accepted; a fault answers the request with that status, and the
   * request is recorded in `faulted`, not in `calls` (the user never saw it).
   */
  fault?: (req: { method: 'POST' | 'PUT'; conversationId: string; activityId?: string; activity: Record<string, any> }) => ConnectorFault | undefined;
}

export interface FakeConnector {
  url: string;
  calls: ConnectorCall[];
  /** Requests answered with a fault (FakeConnectorOptions.fault), with the status given. */
  faulted: Array<ConnectorCall & { status: number }>;
  /** Resolves when `predicate` holds for the calls so far (polls; fails after timeoutMs). */
  waitFor(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs?: number): Promise<ConnectorCall[]>;
  /** The latest content of every activity the bot created, updates applied: what the user sees. */
  visible(): Array<{ id: string; activity: Record<string, any> }>;
  close(): Promise<void>;
}

export async function startFakeConnector(opts: FakeConnectorOptions = {}): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const faulted: FakeConnector['faulted'] = [];
  let nextId = 1;
  // restify patches http.ServerResponse.prototype (writeHead no longer returns `this`), so no chaining here.
  const reply = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(req.url ?? '');
      if (!m || (req.method !== 'POST' && req.method !== 'PUT')) {
        reply(res, 404);
        return;
      }
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const conversationId = decodeURIComponent(m[1] ?? '');
      const method = req.method as 'POST' | 'PUT';
      const urlActivityId = m[2] ? decodeURIComponent(m[2]) : undefined;
      const fault = opts.fault?.({ method, conversationId, ...(urlActivityId ? { activityId: urlActivityId } : {}), activity });
      if (fault) {
        faulted.push({ method, conversationId, ...(urlActivityId ? { activityId: urlActivityId } : {}), activity, at: Date.now(), status: fault.status });
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(JSON.stringify({ error: { code: fault.status === 429 ? 'Throttled' : 'ServiceError', message: `fake connector fault ${fault.status}` } }));
        return;
      }
      if (req.method === 'POST') {
        const id = `activity-${nextId++}`;
        calls.push({ method: 'POST', conversationId, activityId: id, activity, at: Date.now() });
        reply(res, 200, { id });
      } else {
        const id = decodeURIComponent(m[2] ?? '');
        calls.push({ method: 'PUT', conversationId, activityId: id, activity, at: Date.now() });
        reply(res, 200, { id });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    faulted,
    async waitFor(predicate, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) throw new Error(`connector: condition not met in ${timeoutMs} ms; calls: ${JSON.stringify(calls.map((c) => [c.method, c.activityId]))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return calls;
    },
    visible() {
      const latest = new Map<string, Record<string, any>>();
      for (const c of calls) if (c.activityId) latest.set(c.activityId, c.activity);
      return [...latest].map(([id, activity]) => ({ id, activity }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let seq = 0;
/** A Teams-like message activity; overrides win. */
export function messageActivity(text: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    type: 'message',
    id: `incoming-${seq}`,
    channelId: 'msteams',
    serviceUrl: 'http://127.0.0.1:1/',
    timestamp: new Date().toISOString(),
    locale: 'en-US',
    from: { id: '29:1a2b3c-oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' },
    recipient: { id: '28:tunnel-doctor', name: 'Tunnel Doctor' },
    conversation: { id: 'a:incident-conversation', conversationType: 'personal', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    channelData: { tenant: { id: '72f988bf-86f1-41af-91ab-2d7cd011db47' } },
    text,
    ...overrides,
  };
}

/**
 * Teams' invoke for an Action.Execute click (name adaptiveCard/action, `value.action` carries the verb
 * and data), shaped like messageActivity; tests override the clicker (`from`), `conversation`,
 * `serviceUrl` (their connector) and `replyToId` (the clicked card's activity id).
 */
export function cardActionActivity(verb: string, data: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { text: _text, ...base } = messageActivity('');
  return {
    ...base,
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `invoke-${seq}`,
    value: { action: { type: 'Action.Execute', verb, data } },
    ...overrides,
  };
}

/** POST an activity to the bot; returns status and parsed body (expectReplies returns the replies). */
export async function postActivity(botUrl: string, activity: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The Adaptive Card content of an activity's first attachment. */
export function cardOf(activity: Record<string, any>): any {
  return activity.attachments?.[0]?.content;
}
