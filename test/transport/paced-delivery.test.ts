/**
 * The pacing layer over a fake clock: coalescing of updates, Teams' per-conversation windows,
 * retries with backoff and Retry-After, bounded give-up. No real timers, no network.
 */
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ConversationGoneError } from '../../src/app/events.js';
import {
  TEAMS_PER_CONVERSATION_LIMITS,
  backoffDelayMs,
  conversationGoneOf,
  conversationKeyOf,
  createPacedDelivery,
  parseRetryAfter,
  rateWaitMs,
  transientFailureOf,
  type DeliveryClock,
  type PacedDeliveryOptions,
  type RateWindow,
} from '../../src/transport/paced-delivery.js';

interface FakeClock extends DeliveryClock {
  timers: Array<{ at: number; resolve: () => void }>;
}

function fakeClock(): FakeClock {
  let now = 0;
  const timers: FakeClock['timers'] = [];
  return {
    timers,
    now: () => now,
    sleep: (ms) => new Promise<void>((resolve) => timers.push({ at: now + Math.max(0, ms), resolve })),
    // advance is done by runUntilIdle via this setter
    set nowMs(v: number) {
      now = v;
    },
  } as FakeClock & { nowMs: number };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs the fake clock forward timer by timer until `done()` holds. */
async function runUntil(clock: FakeClock, done: () => boolean, limitMs = 10_000_000): Promise<void> {
  for (let i = 0; i < 100_000; i += 1) {
    await flush();
    if (done()) return;
    clock.timers.sort((a, b) => a.at - b.at);
    const next = clock.timers.shift();
    if (!next) throw new Error('stuck: nothing scheduled and not done');
    if (next.at > limitMs) throw new Error(`past ${limitMs} ms`);
    (clock as unknown as { nowMs: number }).nowMs = Math.max(clock.now(), next.at);
    next.resolve();
  }
  throw new Error('too many steps');
}

function capturedLog() {
  const lines: Array<Record<string, any>> = [];
  return { lines, log: createLogger('debug', {}, (line) => lines.push(JSON.parse(line))) };
}

interface Sent {
  at: number;
  op: 'post' | 'update';
  conversation: string;
  activityId?: string;
  content: string;
}

/** A delivery over a recording sender; `fail` decides per request whether it throws. */
function harness(opts: Partial<PacedDeliveryOptions> & { fail?: (req: Sent, n: number) => unknown } = {}) {
  const clock = fakeClock();
  const { lines, log } = capturedLog();
  const sent: Sent[] = [];
  const attempts: Sent[] = [];
  let nextId = 1;
  const delivery = createPacedDelivery({ log, clock, random: () => 0.5, ...opts });
  const attempt = (req: Omit<Sent, 'at'>) => {
    const full = { ...req, at: clock.now() };
    attempts.push(full);
    const err = opts.fail?.(full, attempts.length);
    if (err) throw err;
    sent.push(full);
  };
  return {
    clock,
    lines,
    sent,
    attempts,
    delivery,
    post: (conversation: string, content: string) =>
      delivery.post(conversation, async () => {
        attempt({ op: 'post', conversation, content });
        return `a${nextId++}`;
      }),
    update: (conversation: string, activityId: string, content: string) =>
      delivery.update(conversation, activityId, async () => attempt({ op: 'update', conversation, activityId, content })),
    idle: () => runUntil(clock, () => delivery.pending() === 0),
  };
}

function restError(status: number, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'http://127.0.0.1:1/v3/conversations/c/activities' });
  return new RestError(`status ${status}`, { statusCode: status, request, response: { status, headers: createHttpHeaders(headers), request } });
}

/** Every window of every limit holds at most `max` of the times. */
function withinLimits(times: number[], limits: readonly RateWindow[]): boolean {
  return limits.every(({ windowMs, max }) => times.every((t) => times.filter((u) => u >= t && u < t + windowMs).length <= max));
}

describe('coalescing updates of one activity', () => {
  it('sends only the latest content, at most one update per second, and always the final one', async () => {
    const h = harness();
    const id = (await Promise.all([h.post('conv', 'progress 0 of 6'), h.idle()]))[0]!;
    // Six progress reports in the same instant, then the final card: one update with the final content.
    const all = [1, 2, 3, 4, 5, 6].map((n) => h.update('conv', id, `progress ${n} of 6`));
    all.push(h.update('conv', id, 'final'));
    await h.idle();
    await Promise.all(all);
    expect(h.sent.map((s) => s.content)).toEqual(['progress 0 of 6', 'final']);
    expect(h.sent[1]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('spreads a steady stream of progress over one update per second and ends with the final card', async () => {
    const h = harness();
    const [id] = await Promise.all([h.post('conv', 'p0'), h.idle()]);
    const updates: Array<Promise<void>> = [];
    // A report every 150 ms for 3 s, as checks finish.
    for (let n = 1; n <= 20; n += 1) {
      updates.push(h.update('conv', id!, `p${n}`));
      (h.clock as unknown as { nowMs: number }).nowMs = n * 150;
      await flush();
    }
    updates.push(h.update('conv', id!, 'final'));
    await h.idle();
    await Promise.all(updates);
    const ups = h.sent.filter((s) => s.op === 'update');
    expect(ups.at(-1)!.content).toBe('final');
    expect(ups.length).toBeLessThanOrEqual(5);
    expect(ups.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < ups.length; i += 1) expect(ups[i]!.at - ups[i - 1]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('updates of different activities do not wait for each other', async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.post('conv', 'A'), h.post('conv', 'B'), h.idle()]);
    await Promise.all([h.update('conv', a!, 'A2'), h.update('conv', b!, 'B2'), h.idle()]);
    const ups = h.sent.filter((s) => s.op === 'update');
    expect(ups.map((u) => u.content).sort()).toEqual(['A2', 'B2']);
    expect(ups[0]!.at).toBe(ups[1]!.at);
  });

  it('a post is not held back by an update waiting for its second', async () => {
    const h = harness();
    const [a] = await Promise.all([h.post('conv', 'A'), h.idle()]);
    const upd = h.update('conv', a!, 'A2');
    await flush();
    (h.clock as unknown as { nowMs: number }).nowMs = 100;
    const posted = h.post('conv', 'B');
    await flush();
    await flush();
    expect(h.sent.map((s) => s.content)).toEqual(['A', 'B']);
    await h.idle();
    await Promise.all([upd, posted]);
    expect(h.sent.at(-1)).toMatchObject({ content: 'A2', at: 1000 });
  });
});

describe("Teams' per-conversation rate limits", () => {
  it('keeps 40 posts to one conversation inside every documented window, and other conversations unaffected', async () => {
    const h = harness();
    const posts = Array.from({ length: 40 }, (_, i) => h.post('19:team@thread.tacv2', `m${i}`));
    posts.push(h.post('a:other-chat', 'other'));
    await h.idle();
    await Promise.all(posts);
    const times = h.sent.filter((s) => s.conversation !== 'a:other-chat').map((s) => s.at);
    expect(times).toHaveLength(40);
    expect(withinLimits(times, TEAMS_PER_CONVERSATION_LIMITS)).toBe(true);
    // The limits bind: 40 posts need more than 2 s (8 per 2 s), and order is kept.
    expect(Math.max(...times)).toBeGreaterThan(2000);
    expect(h.sent.filter((s) => s.conversation === '19:team@thread.tacv2').map((s) => s.content)).toEqual(posts.slice(0, 40).map((_, i) => `m${i}`));
    expect(h.sent.find((s) => s.conversation === 'a:other-chat')!.at).toBe(0);
  });

  it('counts replies in a channel thread against the channel', async () => {
    expect(conversationKeyOf('19:abc@thread.tacv2;messageid=1700000000000')).toBe('19:abc@thread.tacv2');
    const h = harness();
    const posts = Array.from({ length: 10 }, (_, i) => h.post(i % 2 ? '19:abc@thread.tacv2;messageid=1' : '19:abc@thread.tacv2', `m${i}`));
    await h.idle();
    await Promise.all(posts);
    expect(h.sent.filter((s) => s.at < 1000)).toHaveLength(7);
  });

  it('rateWaitMs names the wait until the tightest window has room', () => {
    expect(rateWaitMs([], 0, TEAMS_PER_CONVERSATION_LIMITS)).toBe(0);
    expect(rateWaitMs([0, 0, 0, 0, 0, 0, 0], 10, TEAMS_PER_CONVERSATION_LIMITS)).toBe(990);
    expect(rateWaitMs([0, 0, 0, 0, 0, 0, 0, 1000], 1500, TEAMS_PER_CONVERSATION_LIMITS)).toBe(500);
  });
});

describe('retries', () => {
  it('reads botbuilder’s RestError: status and Retry-After (seconds, HTTP date, ms)', () => {
    expect(transientFailureOf(restError(429, { 'retry-after': '3' }), 0)).toEqual({ status: 429, retryAfterMs: 3000 });
    expect(transientFailureOf(restError(502), 0)).toEqual({ status: 502 });
    expect(transientFailureOf(restError(412), 0)).toEqual({ status: 412 });
    expect(transientFailureOf(restError(504), 0)).toEqual({ status: 504 });
    expect(transientFailureOf(restError(400), 0)).toBeUndefined();
    expect(transientFailureOf(restError(403), 0)).toBeUndefined();
    expect(transientFailureOf(new Error('socket hang up'), 0)).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(createHttpHeaders({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter({ 'retry-after-ms': '250' }, now)).toBe(250);
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });

  it('backs off exponentially with jitter, never under Retry-After', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 30_000, giveUpAfterMs: 120_000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(500);
    expect(backoffDelayMs(1, policy, () => 0.999999)).toBe(1000);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(2000);
    expect(backoffDelayMs(10, policy, () => 0.999999)).toBe(30_000);
    expect(backoffDelayMs(1, policy, () => 0, 7000)).toBe(7000);
  });

  it('retries 429 after Retry-After, and 412/502/504 with backoff, then delivers', async () => {
    const faults = [restError(429, { 'retry-after': '3' }), restError(412), restError(502), restError(504)];
    const h = harness({ fail: (_req, n) => faults[n - 1] });
    const [id] = await Promise.all([h.post('conv', 'card'), h.idle()]);
    expect(id).toBe('a1');
    // random 0.5 → 3/4 of the exponential step: 1.5 s, 3 s, 6 s after the 2nd, 3rd, 4th failure.
    expect(h.attempts.map((a) => a.at)).toEqual([0, 3000, 4500, 7500, 13500]);
    expect(h.sent).toHaveLength(1);
    expect(h.lines.filter((l) => l.msg.includes('retrying')).map((l) => l.status)).toEqual([429, 412, 502, 504]);
  });

  it('gives up after the bounded time with a logged error, resolving instead of throwing', async () => {
    const h = harness({ fail: () => restError(429), retry: { giveUpAfterMs: 20_000 } });
    const [id] = await Promise.all([h.post('conv', 'card'), h.idle()]);
    expect(id).toBeUndefined();
    expect(h.attempts.length).toBeGreaterThan(3);
    expect(h.attempts.at(-1)!.at).toBeLessThanOrEqual(20_000);
    const err = h.lines.find((l) => l.level === 'error');
    expect(err).toMatchObject({ msg: 'delivery given up after retries', status: 429 });
    // The conversation is usable again afterwards.
    const next = harness();
    expect(await Promise.all([next.post('conv', 'x'), next.idle()]).then(([i]) => i)).toBe('a1');
  });

  it('does not retry other failures: logged, resolved, the queue moves on', async () => {
    const h = harness({ fail: (req) => (req.content === 'bad' ? restError(400) : undefined) });
    const results = await Promise.all([h.post('conv', 'bad'), h.post('conv', 'good'), h.idle()]);
    expect(results.slice(0, 2)).toEqual([undefined, 'a1']);
    expect(h.attempts).toHaveLength(2);
    expect(h.lines.find((l) => l.level === 'error')).toMatchObject({ msg: 'delivery failed; not retried', status: 400 });
  });

  it.each([403, 404])('a post refused with %i is not retried and rejects with ConversationGoneError; the queue moves on', async (status) => {
    const h = harness({ fail: (req) => (req.content === 'gone' ? restError(status) : undefined) });
    const refused = h.post('19:team@thread.tacv2;messageid=42', 'gone');
    const settled = refused.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    const next = h.post('19:team@thread.tacv2', 'next');
    await h.idle();
    const err = await settled;
    expect(err).toBeInstanceOf(ConversationGoneError);
    expect(err).toMatchObject({ status, conversationId: '19:team@thread.tacv2;messageid=42' });
    // Once: no retry, no backoff wait.
    expect(h.attempts.filter((a) => a.content === 'gone')).toHaveLength(1);
    expect(await next).toBe('a1');
    expect(h.sent.map((s) => s.content)).toEqual(['next']);
    expect(h.lines.find((l) => l.level === 'warn')).toMatchObject({ msg: expect.stringContaining('refused the delivery for good'), status });
    expect(h.delivery.pending()).toBe(0);
  });

  it('an update refused with 403 resolves (nobody is left to tell); a throttled post that is given up still resolves undefined', async () => {
    const h = harness({ fail: (req) => (req.op === 'update' ? restError(403) : undefined) });
    const [id] = await Promise.all([h.post('conv', 'p0'), h.idle()]);
    await Promise.all([h.update('conv', id!, 'p1'), h.idle()]);
    expect(h.attempts.filter((a) => a.op === 'update')).toHaveLength(1);
    const throttled = harness({ fail: () => restError(429), retry: { giveUpAfterMs: 5_000 } });
    expect((await Promise.all([throttled.post('conv', 'x'), throttled.idle()]))[0]).toBeUndefined();
  });

  it('recognises a removed bot by status or by the connector’s error code', () => {
    expect(conversationGoneOf(restError(403))).toEqual({ status: 403 });
    expect(conversationGoneOf(restError(404))).toEqual({ status: 404 });
    expect(conversationGoneOf(Object.assign(restError(403), { code: 'BotNotInConversationRoster' }))).toEqual({ status: 403, code: 'BotNotInConversationRoster' });
    expect(conversationGoneOf({ code: 'ConversationNotFound' })).toEqual({ code: 'ConversationNotFound' });
    for (const other of [restError(400), restError(429), restError(500), new Error('socket hang up'), undefined]) expect(conversationGoneOf(other)).toBeUndefined();
  });

  it('drops a stale update being retried when newer content for the activity is queued', async () => {
    let throttled = false;
    const h = harness({
      fail: (req) => {
        if (req.content === 'p1' && !throttled) {
          throttled = true;
          return restError(429, { 'retry-after': '5' });
        }
        return undefined;
      },
    });
    const [id] = await Promise.all([h.post('conv', 'p0'), h.idle()]);
    const first = h.update('conv', id!, 'p1');
    await runUntil(h.clock, () => h.attempts.length === 2);
    const final = h.update('conv', id!, 'final');
    await h.idle();
    await Promise.all([first, final]);
    expect(h.sent.map((s) => s.content)).toEqual(['p0', 'final']);
  });
});
