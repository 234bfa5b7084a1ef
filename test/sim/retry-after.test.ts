/**
 * Retry-After on long-running operations: whole seconds (the header's unit), the time left, never
 * pointing before the end; and the SDK pollers follow it rather than their own interval.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runShellScript } from '../../src/azure/compute.js';
import { OperationBoard } from '../../src/sim/operations.js';
import type { Estate } from '../../src/sim/estate.js';
import { EXAMPLE_IDS, exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';

let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('Retry-After of a running operation', () => {
  const board = new OperationBoard();
  const op = (durationMs: number) =>
    board.start({ estate: {} as Estate, subscriptionId: EXAMPLE_IDS.subscriptionId, provider: 'Microsoft.Compute', location: 'eastus', durationMs, work: () => ({}) });

  it('is the time left in whole seconds: never before the end, less than a second after it', () => {
    const o = op(4_940);
    const started = o.dueAt - 4_940;
    expect(board.retryAfterSeconds(o, started)).toBe(5);
    expect(board.retryAfterSeconds(o, started + 940)).toBe(4);
    expect(board.retryAfterSeconds(o, started + 3_000)).toBe(2);
  });

  it('is at least 1 while running (core-lro ignores 0) and at most 10', () => {
    const o = op(60_000);
    const started = o.dueAt - 60_000;
    expect(board.retryAfterSeconds(o, started)).toBe(10);
    expect(board.retryAfterSeconds(o, o.dueAt - 50)).toBe(1);
    expect(board.retryAfterSeconds(o, o.dueAt + 500)).toBe(1);
  });
});

describe('the SDK pollers', () => {
  it('poll as Retry-After says, not at their own (here 5 ms) interval', async () => {
    const log = path.join(tempDir('retry-after'), 'access.jsonl');
    const s = exampleScenario();
    s.latency = { armMs: 0, runCommandMs: 1_200, kubectlMs: 0 };
    t = await startSimForTest([s], { latencyScale: 1, accessLogPath: log });
    const node = s.nodes[0]!;
    await runShellScript(t.layer, node.vmss, node.instanceId, ['echo hi']);
    const polls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { route: string }).filter((l) => l.route === 'operations.status');
    // One poll at once (Retry-After: 2), one after the 2 s it asked for: done (one poll only if the
    // first came after the end). A poller on its own 5 ms interval would have polled some 240 times.
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(polls.length).toBeLessThanOrEqual(2);
  });
});
