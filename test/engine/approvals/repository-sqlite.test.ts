import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { createStateStore, type DurableStore } from '../../../src/store/create-store.js';
import { describeApprovalRepository } from './repository-contract.js';
import { tempDir } from '../../support/temp-dir.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeApprovalRepository('SQLite', async () => {
  const dir = tempDir('approvals');
  dirs.push(dir);
  const file = path.join(dir, 'state.sqlite');
  const opened: DurableStore[] = [createStateStore({ kind: 'sqlite', path: file })];
  const main = opened[0] as DurableStore;
  return {
    state: main.state,
    audit: main.audit,
    other: () => {
      // A second connection on the same file, as a second bot process on this machine would open it.
      const second = createStateStore({ kind: 'sqlite', path: file });
      opened.push(second);
      return { state: second.state, audit: second.audit };
    },
    close: async () => {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
});
