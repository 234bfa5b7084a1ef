/**
 * botbuilder Storage on a local SQLite file: the state store of a single-machine bot (one or
 * more processes sharing the file). Several machines need the Blob store (blob-storage.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Statement } from 'better-sqlite3';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
import {
  assertKeys,
  deserializeItem,
  ETagConflictError,
  serializeItem,
  writeConditionOf,
  type StateItems,
  type StateStore,
} from './state-store.js';

export interface SqliteStorageOptions {
  /** File to open (created with its directory), or an open database to share with the audit log. */
  path?: string;
  database?: SqliteDatabase;
}

interface StateRow {
  key: string;
  value: string;
  etag: string;
}

export class SqliteStorage implements Storage, StateStore {
  readonly db: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly selectOne: Statement<[string], StateRow>;
  private readonly upsert: Statement<[string, string, string, string]>;
  private readonly insertIfAbsent: Statement<[string, string, string, string]>;
  private readonly updateIfMatch: Statement<[string, string, string, string, string]>;
  private readonly deleteOne: Statement<[string]>;

  constructor(options: SqliteStorageOptions) {
    if (options.database) {
      this.db = options.database;
      this.ownsDatabase = false;
    } else if (options.path) {
      this.db = openSqliteDatabase(options.path);
      this.ownsDatabase = true;
    } else {
      throw new TypeError('SqliteStorage needs a path or an open database.');
    }
    this.selectOne = this.db.prepare('SELECT key, value, etag FROM state WHERE key = ?');
    this.upsert = this.db.prepare(
      `INSERT INTO state (key, value, etag, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at`,
    );
    this.insertIfAbsent = this.db.prepare(
      'INSERT INTO state (key, value, etag, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
    );
    // The compare and the swap are one statement: no other writer, in this process or another,
    // can slip between them (the IMMEDIATE transaction around it holds the file's write lock).
    this.updateIfMatch = this.db.prepare('UPDATE state SET value = ?, etag = ?, updated_at = ? WHERE key = ? AND etag = ?');
    this.deleteOne = this.db.prepare('DELETE FROM state WHERE key = ?');
  }

  async read(keys: string[]): Promise<StoreItems & StateItems> {
    assertKeys(keys);
    const items: StateItems = {};
    for (const key of keys) {
      const row = this.selectOne.get(key);
      if (row) items[key] = deserializeItem(row.value, row.etag);
    }
    return items;
  }

  /** All items in one IMMEDIATE transaction: one conflict and nothing is written. */
  async write(changes: StoreItems & StateItems): Promise<void> {
    if (typeof changes !== 'object' || changes === null) throw new TypeError('Storage: changes must be an object of items by key.');
    const entries = Object.entries(changes).map(([key, item]) => {
      assertKeys([key]);
      return { key, json: serializeItem(key, item), condition: writeConditionOf(item?.eTag) };
    });
    const writeAll = this.db.transaction(() => {
      const now = new Date().toISOString();
      for (const { key, json, condition } of entries) {
        // A random eTag, not a version counter: a key deleted and re-created must not get back an
        // eTag that a stale reader still holds.
        const eTag = randomUUID();
        let changed: number;
        switch (condition.kind) {
          case 'unconditional':
            changed = this.upsert.run(key, json, eTag, now).changes;
            break;
          case 'if-absent':
            changed = this.insertIfAbsent.run(key, json, eTag, now).changes;
            break;
          case 'if-match':
            changed = this.updateIfMatch.run(json, eTag, now, key, condition.eTag).changes;
            break;
        }
        if (changed !== 1) throw new ETagConflictError(key);
      }
    });
    writeAll.immediate();
  }

  async delete(keys: string[]): Promise<void> {
    assertKeys(keys);
    this.db.transaction(() => {
      for (const key of keys) this.deleteOne.run(key);
    }).immediate();
  }

  /**
   * Readiness: the file is open, writable, and the schema answers. (No write-lock probe: it would
   * block the event loop for up to busy_timeout while another process writes.)
   */
  async ready(): Promise<void> {
    if (!this.db.open) throw new Error(`SQLite state store ${this.db.name} is closed.`);
    if (this.db.readonly) throw new Error(`SQLite state store ${this.db.name} is read-only.`);
    this.db.prepare('SELECT 1 FROM state LIMIT 1').get();
  }

  async close(): Promise<void> {
    if (this.ownsDatabase && this.db.open) this.db.close();
  }
}
