/**
 * The app's own event and reply types: the transport (Bot Framework, the CLI, tests) turns its input
 * into these, so the app never sees botbuilder and could move to the Microsoft 365 Agents SDK.
 */

export interface Caller {
  /** Channel user id (Teams: "29:…"). */
  id: string;
  /** Entra object id, when the channel gives one (Teams does). Authorisation uses this, never a name. */
  aadObjectId?: string;
  name?: string;
  tenantId?: string;
}

export interface MessageEvent {
  kind: 'message';
  /** The text as typed; untrusted. */
  text: string;
  /** Action.Submit data (Web Chat) or messageBack value (Teams); untrusted. */
  value?: unknown;
  caller: Caller;
  conversationId: string;
  /** Where to post later (watch results, incident summaries); set by transports that can. */
  conversation?: ConversationHandle;
  locale?: string;
  correlationId: string;
}

/**
 * A conversation the bot can post into later, without a turn: a watch's chat, an incident channel.
 * Opaque to the app (the transport made `ref` and reads it back); JSON-safe so it can be stored.
 */
export interface ConversationHandle {
  /** The conversation id, for logs and for matching; not enough to post. */
  id: string;
  /** e.g. 'msteams', 'local'; 'channel' conversations are Teams channels (threads possible). */
  channelId: string;
  /** Teams: 'personal' | 'groupChat' | 'channel'. */
  conversationType?: string;
  /** The transport's serialised conversation reference. */
  ref: unknown;
}

/**
 * Posting without a turn (proactive messages). `threadOf` replies inside the thread started by that
 * activity (Teams channels: one thread per cluster); `update` replaces an activity in place.
 * Implementations pace posts to stay inside the channel's rate limits and retry throttling.
 *
 * `post` resolves to the new activity's id, or undefined when it gave up on a failure that may pass
 * (throttling past the retry budget, a gateway error); it rejects with ConversationGoneError when
 * the channel refused for good (403/404: the bot was removed), so the caller can stop posting there.
 * `update` never rejects.
 */
export interface Outbox {
  post(to: ConversationHandle, reply: Reply, opts?: { threadOf?: string }): Promise<string | undefined>;
  update(to: ConversationHandle, activityId: string, reply: Reply): Promise<void>;
}

/**
 * The channel refused a post for good: the bot is no longer in that conversation, or it was deleted
 * (Bot Framework connector 403/404, codes such as BotNotInConversationRoster, ConversationNotFound,
 * Forbidden). Defined here so the app can recognise it without botbuilder.
 */
export class ConversationGoneError extends Error {
  constructor(
    readonly conversationId: string,
    /** The connector's HTTP status (403 or 404), when it gave one. */
    readonly status?: number,
    /** The connector's error code, when it gave one. */
    readonly code?: string,
  ) {
    super(`conversation ${conversationId} refused the post${status ? ` (${status}${code ? ` ${code}` : ''})` : ''}: the bot was removed or the conversation deleted`);
    this.name = 'ConversationGoneError';
  }
}

export interface Reply {
  text?: string;
  card?: object;
}

/** Where replies go. `send` returns the new activity's id so a later reply can replace it in place. */
export interface ReplyChannel {
  send(reply: Reply): Promise<string | undefined>;
  update(activityId: string, reply: Reply): Promise<void>;
  /** Replies go back in the HTTP response (expectReplies, the CLI): nothing is paced, every answer is seen. */
  inResponse?: boolean;
}

/**
 * An Adaptive Card Universal Action (Action.Execute): Teams sends an `invoke` activity named
 * `adaptiveCard/action`. `verb` and `data` come from the card, so they are untrusted: the app reloads
 * everything it acts on from its own store. The caller comes from the activity.
 */
export interface CardActionEvent {
  kind: 'card-action';
  verb: string;
  data: unknown;
  caller: Caller;
  conversationId: string;
  /** The activity id of the card that was clicked: follow-up updates replace it in place. */
  replyToId?: string;
  conversation?: ConversationHandle;
  locale?: string;
  correlationId: string;
}

/**
 * What the app answers a card action with: `card` goes back in the invoke response at once (it
 * replaces the clicked card for the clicker); `followUp`, if any, runs after the invoke has been
 * answered and reports through the ReplyChannel (execution and re-checks take longer than Teams waits).
 */
export interface CardActionAnswer {
  card: object;
  followUp?: (replies: ReplyChannel) => Promise<void>;
}
