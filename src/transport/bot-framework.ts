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
import type { MessageEvent, Reply, ReplyChannel } from '../app/events.js';

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

function toMessageEvent(activity: Activity): MessageEvent {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  const tenantId = activity.conversation?.tenantId ?? channelData.tenant?.id;
  return {
    kind: 'message',
    text: typeof activity.text === 'string' ? activity.text : '',
    value: activity.value,
    caller: {
      id: activity.from?.id ?? '',
      ...(activity.from?.aadObjectId ? { aadObjectId: activity.from.aadObjectId } : {}),
      ...(activity.from?.name ? { name: activity.from.name } : {}),
      ...(tenantId ? { tenantId } : {}),
    },
    conversationId: activity.conversation?.id ?? '',
    ...(activity.locale ? { locale: activity.locale } : {}),
    correlationId: randomUUID(),
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

  async function onTurn(ctx: TurnContext): Promise<void> {
    const activity = ctx.activity;
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
    const work = app
      .handleMessage(event, proactiveReplies(claims, reference))
      .catch((err) => log.error('background reply failed', { err, correlationId: event.correlationId }))
      .finally(() => running.delete(work));
    running.add(work);
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
    process: (req, res) => adapter.process(req as never, res as never, onTurn),
    pending: () => running.size,
    drain: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
