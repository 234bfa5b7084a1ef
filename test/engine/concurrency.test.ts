import { describe, expect, it } from 'vitest';
import { limiter } from '../../src/engine/concurrency.js';

/** A task that stays running until released, recording how many run at once. */
function gate() {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { done, release };
}

describe('limiter', () => {
  it('never runs more than the limit at once, even when tasks arrive as others finish', async () => {
    const slot = limiter(2);
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      slot(async () => {
        running += 1;
        peak = Math.max(peak, running);
        started.push(i);
        await g.done;
        running -= 1;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[0]!.release();
    // A newcomer arriving right as a slot frees must queue behind the waiters, not slip in.
    const late = slot(async () => {
      running += 1;
      peak = Math.max(peak, running);
      running -= 1;
      return 99;
    });
    for (const g of gates) g.release();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await late).toBe(99);
    expect(peak).toBe(2);
  });

  it('frees the slot when a task throws', async () => {
    const slot = limiter(1);
    await expect(slot(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slot(async () => 'next')).toBe('next');
  });
});
