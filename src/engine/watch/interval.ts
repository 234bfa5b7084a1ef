/**
 * How often a watch re-diagnoses: "5m", "15m", "90m", "1h", "1h30m", "2 hours".
 * Bounded both ways: a diagnosis issues run-commands on every node and reads ARM widely, so more
 * often than every 5 minutes would load the cluster and the subscription's ARM throttling budget
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling);
 * less often than daily is no longer "watching".
 */

export const MIN_INTERVAL_MINUTES = 5;
export const MAX_INTERVAL_MINUTES = 24 * 60;
export const DEFAULT_INTERVAL_MINUTES = 15;

export type IntervalParse = { ok: true; minutes: number } | { ok: false; reason: string };

const PART = /(\d{1,5})\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes)(?![a-z])/gy;

export function parseInterval(raw: string): IntervalParse {
  const text = raw.trim().toLowerCase();
  const range = `between ${formatInterval(MIN_INTERVAL_MINUTES)} and ${formatInterval(MAX_INTERVAL_MINUTES)}`;
  const bad = (why: string): IntervalParse => ({ ok: false, reason: `${why} The interval must be ${range}, e.g. "every 15m", "every 90m" or "every 1h".` });
  if (text === '' || text.length > 30) return bad(`"${raw.slice(0, 30)}" is not an interval.`);
  let minutes = 0;
  let at = 0;
  PART.lastIndex = 0;
  for (;;) {
    while (text[at] === ' ') at++;
    if (at >= text.length) break;
    PART.lastIndex = at;
    const m = PART.exec(text);
    if (!m) return bad(`"${raw.slice(0, 30)}" is not an interval.`);
    const n = Number(m[1]);
    minutes += (m[2] ?? '').startsWith('h') ? n * 60 : n;
    at = PART.lastIndex;
  }
  if (minutes < MIN_INTERVAL_MINUTES) return bad(`Every ${formatInterval(minutes)} is too often.`);
  if (minutes > MAX_INTERVAL_MINUTES) return bad(`Every ${formatInterval(minutes)} is too seldom.`);
  return { ok: true, minutes };
}

/** 15 → "15m", 60 → "1h", 90 → "1h30m": the form the parser reads back. */
export function formatInterval(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m}m`;
  return m === 0 ? `${h}h` : `${h}h${m}m`;
}
