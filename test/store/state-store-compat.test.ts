/**
 * Our StateStore and botbuilder's Storage are interchangeable (compile-time), and our conflict
 * error carries MemoryStorage's exact message (run-time).
 */
import { MemoryStorage, type Storage } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import type { BlobStateStorage } from '../../src/store/blob-storage.js';
import type { SqliteStorage } from '../../src/store/sqlite-storage.js';
import { ETagConflictError, type StateStore } from '../../src/store/state-store.js';

// Type-level: each assignment fails `tsc --noEmit` if the shapes drift apart.
type Assignable<To, From extends To> = From;
export type CompatChecks = [
  Assignable<StateStore, Storage>,
  Assignable<Storage, StateStore>,
  Assignable<Storage, SqliteStorage>,
  Assignable<Storage, BlobStateStorage>,
  Assignable<StateStore, MemoryStorage>,
];

describe('StateStore and botbuilder Storage', () => {
  it("throws ETagConflictError with the message botbuilder's MemoryStorage uses", async () => {
    const memory: StateStore = new MemoryStorage();
    await memory.write({ k: { v: 1 } });
    const stale = (await memory.read(['k']))['k']?.eTag;
    await memory.write({ k: { v: 2 } });
    const theirs = await memory.write({ k: { v: 3, eTag: stale } }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(theirs?.message).toBe(new ETagConflictError('k').message);
    expect(new ETagConflictError('k')).toBeInstanceOf(Error);
    expect(new ETagConflictError('k')).toMatchObject({ name: 'ETagConflictError', code: 'ETAG_CONFLICT', key: 'k' });
  });
});
