/**
 * The local chat runs with authentication off, so listening on loopback is not enough: a web page
 * in the same browser could reach 127.0.0.1 through DNS rebinding (a hostile name resolving to
 * 127.0.0.1) or post to it cross-site. Every route of a bot with authentication off (the local chat's
 * and /api/messages, /healthz, /readyz: http-server.ts runs this before routing) therefore answers
 * only requests addressed to a loopback name, and refuses a browser Origin other than its own.
 */
import type { Next, Request, Response } from 'restify';

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

export function loopbackOnly(req: Request, res: Response, next: Next): void {
  const host = req.headers.host ?? '';
  if (!LOOPBACK_HOST.test(host)) {
    res.send(403, { error: 'The local chat answers only at 127.0.0.1 or localhost (authentication is off).' });
    return next(false);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    res.send(403, { error: 'Requests from other sites are refused.' });
    return next(false);
  }
  return next();
}
