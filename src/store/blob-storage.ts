/**
 * botbuilder Storage on Azure Blob Storage, for several bot instances sharing one state.
 *
 * Why not botbuilder-azure-blobs' BlobsStorage (4.23, lib/blobsStorage.js)? Its compare-and-swap
 * for an existing item is right (upload with If-Match, 412 → the MemoryStorage conflict message),
 * but, checked against Azurite:
 * - its key → blob name mapping (sanitizeBlobKey) drops empty path segments, so "a/b" and "a//b",
 *   or "x" and "x/", are the SAME blob; keys of '.' or '..' fail with a bare 400;
 * - it has no create-only write (If-None-Match: *), which two instances opening the same approval
 *   request need;
 * - its conflict is a plain Error (callers would match the message text), and every other failure
 *   (a 404 on a vanished container, an auth error) passes through untyped.
 * Wrapping it cannot fix the key mapping, so this talks to @azure/storage-blob directly, the same
 * way: one block blob per key, the JSON in the body, the blob's ETag as the item's eTag.
 *
 * Conditions (https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations):
 * if-match → `ifMatch: eTag` (412 ConditionNotMet when changed or gone); if-absent →
 * `ifNoneMatch: '*'` (409 BlobAlreadyExists). Both map to ETagConflictError.
 * Known gap: the SDK retries a request whose response was lost; if the first attempt of a
 * conditional write had landed, the retry reports a conflict although our own write won.
 */
import type { Storage, StoreItems } from 'botbuilder';
import type { ContainerClient } from '@azure/storage-blob';
import { containerCreator, forEachLimited, readStreamBytes, statusOf } from './blob-client.js';
import { stateBlobName } from './blob-names.js';
import {
  assertKeys,
  deserializeItem,
  ETagConflictError,
  serializeItem,
  writeConditionOf,
  type StateItem,
  type StateItems,
  type StateStore,
  type WriteCondition,
} from './state-store.js';

/** Parallel requests per read/write/delete call: enough for a turn's few keys, gentle on Azurite. */
const PARALLEL_REQUESTS = 8;

export class BlobStateStorage implements Storage, StateStore {
  private readonly ensureContainer: () => Promise<void>;

  constructor(readonly container: ContainerClient) {
    this.ensureContainer = containerCreator(container);
  }

  async read(keys: string[]): Promise<StoreItems & StateItems> {
    assertKeys(keys);
    await this.ensureContainer();
    const items: StateItems = {};
    await forEachLimited(keys, PARALLEL_REQUESTS, async (key) => {
      const item = await this.readOne(key);
      if (item) items[key] = item;
    });
    return items;
  }

  /** Each item is its own request: not atomic across keys (one may conflict after others landed). */
  async write(changes: StoreItems & StateItems): Promise<void> {
    if (typeof changes !== 'object' || changes === null) throw new TypeError('Storage: changes must be an object of items by key.');
    const entries = Object.entries(changes).map(([key, item]) => {
      assertKeys([key]);
      return { key, json: serializeItem(key, item), condition: writeConditionOf(item?.eTag) };
    });
    await this.ensureContainer();
    await forEachLimited(entries, PARALLEL_REQUESTS, (entry) => this.writeOne(entry.key, entry.json, entry.condition));
  }

  async delete(keys: string[]): Promise<void> {
    assertKeys(keys);
    await this.ensureContainer();
    await forEachLimited(keys, PARALLEL_REQUESTS, async (key) => {
      await this.container.getBlobClient(stateBlobName(key)).deleteIfExists();
    });
  }

  /** Readiness: the container exists (or was created) and a read goes through with our credentials. */
  async ready(): Promise<void> {
    await this.ensureContainer();
    await this.container.getProperties();
  }

  async close(): Promise<void> {
    // HTTP clients hold no state worth closing.
  }

  private async readOne(key: string): Promise<StateItem | undefined> {
    try {
      // One GET: the body and the ETag come from the same response, so they always belong together.
      const response = await this.container.getBlobClient(stateBlobName(key)).download();
      const body = (await readStreamBytes(response.readableStreamBody)).toString('utf8');
      if (!response.etag) throw new Error(`Blob store: no ETag on "${key}".`);
      return deserializeItem(body, response.etag);
    } catch (err) {
      if (statusOf(err).status === 404) return undefined;
      throw err;
    }
  }

  private async writeOne(key: string, json: string, condition: WriteCondition): Promise<void> {
    const conditions =
      condition.kind === 'if-match' ? { ifMatch: condition.eTag } : condition.kind === 'if-absent' ? { ifNoneMatch: '*' } : {};
    try {
      await this.container.getBlockBlobClient(stateBlobName(key)).upload(json, Buffer.byteLength(json), {
        conditions,
        blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
      });
    } catch (err) {
      const { status, code } = statusOf(err);
      const lostCondition =
        condition.kind !== 'unconditional' &&
        (status === 412 || (status === 409 && code === 'BlobAlreadyExists') || (status === 404 && code === 'BlobNotFound'));
      if (lostCondition) throw new ETagConflictError(key);
      throw err;
    }
  }
}

