/**
 * The incident channel: a configured Teams channel (INCIDENT_CHANNEL_ID) gets a summary of every
 * diagnosis that finds a cause and of every step of a fix's approval, one thread per cluster, so the
 * people on call can follow an incident without asking the bot.
 *
 * The first post about a cluster starts a thread; its root activity id is kept in the state store
 * (`incident-thread/<cluster id, lowercased>`, shared by every bot instance and surviving restarts)
 * and later posts reply in that thread. Posting is best-effort: it runs beside the user's flow, never
 * delays or fails it, and anything that goes wrong is logged.
 *
 * The channel is read by a whole team, not by whoever caused the post, so its language is configured
 * (INCIDENT_LOCALE), not taken from the activity. When the channel refuses a post for good (the bot
 * was removed from the team: ConversationGoneError), the feed says so once and forgets the channel's
 * stored handle, so it stops posting there until the bot is installed again.
 */
import type { Logger } from '../log.js';
import type { Report } from '../engine/report.js';
import type { AuditRecord } from '../store/append-log.js';
import type { AppEvents } from './app-events.js';
import { IF_ABSENT, isETagConflict, type StateStore } from '../store/state-store.js';
import { ConversationGoneError, type ConversationHandle, type Outbox, type Reply } from './events.js';
import { incidentAuditCard, incidentDiagnosisCard } from './cards/incident-card.js';
import type { Locale } from './i18n/index.js';

export interface IncidentFeedDeps {
  /** INCIDENT_CHANNEL_ID; without it the feed posts nothing. */
  channelId?: string;
  state: StateStore;
  outbox: Outbox;
  /** The stored handle of a conversation the bot was installed in or spoken to (transport). */
  findConversation(conversationId: string): Promise<ConversationHandle | undefined>;
  /** Drops that handle: the channel refused a post for good (the bot was removed from the team). */
  forgetConversation?(conversationId: string): Promise<void>;
  /** INCIDENT_LOCALE: the language of the channel's summaries; default English. */
  locale?: Locale;
  log: Logger;
}

export interface IncidentFeed {
  /** A finished diagnosis; summarised only when a check failed (a cause was found). */
  diagnosed(report: Report, by?: { name?: string }): void;
  /** An approval transition, from its audit record. */
  audited(record: AuditRecord): void;
  /** Resolves when every summary started so far has been posted or given up (drain, tests). */
  idle(): Promise<void>;
}

export function incidentThreadKey(clusterId: string): string {
  return `incident-thread/${clusterId.toLowerCase()}`;
}

interface IncidentThread {
  /** The channel the thread is in: a changed INCIDENT_CHANNEL_ID starts new threads. */
  channelId: string;
  rootActivityId: string;
  startedAt: string;
}

export function createIncidentFeed(deps: IncidentFeedDeps): IncidentFeed {
  const log = deps.log.child({ feature: 'incident-feed' });
  const running = new Set<Promise<void>>();
  // Posts about one cluster one after another: the second must find the thread the first started.
  const perCluster = new Map<string, Promise<void>>();
  let warnedUnknownChannel = false;
  let warnedRefused = false;
  const locale: Locale = deps.locale ?? 'en';

  async function channel(): Promise<ConversationHandle | undefined> {
    if (!deps.channelId) return undefined;
    const handle = await deps.findConversation(deps.channelId);
    if (!handle && !warnedUnknownChannel) {
      warnedUnknownChannel = true;
      log.warn('incident channel not known to the bot: install the app in its team or @mention the bot there once; summaries are skipped until then', {
        channelId: deps.channelId,
      });
    }
    if (handle) warnedUnknownChannel = false;
    return handle;
  }

  /** The channel refused for good: say so once, and stop posting there until the bot is back. */
  async function refused(to: ConversationHandle, err: ConversationGoneError): Promise<void> {
    if (!warnedRefused) {
      warnedRefused = true;
      log.warn('incident channel refused the post: the bot was removed from its team or the channel was deleted; summaries stop until the bot is installed there again', {
        channelId: to.id,
        status: err.status,
        code: err.code,
      });
    }
    await deps.forgetConversation?.(to.id).catch((forgetErr: unknown) => log.warn('could not forget the incident channel\'s handle', { channelId: to.id, err: forgetErr }));
  }

  async function postAbout(clusterId: string, reply: Reply): Promise<void> {
    const to = await channel();
    if (!to) return;
    try {
      await postInThread(to, clusterId, reply);
      warnedRefused = false;
    } catch (err) {
      if (!(err instanceof ConversationGoneError)) throw err;
      await refused(to, err);
    }
  }

  async function postInThread(to: ConversationHandle, clusterId: string, reply: Reply): Promise<void> {
    const key = incidentThreadKey(clusterId);
    const stored = (await deps.state.read([key]))[key] as (Partial<IncidentThread> & { eTag?: string }) | undefined;
    const thread = stored?.channelId === to.id && typeof stored.rootActivityId === 'string' ? stored.rootActivityId : undefined;
    if (thread) {
      try {
        await deps.outbox.post(to, reply, { threadOf: thread });
      } catch (err) {
        // A deleted thread root may answer like a removed bot: whichever it was, the next post
        // (once the channel is known again) starts a new thread rather than failing on this one.
        if (err instanceof ConversationGoneError) await deps.state.delete([key]).catch(() => undefined);
        throw err;
      }
      return;
    }
    const rootActivityId = await deps.outbox.post(to, reply);
    if (!rootActivityId) return;
    const record: IncidentThread = { channelId: to.id, rootActivityId, startedAt: new Date().toISOString() };
    try {
      // Create-only when there was none; replace only what we read (another instance may have won).
      await deps.state.write({ [key]: { ...record, eTag: stored?.eTag ?? IF_ABSENT } });
    } catch (err) {
      if (!isETagConflict(err)) throw err;
      log.info('another instance started this cluster\'s incident thread first', { clusterId });
    }
  }

  function enqueue(clusterId: string, reply: () => Reply): void {
    const key = clusterId.toLowerCase();
    const previous = perCluster.get(key) ?? Promise.resolve();
    const next = previous.then(() => postAbout(clusterId, reply())).catch((err) => log.error('incident summary not posted', { err, clusterId }));
    perCluster.set(key, next);
    const tracked = next.finally(() => {
      running.delete(tracked);
      if (perCluster.get(key) === next) perCluster.delete(key);
    });
    running.add(tracked);
  }

  return {
    diagnosed(report, by) {
      if (!deps.channelId || !report.checks.some((c) => c.status === 'fail')) return;
      enqueue(report.cluster.id, () => ({ card: incidentDiagnosisCard(report, by?.name ? { requestedBy: by.name } : {}, locale) }));
    },
    audited(record) {
      // A refused click changed nothing on the incident: it stays in the audit log, not the channel
      // (anyone who can see a card could otherwise flood the channel with refused clicks).
      if (!deps.channelId || !record.clusterId || record.action === 'refused') return;
      enqueue(record.clusterId, () => ({ card: incidentAuditCard(record, locale) }));
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/** The feed listens to the app's events: finished diagnoses and approval steps. */
export function feedIncidentsFrom(events: Pick<AppEvents, 'on'>, feed: Pick<IncidentFeed, 'diagnosed' | 'audited'>): () => void {
  return events.on((event) => {
    if (event.kind === 'diagnosed') feed.diagnosed(event.report, event.by);
    else feed.audited(event.record);
  });
}
