/**
 * The one module that knows botbuilder. It turns Bot Framework activities into the app's own events
 * and the app's replies into activities, so the app could move to the Microsoft 365 Agents SDK
 * (the Bot Framework SDK is archived upstream) by replacing this file alone.
 */
import { randomUUID } from 'node:crypto';
import {
  ActivityTypes,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  DeliveryModes,
  TurnContext,
  type Activity,
  type ConversationReference,
  type InvokeResponse,
} from 'botbuilder';
import type { BotIdentity } from '../config.js';
import type { Logger } from '../log.js';
import type { BotApp } from '../app/bot-app.js';
import { ConversationGoneError, type CardActionEvent, type ConversationHandle, type MessageEvent, type Outbox, type Reply, type ReplyChannel } from '../app/events.js';
import { createPacedDelivery, type PacedDeliveryOptions } from './paced-delivery.js';
import type { ConversationStore } from './conversation-store.js';

export interface BotFrameworkOptions {
  bot: BotIdentity;
  /**
   * Channels whose identity fields (from.aadObjectId, the tenant) the bot believes, as config
   * TRUSTED_IDENTITY_CHANNELS reads them (default msteams; local mode adds the local chat page).
   * On any other channel the caller has no Entra identity: it may diagnose, never request or approve.
   */
  trustedChannels?: readonly string[];
  app: BotApp;
  log: Logger;
  /** Where handles of conversations the bot is installed in are kept (incident channel, watches). */
  conversations?: ConversationStore;
  /** Overrides of the pacing of proactive posts (tests). */
  pacing?: Partial<Omit<PacedDeliveryOptions, 'log'>>;
}

export interface BotFramework {
  /** Handles POST /api/messages (restify or any req/res with a parsed JSON body). */
  process(req: unknown, res: unknown): Promise<void>;
  /** Work still running after its turn ended (replies sent proactively). */
  pending(): number;
  /** Waits for that work (graceful shutdown, tests). */
  drain(): Promise<void>;
  /** Posts without a turn into stored conversations, paced like every proactive reply. */
  outbox: Outbox;
}

function toActivity(reply: Reply): Partial<Activity> {
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
function handleOf(activity: Activity): ConversationHandle {
  const { activityId: _answered, ...ref } = TurnContext.getConversationReference(activity);
  return {
    id: activity.conversation?.id ?? '',
    channelId: activity.channelId ?? '',
    ...(activity.conversation?.conversationType ? { conversationType: activity.conversation.conversationType } : {}),
    ref: JSON.parse(JSON.stringify(ref)) as unknown,
  };
}

/** Teams channels: `<channel id>;messageid=<root>` is a thread of the channel; the channel is what gets stored. */
function channelHandleOf(handle: ConversationHandle): ConversationHandle {
  const id = handle.id.split(';messageid=')[0] ?? handle.id;
  const { user: _whoSpoke, locale: _theirLocale, ...ref } = handle.ref as Partial<ConversationReference>;
  // A channel's handle is the same whoever spoke in it, so it is stored once, not per speaker.
  const shared = handle.conversationType === 'channel' ? ref : (handle.ref as Partial<ConversationReference>);
  return { ...handle, id, ref: { ...shared, conversation: { ...ref.conversation, id } } };
}

function toMessageEvent(activity: Activity, trustedChannels: readonly string[]): MessageEvent {
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
const CARD_ACTION_INVOKE = 'adaptiveCard/action';

/**
 * `value.action` of an adaptiveCard/action invoke: `{ type: 'Action.Execute', verb, data }`
 * (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards).
 */
function toCardActionEvent(activity: Activity, trustedChannels: readonly string[]): CardActionEvent {
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
function cardInvokeResponse(card: object): Partial<Activity> {
  return {
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
  };
}

function errorInvokeResponse(message: string): Partial<Activity> {
  return {
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 500, type: 'application/vnd.microsoft.error', value: { code: 'InternalError', message } } },
  };
}

/**
 * expectReplies: the caller gets every reply in the HTTP response, so there is nothing to update in
 * place: replies are buffered, an update replaces the buffered one, and all are sent at the end.
 */
function bufferedReplies(): ReplyChannel & { flush(ctx: TurnContext): Promise<void> } {
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

/** What a successful authentication of a request yields (botframework-connector, through botbuilder). */
type AuthenticateRequestResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

/** CloudAdapter with the turn started from an authentication we did ourselves (see process()). */
class TurnAdapter extends CloudAdapter {
  run(authenticated: AuthenticateRequestResult, activity: Activity, logic: (ctx: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }
}

interface IncomingRequest {
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
}

interface OutgoingResponse {
  send(status: number, body?: object): void;
}

type Checked = { ok: true; value: Activity } | { ok: false; status: number; error: string };

/** The connector on this machine: the local chat's emulation, or a test's stand-in. */
const LOOPBACK_SERVICE_URL = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?(?:\/|$)/i;

/**
 * The body as an activity, or what was wrong with it (400). Timestamps become Dates as botbuilder's
 * own CloudAdapter.process does (activityValidator.js). With authentication off, a serviceUrl off
 * this machine is refused: the bot would post its cards (request ids, approver names) wherever an
 * unauthenticated caller asked.
 */
function checkedActivity(body: unknown, localOnly: boolean): Checked {
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

export function createBotFramework(opts: BotFrameworkOptions): BotFramework {
  const { bot, app, log, conversations } = opts;
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: bot.appId,
    MicrosoftAppPassword: bot.appPassword,
    // An empty app id needs the legacy type to pass botbuilder's own checks: that is the "auth off" path.
    MicrosoftAppType: bot.appId ? (bot.appType === 'UserAssignedMSI' ? 'UserAssignedMsi' : 'SingleTenant') : '',
    MicrosoftAppTenantId: bot.tenantId,
  });
  const adapter = new TurnAdapter(auth);
  const trustedChannels = (opts.trustedChannels ?? ['msteams']).map((c) => c.toLowerCase());
  // Authentication off (local mode): replies may only go to a connector on this machine.
  const localOnly = !bot.appId;
  const running = new Set<Promise<void>>();
  // One pacing layer for every post and update made outside a turn (Teams' per-conversation limits).
  const delivery = createPacedDelivery({ log, ...opts.pacing });

  adapter.onTurnError = async (ctx, err) => {
    log.error('turn failed', { err, activityType: ctx.activity.type });
    await ctx.sendActivity('Sorry, something went wrong while handling that message.').catch(() => {});
  };

  /**
   * Replies after the turn has ended, through the connector at the activity's serviceUrl, paced
   * (paced-delivery.ts): updates coalesced, throttling retried; failures are logged there, never
   * thrown. Only the Outbox (`surfaceGone`) lets a post refused for good reject with
   * ConversationGoneError: a turn's follow-ups have no use for it and must not fail the app's flow.
   */
  function proactiveReplies(claims: unknown, reference: Partial<ConversationReference>, opts: { surfaceGone?: boolean } = {}): ReplyChannel {
    const identity = (claims ?? bot.appId) as Parameters<CloudAdapter['continueConversationAsync']>[0];
    const conversationId = reference.conversation?.id ?? '';
    return {
      send: (reply) => {
        const posted = delivery.post(conversationId, async () => {
          let id: string | undefined;
          await viaConnector(identity, reference, async (ctx) => {
            id = (await ctx.sendActivity(toActivity(reply)))?.id;
          });
          return id;
        });
        return opts.surfaceGone ? posted : posted.catch((err: unknown) => (err instanceof ConversationGoneError ? undefined : Promise.reject(err)));
      },
      update: (activityId, reply) =>
        delivery.update(conversationId, activityId, () =>
          viaConnector(identity, reference, async (ctx) => {
            await ctx.updateActivity({ ...toActivity(reply), id: activityId });
          }),
        ),
    };
  }

  /**
   * continueConversationAsync hands a failure of `logic` to onTurnError, which swallows it (and would
   * post "Sorry…" into the very conversation that is throttling us). The pacing layer must see the
   * connector's error to retry it, so it is caught inside and rethrown outside.
   */
  async function viaConnector(
    identity: Parameters<CloudAdapter['continueConversationAsync']>[0],
    reference: Partial<ConversationReference>,
    logic: (ctx: TurnContext) => Promise<void>,
  ): Promise<void> {
    let failure: { err: unknown } | undefined;
    await adapter.continueConversationAsync(identity, reference, async (ctx) => {
      try {
        await logic(ctx);
      } catch (err) {
        failure = { err };
      }
    });
    if (failure) throw failure.err;
  }

  /** Teams message ids are numbers; the fake connector's are `activity-<n>`. Nothing that could alter the path. */
  const THREAD_ROOT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

  /**
   * Proactive posts into stored conversations. A reply in a Teams channel thread is a post to the
   * conversation `<channel id>;messageid=<root activity id>`
   * (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages).
   */
  const outbox: Outbox = {
    async post(to, reply, postOpts) {
      const threadOf = postOpts?.threadOf;
      if (threadOf !== undefined && !THREAD_ROOT_ID.test(threadOf)) {
        log.error('outbox: not a thread root activity id; nothing posted', { conversation: to.id });
        return undefined;
      }
      const channel = to.id.split(';messageid=')[0] ?? to.id;
      const conversationId = threadOf ? `${channel};messageid=${threadOf}` : to.id;
      const stored = to.ref as Partial<ConversationReference>;
      const reference: Partial<ConversationReference> = { ...stored, conversation: { ...stored.conversation!, id: conversationId } };
      delete reference.activityId;
      return proactiveReplies(undefined, reference, { surfaceGone: true }).send(reply);
    },
    async update(to, activityId, reply) {
      const stored = to.ref as Partial<ConversationReference>;
      const reference: Partial<ConversationReference> = { ...stored };
      delete reference.activityId;
      await proactiveReplies(undefined, reference).update(activityId, reply);
    },
  };

  /**
   * Teams tells the bot it was added to a team, chat or channel (conversationUpdate membersAdded with
   * the bot, installationUpdate add) and removed from it (membersRemoved, installationUpdate remove):
   * keep or drop the conversation's handle. A store that does not answer only costs a warning.
   */
  async function trackInstallation(activity: Activity): Promise<void> {
    if (!conversations) return;
    const botId = activity.recipient?.id;
    const added =
      (activity.type === ActivityTypes.ConversationUpdate && activity.membersAdded?.some((m) => m.id === botId)) ||
      (activity.type === ActivityTypes.InstallationUpdate && activity.action?.startsWith('add'));
    const removed =
      (activity.type === ActivityTypes.ConversationUpdate && activity.membersRemoved?.some((m) => m.id === botId)) ||
      (activity.type === ActivityTypes.InstallationUpdate && activity.action === 'remove');
    // A message in a channel refreshes its handle too (its service URL can move; a bot installed
    // before this version has no stored handle yet).
    const spokenInChannel = activity.type === ActivityTypes.Message && activity.conversation?.conversationType === 'channel';
    try {
      if (removed) await conversations.forget(activity.conversation?.id ?? '');
      else if (added || spokenInChannel) await conversations.remember(channelHandleOf(handleOf(activity)));
    } catch (err) {
      log.warn('could not store the conversation reference', { err, conversation: activity.conversation?.id });
    }
  }

  /** Runs `work` after its turn, tracked for drain(). */
  function inBackground(work: () => Promise<void>, correlationId: string): void {
    const run: Promise<void> = work()
      .catch((err) => log.error('background reply failed', { err, correlationId }))
      .finally(() => running.delete(run));
    running.add(run);
  }

  /**
   * Teams wants an invoke answered within a few seconds, else it shows the user an error and may
   * send the invoke again; applying a fix and re-checking takes longer. So the invoke is answered
   * with the card as it stands now, and the app's follow-up (execution, verification) runs after the
   * turn, updating the same card activity (replyToId) through the connector.
   */
  async function onCardAction(ctx: TurnContext, afterTurn: Array<() => void>): Promise<void> {
    const event = toCardActionEvent(ctx.activity, trustedChannels);
    let answer;
    try {
      answer = await app.handleCardAction(event);
    } catch (err) {
      log.error('card action failed', { err, correlationId: event.correlationId, verb: event.verb });
      await ctx.sendActivity(errorInvokeResponse(`Something went wrong; nothing more was done. Reference: ${event.correlationId}`));
      return;
    }
    await ctx.sendActivity(cardInvokeResponse(answer.card));
    const followUp = answer.followUp;
    if (followUp) {
      const replies = proactiveReplies(ctx.turnState.get(adapter.BotIdentityKey), TurnContext.getConversationReference(ctx.activity));
      afterTurn.push(() => inBackground(() => followUp(replies), event.correlationId));
    }
  }

  async function onTurn(ctx: TurnContext, afterTurn: Array<() => void>): Promise<void> {
    const activity = ctx.activity;
    await trackInstallation(activity);
    if (activity.type === ActivityTypes.Invoke && activity.name === CARD_ACTION_INVOKE) {
      await onCardAction(ctx, afterTurn);
      return;
    }
    if (activity.type === ActivityTypes.ConversationUpdate) {
      const botId = activity.recipient?.id;
      if (activity.membersAdded?.some((m) => m.id === botId)) {
        await app.handleMessage({ ...toMessageEvent(activity, trustedChannels), text: 'help' }, proactiveOrInTurn(ctx));
      }
      return;
    }
    if (activity.type !== ActivityTypes.Message) return;
    const event = toMessageEvent(activity, trustedChannels);
    if (activity.deliveryMode === DeliveryModes.ExpectReplies) {
      const replies = bufferedReplies();
      await app.handleMessage(event, replies);
      await replies.flush(ctx);
      return;
    }
    // A diagnosis takes minutes; the channel wants its HTTP answer in seconds (Bot Framework retries
    // slow turns). So the turn ends now and the app replies through the connector as it goes.
    const claims = ctx.turnState.get(adapter.BotIdentityKey);
    const reference = TurnContext.getConversationReference(activity);
    inBackground(() => app.handleMessage(event, proactiveReplies(claims, reference)), event.correlationId);
  }

  function proactiveOrInTurn(ctx: TurnContext): ReplyChannel {
    return {
      send: async (reply) => (await ctx.sendActivity(toActivity(reply)))?.id,
      update: async (id, reply) => {
        await ctx.updateActivity({ ...toActivity(reply), id });
      },
    };
  }

  return {
    async process(req, res) {
      const http = req as IncomingRequest;
      const answer = res as OutgoingResponse;
      const activity = checkedActivity(http.body, localOnly);
      if (!activity.ok) {
        answer.send(activity.status, { error: activity.error });
        return;
      }
      // Authenticated before anything runs: every refused token is a 401 with our words, never the
      // library's (its messages name keys and endorsements). Errors after this are the bot's own: 500.
      const header = http.headers?.authorization;
      let authenticated: AuthenticateRequestResult;
      try {
        authenticated = await auth.authenticateRequest(activity.value, typeof header === 'string' ? header : '');
      } catch (err) {
        log.warn('activity refused: its Bot Framework token is missing or not valid', { reason: err instanceof Error ? err.name : 'unknown', channelId: activity.value.channelId });
        answer.send(401, { error: 'Unauthorized: a valid Bot Framework token is required.' });
        return;
      }
      // Follow-ups of card actions start once the invoke response has been written, so a quick
      // follow-up update can never be overtaken by the (older) card in the invoke response.
      const afterTurn: Array<() => void> = [];
      try {
        const invoke = await adapter.run(authenticated, activity.value, (ctx) => onTurn(ctx, afterTurn));
        if (invoke?.body !== undefined) answer.send(invoke.status ?? 200, invoke.body as object);
        else answer.send(invoke?.status ?? 200);
      } catch (err) {
        log.error('activity failed', { err, activityType: activity.value.type });
        answer.send(500, { error: 'The bot could not handle this activity; see its log.' });
      } finally {
        for (const start of afterTurn) start();
      }
    },
    pending: () => running.size + delivery.pending(),
    drain: async () => {
      while (running.size > 0 || delivery.pending() > 0) {
        await Promise.allSettled([...running]);
        await delivery.idle();
      }
    },
    outbox,
  };
}
