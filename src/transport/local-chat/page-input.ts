/**
 * What the local chat page may send, validated, and the Bot Framework activities made from it.
 * The page is no more trusted than a Teams client: it picks one of the fixed demo identities (it
 * cannot name an arbitrary user or tenant), and text, verbs and card data are bounded like Teams
 * bounds them; the bot re-validates everything anyway (commands, card data, the approval policy).
 */
import { randomUUID } from 'node:crypto';
import { DEMO_IDENTITIES, DEMO_TENANT_ID, demoIdentity, type DemoIdentity } from '../../app/demo-identities.js';

/** Longest message the page may send (a typed command is far shorter). */
export const MAX_TEXT_LENGTH = 2000;
/** Longest verb; the bot reads at most 64 characters of it. */
export const MAX_VERB_LENGTH = 64;
/** Largest Action.Execute / Action.Submit data, as JSON; our cards carry a few ids. */
export const MAX_DATA_BYTES = 8 * 1024;

const LOCALE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/;
const DEFAULT_LOCALE = 'en-US';
/** Bot item ids of this module's store ("bot-12"): what a card click may reply to. */
const BOT_ITEM_ID = /^bot-\d{1,9}$/;

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

export interface MessageInput {
  identity: DemoIdentity;
  text: string;
  /** Action.Submit data (without its `msteams` part). */
  value?: Record<string, unknown>;
  /** What the chat shows as the user's message (messageBack displayText), else the text. */
  shown: string;
  locale: string;
}

export interface InvokeInput {
  identity: DemoIdentity;
  replyToId: string;
  verb: string;
  data: unknown;
  /** 'automatic' for a card's refresh, as Teams marks it. */
  trigger: 'manual' | 'automatic';
  locale: string;
}

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

function objectBody(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

function checkIdentity(raw: unknown): Checked<DemoIdentity> {
  const found = typeof raw === 'string' ? demoIdentity(raw) : undefined;
  return found ? { ok: true, value: found } : fail(`"identity" must be one of: ${DEMO_IDENTITIES.map((d) => d.key).join(', ')}`);
}

function checkLocale(raw: unknown): Checked<string> {
  if (raw === undefined || raw === '') return { ok: true, value: DEFAULT_LOCALE };
  return typeof raw === 'string' && raw.length <= 35 && LOCALE.test(raw) ? { ok: true, value: raw } : fail('"locale" must be a language tag such as en-US or zh-CN');
}

function checkText(raw: unknown, name: string): Checked<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return fail(`"${name}" must be a non-empty string`);
  if (raw.length > MAX_TEXT_LENGTH) return fail(`"${name}" is ${raw.length} characters; at most ${MAX_TEXT_LENGTH} are allowed`);
  return { ok: true, value: raw.trim() };
}

function checkData(raw: unknown, name: string): Checked<unknown> {
  if (raw === undefined) return { ok: true, value: undefined };
  const json = JSON.stringify(raw);
  if (Buffer.byteLength(json, 'utf8') > MAX_DATA_BYTES) return fail(`"${name}" is larger than ${MAX_DATA_BYTES} bytes as JSON`);
  return { ok: true, value: raw };
}

/** A new conversation `{ locale? }`: the bot greets in the page's language. */
export function checkConversationInput(body: unknown): Checked<{ locale: string }> {
  const b = body === undefined || body === null || body === '' ? {} : objectBody(body);
  if (!b) return fail('the request body must be a JSON object');
  const locale = checkLocale(b.locale);
  return locale.ok ? { ok: true, value: { locale: locale.value } } : locale;
}

/** What every page request carries: a JSON object body, who the user is acting as, and a locale. */
function checkSender(body: unknown): Checked<{ b: Record<string, unknown>; identity: DemoIdentity; locale: string }> {
  const b = objectBody(body);
  if (!b) return fail('the request body must be a JSON object');
  const identity = checkIdentity(b.identity);
  if (!identity.ok) return identity;
  const locale = checkLocale(b.locale);
  if (!locale.ok) return locale;
  return { ok: true, value: { b, identity: identity.value, locale: locale.value } };
}

/**
 * A typed message `{ identity, text, locale }`, or an Action.Submit `{ identity, value, locale }`.
 * Teams turns a submit whose data has `msteams: { type: 'messageBack', text, displayText }` into a
 * message with that text and the rest of the data as `value`; `imBack` sends its value as text
 * (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-actions#adaptive-cards-actions).
 */
export function checkMessageInput(body: unknown): Checked<MessageInput> {
  const sender = checkSender(body);
  if (!sender.ok) return sender;
  const { b, identity, locale } = sender.value;
  if (b.value === undefined) {
    const text = checkText(b.text, 'text');
    if (!text.ok) return text;
    return { ok: true, value: { identity, text: text.value, shown: text.value, locale } };
  }
  const value = objectBody(b.value);
  if (!value) return fail('"value" (Action.Submit data) must be a JSON object');
  const size = checkData(value, 'value');
  if (!size.ok) return size;
  const { msteams, ...rest } = value;
  const m = objectBody(msteams);
  let text = '';
  let shown = '';
  if (m?.type === 'messageBack') {
    const t = checkText(m.text, 'value.msteams.text');
    if (!t.ok) return t;
    text = t.value;
    shown = typeof m.displayText === 'string' && m.displayText.trim() ? m.displayText.trim().slice(0, MAX_TEXT_LENGTH) : text;
  } else if (m?.type === 'imBack') {
    const t = checkText(m.value, 'value.msteams.value');
    if (!t.ok) return t;
    text = shown = t.value;
  }
  return { ok: true, value: { identity, text, value: rest, shown, locale } };
}

/** A card click `{ identity, replyToId, verb, data, trigger?, locale }`: Action.Execute. */
export function checkInvokeInput(body: unknown): Checked<InvokeInput> {
  const sender = checkSender(body);
  if (!sender.ok) return sender;
  const { b, identity, locale } = sender.value;
  if (typeof b.replyToId !== 'string' || !BOT_ITEM_ID.test(b.replyToId)) return fail('"replyToId" must be the id of a bot message in this conversation, e.g. "bot-3"');
  if (typeof b.verb !== 'string' || b.verb === '' || b.verb.length > MAX_VERB_LENGTH) return fail(`"verb" must be a string of 1 to ${MAX_VERB_LENGTH} characters`);
  const data = checkData(b.data, 'data');
  if (!data.ok) return data;
  if (b.trigger !== undefined && b.trigger !== 'manual' && b.trigger !== 'automatic') return fail('"trigger" must be "manual" or "automatic"');
  return {
    ok: true,
    value: { identity, replyToId: b.replyToId, verb: b.verb, data: data.value, trigger: b.trigger === 'automatic' ? 'automatic' : 'manual', locale },
  };
}

/** The bot as the channel names it (recipient of every activity). */
const BOT_ACCOUNT = { id: '28:tunnel-doctor', name: 'Tunnel Doctor' };

export interface ActivityContext {
  conversationId: string;
  /** This server's connector emulation: where botbuilder sends the replies. */
  serviceUrl: string;
  locale: string;
  identity: DemoIdentity;
}

/** The parts every activity from the local channel shares, shaped like Teams' (tenant in two places). */
function envelope(ctx: ActivityContext): Record<string, unknown> {
  return {
    channelId: 'local',
    serviceUrl: ctx.serviceUrl,
    timestamp: new Date().toISOString(),
    locale: ctx.locale,
    from: { id: ctx.identity.id, name: ctx.identity.name, aadObjectId: ctx.identity.aadObjectId, role: 'user' },
    recipient: BOT_ACCOUNT,
    // Several people share the page's conversation, as in a Teams group chat.
    conversation: { id: ctx.conversationId, conversationType: 'groupChat', tenantId: DEMO_TENANT_ID },
    channelData: { tenant: { id: DEMO_TENANT_ID } },
  };
}

export function messageActivity(ctx: ActivityContext, id: string, input: Pick<MessageInput, 'text' | 'value'>): Record<string, unknown> {
  return { type: 'message', id, ...envelope(ctx), text: input.text, ...(input.value !== undefined ? { value: input.value } : {}) };
}

/**
 * Teams' invoke for Action.Execute
 * (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards).
 */
export function invokeActivity(ctx: ActivityContext, input: Pick<InvokeInput, 'replyToId' | 'verb' | 'data' | 'trigger'>): Record<string, unknown> {
  return {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `invoke-${randomUUID()}`,
    ...envelope(ctx),
    replyToId: input.replyToId,
    value: { action: { type: 'Action.Execute', verb: input.verb, ...(input.data !== undefined ? { data: input.data } : {}) }, trigger: input.trigger },
  };
}

/** The bot joined the conversation: it answers with its help card, as when installed in Teams. */
export function botAddedActivity(ctx: ActivityContext): Record<string, unknown> {
  return { type: 'conversationUpdate', id: `update-${randomUUID()}`, ...envelope(ctx), membersAdded: [BOT_ACCOUNT] };
}
