/**
 * Picks and opens the durable store from configuration: SQLite for one machine (the default: a
 * newcomer needs nothing), Blob Storage when several bot instances must share approvals.
 * Configuration is read from an `env` argument so tests pass their own; a bad value names the
 * variable and what it should look like (ConfigError), and never echoes a secret.
 */
import path from 'node:path';
import { ConfigError } from '../config-error.js';
import type { AuditLog } from './append-log.js';
import { BlobAuditLog } from './blob-append-log.js';
import { containerClientFor } from './blob-client.js';
import { BlobStateStorage } from './blob-storage.js';
import { SqliteAuditLog } from './sqlite-append-log.js';
import { DEFAULT_SQLITE_PATH } from './sqlite-database.js';
import { SqliteStorage } from './sqlite-storage.js';
import type { StateStore } from './state-store.js';

export const DEFAULT_BLOB_CONTAINER = 'tunnel-doctor-state';

export type StoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'blob'; container: string; connectionString?: string; accountUrl?: string };

/** The state (approvals, conversation state) and the audit log, on one backend. */
export interface DurableStore {
  kind: StoreConfig['kind'];
  /** Where the data lives, for logs and the readiness endpoint: a file path or account/container (no secrets). */
  location: string;
  state: StateStore;
  audit: AuditLog;
  /** Resolves when the backend answers (file open and writable, container reachable with our credentials). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

// https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata#container-names
const CONTAINER_NAME = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function readStoreConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): StoreConfig {
  const kind = env.STATE_STORE?.trim() || 'sqlite';
  if (kind === 'sqlite') {
    const raw = env.STATE_SQLITE_PATH?.trim() || DEFAULT_SQLITE_PATH;
    if (raw === ':memory:') {
      throw new ConfigError('STATE_SQLITE_PATH', 'a file path (approvals must survive a restart), e.g. data/tunnel-doctor.sqlite', raw);
    }
    return { kind, path: path.resolve(cwd, raw) };
  }
  if (kind !== 'blob') {
    throw new ConfigError('STATE_STORE', 'sqlite (one machine, the default) or blob (Azure Blob Storage, several bot instances)', kind);
  }
  const container = env.STATE_BLOB_CONTAINER?.trim() || DEFAULT_BLOB_CONTAINER;
  if (!CONTAINER_NAME.test(container)) {
    throw new ConfigError('STATE_BLOB_CONTAINER', '3 to 63 lowercase letters, digits and single hyphens, e.g. tunnel-doctor-state', container);
  }
  const connectionString = env.STATE_BLOB_CONNECTION_STRING?.trim() || undefined;
  const accountUrl = env.STATE_BLOB_ACCOUNT_URL?.trim() || undefined;
  if (connectionString && accountUrl) {
    throw new ConfigError(
      'STATE_BLOB_ACCOUNT_URL',
      'empty when STATE_BLOB_CONNECTION_STRING is set (set one: the connection string, or the account URL for the bot\'s managed identity)',
      accountUrl,
    );
  }
  if (connectionString) {
    if (!looksLikeConnectionString(connectionString)) {
      throw new ConfigError(
        'STATE_BLOB_CONNECTION_STRING',
        'an Azure Storage connection string (AccountName=…;AccountKey=… or BlobEndpoint=…;SharedAccessSignature=…, or UseDevelopmentStorage=true)',
        `<${connectionString.length} characters>`,
      );
    }
    return { kind, container, connectionString };
  }
  if (accountUrl) {
    if (!isAccountUrl(accountUrl)) {
      throw new ConfigError('STATE_BLOB_ACCOUNT_URL', 'the blob endpoint, e.g. https://<account>.blob.core.windows.net (http only for 127.0.0.1/localhost)', accountUrl);
    }
    return { kind, container, accountUrl };
  }
  throw new ConfigError(
    'STATE_BLOB_CONNECTION_STRING',
    'with STATE_STORE=blob, a storage connection string, or set STATE_BLOB_ACCOUNT_URL to use the bot\'s managed identity (role: Storage Blob Data Contributor)',
  );
}

function looksLikeConnectionString(value: string): boolean {
  const fields = new Map(
    value
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const eq = part.indexOf('=');
        return [eq < 0 ? part : part.slice(0, eq), eq < 0 ? '' : part.slice(eq + 1)] as const;
      }),
  );
  if (fields.get('UseDevelopmentStorage') === 'true') return true;
  const hasCredential = Boolean(fields.get('AccountKey') || fields.get('SharedAccessSignature'));
  const hasEndpoint = Boolean(fields.get('AccountName') || fields.get('BlobEndpoint'));
  return hasCredential && hasEndpoint;
}

function isAccountUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost');
}

export function createStateStore(config: StoreConfig): DurableStore {
  if (config.kind === 'sqlite') {
    const state = new SqliteStorage({ path: config.path });
    return {
      kind: 'sqlite',
      location: config.path,
      state,
      audit: new SqliteAuditLog(state.db),
      ready: () => state.ready(),
      close: () => state.close(),
    };
  }
  const container = containerClientFor(config);
  const state = new BlobStateStorage(container);
  return {
    kind: 'blob',
    location: `${container.accountName}/${container.containerName}`,
    state,
    audit: new BlobAuditLog(container),
    ready: () => state.ready(),
    close: () => state.close(),
  };
}

export type StoreReadiness =
  | { ready: true; kind: StoreConfig['kind']; location: string; ms: number }
  | { ready: false; kind: StoreConfig['kind']; location: string; ms: number; error: string };

/** For a readiness probe: never throws, never waits longer than `timeoutMs`. */
export async function storeReady(store: DurableStore, timeoutMs = 5_000): Promise<StoreReadiness> {
  const started = performance.now();
  const base = { kind: store.kind, location: store.location };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([store.ready(), timeout]);
    return { ...base, ready: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ...base, ready: false, ms: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
