/**
 * vitest globalSetup: each test run gets its own temp folder (TMPDIR for every worker and every
 * process the tests start), and the run fails if a test left a `td-*` directory in it.
 *
 * A folder of the run's own, rather than comparing /tmp before and after, keeps the check exact
 * when other runs (another checkout, a second terminal) use /tmp at the same time. The folder is
 * removed at the end either way, so nothing stays behind even when the check fails.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const runDir = mkdtempSync(path.join(tmpdir(), 'td-test-run-'));
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = runDir;
  return () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    const left = readdirSync(runDir).filter((name) => name.startsWith('td-'));
    rmSync(runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    if (left.length > 0) {
      throw new Error(`tests left ${left.length} scratch director${left.length === 1 ? 'y' : 'ies'} behind (use tempDir() from test/support/temp-dir.ts): ${left.sort().join(', ')}`);
    }
  };
}
