/**
 * Pacing for everything the bot posts or updates without a turn (progress cards, follow-ups,
 * incident summaries), so a multi-minute diagnosis stays inside Teams' limits:
 *
 * - Per-conversation rate: Teams throttles each bot per conversation ("per bot per thread limit",
 *   https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit): send to
 *   conversation 7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per hour. Every request (retries too) is
 *   logged per conversation and the next one waits until all windows have room.
 * - Coalescing: progress updates of one activity replace each other while queued; only the latest
 *   content is sent, at most one update per activity per second, and the last one always goes out.
 * - Retries: the same page says to retry 429, 412, 502 and 504 with exponential backoff and random
 *   jitter; a Retry-After header is a floor. After `giveUpAfterMs` the delivery is dropped with a
 *   logged error: a lost progress card must never break the app's flow, so that resolves undefined.
 * - Refused for good: a post the connector answers 403/404 (the bot was removed from the
 *   conversation, or it was deleted) is not retried and rejects with ConversationGoneError, so the
 *   poster (a watch, the incident feed) can stop posting there. Updates never reject.
 *
 * botbuilder's connector client (@azure/core-rest-pipeline's defaultRetryPolicy) already retries
 * 429-with-Retry-After and 5xx up to 3 times inside one call; this is the outer, bounded policy that
 * also covers 412, 429 without Retry-After, and calls the inner policy gave up on.
 *
 * Pure over an injected clock, so tests drive it without real timers.
 */
import type { Logger } from '../log.js';
import { ConversationGoneError } from '../app/events.js';

export interface DeliveryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: DeliveryClock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      // unref: a pacing wait must not keep a stopping process alive.
      setTimeout(resolve, Math.max(0, ms)).unref?.();
    }),
};

export interface RateWindow {
  windowMs: number;
  max: number;
}

/** Teams' per bot per conversation limits for "send to conversation" (rate-limit page above). */
export const TEAMS_PER_CONVERSATION_LIMITS: readonly RateWindow[] = [
  { windowMs: 1_000, max: 7 },
  { windowMs: 2_000, max: 8 },
  { windowMs: 30_000, max: 60 },
  { windowMs: 3_600_000, max: 1_800 },
];

/** Statuses the Teams rate-limit page says to retry. */
export const RETRYABLE_STATUSES: readonly number[] = [429, 412, 502, 504];

export interface RetryPolicy {
  /** First backoff; doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** From the first attempt: past this, the delivery is dropped with a logged error. */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 30_000, giveUpAfterMs: 120_000 };

export interface PacedDeliveryOptions {
  log: Logger;
  clock?: DeliveryClock;
  /** [0, 1): jitter. */
  random?: () => number;
  limits?: readonly RateWindow[];
  /** Least time between two updates of one activity (after the previous one finished). */
  updateIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface PacedDelivery {
  /**
   * Sends a new activity in order; resolves to its id, or undefined when it could not be delivered;
   * rejects with ConversationGoneError when the conversation refused it for good (403/404).
   */
  post(conversationId: string, send: () => Promise<string | undefined>): Promise<string | undefined>;
  /**
   * Replaces an activity's content. Queued updates of the same activity are coalesced (the latest
   * wins); resolves when this content, or newer content that replaced it, was delivered or given up.
   */
  update(conversationId: string, activityId: string, send: () => Promise<void>): Promise<void>;
  /** Deliveries queued or in flight. */
  pending(): number;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
}

/** The failure of one connector call, as far as retrying goes. */
export interface TransientFailure {
  status: number;
  retryAfterMs?: number;
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  const value = typeof h.get === 'function' ? h.get(name) : (h[name] ?? h[name.toLowerCase()]);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3); retry-after-ms as Azure sends it. */
export function parseRetryAfter(headers: unknown, nowMs: number): number | undefined {
  const ms = Number(headerOf(headers, 'retry-after-ms') ?? headerOf(headers, 'x-ms-retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headerOf(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/**
 * The status of a failed connector call. botbuilder's connector client throws core-rest-pipeline's
 * RestError: `statusCode`, and `response` (non-enumerable) with `status` and `headers.get(name)`.
 */
export function transientFailureOf(err: unknown, nowMs: number): TransientFailure | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { statusCode?: unknown; response?: { status?: unknown; headers?: unknown } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.response?.status === 'number' ? e.response.status : undefined;
  if (status === undefined || !RETRYABLE_STATUSES.includes(status)) return undefined;
  const retryAfterMs = parseRetryAfter(e.response?.headers, nowMs);
  return retryAfterMs === undefined ? { status } : { status, retryAfterMs };
}

/**
 * Bot Framework connector codes for a bot that is no longer in the conversation, or a conversation
 * that no longer exists (Teams answers them with 403 / 404).
 */
export const CONVERSATION_GONE_CODES: readonly string[] = ['BotNotInConversationRoster', 'ConversationNotFound', 'BotDisabledByAdmin', 'Forbidden'];

/**
 * A failure that says the conversation refuses posts for good: status 403/404, or one of the codes
 * above (core-client copies the body's `error.code` onto the RestError's `code`).
 */
export function conversationGoneOf(err: unknown): { status?: number; code?: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { statusCode?: unknown; code?: unknown; response?: { status?: unknown } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.response?.status === 'number' ? e.response.status : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const goneCode = code !== undefined && CONVERSATION_GONE_CODES.includes(code);
  if (status !== 403 && status !== 404 && !goneCode) return undefined;
  return { ...(status !== undefined ? { status } : {}), ...(code !== undefined ? { code } : {}) };
}

/** Exponential backoff with jitter (half to full delay), never shorter than Retry-After. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential * (0.5 + 0.5 * random());
  return Math.round(Math.max(retryAfterMs ?? 0, jittered));
}

/** How long until every window has room for one more request; 0 when there is room now. */
export function rateWaitMs(sentAt: readonly number[], nowMs: number, limits: readonly RateWindow[]): number {
  let wait = 0;
  for (const { windowMs, max } of limits) {
    const inWindow = sentAt.filter((t) => t > nowMs - windowMs);
    if (inWindow.length >= max) {
      // The request that must leave the window before one more fits.
      const oldest = inWindow[inWindow.length - max]!;
      wait = Math.max(wait, oldest + windowMs - nowMs);
    }
  }
  return wait;
}

/**
 * One rate budget per Teams conversation: replies in a channel thread (`<channel>;messageid=<root>`)
 * count against the channel.
 */
export function conversationKeyOf(conversationId: string): string {
  const cut = conversationId.indexOf(';messageid=');
  return cut < 0 ? conversationId : conversationId.slice(0, cut);
}

/** How a delivery ended: the activity's id (undefined: given up), or refused for good. */
type Settled = { id: string | undefined } | { gone: ConversationGoneError };

interface Job {
  kind: 'post' | 'update';
  conversationId: string;
  /** Updates: the activity they replace. */
  activityId?: string;
  send: () => Promise<string | undefined | void>;
  settle: Array<(outcome: Settled) => void>;
}

interface Lane {
  queue: Job[];
  /** Times of requests sent, newest last, pruned to the longest window. */
  sentAt: number[];
  /** Activity id → when its last post/update finished. */
  touchedAt: Map<string, number>;
  pumping: boolean;
  wake?: () => void;
}

export function createPacedDelivery(opts: PacedDeliveryOptions): PacedDelivery {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const limits = opts.limits ?? TEAMS_PER_CONVERSATION_LIMITS;
  const updateIntervalMs = opts.updateIntervalMs ?? 1_000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const longestWindow = Math.max(0, ...limits.map((l) => l.windowMs));
  const lanes = new Map<string, Lane>();
  let pendingCount = 0;
  const idleWaiters: Array<() => void> = [];

  function laneOf(key: string): Lane {
    let lane = lanes.get(key);
    if (!lane) {
      lane = { queue: [], sentAt: [], touchedAt: new Map(), pumping: false };
      lanes.set(key, lane);
    }
    return lane;
  }

  function settle(job: Job, outcome: Settled): void {
    for (const resolve of job.settle.splice(0)) {
      pendingCount -= 1;
      resolve(outcome);
    }
    if (pendingCount === 0) for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function readyAt(lane: Lane, job: Job): number {
    if (job.kind === 'post' || !job.activityId) return 0;
    const touched = lane.touchedAt.get(job.activityId);
    return touched === undefined ? 0 : touched + updateIntervalMs;
  }

  /** Sleeps, but wakes early when a job is queued (a post must not wait behind an update's pause). */
  function pause(lane: Lane, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      lane.wake = resolve;
      void clock.sleep(ms).then(resolve);
    }).finally(() => {
      lane.wake = undefined;
    });
  }

  function prune(lane: Lane, now: number): void {
    while (lane.sentAt.length > 0 && lane.sentAt[0]! <= now - longestWindow) lane.sentAt.shift();
    for (const [id, at] of lane.touchedAt) if (at + updateIntervalMs <= now) lane.touchedAt.delete(id);
  }

  async function deliver(key: string, lane: Lane, job: Job): Promise<void> {
    const firstAt = clock.now();
    const log = opts.log.child({ conversation: key, delivery: job.kind, ...(job.activityId ? { activityId: job.activityId } : {}) });
    for (let attempt = 1; ; attempt += 1) {
      const wait = rateWaitMs(lane.sentAt, clock.now(), limits);
      if (wait > 0) await clock.sleep(wait);
      lane.sentAt.push(clock.now());
      try {
        const result = await job.send();
        const id = job.kind === 'post' ? (typeof result === 'string' ? result : undefined) : job.activityId;
        if (id) lane.touchedAt.set(id, clock.now());
        settle(job, { id });
        return;
      } catch (err) {
        const gone = conversationGoneOf(err);
        if (gone) {
          // Retrying cannot help: Teams refuses until the bot is added again.
          log.warn('conversation refused the delivery for good (bot removed or conversation deleted); not retried', { status: gone.status, code: gone.code });
          settle(job, { gone: new ConversationGoneError(job.conversationId, gone.status, gone.code) });
          return;
        }
        const failure = transientFailureOf(err, clock.now());
        if (!failure) {
          log.error('delivery failed; not retried', { err, status: (err as { statusCode?: unknown })?.statusCode });
          settle(job, { id: undefined });
          return;
        }
        const delay = backoffDelayMs(attempt, retry, random, failure.retryAfterMs);
        if (clock.now() + delay - firstAt > retry.giveUpAfterMs) {
          log.error('delivery given up after retries', { status: failure.status, attempts: attempt, elapsedMs: clock.now() - firstAt });
          if (job.activityId) lane.touchedAt.set(job.activityId, clock.now());
          settle(job, { id: undefined });
          return;
        }
        log.warn('delivery throttled or failed; retrying', { status: failure.status, attempt, delayMs: delay });
        await clock.sleep(delay);
        // Newer content for the same activity queued meanwhile: send that instead of this stale one.
        const newer = job.kind === 'update' ? lane.queue.find((j) => j.kind === 'update' && j.activityId === job.activityId) : undefined;
        if (newer) {
          newer.settle.push(...job.settle.splice(0));
          return;
        }
      }
    }
  }

  async function pump(key: string, lane: Lane): Promise<void> {
    lane.pumping = true;
    try {
      while (lane.queue.length > 0) {
        const now = clock.now();
        prune(lane, now);
        const index = lane.queue.findIndex((job) => readyAt(lane, job) <= now);
        if (index < 0) {
          const soonest = Math.min(...lane.queue.map((job) => readyAt(lane, job)));
          await pause(lane, soonest - now);
          continue;
        }
        const [job] = lane.queue.splice(index, 1);
        await deliver(key, lane, job!);
      }
    } finally {
      lane.pumping = false;
      prune(lane, clock.now());
      if (lane.queue.length === 0 && lane.sentAt.length === 0 && lane.touchedAt.size === 0) lanes.delete(key);
    }
  }

  function enqueue(job: Omit<Job, 'settle'>): Promise<string | undefined> {
    const key = conversationKeyOf(job.conversationId);
    const lane = laneOf(key);
    return new Promise<string | undefined>((resolve, reject) => {
      pendingCount += 1;
      // Only posts reject: an update of a conversation that is gone has nobody left to tell.
      const outcomeTo = (outcome: Settled) => ('gone' in outcome ? (job.kind === 'post' ? reject(outcome.gone) : resolve(undefined)) : resolve(outcome.id));
      const queued = job.kind === 'update' ? lane.queue.find((j) => j.kind === 'update' && j.activityId === job.activityId) : undefined;
      if (queued) {
        // Coalesce: the queued update keeps its place and takes this (newer) content.
        queued.send = job.send;
        queued.settle.push(outcomeTo);
      } else {
        lane.queue.push({ ...job, settle: [outcomeTo] });
      }
      lane.wake?.();
      if (!lane.pumping) {
        void pump(key, lane).catch((err) => opts.log.error('delivery pump failed', { err, conversation: key }));
      }
    });
  }

  return {
    post: (conversationId, send) => enqueue({ kind: 'post', conversationId, send }),
    update: async (conversationId, activityId, send) => {
      await enqueue({ kind: 'update', conversationId, activityId, send });
    },
    pending: () => pendingCount,
    idle: () => (pendingCount === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  };
}
