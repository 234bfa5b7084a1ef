import { describe, expect, it } from 'vitest';
import { createDiagnosisQueue, DiagnosisDropped, type DiagnosisTicket } from '../../src/app/diagnosis-queue.js';

function admitted(q: ReturnType<typeof createDiagnosisQueue>, conversation: string): DiagnosisTicket {
  const a = q.admit(conversation);
  if (!a.ok) throw new Error(`refused: ${a.scope}`);
  return a.ticket;
}

describe('diagnosis queue', () => {
  it('runs `concurrency` at once, lets each conversation hold `perConversation`, and refuses the rest, telling each conversation once per freed slot', async () => {
    const q = createDiagnosisQueue({ concurrency: 2, perConversation: 3, maxQueued: 10, typicalMs: 30_000 });
    const flood = [admitted(q, 'c1'), admitted(q, 'c1'), admitted(q, 'c1')];
    const order: number[] = [];
    flood.forEach((t, i) => void t.started.then(() => order.push(i)));
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    const refused = [q.admit('c1'), q.admit('c1'), q.admit('c1')];
    expect(refused.map((a) => !a.ok && a.scope)).toEqual(['conversation', 'conversation', 'conversation']);
    expect(refused.map((a) => !a.ok && a.tell)).toEqual([true, false, false]);
    expect(!refused[0]!.ok && refused[0]!.retryAfterSeconds).toBeGreaterThanOrEqual(30);
    // Another conversation is not starved by the first.
    const other = admitted(q, 'c2');
    flood[0]!.done();
    await flood[2]!.started;
    expect(order).toEqual([0, 1, 2]);
    // A slot freed in c1: the next refusal there is said again.
    admitted(q, 'c1');
    const again = q.admit('c1');
    expect(!again.ok && again.tell).toBe(true);
    other.done();
  });

  it('refuses past the bot-wide bound whatever the conversation', () => {
    const q = createDiagnosisQueue({ concurrency: 1, perConversation: 5, maxQueued: 3 });
    admitted(q, 'a');
    admitted(q, 'b');
    admitted(q, 'c');
    const full = q.admit('d');
    expect(!full.ok && full.scope).toBe('bot');
    expect(q.size()).toBe(3);
  });

  it('drops what waits on close, and counts it', async () => {
    const q = createDiagnosisQueue({ concurrency: 1, perConversation: 5, maxQueued: 10 });
    const running = admitted(q, 'a');
    const waiting = [admitted(q, 'a'), admitted(q, 'b')];
    await running.started;
    expect(q.close()).toBe(2);
    for (const t of waiting) await expect(t.started).rejects.toBeInstanceOf(DiagnosisDropped);
    const late = q.admit('c');
    expect(!late.ok && late.scope).toBe('bot');
  });
});
