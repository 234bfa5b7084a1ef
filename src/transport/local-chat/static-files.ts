/**
 * The local chat page's files: plain HTML, CSS and JS (no build step) from ./page, and the official
 * Adaptive Cards renderer from node_modules (no CDN: the page works offline). Read once at start so
 * a missing file fails the start, not the first visit. Every response carries a strict
 * Content-Security-Policy: scripts, styles and fetches from this origin only, nothing inline.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'restify';
import { loopbackOnly } from './request-guard.js';

/** Where the page's files live next to this module (src/transport/local-chat/page). */
export const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

/**
 * The renderer sets styles through the CSSOM (element.style), which style-src does not govern, so
 * no 'unsafe-inline' is needed; cards may show images only from data: URIs or this origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface StaticFile {
  route: string;
  contentType: string;
  body: Buffer;
}

function adaptiveCardsScript(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('adaptivecards/package.json')), 'dist', 'adaptivecards.min.js');
}

export function pageFiles(): StaticFile[] {
  const page = (name: string) => readFileSync(path.join(PAGE_DIR, name));
  return [
    { route: '/', contentType: 'text/html; charset=utf-8', body: page('index.html') },
    { route: '/local-chat/chat.css', contentType: 'text/css; charset=utf-8', body: page('chat.css') },
    { route: '/local-chat/chat.js', contentType: 'text/javascript; charset=utf-8', body: page('chat.js') },
    { route: '/local-chat/adaptivecards.min.js', contentType: 'text/javascript; charset=utf-8', body: readFileSync(adaptiveCardsScript()) },
  ];
}

export function mountStaticFiles(server: Server): void {
  for (const file of pageFiles()) {
    server.get(file.route, loopbackOnly, (_req, res, next) => {
      res.writeHead(200, {
        'content-type': file.contentType,
        'content-length': file.body.length,
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      res.end(file.body);
      return next();
    });
  }
}
