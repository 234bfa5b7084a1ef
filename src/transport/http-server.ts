/**
 * restify: POST /api/messages for the Bot Framework, /healthz (the process is alive) and /readyz
 * (the Azure layer and the store answer).
 */
import restify from 'restify';
import type { Logger } from '../log.js';
import type { BotFramework } from './bot-framework.js';
import { mountLocalChat, type LocalChatOptions } from './local-chat/index.js';
import { loopbackOnly } from './local-chat/request-guard.js';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  bot: BotFramework;
  readiness: ReadinessProbe[];
  log: Logger;
  /** The local chat page at / (local mode without an app id only: authentication is off). */
  localChat?: LocalChatOptions;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;

async function probe(p: ReadinessProbe): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      }),
    ]);
    return { name: p.name, ok: true };
  } catch (err) {
    return { name: p.name, ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A browser posts `application/x-www-form-urlencoded`, `multipart/form-data` and `text/plain`
 * cross-site without a CORS preflight (https://fetch.spec.whatwg.org/#cors-safelisted-request-header);
 * the Bot Framework channels always send JSON. So /api/messages takes JSON only (415 otherwise),
 * checked before any body is parsed.
 */
function jsonActivitiesOnly(req: restify.Request, res: restify.Response, next: restify.Next): void {
  if (req.method !== 'POST' || req.getPath() !== '/api/messages') return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    res.send(415, { error: 'POST /api/messages takes a Bot Framework activity as application/json only.' });
    return next(false);
  }
  return next();
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const server = restify.createServer({ name: 'tunnel-doctor', handleUncaughtExceptions: false });
  // Authentication off (local mode): every route, /api/messages included, answers only requests
  // addressed to a loopback name and from no other site's page (DNS rebinding, cross-site posts).
  if (opts.localChat) server.pre(loopbackOnly);
  server.pre(jsonActivitiesOnly);
  // Activities are small; a 1 MB cap keeps a hostile client from making us buffer more.
  server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    await opts.bot.process(req, res);
  });
  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    return next();
  });
  server.get('/readyz', async (_req, res) => {
    const results = await Promise.all(opts.readiness.map(probe));
    const ready = results.every((r) => r.ok);
    if (!ready) opts.log.warn('not ready', { results });
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'not-ready', checks: results });
  });

  let selfUrl = '';
  const localChat = opts.localChat ? mountLocalChat(server, { ...opts.localChat, selfUrl: () => selfUrl, log: opts.log }) : undefined;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${address.port}`;
  // The address actually bound ('localhost' may resolve to another family than the one listening).
  selfUrl = address.family === 'IPv6' ? `http://[${address.address}]:${address.port}` : `http://${address.address}:${address.port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        // Open event streams would keep the server from ever closing.
        localChat?.close();
        server.close(() => resolve());
      }),
  };
}
