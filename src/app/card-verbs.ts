/**
 * The card verbs the bot answers (Action.Execute `verb`), one typed handler each, registered once at
 * start-up. Registering a verb twice is a programming error and throws then, not at the first click
 * (as teams-ai's AdaptiveCards.actionExecute registry does).
 */
import type { CardActionAnswer, CardActionEvent } from './events.js';

export const CARD_VERBS = ['request-fix', 'approve', 'reject', 'cancel', 'refresh'] as const;
export type CardVerb = (typeof CARD_VERBS)[number];

export type CardVerbHandler = (event: CardActionEvent) => Promise<CardActionAnswer>;

export interface CardVerbRegistry {
  handlerFor(verb: string): CardVerbHandler | undefined;
  verbs(): CardVerb[];
}

export function isCardVerb(verb: string): verb is CardVerb {
  return (CARD_VERBS as readonly string[]).includes(verb);
}

export function createCardVerbRegistry(entries: ReadonlyArray<readonly [CardVerb, CardVerbHandler]>): CardVerbRegistry {
  const handlers = new Map<CardVerb, CardVerbHandler>();
  for (const [verb, handler] of entries) {
    if (handlers.has(verb)) throw new Error(`card verb "${verb}" is registered twice`);
    handlers.set(verb, handler);
  }
  return {
    handlerFor: (verb) => (isCardVerb(verb) ? handlers.get(verb) : undefined),
    verbs: () => [...handlers.keys()],
  };
}
