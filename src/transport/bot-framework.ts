/**
 * The Bot Framework transport, a plug for the app in bolt's receiver shape: built first (the adapter,
 * and the outbox the app's features post through), then `init(app)` plugs the app in, then the HTTP
 * server hands it requests. Together with activity-events.ts (activities ⇄ the app's events) these
 * are the only modules that know botbuilder, so the app could move to the Microsoft 365 Agents SDK
 * (the Bot Framework SDK is archived upstream) by replacing them alone.
 */
import {
  ActivityTypes,
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
import { ConversationGoneError, type Outbox, type ReplyChannel } from '../app/events.js';
import {
  bufferedReplies,
  CARD_ACTION_INVOKE,
  cardInvokeResponse,
  channelHandleOf,
  checkedActivity,
  errorInvokeResponse,
  handleOf,
  toActivity,
  toCardActionEvent,
  toMessageEvent,
} from './activity-events.js';
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
  log: Logger;
  /** Where handles of conversations the bot is installed in are kept (incident channel, watches). */
  conversations?: ConversationStore;
  /** Overrides of the pacing of proactive posts (tests). */
  pacing?: Partial<Omit<PacedDeliveryOptions, 'log'>>;
}

export interface BotFramework {
  /** Plugs the app in, once; activities that arrive before are answered 503. */
  init(app: BotApp): void;
  /** Handles POST /api/messages (restify or any req/res with a parsed JSON body). */
  process(req: unknown, res: unknown): Promise<void>;
  /** Work still running after its turn ended (replies sent proactively). */
  pending(): number;
  /** Waits for that work (graceful shutdown, tests). */
  drain(): Promise<void>;
  /** Posts without a turn into stored conversations, paced like every proactive reply. */
  outbox: Outbox;
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

export function createBotFramework(opts: BotFrameworkOptions): BotFramework {
  const { bot, log, conversations } = opts;
  let plugged: BotApp | undefined;
  const app = (): BotApp => {
    if (!plugged) throw new Error('the bot transport has no app: call init(app) first');
    return plugged;
  };
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
      answer = await app().handleCardAction(event);
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
    // Invokes are routed first (as teams-ai's router does): theirs is the tightest deadline.
    if (activity.type === ActivityTypes.Invoke && activity.name === CARD_ACTION_INVOKE) {
      await onCardAction(ctx, afterTurn);
      return;
    }
    if (activity.type === ActivityTypes.ConversationUpdate) {
      const botId = activity.recipient?.id;
      if (activity.membersAdded?.some((m) => m.id === botId)) {
        await app().handleMessage({ ...toMessageEvent(activity, trustedChannels), text: 'help' }, proactiveOrInTurn(ctx));
      }
      return;
    }
    if (activity.type !== ActivityTypes.Message) return;
    const event = toMessageEvent(activity, trustedChannels);
    if (activity.deliveryMode === DeliveryModes.ExpectReplies) {
      const replies = bufferedReplies();
      await app().handleMessage(event, replies);
      await replies.flush(ctx);
      return;
    }
    // A diagnosis takes minutes; the channel wants its HTTP answer in seconds (Bot Framework retries
    // slow turns). So the turn ends now and the app replies through the connector as it goes.
    const claims = ctx.turnState.get(adapter.BotIdentityKey);
    const reference = TurnContext.getConversationReference(activity);
    const handler = app();
    inBackground(() => handler.handleMessage(event, proactiveReplies(claims, reference)), event.correlationId);
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
    init(app) {
      if (plugged) throw new Error('the bot transport already has an app');
      plugged = app;
    },
    async process(req, res) {
      const http = req as IncomingRequest;
      const answer = res as OutgoingResponse;
      if (!plugged) {
        answer.send(503, { error: 'The bot is starting; try again shortly.' });
        return;
      }
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
