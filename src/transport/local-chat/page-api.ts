/**
 * The local chat page's API: it turns what the user does on the page into Bot Framework activities
 * and delivers them the way a channel does, by POSTing them to the bot's own /api/messages (so they
 * go through CloudAdapter exactly like Teams traffic), and streams the conversation back to the page
 * as Server-Sent Events.
 */
import type { Request, Response, Server } from 'restify';
import { DEMO_IDENTITIES, DEMO_TENANT_ID } from '../../app/demo-identities.js';
import type { Logger } from '../../log.js';
import type { ChatItem, LocalConversations } from './conversations.js';
import {
  botAddedActivity,
  checkConversationInput,
  checkInvokeInput,
  checkMessageInput,
  invokeActivity,
  messageActivity,
  MAX_TEXT_LENGTH,
  type ActivityContext,
} from './page-input.js';
import { loopbackOnly } from './request-guard.js';

export interface PageApiOptions {
  conversations: LocalConversations;
  /** This server's own base URL, known once it listens. */
  selfUrl(): string;
  /** Whether the demo approvers may approve (config.demoIdentities). */
  demoIdentities: boolean;
  log: Logger;
}

export interface PageApi {
  /** Ends every open event stream (else the HTTP server never finishes closing). */
  close(): void;
}

/** A comment line now and then keeps proxies and the browser from dropping an idle stream. */
const KEEPALIVE_MS = 15_000;
/** The bot answers an invoke at once; a stuck one must not hang the page forever. */
const DELIVERY_TIMEOUT_MS = 20_000;

const API = '/local-chat/api';

function badRequest(res: Response, error: string): void {
  res.send(400, { error });
}

function conversationOf(req: Request, res: Response, conversations: LocalConversations): string | undefined {
  const id = String(req.params.conversationId ?? '');
  if (conversations.has(id)) return id;
  res.send(404, { error: 'Unknown conversation (the bot may have restarted): reload the page to start a new one.' });
  return undefined;
}

export function mountPageApi(server: Server, opts: PageApiOptions): PageApi {
  const { conversations, log } = opts;
  const streams = new Set<Response>();

  /** POST an activity to the bot's /api/messages, as the channel service would. */
  async function deliver(activity: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${opts.selfUrl()}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body };
  }

  const contextOf = (conversationId: string, input: Pick<ActivityContext, 'identity' | 'locale'>): ActivityContext => ({
    conversationId,
    serviceUrl: opts.selfUrl(),
    identity: input.identity,
    locale: input.locale,
  });

  server.get(`${API}/identities`, loopbackOnly, (_req, res, next) => {
    res.send(200, {
      tenantId: DEMO_TENANT_ID,
      demoIdentities: opts.demoIdentities,
      maxTextLength: MAX_TEXT_LENGTH,
      identities: DEMO_IDENTITIES.map((d) => ({ key: d.key, id: d.id, name: d.name, role: d.role })),
    });
    return next();
  });

  server.post(`${API}/conversations`, loopbackOnly, async (req, res) => {
    const input = checkConversationInput(req.body);
    if (!input.ok) {
      badRequest(res, input.error);
      return;
    }
    const conversationId = conversations.create();
    const first = DEMO_IDENTITIES[0];
    if (first) {
      // As when the bot is installed in a chat: it introduces itself with its help card.
      await deliver(botAddedActivity(contextOf(conversationId, { identity: first, locale: input.value.locale }))).catch((err: unknown) =>
        log.warn('local chat: the welcome turn failed', { err }),
      );
    }
    res.send(201, { conversationId });
  });

  // The page checks that the conversation it kept (sessionStorage) still exists after a bot restart.
  server.get(`${API}/conversations/:conversationId`, loopbackOnly, (req, res, next) => {
    const conversationId = conversationOf(req, res, conversations);
    if (conversationId) res.send(200, { conversationId, messages: conversations.list(conversationId).length });
    return next();
  });

  server.get(`${API}/conversations/:conversationId/events`, loopbackOnly, (req, res, next) => {
    const conversationId = conversationOf(req, res, conversations);
    if (!conversationId) return next();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    const write = (item: ChatItem) => res.write(`event: activity\ndata: ${JSON.stringify(item)}\n\n`);
    res.write('retry: 2000\n\n');
    // The whole conversation first (the page upserts by id, so a reconnect simply catches up).
    for (const item of conversations.list(conversationId)) write(item);
    const unsubscribe = conversations.subscribe(conversationId, write);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    streams.add(res);
    // The response closes when the page goes away (or the server ends the stream).
    res.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(res);
    });
    // The stream stays open: restify must not end the response.
  });

  server.post(`${API}/conversations/:conversationId/messages`, loopbackOnly, async (req, res) => {
    const conversationId = conversationOf(req, res, conversations);
    if (!conversationId) return;
    const input = checkMessageInput(req.body);
    if (!input.ok) {
      badRequest(res, input.error);
      return;
    }
    const { identity, locale, shown } = input.value;
    // Teams shows the sender's message in the chat before the bot sees it; its id is the activity id.
    const echoed = conversations.add(conversationId, {
      from: { role: 'user', name: identity.name, identity: identity.key },
      text: shown,
      cards: [],
      timestamp: new Date().toISOString(),
    });
    const activity = messageActivity(contextOf(conversationId, input.value), echoed?.id ?? 'user-0', input.value);
    try {
      const answer = await deliver(activity);
      if (answer.status >= 300) {
        log.warn('local chat: the bot refused a message', { status: answer.status });
        res.send(502, { error: `The bot answered HTTP ${answer.status}.` });
        return;
      }
      res.send(202, { id: echoed?.id });
    } catch (err) {
      log.warn('local chat: could not deliver a message', { err });
      res.send(502, { error: 'The bot did not answer; see its log.' });
    }
  });

  server.post(`${API}/conversations/:conversationId/invoke`, loopbackOnly, async (req, res) => {
    const conversationId = conversationOf(req, res, conversations);
    if (!conversationId) return;
    const input = checkInvokeInput(req.body);
    if (!input.ok) {
      badRequest(res, input.error);
      return;
    }
    const clicked = conversations.get(conversationId, input.value.replyToId);
    if (!clicked || clicked.cards.length === 0) {
      badRequest(res, `"replyToId" ${input.value.replyToId} is not a card the bot sent in this conversation`);
      return;
    }
    try {
      const answer = await deliver(invokeActivity(contextOf(conversationId, input.value), input.value));
      // The invoke response body (Universal Actions): a card, a message, or an error.
      const body = (answer.body ?? {}) as { statusCode?: number; type?: string; value?: unknown };
      if (answer.status === 200 && body.type === 'application/vnd.microsoft.card.adaptive' && body.value && typeof body.value === 'object') {
        res.send(200, { card: body.value });
      } else if (answer.status === 200 && body.type === 'application/vnd.microsoft.activity.message') {
        res.send(200, { message: typeof body.value === 'string' ? body.value : '' });
      } else {
        const message = (body.value as { message?: unknown } | undefined)?.message;
        res.send(200, { error: typeof message === 'string' ? message : `The bot answered the click with HTTP ${answer.status}.` });
      }
    } catch (err) {
      log.warn('local chat: could not deliver a card action', { err });
      res.send(502, { error: 'The bot did not answer the click; see its log.' });
    }
  });

  return {
    close() {
      conversations.clearListeners();
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
