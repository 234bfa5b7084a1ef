import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createStateStore } from '../../../src/store/create-store.js';
import { startAzurite, type AzuriteForTest } from '../../support/azurite.js';
import { describeApprovalRepository } from './repository-contract.js';

let azurite: AzuriteForTest;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});

describeApprovalRepository('Blob on Azurite', async () => {
  // A fresh container per test; `other` opens a second client on it, as another bot instance would.
  const container = `td-approvals-${randomUUID().slice(0, 8)}`;
  const open = () => createStateStore({ kind: 'blob', connectionString: azurite.connectionString, container });
  const main = open();
  const opened = [main];
  return {
    state: main.state,
    audit: main.audit,
    other: () => {
      const second = open();
      opened.push(second);
      return { state: second.state, audit: second.audit };
    },
    close: async () => {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
});
