/**
 * An Azure (or other) failure, told to the user. `message` is meant to be user-facing already
 * (user-message.ts), but the card is the last line of defence: it drops stack frames and masks
 * anything shaped like a credential before it reaches a chat that many people can read.
 */
import template from '../../../cards/error.json' with { type: 'json' };
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { messagesFor, type Locale } from '../i18n/index.js';

export interface ErrorCardInput {
  title: string;
  message: string;
  correlationId?: string;
}

const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  // JSON Web Tokens (Azure AD access tokens).
  [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}/g, '[redacted token]'],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [redacted]'],
  // key=value / key: value credentials, SAS signatures, connection-string keys.
  [
    /\b(client_secret|clientsecret|password|passwd|pwd|secret|access_token|refresh_token|id_token|token|sig|signature|accountkey|sharedaccesskey|api[_-]?key)(\s*[=:]\s*)("?)[^\s"&;,]+/gi,
    '$1$2$3[redacted]',
  ],
];

/** Keeps the first line-ish of an error: a stack trace helps nobody in a chat. */
function withoutStackFrames(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((line) => !/^\s+at\s/.test(line))
    .join('\n')
    .trim();
}

export function redactSecrets(text: string): string {
  return SECRET_SHAPES.reduce((acc, [shape, mask]) => acc.replace(shape, mask), text);
}

/** `title` and `message` come in the card's language (or as English data from Azure); `locale` sets the rest. */
export function errorCard(input: ErrorCardInput, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const title = truncate(redactSecrets(stripControl(input.title)), 150, m.common.cut);
  const message = truncate(redactSecrets(withoutStackFrames(stripControl(input.message))), 800, m.common.cut) || m.error.somethingWrong;
  const correlationId = input.correlationId ? truncate(stripControl(input.correlationId), 100, m.common.cut) : '';
  return expandCard(template, {
    t: { reference: m.error.reference },
    fallbackText: `${title}: ${message}`,
    title: inertMarkdown(title),
    message: inertRun(message),
    hasCorrelationId: correlationId !== '',
    correlationId,
  });
}
