/**
 * The incident channel: a configured Teams channel (INCIDENT_CHANNEL_ID) gets a summary of every
 * diagnosis that finds a cause and of every step of a fix's approval, one thread per cluster, so the
 * people on call can follow an incident without asking the bot.
 *
 * The first post about a cluster starts a thread; its root activity id is kept in the state store
 * (`incident-thread/<cluster id, lowercased>`, shared by every bot instance and surviving restarts)
 * and later posts reply in that thread. Posting is best-effort: it runs beside the user's flow, never
 * delays or fails it, and anything that goes wrong is logged.
 */
import type { Logger } from '../log.js';
import type { Report } from '../engine/report.js';
import type { AuditEntry, AuditLog, AuditRecord } from '../store/append-log.js';
import { IF_ABSENT, isETagConflict, type StateStore } from '../store/state-store.js';
import type { ConversationHandle, Outbox, Reply } from './events.js';
import { incidentAuditCard, incidentDiagnosisCard } from './cards/incident-card.js';

export interface IncidentFeedDeps {
  /** INCIDENT_CHANNEL_ID; without it the feed posts nothing. */
  channelId?: string;
  state: StateStore;
  outbox: Outbox;
  /** The stored handle of a conversation the bot was installed in or spoken to (transport). */
  findConversation(conversationId: string): Promise<ConversationHandle | undefined>;
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

  async function postAbout(clusterId: string, reply: Reply): Promise<void> {
    const to = await channel();
    if (!to) return;
    const key = incidentThreadKey(clusterId);
    const stored = (await deps.state.read([key]))[key] as (Partial<IncidentThread> & { eTag?: string }) | undefined;
    const thread = stored?.channelId === to.id && typeof stored.rootActivityId === 'string' ? stored.rootActivityId : undefined;
    if (thread) {
      await deps.outbox.post(to, reply, { threadOf: thread });
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
      enqueue(report.cluster.id, () => ({ card: incidentDiagnosisCard(report, by?.name ? { requestedBy: by.name } : {}) }));
    },
    audited(record) {
      if (!deps.channelId || !record.clusterId) return;
      enqueue(record.clusterId, () => ({ card: incidentAuditCard(record) }));
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/**
 * The audit log as the fix flow sees it, feeding the incident channel too: every approval transition
 * already appends exactly one audit record, so this is where the channel learns of them. The record is
 * posted only once it is stored (evidence first), and the feed never fails the append.
 */
export function auditFeedingIncidents(audit: AuditLog, feed: Pick<IncidentFeed, 'audited'>): AuditLog {
  return {
    async appendAudit(entry: AuditEntry) {
      const record = await audit.appendAudit(entry);
      feed.audited(record);
      return record;
    },
    readAudit: (query) => audit.readAudit(query),
  };
}

/**
 * An Outbox whose transport is attached later: the app (and this feed) is built before the Bot
 * Framework transport that needs the app. Posts made before `attach` wait for it.
 */
export function lateBoundOutbox(): Outbox & { attach(outbox: Outbox): void } {
  let attach!: (outbox: Outbox) => void;
  const ready = new Promise<Outbox>((resolve) => {
    attach = resolve;
  });
  return {
    attach: (outbox) => attach(outbox),
    post: async (to, reply, opts) => (await ready).post(to, reply, opts),
    update: async (to, activityId, reply) => (await ready).update(to, activityId, reply),
  };
}
