/** Approvals by outcome, counted by the audit-log decorator over the real SQLite audit log. */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateStore, type DurableStore } from '../../src/store/create-store.js';
import type { AuditEntry } from '../../src/store/append-log.js';
import { countingAuditLog } from '../../src/telemetry/audit.js';
import { approvalOutcomeOf, ATTR, METRIC } from '../../src/telemetry/instruments.js';
import { inMemoryTelemetry } from './support.js';
import { tempDir } from '../support/temp-dir.js';

let dir: string;
let store: DurableStore;

beforeAll(() => {
  dir = tempDir('approvals-telemetry');
  store = createStateStore({ kind: 'sqlite', path: path.join(dir, 'state.sqlite') });
});

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const CLUSTER = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks';

function entry(action: AuditEntry['action'], result?: AuditEntry['result'], requestId = 'req-1'): AuditEntry {
  return { actor: { id: 'user-1' }, action, requestId, clusterId: CLUSTER, detail: `${action} step`, ...(result ? { result } : {}) };
}

describe('approvals by outcome from audit appends', () => {
  it('maps the audit log action + result pairs to outcomes', () => {
    expect(approvalOutcomeOf({ action: 'executed', result: 'succeeded' })).toBe('executed-succeeded');
    expect(approvalOutcomeOf({ action: 'failed', result: 'failed' })).toBe('failed');
    expect(approvalOutcomeOf({ action: 'failed', result: 'partial' })).toBe('interrupted');
    expect(approvalOutcomeOf({ action: 'verified', result: 'succeeded' })).toBe('verified');
    expect(approvalOutcomeOf({ action: 'verified', result: 'failed' })).toBe('still-failing');
    expect(approvalOutcomeOf({ action: 'rejected' })).toBe('rejected');
    expect(approvalOutcomeOf({ action: 'refused' })).toBe('refused');
  });

  it('counts each appended record once, by outcome, and passes records and reads through', async () => {
    const { telemetry, metrics } = inMemoryTelemetry();
    const audit = countingAuditLog(store.audit, telemetry);
    const steps: AuditEntry[] = [
      entry('requested'),
      entry('approved'),
      entry('approved'),
      entry('executed', 'succeeded'),
      entry('verified', 'succeeded'),
      entry('requested', undefined, 'req-2'),
      entry('rejected', undefined, 'req-2'),
      entry('requested', undefined, 'req-3'),
      entry('cancelled', undefined, 'req-3'),
      entry('requested', undefined, 'req-4'),
      entry('expired', undefined, 'req-4'),
      entry('failed', 'failed', 'req-5'),
      entry('failed', 'partial', 'req-6'),
      entry('verified', 'failed', 'req-7'),
    ];
    for (const s of steps) {
      const record = await audit.appendAudit(s);
      expect(record).toMatchObject({ action: s.action, requestId: s.requestId });
    }
    expect(await metrics.sumsBy(METRIC.approvals, ATTR.approvalOutcome)).toEqual({
      requested: 4,
      approved: 2,
      'executed-succeeded': 1,
      verified: 1,
      rejected: 1,
      cancelled: 1,
      expired: 1,
      failed: 1,
      interrupted: 1,
      'still-failing': 1,
    });
    // Reads go to the wrapped log unchanged (newest first).
    const read = await audit.readAudit({ requestId: 'req-1', limit: 10 });
    expect(read.map((r) => r.action)).toEqual(['verified', 'executed', 'approved', 'approved', 'requested']);
  });

  it('does not count an append the log refused', async () => {
    const { telemetry, metrics } = inMemoryTelemetry();
    const audit = countingAuditLog(store.audit, telemetry);
    await expect(audit.appendAudit({ ...entry('approved'), detail: '' })).rejects.toThrow(/detail/);
    expect(await metrics.sumsBy(METRIC.approvals, ATTR.approvalOutcome)).toEqual({});
  });
});
