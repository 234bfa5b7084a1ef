/** Read + compare-and-swap with retry, the way the approval flow will update shared records. No vitest here: child processes import it too. */
import { ETagConflictError, IF_ABSENT, type StateStore } from '../../src/store/state-store.js';

/**
 * Adds 1 to `n` at `key` (creating it), retrying on conflict; returns how many attempts it took.
 * `pauseMs` waits up to that long between the read and the write, widening the window in which
 * another writer can get in, as a slow turn (an Azure call between read and write) would.
 */
export async function incrementWithRetry(store: StateStore, key: string, pauseMs = 0): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const item = (await store.read([key]))[key];
    const n = typeof item?.n === 'number' ? item.n : 0;
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * pauseMs));
    try {
      await store.write({ [key]: { n: n + 1, eTag: item?.eTag ?? IF_ABSENT } });
      return attempt;
    } catch (err) {
      if (!(err instanceof ETagConflictError)) throw err;
    }
  }
}
