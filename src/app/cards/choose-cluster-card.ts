/** Several clusters share the name: one button per candidate, each naming the exact resource id. */
import template from '../../../cards/choose-cluster.json' with { type: 'json' };
import { diagnoseSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { messagesFor, type Locale } from '../i18n/index.js';

export interface ClusterCandidate {
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  subscriptionName?: string;
  location?: string;
}

export interface ChooseClusterInput {
  query: string;
  candidates: ClusterCandidate[];
}

/** One row each; more than this and the user should narrow the query instead. */
const MAX_CANDIDATES = 15;

export function chooseClusterCard(input: ChooseClusterInput, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const query = truncate(stripControl(input.query), 80, m.common.cut);
  const { shown, more } = firstOf(input.candidates, MAX_CANDIDATES);
  // Each button names what tells its candidate apart: the resource group, or (same group in
  // several subscriptions) the subscription.
  const groups = new Set(shown.map((c) => c.resourceGroup.toLowerCase()));
  const placeOf = (c: ClusterCandidate) => (groups.size === shown.length ? c.resourceGroup : c.subscriptionName ?? c.subscriptionId);
  return expandCard(template, {
    t: { pick: m.chooseCluster.pick, diagnose: m.common.diagnoseButton },
    fallbackText: stripControl(m.chooseCluster.fallback(input.candidates.length, query, shown)),
    headline: inertMarkdown(m.chooseCluster.headline(input.candidates.length, query)),
    candidates: shown.map((c) => {
      const subscription = c.subscriptionName ? `${c.subscriptionName} (${c.subscriptionId})` : c.subscriptionId;
      const where = m.chooseCluster.where(c.resourceGroup, subscription, c.location);
      return {
        name: inertMarkdown(truncate(c.name, 63, m.common.cut)),
        where: inertRun(truncate(where, 300, m.common.cut)),
        tooltip: stripControl(truncate(c.id, 300, m.common.cut)),
        button: stripControl(truncate(m.chooseCluster.diagnoseIn(placeOf(c)), 80, m.common.cut)),
        // The id, not the name: it is what makes the choice unambiguous when it comes back.
        data: diagnoseSubmitData(c.id, `diagnose ${c.name} in ${c.resourceGroup}`),
      };
    }),
    hasMore: more > 0,
    more: m.chooseCluster.more(more),
  });
}
