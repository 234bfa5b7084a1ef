/**
 * Waits for an event the test can observe (a store state, an access-log line, a log line): calls
 * `probe` until it returns something other than undefined. The deadline is generous on purpose: it
 * only fails on a hang, never on a slow machine (tests wait for events, not for time).
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
