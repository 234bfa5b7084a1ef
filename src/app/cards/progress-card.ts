/** "Diagnosing aks-prod… 2 of 6 checks": sent at once, then updated in place as checks finish. */
import template from '../../../cards/progress.json' with { type: 'json' };
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertMarkdown, plural, truncate } from './card-text.js';

/** Whole, non-negative, done ≤ total: the numbers come from a callback and are shown, so pin them. */
function clampCount(n: number, max = Number.MAX_SAFE_INTEGER): number {
  return Number.isFinite(n) ? Math.min(max, Math.max(0, Math.floor(n))) : 0;
}

export function progressCard(clusterName: string, done: number, total: number): AdaptiveCard {
  const all = clampCount(total);
  const finished = clampCount(done, all);
  const name = inertMarkdown(truncate(clusterName, 100));
  const headline = `Diagnosing ${name}… ${finished} of ${plural(all, 'check')}`;
  // A text bar: renders the same on every host, no images to fetch.
  const bar = all > 0 ? `${'▰'.repeat(finished)}${'▱'.repeat(all - finished)}` : '▱';
  return expandCard(template, {
    headline,
    bar: all > 20 ? `${Math.round((finished / all) * 100)} %` : bar,
    hasHint: finished === 0,
    hint: 'Finding the cluster and running the checks takes a minute or two; this card updates as checks finish.',
  });
}
