/**
 * A message refused before it reached Azure (hostile or malformed input). `reason` may quote part of
 * what the user typed, so it is shown in a TextRun (no markdown) and never as a link.
 */
import template from '../../../cards/refusal.json' with { type: 'json' };
import { helpSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertRun, stripControl, truncate } from './card-text.js';

export interface RefusalInput {
  reason: string;
  hint: string;
}

export function refusalCard(input: RefusalInput): AdaptiveCard {
  const reason = inertRun(truncate(input.reason, 400));
  const hint = inertRun(truncate(input.hint, 400));
  return expandCard(template, {
    fallbackText: stripControl(`I can't act on that message. ${reason}`),
    reason,
    hasHint: hint.trim() !== '',
    hint,
    help: helpSubmitData(),
  });
}
