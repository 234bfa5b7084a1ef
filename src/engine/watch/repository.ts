/**
 * Watches in the durable StateStore (SQLite or Blob), so they survive restarts and every instance
 * sees the same ones. One item per watch under `watch/<id>`, plus one index item listing them all
 * (the store has no key listing): `watches` and the scheduler read the index, then the items.
 *
 * Every change is a compare-and-swap on the item's eTag (re-read and retry on conflict), and the
 * limits are enforced on the index by the same CAS, so two instances adding the 201st watch at the
 * same moment cannot both succeed. The index entry is written BEFORE the item: a crash between the
 * two leaves an entry without an item, which readers skip and the next removal drops; the other
 * order could leave a watch that nobody lists and nobody can stop.
 */
import { createHash } from 'node:crypto';
import { IF_ABSENT, isETagConflict, type StateItem, type StateStore } from '../../store/state-store.js';
import type { ClusterRef } from '../../cluster-ref.js';
import type { Verdicts } from './verdicts.js';

export const WATCH_KEY_PREFIX = 'watch/';
export const WATCH_INDEX_KEY = 'watch-index';
const MAX_ATTEMPTS = 20;

/**
 * Where the watch posts: the app's ConversationHandle, restated structurally so the engine does not
 * import the app (it is stored and handed back to the Outbox untouched).
 */
export interface WatchConversation {
  id: string;
  channelId: string;
  conversationType?: string;
  ref: unknown;
}

/** The languages of the app's catalogs (app/i18n Locale), restated so the engine does not import the app. */
export type WatchLocale = 'en' | 'zh-CN';

export interface Watch {
  id: string;
  conversation: WatchConversation;
  /**
   * The language of the `watch` command (its activity's locale): the scheduler posts in it. Asking
   * again changes it. Absent on records from before it existed: those are English.
   */
  locale?: WatchLocale;
  cluster: ClusterRef;
  intervalMinutes: number;
  createdBy: { id: string; name?: string };
  createdAt: string;
  /** ISO; the scheduler runs the watch once this has passed. */
  nextDueAt: string;
  lastRunAt?: string;
  /** The instance that ran it last (the lease holder), for logs and the scale-out test. */
  lastRunBy?: string;
  /** The last known verdict of each check (verdicts.ts); absent until the first run. */
  verdicts?: Verdicts;
  /** Consecutive diagnoses that failed outright. */
  failures: number;
  lastError?: string;
  /** Posts in a row the transport could not deliver (the bot may have been removed from the chat). */
  undelivered?: number;
  /** A paused watch is listed but not run (its cluster vanished, or it failed too often). */
  paused?: { at: string; reason: string };
}

export interface WatchLimits {
  perConversation: number;
  total: number;
}

export const DEFAULT_WATCH_LIMITS: WatchLimits = { perConversation: 20, total: 200 };

interface IndexEntry {
  id: string;
  conversationId: string;
  clusterId: string;
}

export type AddOutcome =
  | { kind: 'added'; watch: Watch }
  | { kind: 'updated'; watch: Watch; previousIntervalMinutes: number }
  | { kind: 'limit'; scope: 'conversation' | 'total'; limit: number };

/** One watch per conversation and cluster: watching it again changes its interval. */
export function watchIdOf(conversationId: string, clusterId: string): string {
  return createHash('sha256').update(`${conversationId}\n${clusterId.toLowerCase()}`, 'utf8').digest('base64url').slice(0, 22);
}

export function watchKey(id: string): string {
  return `${WATCH_KEY_PREFIX}${id}`;
}

/** The language a watch posts in; old records (no locale) and anything unexpected are English. */
export function watchLocaleOf(w: Pick<Watch, 'locale'>): WatchLocale {
  return w.locale === 'zh-CN' ? 'zh-CN' : 'en';
}

function entriesOf(item: StateItem | undefined): IndexEntry[] {
  const raw = item?.entries;
  return Array.isArray(raw) ? (raw as IndexEntry[]).filter((e) => e && typeof e.id === 'string') : [];
}

function watchOf(item: StateItem | undefined): Watch | undefined {
  if (!item || typeof item.id !== 'string') return undefined;
  const { eTag: _eTag, ...rest } = item;
  return rest as unknown as Watch;
}

export class WatchRepository {
  constructor(
    private readonly state: StateStore,
    readonly limits: WatchLimits = DEFAULT_WATCH_LIMITS,
  ) {}

  /** Adds a watch, or changes the interval of this conversation's watch on the same cluster. */
  async add(watch: Watch): Promise<AddOutcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const index = (await this.state.read([WATCH_INDEX_KEY]))[WATCH_INDEX_KEY];
      const entries = entriesOf(index);
      if (entries.some((e) => e.id === watch.id)) {
        let previous = watch.intervalMinutes;
        const updated = await this.update(watch.id, (w) => {
          previous = w.intervalMinutes;
          // Resumes a paused watch too: asking again is the way to say "try again".
          const { paused: _paused, ...rest } = w;
          return {
            ...rest,
            conversation: watch.conversation,
            intervalMinutes: watch.intervalMinutes,
            failures: 0,
            // The last one to ask decides the language the watch posts in.
            ...(watch.locale ? { locale: watch.locale } : {}),
            ...(w.paused ? { nextDueAt: watch.nextDueAt } : {}),
          };
        });
        if (updated) return { kind: 'updated', watch: updated, previousIntervalMinutes: previous };
        // Entry without an item (a crash between the two writes): write the item below.
        await this.state.write({ [watchKey(watch.id)]: { ...watch } });
        return { kind: 'added', watch };
      }
      const inConversation = entries.filter((e) => e.conversationId === watch.conversation.id).length;
      if (inConversation >= this.limits.perConversation) return { kind: 'limit', scope: 'conversation', limit: this.limits.perConversation };
      if (entries.length >= this.limits.total) return { kind: 'limit', scope: 'total', limit: this.limits.total };
      const next = [...entries, { id: watch.id, conversationId: watch.conversation.id, clusterId: watch.cluster.id }];
      try {
        await this.state.write({ [WATCH_INDEX_KEY]: { entries: next, eTag: index?.eTag ?? IF_ABSENT } });
      } catch (err) {
        if (isETagConflict(err)) continue;
        throw err;
      }
      await this.state.write({ [watchKey(watch.id)]: { ...watch } });
      return { kind: 'added', watch };
    }
    throw new Error('The watch list is being changed by many people at once; try again.');
  }

  /** Removes a watch (index entry first, so nothing lists it any more, then the item). */
  async remove(id: string): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const index = (await this.state.read([WATCH_INDEX_KEY]))[WATCH_INDEX_KEY];
      const entries = entriesOf(index);
      if (!entries.some((e) => e.id === id)) {
        await this.state.delete([watchKey(id)]);
        return false;
      }
      try {
        await this.state.write({ [WATCH_INDEX_KEY]: { entries: entries.filter((e) => e.id !== id), eTag: index?.eTag ?? IF_ABSENT } });
      } catch (err) {
        if (isETagConflict(err)) continue;
        throw err;
      }
      await this.state.delete([watchKey(id)]);
      return true;
    }
    throw new Error('The watch list is being changed by many people at once; try again.');
  }

  async get(id: string): Promise<Watch | undefined> {
    return watchOf((await this.state.read([watchKey(id)]))[watchKey(id)]);
  }

  /** Every watch of one conversation, oldest first. */
  async listFor(conversationId: string): Promise<Watch[]> {
    return this.read((e) => e.conversationId === conversationId);
  }

  /** Every watch in the store (at most `limits.total`), for the scheduler. */
  async all(): Promise<Watch[]> {
    return this.read(() => true);
  }

  private async read(filter: (e: IndexEntry) => boolean): Promise<Watch[]> {
    const entries = entriesOf((await this.state.read([WATCH_INDEX_KEY]))[WATCH_INDEX_KEY]).filter(filter);
    if (entries.length === 0) return [];
    const items = await this.state.read(entries.map((e) => watchKey(e.id)));
    return entries.flatMap((e) => {
      const w = watchOf(items[watchKey(e.id)]);
      return w ? [w] : [];
    });
  }

  /**
   * Read-modify-write with compare-and-swap. `change` returns the new watch, or undefined to leave
   * it as it is (then nothing is written and undefined is returned). Undefined too when it is gone.
   */
  async update(id: string, change: (w: Watch) => Watch | undefined): Promise<Watch | undefined> {
    const key = watchKey(id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const item = (await this.state.read([key]))[key];
      const current = watchOf(item);
      if (!current || !item?.eTag) return undefined;
      const next = change(current);
      if (!next) return undefined;
      try {
        await this.state.write({ [key]: { ...next, id, eTag: item.eTag } });
        return next;
      } catch (err) {
        if (isETagConflict(err)) continue;
        throw err;
      }
    }
    throw new Error(`The watch ${id} is being changed by many writers at once.`);
  }
}
