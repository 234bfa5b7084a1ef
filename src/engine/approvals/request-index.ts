/**
 * A list of approval request ids kept as one StateStore item, changed only by compare-and-swap on
 * its eTag, because the store has no key listing: the only way a restarted or sweeping instance
 * finds the requests it must look at.
 *
 * Two lists (ApprovalRequestRepository keeps them):
 * - `approval-index/executing`: requests being executed, so a restarted instance can find the ones
 *   its dead predecessor left 'executing' and mark them 'interrupted'. The id goes in BEFORE the
 *   claim: a crash between the two leaves an entry for a request that is not executing, which the
 *   sweep drops; the other order could leave an executing request nobody would ever find.
 * - `approval-index/open`: requests still pending or approved, from submit until the transition
 *   that leaves those states, so the periodic sweep can record expiries and unclaimed approvals
 *   nobody clicks on (otherwise the audit log would only hear of them on the next click).
 */
import { ETagConflictError, IF_ABSENT, type StateStore } from '../../store/state-store.js';
import { backOff } from './back-off.js';

export const EXECUTING_INDEX_KEY = 'approval-index/executing';
export const OPEN_INDEX_KEY = 'approval-index/open';
export type IndexKey = typeof EXECUTING_INDEX_KEY | typeof OPEN_INDEX_KEY;

/** The stored shape: request id → when it was added (ISO). */
interface IndexValue {
  requests: Record<string, string>;
}

export interface RequestIndexOptions {
  state: StateStore;
  key: IndexKey;
  /** Compare-and-swap attempts per change before giving up. */
  maxAttempts: number;
  now: () => Date;
}

export class RequestIndex {
  private readonly state: StateStore;
  readonly key: IndexKey;
  private readonly maxAttempts: number;
  private readonly now: () => Date;

  constructor(options: RequestIndexOptions) {
    this.state = options.state;
    this.key = options.key;
    this.maxAttempts = options.maxAttempts;
    this.now = options.now;
  }

  /** The listed ids, oldest first as stored. */
  async ids(): Promise<string[]> {
    return Object.keys((await this.read()).requests);
  }

  /** Lists `id` (keeping the time it was first added); throws when too many writers race for too long. */
  add(id: string): Promise<void> {
    return this.update((index) => {
      if (index.requests[id]) return undefined;
      return { requests: { ...index.requests, [id]: this.now().toISOString() } };
    });
  }

  /** Unlists `id`, best effort: a leftover entry is harmless, the next (start-up or periodic) sweep drops it. */
  async drop(id: string): Promise<void> {
    try {
      await this.update((index) => {
        if (!index.requests[id]) return undefined;
        const { [id]: _dropped, ...rest } = index.requests;
        return { requests: rest };
      });
    } catch (err) {
      if (!(err instanceof IndexContended)) throw err;
    }
  }

  private async read(): Promise<IndexValue & { eTag?: string }> {
    const item = (await this.state.read([this.key]))[this.key];
    const requests = item && typeof item.requests === 'object' && item.requests !== null ? (item.requests as Record<string, string>) : {};
    return item?.eTag ? { requests, eTag: item.eTag } : { requests };
  }

  /** Compare-and-swap; `change` returns undefined when nothing needs writing. */
  private async update(change: (index: IndexValue) => IndexValue | undefined): Promise<void> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const index = await this.read();
      const next = change(index);
      if (!next) return;
      try {
        await this.state.write({ [this.key]: { requests: next.requests, eTag: index.eTag ?? IF_ABSENT } });
        return;
      } catch (err) {
        if (!(err instanceof ETagConflictError)) throw err;
        await backOff(attempt);
      }
    }
    throw new IndexContended(this.key);
  }
}

/** Too many concurrent writers on one index for maxAttempts; its message is the one callers saw before. */
class IndexContended extends Error {
  constructor(key: IndexKey) {
    super(`Could not update ${key}: too many concurrent writers.`);
  }
}
