/** No cluster by that name: what was searched, and the closest names as buttons. */
import template from '../../../cards/cluster-not-found.json' with { type: 'json' };
import { diagnoseSubmitData, helpSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertMarkdown, inertRun, stripControl, summariseList, truncate } from './card-text.js';

export interface ClusterNotFoundInput {
  /** The name the user asked for (untrusted). */
  query: string;
  /** Subscriptions searched, as display names or ids. */
  searched: string[];
  resourceGroup?: string;
  /** Closest cluster names, best first. */
  suggestions: string[];
}

/** Buttons in one ActionSet; hosts show only a handful before overflowing. */
const MAX_SUGGESTIONS = 5;

export function clusterNotFoundCard(input: ClusterNotFoundInput): AdaptiveCard {
  const query = truncate(stripControl(input.query), 80);
  const suggestions = input.suggestions.slice(0, MAX_SUGGESTIONS).map((name) => stripControl(truncate(name, 63)));
  const scope = input.resourceGroup ? ` in resource group ${input.resourceGroup}` : '';
  const searchedCount = input.searched.length;
  return expandCard(template, {
    fallbackText: stripControl(
      `No cluster named "${query}"${scope}.${suggestions.length > 0 ? ` Did you mean: ${suggestions.join(', ')}?` : ''}`,
    ),
    headline: inertMarkdown(`No cluster named “${query}”${scope}`),
    searchedHeading: searchedCount === 1 ? 'Searched subscription:' : `Searched ${searchedCount} subscriptions:`,
    searched: searchedCount > 0 ? inertRun(summariseList(input.searched, 10)) : 'none: I cannot read any subscription (check my Reader role).',
    hasResourceGroup: input.resourceGroup !== undefined,
    resourceGroup: stripControl(truncate(input.resourceGroup ?? '', 90)),
    hasSuggestions: suggestions.length > 0,
    suggestions: suggestions.map((name) => ({ name, data: diagnoseSubmitData(name, `diagnose ${name}`) })),
    noSuggestions: suggestions.length === 0,
    noSuggestionsText:
      'No cluster there has a similar name. Check the spelling, name the subscription ("in subscription …"), or make sure I have Reader access to it.',
    help: helpSubmitData(),
  });
}
