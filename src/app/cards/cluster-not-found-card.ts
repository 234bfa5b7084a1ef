/** No cluster by that name: what was searched, and the closest names as buttons. */
import template from '../../../cards/cluster-not-found.json' with { type: 'json' };
import { diagnoseSubmitData, helpSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { messagesFor, type Locale } from '../i18n/index.js';

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

export function clusterNotFoundCard(input: ClusterNotFoundInput, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const query = truncate(stripControl(input.query), 80, m.common.cut);
  const suggestions = input.suggestions.slice(0, MAX_SUGGESTIONS).map((name) => stripControl(truncate(name, 63, m.common.cut)));
  const searchedCount = input.searched.length;
  const searched = firstOf(input.searched, 10);
  const searchedList = searched.shown.join(', ');
  return expandCard(template, {
    t: { resourceGroup: m.notFound.resourceGroup, didYouMean: m.notFound.didYouMean, showCommands: m.common.showCommands },
    fallbackText: stripControl(m.notFound.fallback(query, input.resourceGroup, suggestions)),
    headline: inertMarkdown(m.notFound.headline(query, input.resourceGroup)),
    searchedHeading: m.notFound.searched(searchedCount),
    searched:
      searchedCount > 0
        ? inertRun(searched.more > 0 ? m.common.listMore(searchedList, searched.more) : searchedList)
        : m.notFound.searchedNone,
    hasResourceGroup: input.resourceGroup !== undefined,
    resourceGroup: stripControl(truncate(input.resourceGroup ?? '', 90, m.common.cut)),
    hasSuggestions: suggestions.length > 0,
    suggestions: suggestions.map((name) => ({ name, data: diagnoseSubmitData(name, `diagnose ${name}`) })),
    noSuggestions: suggestions.length === 0,
    noSuggestionsText: m.notFound.noSuggestions,
    help: helpSubmitData(),
  });
}
