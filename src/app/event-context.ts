/**
 * What every handler of one event needs, built once when the event arrives (as probot's per-event
 * Context): the caller, the correlation id, a logger already bound to it, and the caller's language.
 * Handlers take this instead of rebuilding child loggers and passing the correlation id by hand.
 */
import type { Logger } from '../log.js';
import type { CardActionEvent, Caller, MessageEvent } from './events.js';
import { localeOf, messagesFor, type Locale, type Messages } from './i18n/index.js';

export interface EventContext {
  caller: Caller;
  correlationId: string;
  /** Every line it writes carries the correlation id. */
  log: Logger;
  /** The caller's language (Teams sends their UI locale on each activity). */
  locale: Locale;
  m: Messages;
}

export function eventContextOf(event: MessageEvent | CardActionEvent, log: Logger): EventContext {
  const locale = localeOf(event.locale);
  return { caller: event.caller, correlationId: event.correlationId, log: log.child({ correlationId: event.correlationId }), locale, m: messagesFor(locale) };
}
