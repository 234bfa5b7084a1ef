import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config-error.js';
import { createStateStore, DEFAULT_BLOB_CONTAINER, readStoreConfig, storeReady } from '../../src/store/create-store.js';
import { tempDir } from '../support/temp-dir.js';

const AZURITE_CS =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    readStoreConfig(env, '/srv/bot');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('readStoreConfig', () => {
  it('defaults to SQLite at data/tunnel-doctor.sqlite under the working directory', () => {
    expect(readStoreConfig({}, '/srv/bot')).toEqual({ kind: 'sqlite', path: '/srv/bot/data/tunnel-doctor.sqlite' });
    expect(readStoreConfig({ STATE_STORE: 'sqlite', STATE_SQLITE_PATH: '/var/lib/td/state.db' }, '/srv/bot')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/td/state.db',
    });
    expect(readStoreConfig({ STATE_SQLITE_PATH: 'state/x.sqlite' }, '/srv/bot').kind).toBe('sqlite');
  });

  it('names STATE_STORE when the kind is unknown', () => {
    const err = configError({ STATE_STORE: 'redis' });
    expect(err.variable).toBe('STATE_STORE');
    expect(err.message).toMatch(/sqlite .*or blob/);
  });

  it('refuses an in-memory SQLite database (approvals must survive a restart)', () => {
    expect(configError({ STATE_SQLITE_PATH: ':memory:' }).variable).toBe('STATE_SQLITE_PATH');
  });

  it('reads the blob store from a connection string, with the default container', () => {
    expect(readStoreConfig({ STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: AZURITE_CS })).toEqual({
      kind: 'blob',
      container: DEFAULT_BLOB_CONTAINER,
      connectionString: AZURITE_CS,
    });
    expect(readStoreConfig({ STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).kind).toBe('blob');
  });

  it('reads the blob store from an account URL (managed identity) and a custom container', () => {
    expect(
      readStoreConfig({ STATE_STORE: 'blob', STATE_BLOB_ACCOUNT_URL: 'https://tdstate.blob.core.windows.net', STATE_BLOB_CONTAINER: 'td-prod-1' }),
    ).toEqual({ kind: 'blob', container: 'td-prod-1', accountUrl: 'https://tdstate.blob.core.windows.net' });
  });

  it('names the missing or bad blob variable, and never echoes the connection string', () => {
    expect(configError({ STATE_STORE: 'blob' }).variable).toBe('STATE_BLOB_CONNECTION_STRING');
    const secret = 'AccountName=x;Password=hunter2';
    const bad = configError({ STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: secret });
    expect(bad.variable).toBe('STATE_BLOB_CONNECTION_STRING');
    expect(bad.message).not.toContain('hunter2');
    expect(bad.message).toContain(`<${secret.length} characters>`);
    expect(configError({ STATE_STORE: 'blob', STATE_BLOB_ACCOUNT_URL: 'http://tdstate.blob.core.windows.net' }).variable).toBe('STATE_BLOB_ACCOUNT_URL');
    expect(configError({ STATE_STORE: 'blob', STATE_BLOB_ACCOUNT_URL: 'not a url' }).variable).toBe('STATE_BLOB_ACCOUNT_URL');
    expect(
      configError({ STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: AZURITE_CS, STATE_BLOB_ACCOUNT_URL: 'https://a.blob.core.windows.net' }).variable,
    ).toBe('STATE_BLOB_ACCOUNT_URL');
    for (const container of ['TD-State', 'ab', 'a--b', '-ab', 'x'.repeat(64)]) {
      expect(configError({ STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: AZURITE_CS, STATE_BLOB_CONTAINER: container }).variable).toBe(
        'STATE_BLOB_CONTAINER',
      );
    }
  });
});

describe('createStateStore + storeReady (SQLite)', () => {
  const dir = tempDir('store-config');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens the configured file and reports it ready, then not ready once closed', async () => {
    const config = readStoreConfig({ STATE_SQLITE_PATH: 'nested/state.sqlite' }, dir);
    const store = createStateStore(config);
    expect(store.location).toBe(path.join(dir, 'nested/state.sqlite'));
    expect(await storeReady(store)).toMatchObject({ ready: true, kind: 'sqlite', location: store.location });
    await store.close();
    const after = await storeReady(store);
    expect(after.ready).toBe(false);
    if (!after.ready) expect(after.error).toMatch(/closed/);
  });
});
