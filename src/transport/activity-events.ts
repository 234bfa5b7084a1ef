/**
 * Bot Framework activities as the app's own events, and the app's replies as activities: the
 * mapping half of the transport (bot-framework.ts holds the adapter, the outbox and the turn).
 * Everything read from an activity is normalised here, once.
 */
import { randomUUID } from 'node:crypto';
import { ActivityTypes, CardFactory, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { CardActionEvent, ConversationHandle, MessageEvent, Reply, ReplyChannel } from '../app/events.js';

export function toActivity(reply: Reply): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    ...(reply.text ? { text: reply.text } : {}),
    ...(reply.card ? { attachments: [CardFactory.adaptiveCard(reply.card)] } : {}),
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Longest display name kept (Entra allows 256); the audit log refuses fields over 1024 characters. */
const MAX_NAME_CHARS = 256;
const MAX_USER_ID_CHARS = 256;

/** A GUID, lower-case (ids are compared case-insensitively), or undefined for anything else. */
function guidOf(value: unknown): string | undefined {
  return typeof value === 'string' && GUID.test(value.trim()) ? value.trim().toLowerCase() : undefined;
}

function plainOf(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Control characters have no place in a name or id shown on a card or written to the audit log.
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, max);
  return clean === '' ? undefined : clean;
}

/**
 * Who is speaking. The Entra object id and tenant are believed only on a trusted channel (Teams,
 * where Teams fills them in and the Bot Framework token vouches for the activity): on any other
 * channel a client chooses them, so they are dropped and the caller can diagnose but never request
 * or approve (decide.ts refuses 'no-identity'). Normalised once here: trimmed, names capped, GUIDs
 * lower-cased.
 */
function callerOf(activity: Activity, trustedChannels: readonly string[]): MessageEvent['caller'] {
  const trusted = trustedChannels.includes((activity.channelId ?? '').toLowerCase());
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  const aadObjectId = trusted ? guidOf(activity.from?.aadObjectId) : undefined;
  const tenantId = trusted ? guidOf(activity.conversation?.tenantId ?? channelData.tenant?.id) : undefined;
  const name = plainOf(activity.from?.name, MAX_NAME_CHARS);
  return {
    id: plainOf(activity.from?.id, MAX_USER_ID_CHARS) ?? '',
    ...(aadObjectId ? { aadObjectId } : {}),
    ...(name ? { name } : {}),
    ...(tenantId ? { tenantId } : {}),
  };
}

/**
 * The activity's conversation as a stored, JSON-safe handle. The reference loses the incoming
 * activity id: a later post must start a message (or a thread reply via `threadOf`), not answer it.
 */
export function handleOf(activity: Activity): ConversationHandle {
  const { activityId: _answered, ...ref } = TurnContext.getConversationReference(activity);
  return {
    id: activity.conversation?.id ?? '',
    channelId: activity.channelId ?? '',
    ...(activity.conversation?.conversationType ? { conversationType: activity.conversation.conversationType } : {}),
    ref: JSON.parse(JSON.stringify(ref)) as unknown,
  };
}

/** Teams channels: `<channel id>;messageid=<root>` is a thread of the channel; the channel is what gets stored. */
export function channelHandleOf(handle: ConversationHandle): ConversationHandle {
  const id = handle.id.split(';messageid=')[0] ?? handle.id;
  const { user: _whoSpoke, locale: _theirLocale, ...ref } = handle.ref as Partial<ConversationReference>;
  // A channel's handle is the same whoever spoke in it, so it is stored once, not per speaker.
  const shared = handle.conversationType === 'channel' ? ref : (handle.ref as Partial<ConversationReference>);
  return { ...handle, id, ref: { ...shared, conversation: { ...ref.conversation, id } } };
}

export function toMessageEvent(activity: Activity, trustedChannels: readonly string[]): MessageEvent {
  return {
    kind: 'message',
    text: typeof activity.text === 'string' ? activity.text : '',
    value: activity.value,
    caller: callerOf(activity, trustedChannels),
    conversationId: activity.conversation?.id ?? '',
    conversation: handleOf(activity),
    ...(activity.locale ? { locale: activity.locale } : {}),
    correlationId: randomUUID(),
  };
}

/** The invoke name of an Adaptive Card Universal Action (Action.Execute). */
export const CARD_ACTION_INVOKE = 'adaptiveCard/action';

/**
 * `value.action` of an adaptiveCard/action invoke: `{ type: 'Action.Execute', verb, data }`
 * (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards).
 */
export function toCardActionEvent(activity: Activity, trustedChannels: readonly string[]): CardActionEvent {
  const action = ((activity.value ?? {}) as { action?: { verb?: unknown; data?: unknown } }).action ?? {};
  return {
    kind: 'card-action',
    verb: typeof action.verb === 'string' ? action.verb.slice(0, 64) : '',
    data: action.data,
    caller: callerOf(activity, trustedChannels),
    conversationId: activity.conversation?.id ?? '',
    ...(activity.replyToId ? { replyToId: activity.replyToId } : {}),
    conversation: handleOf(activity),
    ...(activity.locale ? { locale: activity.locale } : {}),
    correlationId: randomUUID(),
  };
}

/** Universal Actions invoke response bodies: a card that replaces the clicked one, or an error. */
export function cardInvokeResponse(card: object): Partial<Activity> {
  return {
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
  };
}

export function errorInvokeResponse(message: string): Partial<Activity> {
  return {
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 500, type: 'application/vnd.microsoft.error', value: { code: 'InternalError', message } } },
  };
}

/**
 * expectReplies: the caller gets every reply in the HTTP response, so there is nothing to update in
 * place: replies are buffered, an update replaces the buffered one, and all are sent at the end.
 */
export function bufferedReplies(): ReplyChannel & { flush(ctx: TurnContext): Promise<void> } {
  const buffer = new Map<string, Reply>();
  return {
    inResponse: true,
    async send(reply) {
      const id = `buffered-${buffer.size + 1}`;
      buffer.set(id, reply);
      return id;
    },
    async update(id, reply) {
      if (buffer.has(id)) buffer.set(id, reply);
    },
    async flush(ctx) {
      if (buffer.size > 0) await ctx.sendActivities([...buffer.values()].map(toActivity));
    },
  };
}

export type Checked = { ok: true; value: Activity } | { ok: false; status: number; error: string };

/** The connector on this machine: the local chat's emulation, or a test's stand-in. */
const LOOPBACK_SERVICE_URL = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?(?:\/|$)/i;

/**
 * The body as an activity, or what was wrong with it (400). Timestamps become Dates as botbuilder's
 * own CloudAdapter.process does (activityValidator.js). With authentication off, a serviceUrl off
 * this machine is refused: the bot would post its cards (request ids, approver names) wherever an
 * unauthenticated caller asked.
 */
export function checkedActivity(body: unknown, localOnly: boolean): Checked {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, status: 400, error: 'The body must be a Bot Framework activity (a JSON object).' };
  const raw = body as Record<string, unknown>;
  if (typeof raw.type !== 'string' || raw.type === '') return { ok: false, status: 400, error: 'The activity has no "type".' };
  if (localOnly && raw.serviceUrl !== undefined && (typeof raw.serviceUrl !== 'string' || !LOOPBACK_SERVICE_URL.test(raw.serviceUrl))) {
    return { ok: false, status: 400, error: 'Authentication is off (local mode): the bot replies only to a connector on this machine (serviceUrl http://127.0.0.1:<port>).' };
  }
  for (const field of ['timestamp', 'localTimestamp', 'expiration'] as const) {
    const value = raw[field];
    if (typeof value === 'string') {
      const rawField = `raw${field[0]!.toUpperCase()}${field.slice(1)}`;
      raw[rawField] = value;
      raw[field] = new Date(value);
    }
  }
  return { ok: true, value: raw as unknown as Activity };
}

