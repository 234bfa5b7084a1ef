/**
 * The bot's durable key/value state, as the app sees it.
 *
 * The shape is botbuilder's `Storage` (read / write / delete with eTags), restated here so the app
 * depends on this module and not on botbuilder: any botbuilder Storage (MemoryStorage in a test)
 * is a StateStore, and ours can be handed to botbuilder (ConversationState, UserState).
 * test/store/state-store-compat.test.ts checks both directions at compile time.
 *
 * eTag rules (botbuilder-core storage.d.ts, "eTag ... for stores that support optimistic concurrency"):
 * - every write gives the item a new eTag, returned by the next read;
 * - `eTag` missing, '' or '*': unconditional write (last writer wins);
 * - any other eTag: compare-and-swap, the write succeeds only if the stored item still has that
 *   eTag, else it throws ETagConflictError. A key that no longer exists never matches: the item the
 *   caller read is gone (MemoryStorage would silently re-create it; our stores don't);
 * - IF_ABSENT (our extension): create-only, succeeds only if the key does not exist.
 */

/** One stored item: a JSON object plus the eTag the store assigned. */
export interface StateItem {
  [field: string]: unknown;
  eTag?: string;
}

/** Items by key. Same shape as botbuilder's StoreItems. */
export type StateItems = Record<string, StateItem>;

export interface StateStore {
  /** Items that exist, by key; keys that don't exist are absent from the result. */
  read(keys: string[]): Promise<StateItems>;
  /** Writes every item; throws ETagConflictError when an item's eTag condition fails. */
  write(changes: StateItems): Promise<void>;
  /** Removes the keys; keys that don't exist are ignored. */
  delete(keys: string[]): Promise<void>;
}

/**
 * eTag value meaning "create only if absent" (If-None-Match: * on Blob storage). Two bot instances
 * creating the same approval request: exactly one succeeds. A real eTag never has this form.
 */
export const IF_ABSENT = '<if-absent>';

/** How a write's eTag constrains it. */
export type WriteCondition = { kind: 'unconditional' } | { kind: 'if-absent' } | { kind: 'if-match'; eTag: string };

export function writeConditionOf(eTag: unknown): WriteCondition {
  if (eTag === undefined || eTag === null || eTag === '' || eTag === '*') return { kind: 'unconditional' };
  if (typeof eTag !== 'string') throw new TypeError(`Storage: eTag must be a string, got ${typeof eTag}.`);
  if (eTag === IF_ABSENT) return { kind: 'if-absent' };
  return { kind: 'if-match', eTag };
}

/**
 * A write lost a compare-and-swap. The message is botbuilder MemoryStorage's, word for word, so
 * code written against botbuilder's stores keeps recognising it.
 */
export class ETagConflictError extends Error {
  readonly code = 'ETAG_CONFLICT';
  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'ETagConflictError';
  }
}

export function isETagConflict(err: unknown): err is ETagConflictError {
  return err instanceof ETagConflictError;
}

/** Keys are any non-empty string (Blob storage cannot name an empty key; we refuse it everywhere alike). */
export function assertKeys(keys: unknown): asserts keys is string[] {
  if (!Array.isArray(keys)) throw new TypeError('Storage: keys must be an array of strings.');
  for (const key of keys) assertKey(key);
}

export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`Storage: a key must be a non-empty string, got ${JSON.stringify(key) ?? typeof key}.`);
  }
}

/** The item's JSON without its eTag (the store keeps the eTag beside the value, never inside it). */
export function serializeItem(key: string, item: unknown): string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new TypeError(`Storage: the item for "${key}" must be a JSON object.`);
  }
  const { eTag: _eTag, ...value } = item as StateItem;
  return JSON.stringify(value);
}

export function deserializeItem(json: string, eTag: string): StateItem {
  const value = JSON.parse(json) as Record<string, unknown>;
  return { ...value, eTag };
}
