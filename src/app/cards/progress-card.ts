/**
 * "Diagnosing aks-prod… 2 of 6 checks": sent at once, then updated in place as checks finish, each
 * check's row turning from ⏳ to its verdict (✅ ❌ ⚠️ ❔) as soon as it is known, so the reader
 * sees a failure seconds before the whole diagnosis is done.
 */
import template from '../../../cards/progress.json' with { type: 'json' };
import type { CheckStatus } from '../../engine/report.js';
import { CHECK_IDS } from '../../engine/report.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertMarkdown, truncate } from './card-text.js';
import { statusLook } from './status-look.js';
import { messagesFor, type Locale } from '../i18n/index.js';

/** A check that finished, with its verdict (DiagnoseProgress of bot-app.ts). */
export interface FinishedCheck {
  check: string;
  status: CheckStatus;
}

/** Whole, non-negative, done ≤ total: the numbers come from a callback and are shown, so pin them. */
function clampCount(n: number, max = Number.MAX_SAFE_INTEGER): number {
  return Number.isFinite(n) ? Math.min(max, Math.max(0, Math.floor(n))) : 0;
}

/** More rows than this and the card shows the bar alone (the checks are a fixed, short list). */
const MAX_ROWS = 12;

export function progressCard(clusterName: string, done: number, total: number, locale: Locale = 'en', finished: readonly FinishedCheck[] = []): AdaptiveCard {
  const m = messagesFor(locale);
  const all = clampCount(total);
  const count = clampCount(done, all);
  const name = inertMarkdown(truncate(clusterName, 100, m.common.cut));
  const headline = m.diagnosis.diagnosing(name, count, all);
  // A text bar: renders the same on every host, no images to fetch.
  const bar = all > 0 ? `${'▰'.repeat(count)}${'▱'.repeat(all - count)}` : '▱';
  // The contract's checks in their order, then any other check the engine ran (a newer build's).
  const verdicts = new Map(finished.map((f) => [f.check, f.status] as const));
  const ids = [...CHECK_IDS, ...finished.map((f) => f.check).filter((id) => !(CHECK_IDS as readonly string[]).includes(id))];
  const rows = ids.slice(0, MAX_ROWS).map((id) => {
    const status = verdicts.get(id);
    const look = status ? statusLook(status, m) : undefined;
    return {
      icon: look?.icon ?? '⏳',
      color: look?.color ?? 'Default',
      title: (m.checkTitle as Record<string, string | undefined>)[id] ?? inertMarkdown(truncate(id, 60)),
      label: look ? ` — ${look.label}` : '',
    };
  });
  return expandCard(template, {
    headline,
    bar: all > 20 ? `${Math.round((count / all) * 100)} %` : bar,
    hasHint: count === 0,
    hint: m.progress.hint,
    hasRows: all > 0 && all <= MAX_ROWS,
    rows,
  });
}
