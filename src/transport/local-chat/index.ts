/**
 * The local chat page (issue 5): a Bot Framework channel in miniature at http://127.0.0.1:3978/, for
 * local mode without an app id only (authentication is off there, and the server is bound to
 * loopback). The page's clicks become real activities to /api/messages; the bot's replies come back
 * through the connector emulation at this same server; the page renders them with the official
 * adaptivecards renderer. http-server.ts mounts it only when start-bot.ts asks for it.
 */
import type { Server } from 'restify';
import type { Logger } from '../../log.js';
import { createLocalConversations } from './conversations.js';
import { mountConnectorRoutes } from './connector-routes.js';
import { mountPageApi } from './page-api.js';
import { mountStaticFiles } from './static-files.js';

export interface LocalChatOptions {
  /** config.demoIdentities: whether the demo approvers may approve (shown on the page). */
  demoIdentities: boolean;
}

export interface LocalChat {
  close(): void;
}

export function mountLocalChat(server: Server, opts: LocalChatOptions & { selfUrl(): string; log: Logger }): LocalChat {
  const conversations = createLocalConversations();
  mountStaticFiles(server);
  mountConnectorRoutes(server, conversations);
  const api = mountPageApi(server, { conversations, selfUrl: opts.selfUrl, demoIdentities: opts.demoIdentities, log: opts.log.child({ component: 'local-chat' }) });
  return { close: () => api.close() };
}
