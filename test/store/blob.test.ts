import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSegmentName, BlobAuditLog } from '../../src/store/blob-append-log.js';
import { escapeKeySegment, stateBlobName } from '../../src/store/blob-names.js';
import { BlobStateStorage } from '../../src/store/blob-storage.js';
import { createStateStore, storeReady, type DurableStore } from '../../src/store/create-store.js';
import { ETagConflictError } from '../../src/store/state-store.js';
import { startAzurite, type AzuriteForTest } from '../support/azurite.js';
import { describeStateStoreContract, ODD_KEYS } from './contract.js';
import { incrementWithRetry } from './increment.js';

let azurite: AzuriteForTest;

beforeAll(async () => {
  azurite = await startAzurite();
  console.info(`Azurite blob service listening after ${azurite.startupMs} ms`);
});
afterAll(async () => {
  await azurite?.close();
});

/** A fresh container name per store, so tests on the shared Azurite never see each other's data. */
function containerName(): string {
  return `td-${randomUUID().slice(0, 13)}`;
}

function blobStore(container = containerName()): DurableStore {
  return createStateStore({ kind: 'blob', connectionString: azurite.connectionString, container });
}

function containerClient(name: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(name);
}

async function blobNames(container: ContainerClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
  return names;
}

describeStateStoreContract('BlobStateStorage on Azurite', async () => blobStore());

describe('BlobStateStorage on Azurite, several bot instances', () => {
  it('creates its container when missing', async () => {
    const name = containerName();
    const client = containerClient(name);
    expect(await client.exists()).toBe(false);
    const store = blobStore(name);
    expect(await store.state.read(['anything'])).toEqual({});
    expect(await client.exists()).toBe(true);
  });

  it('lets exactly one of 50 writers win when they are spread over two instances', async () => {
    const name = containerName();
    const [one, two] = [blobStore(name), blobStore(name)];
    await one.state.write({ 'approval/req-9': { status: 'pending' } });
    const eTag = (await two.state.read(['approval/req-9']))['approval/req-9']?.eTag;
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? one : two).state.write({ 'approval/req-9': { status: 'approved', by: `writer-${i}`, eTag } }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ETagConflictError)).toHaveLength(49);
    expect((await one.state.read(['approval/req-9']))['approval/req-9']?.by).toBe(`writer-${winners[0]}`);
  });

  it('loses no increment when two instances update one counter with compare-and-swap', async () => {
    const name = containerName();
    const stores = [blobStore(name), blobStore(name)];
    const attempts = await Promise.all(
      stores.map(async (store) => {
        let n = 0;
        for (let i = 0; i < 15; i++) n += await incrementWithRetry(store.state, 'counter', 3);
        return n;
      }),
    );
    expect((await stores[0]?.state.read(['counter']))?.['counter']?.n).toBe(30);
    expect(attempts.reduce((a, b) => a + b, 0)).toBeGreaterThan(30);
  });

  it('stores each key in its own blob, named from [A-Za-z0-9_-] and ~XX escapes', async () => {
    const name = containerName();
    const store = blobStore(name);
    await store.state.write(Object.fromEntries(ODD_KEYS.map((key, i) => [key, { i }])));
    const names = await blobNames(containerClient(name), 'state');
    expect(names.length).toBe(ODD_KEYS.length);
    expect(names.sort()).toEqual(ODD_KEYS.map(stateBlobName).sort());
    for (const blobName of names) expect(blobName).toMatch(/^(state\/[A-Za-z0-9_~-]+|state-sha256\/[0-9a-f]{64})$/);
    expect(escapeKeySegment('approval/aks prod')).toBe('approval~2Faks~20prod');
    expect(escapeKeySegment('~')).toBe('~7E');
    expect(stateBlobName('k'.repeat(1500))).toMatch(/^state-sha256\//);
  });

  // Why blob-storage.ts does not wrap botbuilder's BlobsStorage. If this starts failing, botbuilder
  // fixed its key mapping: re-check the other reasons in the comment there before switching.
  it("botbuilder's BlobsStorage still maps 'a/b' and 'a//b' to one blob", async () => {
    const theirs = new BlobsStorage(azurite.connectionString, containerName());
    await theirs.write({ 'a/b': { v: 1 } });
    await theirs.write({ 'a//b': { v: 2 } });
    const items = await theirs.read(['a/b', 'a//b']);
    expect(items['a/b']?.v).toBe(2);
  });
});

describe('BlobAuditLog on Azurite', () => {
  const entry = (detail: string, clusterId = 'aks-a') => ({ actor: { id: 'u1', name: 'Dana' }, action: 'executed' as const, clusterId, detail });

  it('moves to the next segment when the current one is sealed, for this instance and a new one', async () => {
    const name = containerName();
    const container = containerClient(name);
    const log = new BlobAuditLog(container);
    await log.appendAudit(entry('first'));
    await log.appendAudit(entry('second'));
    await container.getAppendBlobClient(auditSegmentName(1)).seal();
    await log.appendAudit(entry('third')); // cached segment 1 refuses: BlobIsSealed
    await new BlobAuditLog(container).appendAudit(entry('fourth', 'aks-b')); // finds segment 2 by listing
    expect(await blobNames(container, 'audit/')).toEqual([auditSegmentName(1), auditSegmentName(2)]);
    expect((await log.readAudit({ limit: 10 })).map((r) => r.detail)).toEqual(['fourth', 'third', 'second', 'first']);
    expect((await log.readAudit({ clusterId: 'aks-a', limit: 2 })).map((r) => r.detail)).toEqual(['third', 'second']);
  });

  it('reads a segment backwards in ranges without splitting lines or UTF-8 characters', async () => {
    const name = containerName();
    const container = containerClient(name);
    const writer = new BlobAuditLog(container);
    const details = Array.from({ length: 40 }, (_, i) => `step ${i}: ${'✓é日'.repeat(i % 7)} done`);
    for (const detail of details) await writer.appendAudit(entry(detail, i2c(details.indexOf(detail))));
    for (const chunk of [13, 101, 64 * 1024]) {
      const reader = new BlobAuditLog(container, { tailChunkBytes: chunk });
      expect((await reader.readAudit({ limit: 1000 })).map((r) => r.detail), `chunk ${chunk}`).toEqual([...details].reverse());
      expect((await reader.readAudit({ clusterId: 'aks-odd', limit: 3 })).map((r) => r.detail)).toEqual([details[39], details[37], details[35]]);
    }
  });
});

function i2c(i: number): string {
  return i % 2 === 0 ? 'aks-even' : 'aks-odd';
}

describe('storeReady', () => {
  it('reports a reachable blob store as ready', async () => {
    const readiness = await storeReady(blobStore());
    expect(readiness).toMatchObject({ ready: true, kind: 'blob' });
    expect(readiness.location).toMatch(/^devstoreaccount1\/td-/);
  });

  it('reports an unreachable blob store as not ready within the timeout', async () => {
    const closed = azurite.connectionString.replace(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'BlobEndpoint=http://127.0.0.1:9');
    const store = createStateStore({ kind: 'blob', connectionString: closed, container: 'td-unreachable' });
    const readiness = await storeReady(store, 1_500);
    expect(readiness.ready).toBe(false);
    expect(readiness.ms).toBeLessThan(5_000);
    if (!readiness.ready) expect(readiness.error).toMatch(/ECONNREFUSED|no answer within 1500 ms/);
  });

  it('reports a store with a wrong key as not ready, with the service error', async () => {
    const wrongKey = azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('not the key').toString('base64')}`);
    const readiness = await storeReady(createStateStore({ kind: 'blob', connectionString: wrongKey, container: 'td-wrong-key' }), 10_000);
    expect(readiness.ready).toBe(false);
    if (!readiness.ready) expect(readiness.error).toMatch(/authenticate|Authorization/i);
  });
});
