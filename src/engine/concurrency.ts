/** Bounded parallelism for Azure calls, and one-at-a-time per VM (Azure runs one run-command per VM). */

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Runs tasks with the same key one after another, different keys in parallel. */
export function keyedQueue(): <R>(key: string, task: () => Promise<R>) => Promise<R> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, task) => {
    const k = key.toLowerCase();
    const prev = tails.get(k) ?? Promise.resolve();
    const run = prev.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(k, tail);
    void tail.then(() => {
      if (tails.get(k) === tail) tails.delete(k);
    });
    return run;
  };
}

/** At most `limit` tasks at once across every caller, for work that starts at different times. */
export function limiter(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    // A finished task hands its slot straight to the next waiter, so a newcomer cannot slip in between.
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}
