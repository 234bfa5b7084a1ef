/**
 * A message refused before it reached Azure (hostile or malformed input). `reason` may quote part of
 * what the user typed, so it is shown in a TextRun (no markdown) and never as a link.
 */
import template from '../../../cards/refusal.json' with { type: 'json' };
import { helpSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertRun, stripControl, truncate } from './card-text.js';
import { messagesFor, type Locale } from '../i18n/index.js';

export interface RefusalInput {
  reason: string;
  hint: string;
}

/** `reason` and `hint` are already in the card's language (the caller translates them); `locale` sets the rest. */
export function refusalCard(input: RefusalInput, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const reason = inertRun(truncate(input.reason, 400, m.common.cut));
  const hint = inertRun(truncate(input.hint, 400, m.common.cut));
  return expandCard(template, {
    t: { title: m.refusal.title, showCommands: m.common.showCommands },
    fallbackText: stripControl(m.refusal.fallback(reason)),
    reason,
    hasHint: hint.trim() !== '',
    hint,
    help: helpSubmitData(),
  });
}
