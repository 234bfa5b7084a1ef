/**
 * The card verbs the bot answers (Action.Execute `verb`), one typed handler each. Each feature (the
 * fix flow, watches) brings its own; the app registers them all once at start-up. Registering a verb
 * twice is a programming error and throws then, not at the first click (teams-ai's
 * AdaptiveCards.actionExecute lets the first match win; refusing the duplicate is our stricter rule).
 */
import type { EventContext } from './event-context.js';
import type { CardActionAnswer, CardActionEvent } from './events.js';

export const CARD_VERBS = ['request-fix', 'approve', 'reject', 'cancel', 'refresh'] as const;
export type CardVerb = (typeof CARD_VERBS)[number];

export type CardVerbHandler = (event: CardActionEvent, ctx: EventContext) => Promise<CardActionAnswer>;

export type CardVerbEntry = readonly [CardVerb, CardVerbHandler];

/** A feature of the app that answers card clicks. */
export interface CardVerbFeature {
  readonly cardVerbs: ReadonlyArray<CardVerbEntry>;
}

export interface CardVerbRegistry {
  handlerFor(verb: string): CardVerbHandler | undefined;
  verbs(): CardVerb[];
}

export function isCardVerb(verb: string): verb is CardVerb {
  return (CARD_VERBS as readonly string[]).includes(verb);
}

export function createCardVerbRegistry(entries: ReadonlyArray<CardVerbEntry>): CardVerbRegistry {
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
