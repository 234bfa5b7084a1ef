/**
 * Scratch directories for tests, removed when the test file ends.
 *
 * `tempDir('name')` makes `td-name-XXXXXX` under the OS temp dir and remembers it; the setup file
 * (test/support/setup-temp-dirs.ts, registered in vitest.config.ts) removes every directory made in
 * a test file in that file's afterAll, whether the file passed or failed. Call it anywhere: at
 * module level, in a hook or inside a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made = new Set<string>();

export function tempDir(name: string): string {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`tempDir: "${name}" is not a plain kebab-case name`);
  const dir = mkdtempSync(path.join(tmpdir(), `td-${name}-`));
  made.add(dir);
  return dir;
}

/** Removes every directory `tempDir` made in this process so far. Used by the setup file. */
export function removeTempDirs(): void {
  for (const dir of made) {
    // Retries: a child process (a bot, Azurite) may still be closing files in it on a slow machine.
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    made.delete(dir);
  }
}
