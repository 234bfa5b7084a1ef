/** "Diagnosing aks-prod… 2 of 6 checks": sent at once, then updated in place as checks finish. */
import template from '../../../cards/progress.json' with { type: 'json' };
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertMarkdown, truncate } from './card-text.js';
import { messagesFor, type Locale } from '../i18n/index.js';

/** Whole, non-negative, done ≤ total: the numbers come from a callback and are shown, so pin them. */
function clampCount(n: number, max = Number.MAX_SAFE_INTEGER): number {
  return Number.isFinite(n) ? Math.min(max, Math.max(0, Math.floor(n))) : 0;
}

export function progressCard(clusterName: string, done: number, total: number, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const all = clampCount(total);
  const finished = clampCount(done, all);
  const name = inertMarkdown(truncate(clusterName, 100, m.common.cut));
  const headline = m.diagnosis.diagnosing(name, finished, all);
  // A text bar: renders the same on every host, no images to fetch.
  const bar = all > 0 ? `${'▰'.repeat(finished)}${'▱'.repeat(all - finished)}` : '▱';
  return expandCard(template, {
    headline,
    bar: all > 20 ? `${Math.round((finished / all) * 100)} %` : bar,
    hasHint: finished === 0,
    hint: m.progress.hint,
  });
}
