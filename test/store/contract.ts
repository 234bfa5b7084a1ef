/**
 * The behaviour every state store backend must show, run against each (sqlite.test.ts,
 * blob.test.ts). Each test gets a fresh, empty store from `makeStore`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditRecordError, type AuditEntry, type AuditLog } from '../../src/store/append-log.js';
import { ETagConflictError, IF_ABSENT, type StateItem, type StateStore } from '../../src/store/state-store.js';
import { incrementWithRetry } from './increment.js';

export interface StoreUnderTest {
  state: StateStore;
  audit: AuditLog;
  close(): Promise<void>;
}

/** Keys a careless blob-name or SQL mapping would merge, truncate or reject. */
export const ODD_KEYS = [
  'a/b',
  'a//b',
  'a/',
  '/a',
  'x',
  'x/',
  'with space',
  ' leading and trailing ',
  'ünïcødé/日本語/🚀',
  '.',
  '..',
  'a/./b',
  'a/../b',
  '%2F',
  'a%2Fb',
  '~2F',
  'A',
  'a',
  `quote'"`,
  'back\\slash',
  '?q=1&r=2#frag',
  "'; DROP TABLE state; --",
  'tab\tnew\nline',
  'k'.repeat(1500) + '1',
  'k'.repeat(1500) + '2',
  'é'.repeat(400),
];

async function expectConflict(promise: Promise<unknown>, key: string): Promise<ETagConflictError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ETagConflictError);
  const conflict = err as ETagConflictError;
  expect(conflict.key).toBe(key);
  expect(conflict.message).toBe(`Storage: error writing "${key}" due to eTag conflict.`);
  return conflict;
}

async function readOne(store: StateStore, key: string): Promise<StateItem | undefined> {
  const items = await store.read([key]);
  return items[key];
}

async function eTagOf(store: StateStore, key: string): Promise<string> {
  const item = await readOne(store, key);
  expect(item, `item "${key}" should exist`).toBeDefined();
  expect(typeof item?.eTag).toBe('string');
  return item?.eTag as string;
}

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actor: { id: '29:1abc', aadObjectId: '6f1c9a52-0b8e-4b53-9d2e-1f5a7c3e9b10', name: 'Dana Ops' },
    action: 'requested',
    clusterId: '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-a',
    requestId: 'req-1',
    detail: 'Allow TCP 10250 from the control plane in aks-agentpool-nsg',
    ...overrides,
  };
}

export function describeStateStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: state store contract`, () => {
    let sut: StoreUnderTest;
    let store: StateStore;

    beforeEach(async () => {
      sut = await makeStore();
      store = sut.state;
    });
    afterEach(async () => {
      await sut.close();
    });

    it('reads missing keys as absent, and returns only the keys that exist', async () => {
      expect(await store.read(['nope', 'nada'])).toEqual({});
      await store.write({ here: { v: 1 } });
      const items = await store.read(['nope', 'here']);
      expect(Object.keys(items)).toEqual(['here']);
      expect(await store.read([])).toEqual({});
    });

    it('round-trips JSON values, without keeping the caller\'s eTag field', async () => {
      const value = {
        text: 'héllo ✓ 日本 🚀',
        n: 42.5,
        ok: false,
        none: null,
        list: [1, 'two', { three: 3 }],
        nested: { deep: { deeper: ['x'] } },
      };
      await store.write({ roundtrip: { ...value, eTag: '*' } });
      const item = await readOne(store, 'roundtrip');
      const { eTag, ...rest } = item ?? {};
      expect(rest).toEqual(value);
      expect(eTag).not.toBe('*');
      expect(typeof eTag).toBe('string');
      expect((eTag as string).length).toBeGreaterThan(0);
    });

    it('assigns a new eTag on every write, and keeps it between writes', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) {
        await store.write({ counter: { i } });
        const first = await eTagOf(store, 'counter');
        expect(await eTagOf(store, 'counter')).toBe(first);
        seen.add(first);
      }
      expect(seen.size).toBe(4);
      // The same value written again still gets a new eTag: it marks a write, not a content.
      const before = await eTagOf(store, 'counter');
      await store.write({ counter: { i: 3 } });
      expect(await eTagOf(store, 'counter')).not.toBe(before);
    });

    it('writes with the current eTag (compare-and-swap succeeds) and moves the eTag on', async () => {
      await store.write({ cas: { step: 1 } });
      const e1 = await eTagOf(store, 'cas');
      await store.write({ cas: { step: 2, eTag: e1 } });
      const item = await readOne(store, 'cas');
      expect(item?.step).toBe(2);
      expect(item?.eTag).not.toBe(e1);
      await store.write({ cas: { step: 3, eTag: item?.eTag } });
      expect((await readOne(store, 'cas'))?.step).toBe(3);
    });

    it('refuses a stale eTag with ETagConflictError and leaves the item as it was', async () => {
      await store.write({ stale: { v: 'first' } });
      const old = await eTagOf(store, 'stale');
      await store.write({ stale: { v: 'second', eTag: old } });
      const current = await eTagOf(store, 'stale');
      await expectConflict(store.write({ stale: { v: 'third', eTag: old } }), 'stale');
      const item = await readOne(store, 'stale');
      expect(item?.v).toBe('second');
      expect(item?.eTag).toBe(current);
      await expectConflict(store.write({ stale: { v: 'made-up', eTag: '"not-an-etag-we-gave"' } }), 'stale');
    });

    it('refuses an eTag for a key that was deleted (the item the caller read is gone)', async () => {
      await store.write({ gone: { v: 1 } });
      const eTag = await eTagOf(store, 'gone');
      await store.delete(['gone']);
      await expectConflict(store.write({ gone: { v: 2, eTag } }), 'gone');
      expect(await store.read(['gone'])).toEqual({});
      await expectConflict(store.write({ 'never-was': { v: 2, eTag } }), 'never-was');
      expect(await store.read(['never-was'])).toEqual({});
    });

    it("writes unconditionally with eTag '*', '' or no eTag", async () => {
      await store.write({ lww: { v: 0 } });
      const stale = await eTagOf(store, 'lww');
      await store.write({ lww: { v: 1 } });
      await store.write({ lww: { v: 2, eTag: '*' } });
      expect((await readOne(store, 'lww'))?.v).toBe(2);
      await store.write({ lww: { v: 3, eTag: '' } });
      expect((await readOne(store, 'lww'))?.v).toBe(3);
      await store.write({ fresh: { v: 'new', eTag: '*' } });
      expect((await readOne(store, 'fresh'))?.v).toBe('new');
      expect(await eTagOf(store, 'lww')).not.toBe(stale);
    });

    it('creates with IF_ABSENT only when the key does not exist', async () => {
      await store.write({ once: { owner: 'a', eTag: IF_ABSENT } });
      await expectConflict(store.write({ once: { owner: 'b', eTag: IF_ABSENT } }), 'once');
      expect((await readOne(store, 'once'))?.owner).toBe('a');
      await store.delete(['once']);
      await store.write({ once: { owner: 'c', eTag: IF_ABSENT } });
      expect((await readOne(store, 'once'))?.owner).toBe('c');
    });

    it('deletes the given keys, ignores missing ones, leaves the rest', async () => {
      await store.write({ d1: { v: 1 }, d2: { v: 2 }, d3: { v: 3 } });
      await store.delete(['d1', 'd3', 'not-there']);
      expect(Object.keys(await store.read(['d1', 'd2', 'd3'])).sort()).toEqual(['d2']);
      await store.delete(['d2']);
      expect(await store.read(['d2'])).toEqual({});
      await store.delete([]);
    });

    it('handles many keys in one write, read and delete', async () => {
      const changes: Record<string, StateItem> = {};
      for (let i = 0; i < 120; i++) changes[`conv/${i}`] = { i, label: `item ${i}` };
      await store.write(changes);
      const keys = Object.keys(changes);
      const all = await store.read(keys);
      expect(Object.keys(all).sort()).toEqual([...keys].sort());
      for (const key of keys) expect(all[key]?.i).toBe(changes[key]?.i);
      expect(new Set(Object.values(all).map((item) => item.eTag)).size).toBe(120);
      await store.delete(keys.filter((_, i) => i % 2 === 0));
      const left = await store.read(keys);
      expect(Object.keys(left).length).toBe(60);
      expect(Object.values(left).every((item) => (item.i as number) % 2 === 1)).toBe(true);
    });

    it('keeps keys with odd characters apart: "/", spaces, dots, unicode, escapes, long keys', async () => {
      const changes: Record<string, StateItem> = {};
      ODD_KEYS.forEach((key, i) => {
        changes[key] = { i, key };
      });
      await store.write(changes);
      const items = await store.read(ODD_KEYS);
      expect(Object.keys(items).length).toBe(ODD_KEYS.length);
      ODD_KEYS.forEach((key, i) => {
        expect(items[key]?.i, JSON.stringify(key).slice(0, 40)).toBe(i);
        expect(items[key]?.key).toBe(key);
      });
      // CAS and delete address the same item as read does.
      const slashKey = 'a//b';
      await store.write({ [slashKey]: { i: -1, eTag: items[slashKey]?.eTag } });
      expect((await readOne(store, 'a/b'))?.i).toBe(ODD_KEYS.indexOf('a/b'));
      await store.delete(['a/']);
      const after = await store.read(['a', 'a/', '/a']);
      expect(Object.keys(after).sort()).toEqual(['/a', 'a']);
    });

    it('refuses empty keys and items that are not JSON objects', async () => {
      await expect(store.read([''])).rejects.toThrow(TypeError);
      await expect(store.write({ '': { v: 1 } })).rejects.toThrow(TypeError);
      await expect(store.write({ k: 5 as unknown as StateItem })).rejects.toThrow(/must be a JSON object/);
      await expect(store.write({ k: [1] as unknown as StateItem })).rejects.toThrow(/must be a JSON object/);
      await expect(store.write({ k: { v: 1, eTag: 7 as unknown as string } })).rejects.toThrow(/eTag must be a string/);
      expect(await store.read(['k'])).toEqual({});
    });

    it('lets exactly one of 50 concurrent writers with the same starting eTag win', async () => {
      await store.write({ race: { winner: 'nobody' } });
      const start = await eTagOf(store, 'race');
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => store.write({ race: { winner: `writer-${i}`, eTag: start } })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ETagConflictError);
      }
      expect((await readOne(store, 'race'))?.winner).toBe(`writer-${winners[0]}`);
    });

    it('lets exactly one of 50 concurrent IF_ABSENT creators win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => store.write({ 'approval/req-7': { by: `instance-${i}`, eTag: IF_ABSENT } })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ETagConflictError)).toHaveLength(49);
      expect((await readOne(store, 'approval/req-7'))?.by).toBe(`instance-${winners[0]}`);
    });

    it('loses no update when concurrent writers increment with read + compare-and-swap', async () => {
      const workers = 8;
      const perWorker = 5;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let i = 0; i < perWorker; i++) await incrementWithRetry(store, 'count', 2);
        }),
      );
      expect((await readOne(store, 'count'))?.n).toBe(workers * perWorker);
    });

    describe('audit log', () => {
      it('reads appended records newest first, up to the limit', async () => {
        const details = ['one', 'two', 'three', 'four', 'five'];
        for (const detail of details) await sut.audit.appendAudit(entry({ detail }));
        const all = await sut.audit.readAudit({ limit: 100 });
        expect(all.map((r) => r.detail)).toEqual([...details].reverse());
        const two = await sut.audit.readAudit({ limit: 2 });
        expect(two.map((r) => r.detail)).toEqual(['five', 'four']);
      });

      it('filters by cluster and by request', async () => {
        const a = entry().clusterId as string;
        const b = a.replace('aks-a', 'aks-b');
        await sut.audit.appendAudit(entry({ clusterId: a, requestId: 'r1', action: 'requested', detail: 'a1' }));
        await sut.audit.appendAudit(entry({ clusterId: b, requestId: 'r2', action: 'requested', detail: 'b1' }));
        await sut.audit.appendAudit(entry({ clusterId: a, requestId: 'r1', action: 'approved', detail: 'a2' }));
        await sut.audit.appendAudit(entry({ clusterId: b, requestId: 'r2', action: 'rejected', detail: 'b2' }));
        await sut.audit.appendAudit(entry({ clusterId: a, requestId: 'r3', action: 'requested', detail: 'a3' }));
        expect((await sut.audit.readAudit({ clusterId: a, limit: 10 })).map((r) => r.detail)).toEqual(['a3', 'a2', 'a1']);
        expect((await sut.audit.readAudit({ clusterId: b, limit: 1 })).map((r) => r.detail)).toEqual(['b2']);
        expect((await sut.audit.readAudit({ requestId: 'r1', limit: 10 })).map((r) => r.action)).toEqual(['approved', 'requested']);
        expect(await sut.audit.readAudit({ clusterId: a, requestId: 'r2', limit: 10 })).toEqual([]);
        expect(await sut.audit.readAudit({ clusterId: 'no-such-cluster', limit: 10 })).toEqual([]);
      });

      it('stores the record as given (time, actor, result), stamps `at` when missing, drops unknown fields', async () => {
        const before = Date.now();
        const stamped = await sut.audit.appendAudit(entry({ action: 'executed', result: 'succeeded' }));
        expect(Date.parse(stamped.at)).toBeGreaterThanOrEqual(before - 1000);
        const given = { ...entry({ action: 'verified', at: '2026-01-02T03:04:05.000Z', result: 'failed' }), secret: 'x' } as AuditEntry;
        await sut.audit.appendAudit(given);
        const [latest, previous] = await sut.audit.readAudit({ limit: 2 });
        expect(latest).toEqual({
          at: '2026-01-02T03:04:05.000Z',
          actor: { id: '29:1abc', aadObjectId: '6f1c9a52-0b8e-4b53-9d2e-1f5a7c3e9b10', name: 'Dana Ops' },
          action: 'verified',
          clusterId: entry().clusterId,
          requestId: 'req-1',
          detail: entry().detail,
          result: 'failed',
        });
        expect(previous).toEqual(stamped);
      });

      it('refuses malformed records and bad limits, and stores nothing for them', async () => {
        await expect(sut.audit.appendAudit(entry({ action: 'deleted' as AuditEntry['action'] }))).rejects.toThrow(AuditRecordError);
        await expect(sut.audit.appendAudit(entry({ actor: { id: '' } }))).rejects.toThrow(/actor\.id/);
        await expect(sut.audit.appendAudit(entry({ detail: '' }))).rejects.toThrow(/detail/);
        await expect(sut.audit.appendAudit(entry({ at: 'yesterday' }))).rejects.toThrow(/at must be/);
        await expect(sut.audit.appendAudit(entry({ result: 'great' as AuditEntry['result'] }))).rejects.toThrow(/result/);
        await expect(sut.audit.readAudit({ limit: 0 })).rejects.toThrow(RangeError);
        await expect(sut.audit.readAudit({ limit: 1.5 })).rejects.toThrow(RangeError);
        expect(await sut.audit.readAudit({ limit: 10 })).toEqual([]);
      });

      it('keeps every record of concurrent appends, each once', async () => {
        await Promise.all(Array.from({ length: 30 }, (_, i) => sut.audit.appendAudit(entry({ detail: `parallel ${i} ✓` }))));
        const all = await sut.audit.readAudit({ limit: 1000 });
        expect(all.map((r) => r.detail).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `parallel ${i} ✓`).sort());
      });
    });
  });
}
