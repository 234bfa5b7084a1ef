/**
 * The Bot Framework connector service, in miniature, at the serviceUrl the local chat puts on its
 * activities: botbuilder's ConnectorClient POSTs new activities (sendToConversation, or
 * replyToActivity with the id replied to) and PUTs updates in place (updateActivity), and expects
 * `{ id }` back (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference).
 * Only conversations the page created are known; anything else is 404, as a real connector would.
 */
import type { Request, Response, Server } from 'restify';
import { cardsOfActivity, type LocalConversations } from './conversations.js';
import { loopbackOnly } from './request-guard.js';

/** Teams refuses text beyond ~28 KB per message; a bound here keeps one activity from filling memory. */
const MAX_TEXT = 28 * 1024;

function textOf(activity: Record<string, unknown>): string | undefined {
  return typeof activity.text === 'string' && activity.text !== '' ? activity.text.slice(0, MAX_TEXT) : undefined;
}

function bodyOf(req: Request): Record<string, unknown> | undefined {
  const body: unknown = req.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

export function mountConnectorRoutes(server: Server, conversations: LocalConversations): void {
  const send = (req: Request, res: Response) => {
    const conversationId = String(req.params.conversationId ?? '');
    const activity = bodyOf(req);
    if (!conversations.has(conversationId)) return res.send(404, { error: { code: 'ConversationNotFound', message: 'unknown conversation' } });
    if (!activity) return res.send(400, { error: { code: 'BadArgument', message: 'an activity (JSON object) is required' } });
    // Typing indicators and the like have nothing to show.
    if (activity.type !== undefined && activity.type !== 'message') return res.send(200, { id: '' });
    const replyTo = req.params.activityId ? String(req.params.activityId) : undefined;
    const text = textOf(activity);
    const item = conversations.add(conversationId, {
      from: { role: 'bot', name: typeof (activity.from as { name?: unknown } | undefined)?.name === 'string' ? String((activity.from as { name: string }).name).slice(0, 100) : 'Tunnel Doctor' },
      ...(text ? { text } : {}),
      cards: cardsOfActivity(activity),
      timestamp: new Date().toISOString(),
      ...(replyTo ? { replyToId: replyTo } : {}),
    });
    return res.send(200, { id: item?.id ?? '' });
  };

  server.post('/v3/conversations/:conversationId/activities', loopbackOnly, (req, res, next) => {
    send(req, res);
    return next();
  });
  server.post('/v3/conversations/:conversationId/activities/:activityId', loopbackOnly, (req, res, next) => {
    send(req, res);
    return next();
  });
  server.put('/v3/conversations/:conversationId/activities/:activityId', loopbackOnly, (req, res, next) => {
    const conversationId = String(req.params.conversationId ?? '');
    const activityId = String(req.params.activityId ?? '');
    const activity = bodyOf(req);
    if (!activity) {
      res.send(400, { error: { code: 'BadArgument', message: 'an activity (JSON object) is required' } });
      return next();
    }
    const text = textOf(activity);
    const updated = conversations.update(conversationId, activityId, { ...(text ? { text } : {}), cards: cardsOfActivity(activity) });
    if (!updated) res.send(404, { error: { code: 'ActivityNotFound', message: 'unknown conversation or activity' } });
    else res.send(200, { id: updated.id });
    return next();
  });
}
