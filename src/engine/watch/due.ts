/**
 * When a watch runs next. The cadence stays anchored to the watch's own grid (created at 10:03 every
 * 15m → 10:18, 10:33, …), so runs do not drift by the length of each diagnosis; slots missed while
 * no instance was running are skipped, not caught up: one run, then back on the grid.
 */

export function intervalMs(minutes: number): number {
  return minutes * 60_000;
}

/** The first slot on the grid through `previousDue` that lies strictly after `now`. */
export function nextDueAfter(previousDue: Date, minutes: number, now: Date): Date {
  const step = intervalMs(minutes);
  const behind = now.getTime() - previousDue.getTime();
  const slots = behind < 0 ? 1 : Math.floor(behind / step) + 1;
  return new Date(previousDue.getTime() + slots * step);
}

export function isDue(nextDueAt: string, now: Date): boolean {
  const due = Date.parse(nextDueAt);
  // An unreadable time is due: better one run too many than a watch that never runs again.
  return !Number.isFinite(due) || due <= now.getTime();
}
