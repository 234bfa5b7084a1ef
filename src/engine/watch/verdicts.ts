/**
 * Comparing a diagnosis with the last one a watch remembered: the verdicts (one status per check)
 * are all a watch keeps, and only a change of verdict is worth a message in the chat.
 *
 * "unknown" means the check could not be read this time (a run-command timed out, a 429): it is not a
 * verdict, so it neither triggers a post nor replaces the last known one. Otherwise a flaky read
 * would post "fail → unknown → fail" into an incident chat. The first known verdict of a check is
 * its baseline and is stored silently.
 */
import { CHECK_IDS, type CheckId, type CheckStatus, type Report } from '../report.js';

export type Verdicts = Partial<Record<CheckId, CheckStatus>>;

export interface VerdictChange {
  check: CheckId;
  before: CheckStatus;
  after: CheckStatus;
  /** The check's summary in the new report, to say why. */
  summary: string;
}

export function verdictsOf(report: Report): Verdicts {
  const out: Verdicts = {};
  for (const c of report.checks) out[c.id] = c.status;
  return out;
}

/** `baseline` undefined: the watch's first run. Returns what changed and the verdicts to remember. */
export function compareVerdicts(baseline: Verdicts | undefined, report: Report): { changes: VerdictChange[]; next: Verdicts } {
  const next: Verdicts = { ...(baseline ?? {}) };
  const changes: VerdictChange[] = [];
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  for (const id of CHECK_IDS) {
    const check = byId.get(id);
    if (!check || check.status === 'unknown') continue;
    const before = baseline?.[id];
    next[id] = check.status;
    if (before !== undefined && before !== 'unknown' && before !== check.status) {
      changes.push({ check: id, before, after: check.status, summary: check.summary });
    }
  }
  return { changes, next };
}
