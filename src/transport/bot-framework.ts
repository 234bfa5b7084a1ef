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
} from 'botbuilder';
import type { BotIdentity } from '../config.js';
import type { Logger } from '../log.js';
import type { BotApp } from '../app/bot-app.js';
import type { CardActionEvent, MessageEvent, Reply, ReplyChannel } from '../app/events.js';

export interface BotFrameworkOptions {
  bot: BotIdentity;
  app: BotApp;
  log: Logger;
}

export interface BotFramework {
  /** Handles POST /api/messages (restify or any req/res with a parsed JSON body). */
  process(req: unknown, res: unknown): Promise<void>;
  /** Work still running after its turn ended (replies sent proactively). */
  pending(): number;
  /** Waits for that work (graceful shutdown, tests). */
  drain(): Promise<void>;
}

function toActivity(reply: Reply): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    ...(reply.text ? { text: reply.text } : {}),
    ...(reply.card ? { attachments: [CardFactory.adaptiveCard(reply.card)] } : {}),
  };
}

function callerOf(activity: Activity): MessageEvent['caller'] {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  const tenantId = activity.conversation?.tenantId ?? channelData.tenant?.id;
  return {
    id: activity.from?.id ?? '',
    ...(activity.from?.aadObjectId ? { aadObjectId: activity.from.aadObjectId } : {}),
    ...(activity.from?.name ? { name: activity.from.name } : {}),
    ...(tenantId ? { tenantId } : {}),
  };
}

function toMessageEvent(activity: Activity): MessageEvent {
  return {
    kind: 'message',
    text: typeof activity.text === 'string' ? activity.text : '',
    value: activity.value,
    caller: callerOf(activity),
    conversationId: activity.conversation?.id ?? '',
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
function toCardActionEvent(activity: Activity): CardActionEvent {
  const action = ((activity.value ?? {}) as { action?: { verb?: unknown; data?: unknown } }).action ?? {};
  return {
    kind: 'card-action',
    verb: typeof action.verb === 'string' ? action.verb.slice(0, 64) : '',
    data: action.data,
    caller: callerOf(activity),
    conversationId: activity.conversation?.id ?? '',
    ...(activity.replyToId ? { replyToId: activity.replyToId } : {}),
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

export function createBotFramework(opts: BotFrameworkOptions): BotFramework {
  const { bot, app, log } = opts;
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: bot.appId,
    MicrosoftAppPassword: bot.appPassword,
    // An empty app id needs the legacy type to pass botbuilder's own checks: that is the "auth off" path.
    MicrosoftAppType: bot.appId ? (bot.appType === 'UserAssignedMSI' ? 'UserAssignedMsi' : 'SingleTenant') : '',
    MicrosoftAppTenantId: bot.tenantId,
  });
  const adapter = new CloudAdapter(auth);
  const running = new Set<Promise<void>>();

  adapter.onTurnError = async (ctx, err) => {
    log.error('turn failed', { err, activityType: ctx.activity.type });
    await ctx.sendActivity('Sorry, something went wrong while handling that message.').catch(() => {});
  };

  /** Replies after the turn has ended, through the connector at the activity's serviceUrl. */
  function proactiveReplies(claims: unknown, reference: Partial<ConversationReference>): ReplyChannel {
    const identity = (claims ?? bot.appId) as Parameters<CloudAdapter['continueConversationAsync']>[0];
    return {
      async send(reply) {
        let id: string | undefined;
        await adapter.continueConversationAsync(identity, reference, async (ctx) => {
          id = (await ctx.sendActivity(toActivity(reply)))?.id;
        });
        return id;
      },
      async update(activityId, reply) {
        await adapter.continueConversationAsync(identity, reference, async (ctx) => {
          await ctx.updateActivity({ ...toActivity(reply), id: activityId });
        });
      },
    };
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
    const event = toCardActionEvent(ctx.activity);
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
    if (activity.type === ActivityTypes.Invoke && activity.name === CARD_ACTION_INVOKE) {
      await onCardAction(ctx, afterTurn);
      return;
    }
    if (activity.type === ActivityTypes.ConversationUpdate) {
      const botId = activity.recipient?.id;
      if (activity.membersAdded?.some((m) => m.id === botId)) {
        await app.handleMessage({ ...toMessageEvent(activity), text: 'help' }, proactiveOrInTurn(ctx));
      }
      return;
    }
    if (activity.type !== ActivityTypes.Message) return;
    const event = toMessageEvent(activity);
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
      // Follow-ups of card actions start once the invoke response has been written, so a quick
      // follow-up update can never be overtaken by the (older) card in the invoke response.
      const afterTurn: Array<() => void> = [];
      try {
        await adapter.process(req as never, res as never, (ctx) => onTurn(ctx, afterTurn));
      } finally {
        for (const start of afterTurn) start();
      }
    },
    pending: () => running.size,
    drain: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
