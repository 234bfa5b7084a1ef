/**
 * Runs the watches: every tick, take or renew the watch lease (engine/watch/lease.ts: one instance
 * runs them when several share a store), start the watches that are due (bounded concurrency),
 * re-diagnose each with the app's own diagnose function, and post into the watch's conversation
 * only when a verdict changed (engine/watch/verdicts.ts).
 *
 * A tick never waits for diagnoses (they take minutes on real Azure): it renews the lease and
 * starts what is due; running ones are tracked so the same watch never runs twice at once here.
 * Each run first claims its slot by compare-and-swap on the watch (moving nextDueAt on), so even two
 * instances that both believe they hold the lease (a paused process waking after its lease expired)
 * run a slot once.
 *
 * Not retried forever: a watch whose cluster is gone is paused (and says so once); one whose
 * conversation refuses posts (403/404: the bot was removed) is deleted; one failing
 * MAX_CONSECUTIVE_FAILURES times in a row is paused. Each with a log line.
 *
 * Everything posted is in the language of the person who asked for the watch (Watch.locale, from
 * the `watch` command's activity; records from before it are English).
 */
import type { Logger } from '../log.js';
import type { ClusterDirectory } from '../engine/find-cluster.js';
import type { ClusterRef } from '../cluster-ref.js';
import type { Report } from '../engine/report.js';
import { isDue, nextDueAfter } from '../engine/watch/due.js';
import { claimLease, releaseLease } from '../engine/watch/lease.js';
import { watchLocaleOf, type Watch, type WatchRepository } from '../engine/watch/repository.js';
import { compareVerdicts, type VerdictChange } from '../engine/watch/verdicts.js';
import type { StateStore } from '../store/state-store.js';
import { userMessageOf } from '../user-message.js';
import { ConversationGoneError, type Outbox } from './events.js';
import { BANNER } from './cards/status-look.js';
import { WATCH_TEXT, watchChangeCard, watchStateCard } from './cards/watch-card.js';
import { messagesFor, userMessageIn, type Messages } from './i18n/index.js';

export const MAX_CONSECUTIVE_FAILURES = 6;
/**
 * The transport's Outbox rejects with ConversationGoneError when the connector refuses a post for
 * good (403/404: the bot was removed), and such a watch is removed at once. Other failures it logs,
 * gives up on and answers undefined (paced-delivery.ts); a watch whose posts were not delivered this
 * many times in a row (a connector failing run after run) is removed too, as a safety net.
 */
export const MAX_UNDELIVERED_POSTS = 3;
/** The lease outlives this many ticks, so one slow store answer does not hand it over. */
const LEASE_TICKS = 4;

export interface WatchSchedulerOptions {
  state: StateStore;
  watches: WatchRepository;
  outbox: Outbox;
  directory: ClusterDirectory;
  diagnose(cluster: ClusterRef): Promise<Report>;
  /** config.instanceId (TD_INSTANCE_ID or the host name): the lease holder's name. */
  instanceId: string;
  tickSeconds: number;
  /** Diagnoses running at once on this instance. */
  concurrency?: number;
  log: Logger;
  now?: () => Date;
  /**
   * Other periodic upkeep that must run on one instance (FixFlow.sweepOpenRequests): called once
   * per tick by the lease holder only; its errors are logged, never thrown into the tick.
   */
  sweep?: () => Promise<void>;
}

export type RunOutcome =
  | { kind: 'baseline' }
  | { kind: 'unchanged' }
  | { kind: 'posted'; changes: VerdictChange[] }
  | { kind: 'post-failed'; changes: VerdictChange[] }
  | { kind: 'failed'; error: string }
  | { kind: 'paused'; reason: string }
  | { kind: 'removed'; reason: string }
  | { kind: 'skipped' };

export interface TickResult {
  /** Whether this instance holds the lease (and so ran anything). */
  leader: boolean;
  /** Watch id → what its run did, for the runs this tick started. */
  runs: Map<string, RunOutcome>;
}

export interface WatchScheduler {
  /** Starts ticking every tickSeconds (the first tick at once). */
  start(): void;
  /** One tick; resolves when the runs it started have finished. */
  tick(): Promise<TickResult>;
  /**
   * Stops ticking, gives the lease up (another instance takes over at its next tick; slots already
   * claimed here are not run twice), and waits up to `waitMs` for running diagnoses to store their verdicts.
   */
  close(opts?: { waitMs?: number }): Promise<void>;
}

/** A post the channel refused for good: the bot is no longer in that conversation. */
export function isConversationGone(err: unknown): boolean {
  if (err instanceof ConversationGoneError) return true;
  const e = err as { statusCode?: unknown; status?: unknown; response?: { status?: unknown }; code?: unknown } | undefined;
  const status = e?.statusCode ?? e?.status ?? e?.response?.status;
  if (status === 403 || status === 404) return true;
  // Bot Framework connector codes for a removed bot / deleted conversation.
  return typeof e?.code === 'string' && ['BotNotInConversationRoster', 'ConversationNotFound', 'BotDisabledByAdmin'].includes(e.code);
}

export function createWatchScheduler(opts: WatchSchedulerOptions): WatchScheduler {
  const now = opts.now ?? (() => new Date());
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const log = opts.log.child({ component: 'watch-scheduler', instanceId: opts.instanceId });
  const running = new Map<string, Promise<RunOutcome>>();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<TickResult> | undefined;
  let sweeping: Promise<void> | undefined;
  let leader = false;
  let closed = false;

  async function post(w: Watch, card: object): Promise<'ok' | 'gone' | 'failed'> {
    let delivered: boolean;
    try {
      delivered = (await opts.outbox.post(w.conversation, { card })) !== undefined;
    } catch (err) {
      if (isConversationGone(err)) return 'gone';
      log.warn('watch post failed', { watchId: w.id, err });
      delivered = false;
    }
    const updated = await opts.watches.update(w.id, (cur) => {
      const undelivered = delivered ? 0 : (cur.undelivered ?? 0) + 1;
      return undelivered === (cur.undelivered ?? 0) ? undefined : { ...cur, undelivered };
    });
    if (delivered) return 'ok';
    const undelivered = updated?.undelivered ?? (w.undelivered ?? 0) + 1;
    if (undelivered >= MAX_UNDELIVERED_POSTS) return 'gone';
    log.warn('watch post not delivered; the change is posted again at the next run', { watchId: w.id, undelivered });
    return 'failed';
  }

  async function removeGone(w: Watch): Promise<RunOutcome> {
    await opts.watches.remove(w.id);
    log.warn('watch removed: its conversation refuses posts (bot removed or conversation deleted)', { watchId: w.id, conversationId: w.conversation.id, cluster: w.cluster.id });
    return { kind: 'removed', reason: 'conversation-gone' };
  }

  async function clusterGone(cluster: ClusterRef): Promise<boolean> {
    try {
      const clusters = await opts.directory.clusters([cluster.subscriptionId]);
      return !clusters.some((c) => c.id.toLowerCase() === cluster.id.toLowerCase());
    } catch {
      return false; // cannot tell: treat as a failure, not as gone
    }
  }

  /**
   * `reason` is stored (and returned) in English, a stable value `watches` translates for its reader;
   * the notice is posted in the watcher's language.
   */
  async function pause(w: Watch, reason: string, heading: (t: Messages['watch']) => string, message: (t: Messages['watch']) => string): Promise<RunOutcome> {
    const at = now().toISOString();
    await opts.watches.update(w.id, (cur) => ({ ...cur, paused: { at, reason } }));
    log.warn('watch paused', { watchId: w.id, cluster: w.cluster.id, reason });
    const locale = watchLocaleOf(w);
    const t = messagesFor(locale).watch;
    const card = watchStateCard({ heading: heading(t), message: message(t), banner: BANNER.warning, cluster: w.cluster, note: t.resumeNote(w.cluster.name), actions: false }, locale);
    const sent = await post(w, card);
    if (sent === 'gone') return removeGone(w);
    return { kind: 'paused', reason };
  }

  async function onFailure(w: Watch, err: unknown): Promise<RunOutcome> {
    if (await clusterGone(w.cluster)) {
      return pause(w, WATCH_TEXT.pausedGoneReason, (t) => t.pausedGoneHeading(w.cluster.name), (t) => t.pausedGoneMessage);
    }
    const why = userMessageOf(err);
    const updated = await opts.watches.update(w.id, (cur) => ({ ...cur, failures: cur.failures + 1, lastError: why.slice(0, 300) }));
    const failures = updated?.failures ?? w.failures + 1;
    log.warn('watch diagnosis failed', { watchId: w.id, cluster: w.cluster.id, failures, err });
    if (failures >= MAX_CONSECUTIVE_FAILURES) {
      const m = messagesFor(watchLocaleOf(w));
      return pause(w, WATCH_TEXT.pausedFailingReason, (t) => t.pausedFailingHeading(w.cluster.name), (t) => t.pausedFailingMessage(failures, userMessageIn(m, err)));
    }
    return { kind: 'failed', error: why };
  }

  /** Claims the slot (CAS), diagnoses, compares, posts a change, stores the new verdicts. */
  async function run(id: string): Promise<RunOutcome> {
    const startedAt = now();
    const claimed = await opts.watches.update(id, (w) => {
      if (w.paused || !isDue(w.nextDueAt, startedAt)) return undefined;
      const previousDue = Number.isFinite(Date.parse(w.nextDueAt)) ? new Date(w.nextDueAt) : startedAt;
      return { ...w, nextDueAt: nextDueAfter(previousDue, w.intervalMinutes, startedAt).toISOString() };
    });
    if (!claimed) return { kind: 'skipped' };
    log.info('watch diagnosis started', { watchId: id, cluster: claimed.cluster.id });
    let report: Report;
    try {
      report = await opts.diagnose(claimed.cluster);
    } catch (err) {
      return onFailure(claimed, err);
    }
    const ranAt = now().toISOString();
    const { changes, next } = compareVerdicts(claimed.verdicts, report);
    if (changes.length > 0) {
      const card = watchChangeCard({ cluster: claimed.cluster, changes, intervalMinutes: claimed.intervalMinutes, checkedAt: ranAt }, watchLocaleOf(claimed));
      const sent = await post(claimed, card);
      if (sent === 'gone') return removeGone(claimed);
      if (sent === 'failed') {
        // Keep the old verdicts: the next run sees the same change and posts it then.
        await opts.watches.update(id, (cur) => ({ ...cur, lastRunAt: ranAt, failures: 0 }));
        return { kind: 'post-failed', changes };
      }
      log.info('watch posted a verdict change', { watchId: id, cluster: claimed.cluster.id, changes: changes.map((c) => `${c.check}:${c.before}->${c.after}`) });
    }
    await opts.watches.update(id, (cur) => {
      const { lastError: _e, ...rest } = cur;
      return { ...rest, verdicts: next, lastRunAt: ranAt, lastRunBy: opts.instanceId, failures: 0 };
    });
    if (changes.length > 0) return { kind: 'posted', changes };
    return claimed.verdicts ? { kind: 'unchanged' } : { kind: 'baseline' };
  }

  async function tickOnce(waitForRuns: boolean): Promise<TickResult> {
    const runs = new Map<string, RunOutcome>();
    const at = now();
    const lease = await claimLease(opts.state, opts.instanceId, opts.tickSeconds * 1000 * LEASE_TICKS, at);
    if (lease.held !== leader) log.info(lease.held ? 'took the watch lease' : 'watch lease held elsewhere', lease.held ? {} : { holder: lease.holder });
    leader = lease.held;
    // One line per tick (debug only): tests wait for ticks as events instead of sleeping.
    log.debug('watch tick', { leader: lease.held });
    if (!lease.held || closed) return { leader: false, runs };
    const swept = startSweep();
    const due = (await opts.watches.all()).filter((w) => !w.paused && !running.has(w.id) && isDue(w.nextDueAt, at));
    const slots = Math.max(0, concurrency - running.size);
    const started = due.slice(0, slots).map((w) => {
      const p = run(w.id)
        .catch((err): RunOutcome => {
          log.error('watch run failed', { watchId: w.id, err });
          return { kind: 'failed', error: userMessageOf(err) };
        })
        .finally(() => running.delete(w.id));
      running.set(w.id, p);
      return p.then((outcome) => runs.set(w.id, outcome));
    });
    // The timer does not wait (the next tick must renew the lease on time); tests and tick() callers do.
    if (waitForRuns) await Promise.all([...started, swept]);
    return { leader: true, runs };
  }

  /** One sweep at a time here: a slow one still running is not started again by the next tick. */
  function startSweep(): Promise<void> {
    const sweep = opts.sweep;
    if (!sweep) return Promise.resolve();
    sweeping ??= Promise.resolve()
      .then(sweep)
      .catch((err) => log.warn('periodic sweep failed', { err }))
      .finally(() => (sweeping = undefined));
    return sweeping;
  }

  function tick(waitForRuns = true): Promise<TickResult> {
    return tickOnce(waitForRuns).catch((err) => {
      log.warn('watch tick failed', { err });
      return { leader: false, runs: new Map<string, RunOutcome>() };
    });
  }

  return {
    start() {
      if (timer || closed) return;
      // Timer ticks never overlap (a slow store): one still in its lease/listing phase is let finish.
      const fire = () => {
        if (ticking) return;
        ticking = tick(false).finally(() => (ticking = undefined));
      };
      fire();
      timer = setInterval(fire, opts.tickSeconds * 1000);
      timer.unref();
    },
    tick: () => tick(true),
    async close(closeOpts = {}) {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await ticking;
      await sweeping;
      if (leader) await releaseLease(opts.state, opts.instanceId, now()).catch((err) => log.warn('could not release the watch lease', { err }));
      leader = false;
      const runs = Promise.allSettled([...running.values()]);
      const waitMs = closeOpts.waitMs;
      if (waitMs === undefined) {
        await runs;
        return;
      }
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([runs, new Promise((resolve) => (timeout = setTimeout(resolve, waitMs)))]);
      clearTimeout(timeout);
      if (running.size > 0) log.warn('watch diagnoses still running at shutdown; their slots run again at the next due time', { running: [...running.keys()] });
    },
  };
}
