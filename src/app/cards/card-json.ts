/**
 * Expanding a template from cards/ into the JSON the clients get, and wrapping it for the Bot
 * Framework. Templates use adaptivecards-templating (`${…}`, `$data`, `$when`); builders hand them
 * plain view data made from domain types, never raw Azure objects.
 */
import type { Attachment } from 'botbuilder';
import * as ACData from 'adaptivecards-templating';

/** The attachment content type of an Adaptive Card (Bot Framework / Teams). */
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Teams renders up to schema 1.5 (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference). */
export const CARD_VERSION = '1.5';

/**
 * Teams rejects a bot message over its size limit with 413 MessageSizeTooBig; the limit covers the
 * whole activity and has grown over time (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages).
 * The project holds a card to 28 KB of JSON; the builders aim 2 KB lower so the activity envelope
 * (ids, service URL, from/recipient) always fits beside it.
 */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;
export const CARD_BYTE_BUDGET = 26 * 1024;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions?: unknown[];
  [property: string]: unknown;
}

/** Bytes the card takes on the wire (UTF-8 JSON), the measure Teams' limit applies to. */
export function cardBytes(card: object): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/**
 * Binds `data` into a template. Data values are inserted as values, never re-parsed as expressions,
 * so text from users or Azure that contains `${…}` stays literal.
 */
export function expandCard(template: object, data: object): AdaptiveCard {
  const card = new ACData.Template(template).expand({ $root: data }) as AdaptiveCard;
  if (card?.type !== 'AdaptiveCard') throw new Error('card template did not expand to an AdaptiveCard');
  return card;
}

export function asAttachment(card: AdaptiveCard): Attachment {
  return { contentType: CARD_CONTENT_TYPE, content: card };
}
