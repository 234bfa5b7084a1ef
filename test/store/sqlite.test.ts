import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createStateStore, type DurableStore } from '../../src/store/create-store.js';
import { SqliteAuditLog } from '../../src/store/sqlite-append-log.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/store/sqlite-database.js';
import { SqliteStorage } from '../../src/store/sqlite-storage.js';
import { ETagConflictError } from '../../src/store/state-store.js';
import { tempDir } from '../support/temp-dir.js';
import { describeStateStoreContract } from './contract.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const RACER = fileURLToPath(new URL('./fixtures/sqlite-racer.ts', import.meta.url));
const OPENER = fileURLToPath(new URL('./fixtures/sqlite-opener.ts', import.meta.url));

function tempDbPath(nested = ''): string {
  return path.join(tempDir('sqlite'), nested, 'state.sqlite');
}

describeStateStoreContract('SqliteStorage', async () => createStateStore({ kind: 'sqlite', path: tempDbPath() }));

describe('SqliteStorage on its file', () => {
  const open: DurableStore[] = [];
  const openStore = (file: string): DurableStore => {
    const store = createStateStore({ kind: 'sqlite', path: file });
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('creates the missing directories, uses WAL and a busy timeout, and keeps data across reopening', async () => {
    const file = tempDbPath('deeper/still');
    expect(existsSync(path.dirname(file))).toBe(false);
    const first = new SqliteStorage({ path: file });
    expect(first.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(first.db.pragma('busy_timeout', { simple: true })).toBe(SQLITE_BUSY_TIMEOUT_MS);
    await first.write({ 'approval/1': { status: 'pending' } });
    const eTag = (await first.read(['approval/1']))['approval/1']?.eTag;
    await first.close();
    expect(existsSync(file)).toBe(true);
    const second = openStore(file);
    const item = (await second.state.read(['approval/1']))['approval/1'];
    expect(item).toEqual({ status: 'pending', eTag });
  });

  it('writes several items all or nothing: one conflict and none of them land', async () => {
    const store = openStore(tempDbPath()).state;
    await store.write({ a: { v: 1 }, b: { v: 1 } });
    const eA = (await store.read(['a']))['a']?.eTag;
    await store.write({ b: { v: 2 } });
    await expect(store.write({ a: { v: 'new', eTag: eA }, b: { v: 'new', eTag: eA }, c: { v: 'new' } })).rejects.toBeInstanceOf(
      ETagConflictError,
    );
    const items = await store.read(['a', 'b', 'c']);
    expect(items['a']?.v).toBe(1);
    expect(items['b']?.v).toBe(2);
    expect(items['c']).toBeUndefined();
  });

  it('refuses to rewrite or delete audit records, even with SQL', async () => {
    const store = openStore(tempDbPath());
    await store.audit.appendAudit({ actor: { id: 'u1' }, action: 'approved', detail: 'ok', requestId: 'r1' });
    const db = (store.state as SqliteStorage).db;
    expect(() => db.prepare("UPDATE audit SET record = '{}'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect((await store.audit.readAudit({ limit: 5 })).map((r) => r.action)).toEqual(['approved']);
  });

  it('shares one file between a state store and an audit log opened separately', async () => {
    const file = tempDbPath();
    const writer = openStore(file);
    const other = new SqliteStorage({ path: file });
    const reader = new SqliteAuditLog(other.db);
    await writer.audit.appendAudit({ actor: { id: 'u1' }, action: 'requested', detail: 'from the writer' });
    expect((await reader.readAudit({ limit: 1 }))[0]?.detail).toBe('from the writer');
    await other.write({ shared: { from: 'other' } });
    expect((await writer.state.read(['shared']))['shared']?.from).toBe('other');
    await other.close();
  });
});

/** A child node process (tsx) driving its own SqliteStorage on the same file. */
class Racer {
  private readonly lines: Interface;
  private readonly pending: Array<(line: string) => void> = [];
  private readonly stderr: string[] = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
    child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
  }

  static async start(dbPath: string, name: string): Promise<Racer> {
    const racer = Racer.spawn(RACER, [dbPath, name]);
    const ready = JSON.parse(await racer.nextLine()) as { ready: string };
    expect(ready.ready).toBe(name);
    return racer;
  }

  /** A process that opens files on command (fixtures/sqlite-opener.ts). */
  static async opener(): Promise<Racer> {
    const racer = Racer.spawn(OPENER, []);
    expect(JSON.parse(await racer.nextLine())).toEqual({ ready: true });
    return racer;
  }

  private static spawn(script: string, args: string[]): Racer {
    return new Racer(spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO, stdio: 'pipe' }));
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`racer exited (${code}): ${this.stderr.join('')}`));
      this.child.once('exit', onExit);
      this.pending.push((line) => {
        this.child.off('exit', onExit);
        resolve(line);
      });
    });
  }

  async send<T>(command: object): Promise<T> {
    const answer = this.nextLine();
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return JSON.parse(await answer) as T;
  }

  async quit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  }
}

describe('SqliteStorage across two OS processes sharing one file', () => {
  const racers: Racer[] = [];
  afterEach(async () => {
    await Promise.all(racers.splice(0).map((r) => r.quit()));
  });

  it('lets exactly one of 50 writers (25 in each process) with the same starting eTag win, round after round', async () => {
    const file = tempDbPath();
    const store = new SqliteStorage({ path: file });
    racers.push(...(await Promise.all([Racer.start(file, 'p1'), Racer.start(file, 'p2')])));
    for (let round = 0; round < 10; round++) {
      const key = `race/${round}`;
      await store.write({ [key]: { winner: 'nobody' } });
      const eTag = (await store.read([key]))[key]?.eTag as string;
      type Result = { wins: string[]; conflicts: number; errors: string[] };
      const results = await Promise.all(racers.map((r) => r.send<Result>({ op: 'race', key, eTag, writers: 25 })));
      const wins = results.flatMap((r) => r.wins);
      expect(results.flatMap((r) => r.errors)).toEqual([]);
      expect(wins).toHaveLength(1);
      expect(results.reduce((n, r) => n + r.conflicts, 0)).toBe(49);
      expect((await store.read([key]))[key]?.winner).toBe(wins[0]);
    }
    await store.close();
  });

  it('loses no increment when both processes update one counter with compare-and-swap', async () => {
    const file = tempDbPath();
    racers.push(...(await Promise.all([Racer.start(file, 'p1'), Racer.start(file, 'p2')])));
    const times = 100;
    const results = await Promise.all(racers.map((r) => r.send<{ attempts: number }>({ op: 'increment', key: 'counter', times })));
    const store = new SqliteStorage({ path: file });
    expect((await store.read(['counter']))['counter']?.n).toBe(2 * times);
    // The test only means something if the processes really raced: some attempts must have lost a CAS.
    const attempts = results.reduce((n, r) => n + r.attempts, 0);
    expect(attempts).toBeGreaterThan(2 * times);
    await store.close();
  });
});

describe('SqliteStorage opened by many OS processes at the same instant', () => {
  const openers: Racer[] = [];
  afterEach(async () => {
    await Promise.all(openers.splice(0).map((r) => r.quit()));
  });

  // Two bot replicas (or a bot and the CLI's `audit`) can open one file together: the switch to WAL
  // and the schema must not fail any of them with SQLITE_BUSY, on a new file or an existing one.
  it('opens in all 8 processes and counts every increment, 20 rounds on new and existing files', async () => {
    openers.push(...(await Promise.all(Array.from({ length: 8 }, () => Racer.opener()))));
    const times = 5;
    let existing = '';
    for (let round = 0; round < 20; round++) {
      // Even rounds: a file nobody has created yet; odd rounds: the file of the round before.
      const file = round % 2 === 0 ? tempDbPath() : existing;
      existing = file;
      const before = round % 2 === 0 ? 0 : 8 * times;
      // Each process gets its command in the same tick, so they open within a few ms of each other.
      const answers = await Promise.all(openers.map((r) => r.send<{ ok?: true; error?: string }>({ path: file, times })));
      expect(answers, `round ${round}`).toEqual(openers.map(() => ({ ok: true })));
      const store = new SqliteStorage({ path: file });
      expect((await store.read(['counter']))['counter']?.n, `round ${round}`).toBe(before + 8 * times);
      await store.close();
    }
  });
});
