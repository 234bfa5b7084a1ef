/**
 * The watch lease and the watch list on both durable stores: SQLite (two connections to one file)
 * and Blob Storage (two clients on one Azurite container), as two bot instances would share them.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateStore, type DurableStore } from '../../../src/store/create-store.js';
import { claimLease, releaseLease, WATCH_LEASE_KEY } from '../../../src/engine/watch/lease.js';
import { WatchRepository, watchIdOf, type Watch } from '../../../src/engine/watch/repository.js';
import { startAzurite, type AzuriteForTest } from '../../support/azurite.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = tempDir('watch-store');
let azurite: AzuriteForTest;
const opened: DurableStore[] = [];
let seq = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await Promise.allSettled(opened.map((s) => s.close()));
  await azurite?.close();
});

/** Two independent handles on one backing store, as two instances have. */
function twoInstances(kind: 'sqlite' | 'blob'): [DurableStore, DurableStore] {
  seq += 1;
  const open = (): DurableStore =>
    kind === 'sqlite'
      ? createStateStore({ kind: 'sqlite', path: path.join(dir, `watch-${seq}.sqlite`) })
      : createStateStore({ kind: 'blob', connectionString: azurite.connectionString, container: `td-watch-${process.pid}-${seq}` });
  const pair: [DurableStore, DurableStore] = [open(), open()];
  opened.push(...pair);
  return pair;
}

const T0 = new Date('2026-11-26T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const TTL = 4_000;

function watch(conversationId: string, cluster: string): Watch {
  const clusterId = `/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${cluster}`;
  return {
    id: watchIdOf(conversationId, clusterId),
    conversation: { id: conversationId, channelId: 'msteams', ref: { conversation: { id: conversationId } } },
    cluster: { id: clusterId, name: cluster, resourceGroup: 'rg', subscriptionId: '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69' },
    intervalMinutes: 15,
    createdBy: { id: 'user' },
    createdAt: T0.toISOString(),
    nextDueAt: at(15 * 60_000).toISOString(),
    failures: 0,
  };
}

describe.each(['sqlite', 'blob'] as const)('watch lease on %s', (kind) => {
  it('lets exactly one of two racing instances take a free lease, 20 times over', async () => {
    const [a, b] = twoInstances(kind);
    for (let round = 0; round < 20; round++) {
      const now = at(round * 2 * TTL); // every round the previous lease has expired
      const [ra, rb] = await Promise.all([claimLease(a.state, 'bot-a', TTL, now), claimLease(b.state, 'bot-b', TTL, now)]);
      expect([ra.held, rb.held].filter(Boolean), `round ${round}`).toHaveLength(1);
      const stored = (await a.state.read([WATCH_LEASE_KEY]))[WATCH_LEASE_KEY];
      expect(stored?.holder).toBe(ra.held ? 'bot-a' : 'bot-b');
    }
  });

  it('keeps the lease with its holder while renewed, and hands it over only after it expired', async () => {
    const [a, b] = twoInstances(kind);
    expect(await claimLease(a.state, 'bot-a', TTL, at(0))).toMatchObject({ held: true, acquired: true });
    expect(await claimLease(b.state, 'bot-b', TTL, at(1_000))).toMatchObject({ held: false, holder: 'bot-a' });
    expect(await claimLease(a.state, 'bot-a', TTL, at(3_000))).toMatchObject({ held: true, acquired: false });
    // Renewed at 3 s: still held at 6 s, though the first grant ran out at 4 s.
    expect(await claimLease(b.state, 'bot-b', TTL, at(6_000))).toMatchObject({ held: false, holder: 'bot-a' });
    // bot-a stops renewing (it died): bot-b takes over after 3 s + TTL.
    expect(await claimLease(b.state, 'bot-b', TTL, at(7_001))).toMatchObject({ held: true, acquired: true });
    expect(await claimLease(a.state, 'bot-a', TTL, at(7_500))).toMatchObject({ held: false, holder: 'bot-b' });
  });

  it('hands the lease over at once when the holder releases it', async () => {
    const [a, b] = twoInstances(kind);
    await claimLease(a.state, 'bot-a', TTL, at(0));
    expect(await releaseLease(b.state, 'bot-b', at(100))).toBe(false); // not the holder: nothing changes
    expect(await claimLease(b.state, 'bot-b', TTL, at(200))).toMatchObject({ held: false });
    expect(await releaseLease(a.state, 'bot-a', at(300))).toBe(true);
    expect(await claimLease(b.state, 'bot-b', TTL, at(400))).toMatchObject({ held: true, acquired: true });
  });
});

describe.each(['sqlite', 'blob'] as const)('watch list on %s', (kind) => {
  it('adds, lists per conversation, changes the interval when watched again, and removes', async () => {
    const [a, b] = twoInstances(kind);
    const repoA = new WatchRepository(a.state);
    const repoB = new WatchRepository(b.state);
    expect(await repoA.add(watch('conv-1', 'aks-one'))).toMatchObject({ kind: 'added' });
    expect(await repoB.add(watch('conv-1', 'aks-two'))).toMatchObject({ kind: 'added' });
    expect(await repoB.add(watch('conv-2', 'aks-one'))).toMatchObject({ kind: 'added' });
    expect((await repoB.listFor('conv-1')).map((w) => w.cluster.name)).toEqual(['aks-one', 'aks-two']);
    expect(await repoA.all()).toHaveLength(3);
    const again = await repoA.add({ ...watch('conv-1', 'aks-one'), intervalMinutes: 60 });
    expect(again).toMatchObject({ kind: 'updated', previousIntervalMinutes: 15, watch: { intervalMinutes: 60 } });
    expect(await repoB.all()).toHaveLength(3);
    expect(await repoB.remove(watch('conv-1', 'aks-one').id)).toBe(true);
    expect((await repoA.listFor('conv-1')).map((w) => w.cluster.name)).toEqual(['aks-two']);
    expect(await repoA.get(watch('conv-1', 'aks-one').id)).toBeUndefined();
  });

  it('enforces the per-conversation and total limits, even when two instances add at once', async () => {
    const [a, b] = twoInstances(kind);
    const limits = { perConversation: 3, total: 5 };
    const repos = [new WatchRepository(a.state, limits), new WatchRepository(b.state, limits)];
    const perConv = await Promise.all(Array.from({ length: 6 }, (_, i) => repos[i % 2]!.add(watch('conv-busy', `aks-${i}`))));
    expect(perConv.filter((r) => r.kind === 'added')).toHaveLength(3);
    expect(perConv.filter((r) => r.kind === 'limit')).toEqual(Array(3).fill({ kind: 'limit', scope: 'conversation', limit: 3 }));
    const total = await Promise.all(Array.from({ length: 4 }, (_, i) => repos[i % 2]!.add(watch(`conv-other-${i}`, 'aks-x'))));
    expect(total.filter((r) => r.kind === 'added')).toHaveLength(2);
    expect(total.filter((r) => r.kind === 'limit')).toEqual(Array(2).fill({ kind: 'limit', scope: 'total', limit: 5 }));
    expect(await repos[0]!.all()).toHaveLength(5);
  });

  it('lets only one of two instances claim a due slot', async () => {
    const [a, b] = twoInstances(kind);
    const w = watch('conv-claim', 'aks-claim');
    await new WatchRepository(a.state).add({ ...w, nextDueAt: T0.toISOString() });
    const claim = (repo: WatchRepository) =>
      repo.update(w.id, (cur) => (Date.parse(cur.nextDueAt) <= T0.getTime() ? { ...cur, nextDueAt: at(15 * 60_000).toISOString() } : undefined));
    const results = await Promise.all([claim(new WatchRepository(a.state)), claim(new WatchRepository(b.state))]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });
});
