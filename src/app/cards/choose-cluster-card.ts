/** Several clusters share the name: one button per candidate, each naming the exact resource id. */
import template from '../../../cards/choose-cluster.json' with { type: 'json' };
import { diagnoseSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, plural, stripControl, truncate } from './card-text.js';

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

export function chooseClusterCard(input: ChooseClusterInput): AdaptiveCard {
  const query = truncate(stripControl(input.query), 80);
  const { shown, more } = firstOf(input.candidates, MAX_CANDIDATES);
  return expandCard(template, {
    fallbackText: stripControl(`${plural(input.candidates.length, 'cluster')} named "${query}": ${shown.map((c) => `${c.name} in ${c.resourceGroup}`).join('; ')}`),
    headline: inertMarkdown(`${plural(input.candidates.length, 'cluster')} named “${query}”`),
    candidates: shown.map((c) => {
      const subscription = c.subscriptionName ? `${c.subscriptionName} (${c.subscriptionId})` : c.subscriptionId;
      const where = [`resource group ${c.resourceGroup}`, `subscription ${subscription}`, ...(c.location ? [c.location] : [])].join(' · ');
      return {
        name: inertMarkdown(truncate(c.name, 63)),
        where: inertRun(truncate(where, 300)),
        tooltip: stripControl(truncate(c.id, 300)),
        // The id, not the name: it is what makes the choice unambiguous when it comes back.
        data: diagnoseSubmitData(c.id, `diagnose ${c.name} in ${c.resourceGroup}`),
      };
    }),
    hasMore: more > 0,
    more: `and ${more} more: add “in resource group <rg>” or “in subscription <name>” to narrow it down.`,
  });
}
