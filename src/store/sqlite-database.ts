/**
 * Opens (and creates) the SQLite file that holds the bot's state and audit log on one machine.
 * Several processes may share the file (the bot and a CLI, or a restart overlapping the old
 * process): WAL lets readers run beside the single writer, and busy_timeout makes a writer wait
 * for the lock instead of failing at once with SQLITE_BUSY (https://www.sqlite.org/wal.html,
 * https://www.sqlite.org/pragma.html#pragma_busy_timeout).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

export const DEFAULT_SQLITE_PATH = 'data/tunnel-doctor.sqlite';

/** How long a writer waits for another process's write lock before giving up. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state (
  key        TEXT PRIMARY KEY NOT NULL,
  value      TEXT NOT NULL,
  etag       TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS audit (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  at         TEXT NOT NULL,
  action     TEXT NOT NULL,
  cluster_id TEXT,
  request_id TEXT,
  record     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_cluster ON audit (cluster_id, seq);
CREATE INDEX IF NOT EXISTS audit_by_request ON audit (request_id, seq);

-- The audit trail is evidence of who approved what: the database itself refuses to rewrite it.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`;

export function openSqliteDatabase(filePath: string): SqliteDatabase {
  if (filePath !== ':memory:') mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
  const db = new Database(filePath, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    retryWhileBusy(() => {
      // Switching to WAL takes an exclusive lock that the busy handler does not wait for, so two
      // processes opening one file at the same instant can get SQLITE_BUSY here
      // (https://www.sqlite.org/pragma.html#pragma_journal_mode, https://www.sqlite.org/wal.html#sometimes_queries_return_sqlite_busy_in_wal_mode).
      // WAL is persistent in the file: only the first opener ever needs to switch, the rest just read it.
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      // FULL: an approval or audit entry that was acknowledged in chat must survive a power cut;
      // the write rate (a few per minute) makes the extra fsync free.
      db.pragma('synchronous = FULL');
      // Two processes opening a new file at once both run the schema: serialise that too.
      db.transaction(() => db.exec(SCHEMA)).immediate();
    });
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Runs `step` again after a short, growing, jittered pause while SQLite answers SQLITE_BUSY (or
 * SQLITE_BUSY_RECOVERY / _SNAPSHOT), for at most SQLITE_BUSY_TIMEOUT_MS in all, then gives up with
 * the last error. Synchronous like better-sqlite3 itself: it only runs while the database opens.
 */
function retryWhileBusy(step: () => void): void {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      step();
      return;
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      sleepSync(Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const pause = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}
