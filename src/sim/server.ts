/**
 * The simulated Azure: an HTTP server speaking the subset of the ARM REST API the bot uses,
 * so the real Azure SDK clients run against it unchanged. Each request: settle due
 * long-running operations, wait the scenario's ARM latency, apply injected faults, dispatch to
 * a route, answer in ARM's JSON shapes, write one access-log line.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scenario } from '../scenario/types.js';
import { ArmHttpError, armErrorBody, type ArmReply } from './arm-http.js';
import type { Estate } from './estate.js';
import { computeRoutes } from './routes/compute.js';
import { genericRoutes } from './routes/generic.js';
import { managedClusterRoutes } from './routes/managed-clusters.js';
import { metricRoutes } from './routes/metrics.js';
import { networkRoutes } from './routes/network.js';
import { operationRoutes } from './routes/operations.js';
import { resourceGraphRoutes } from './routes/resource-graph.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { SimWorld, type Route, type RouteContext } from './world.js';

export interface SimOptions {
  scenarios: Scenario[];
  port?: number;
  host?: string;
  /** Multiplies scenario latencies; tests use 0 or 0.001. Default 1. */
  latencyScale?: number;
  /**
   * One JSON line per request, appended to this file; none when absent. The entry point reads
   * SIM_ACCESS_LOG (src/config.ts for the bot's embedded simulator, main.ts for `npm run sim`).
   */
  accessLogPath?: string;
  /** Items per list page before a nextLink (default 100). */
  pageSize?: number;
}

export interface SimServer {
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
  requestCount(): number;
  stats(): { requests: number; runCommands: number; byRoute: Record<string, number> };
}

const ROUTES: Route[] = [
  ...subscriptionRoutes,
  ...operationRoutes,
  ...managedClusterRoutes,
  ...computeRoutes,
  ...networkRoutes,
  ...metricRoutes,
  ...resourceGraphRoutes,
  ...genericRoutes,
];

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
  let pathMatched = false;
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      pathMatched = true;
      continue;
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) params[k] = v;
    return { route, params };
  }
  return pathMatched ? 'method' : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ArmHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

function faultReply(estates: Estate[], method: string, path: string): ArmReply | undefined {
  for (const estate of estates) {
    for (const fault of estate.faults) {
      if (fault.remaining <= 0 || (fault.method && fault.method !== method) || !fault.pattern.test(path)) continue;
      fault.remaining -= 1;
      const code = fault.code ?? (fault.status === 429 ? 'TooManyRequests' : fault.status === 403 ? 'AuthorizationFailed' : fault.status === 409 ? 'Conflict' : 'InternalServerError');
      const message =
        fault.message ??
        (code === 'AuthorizationFailed'
          ? `The client does not have authorization to perform action on scope '${path}' or the scope is invalid. (injected fault)`
          : `Injected fault: ${code}`);
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined || fault.status === 429) headers['Retry-After'] = String(fault.retryAfter ?? 1);
      return { status: fault.status, body: armErrorBody(code, message), headers };
    }
  }
  return undefined;
}

export async function startSimulatedAzure(opts: SimOptions): Promise<SimServer> {
  const world = new SimWorld(opts.scenarios, { latencyScale: opts.latencyScale ?? 1, pageSize: opts.pageSize ?? 100 });
  const accessLog = opts.accessLogPath;
  const host = opts.host ?? '127.0.0.1';

  async function answer(req: IncomingMessage, baseUrl: string): Promise<{ reply: ArmReply; routeName: string; path: string }> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', baseUrl);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname).replace(/\/+$/, '') || '/';
    } catch {
      return { reply: { status: 400, body: armErrorBody('InvalidUri', 'The request URI is not valid.') }, routeName: 'invalid', path: url.pathname };
    }
    try {
      const rawBody = await readBody(req);
      const apiVersion = url.searchParams.get('api-version');
      if (!apiVersion) throw new ArmHttpError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      const match = matchRoute(method, path);
      // Tenant-level requests (/providers/…, e.g. a Resource Graph query) concern every estate, so
      // any scenario's faults can refuse them.
      const estates = path.toLowerCase().startsWith('/providers/') ? world.estates : world.related(path);
      const armMs = Math.max(0, ...(estates.length > 0 ? estates.slice(0, 1) : world.estates).map((e) => e.latency.armMs));
      await sleep(world.scaled(armMs));
      world.board.settle();
      if (match && match !== 'method') world.stats.byRoute[match.route.name] = (world.stats.byRoute[match.route.name] ?? 0) + 1;
      const fault = faultReply(estates, method, path);
      if (fault) return { reply: fault, routeName: match && match !== 'method' ? match.route.name : 'fault', path };
      if (match === 'method') throw new ArmHttpError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
      if (!match) throw new ArmHttpError(404, 'ResourceNotFound', `No simulated Azure resource or operation at ${method} ${path}.`);
      let body: unknown;
      if (rawBody.trim() !== '') {
        try {
          body = JSON.parse(rawBody);
        } catch {
          throw new ArmHttpError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
        }
      }
      const ctx: RouteContext = { world, method, path, params: match.params, query: url.searchParams, body, headers: req.headers, baseUrl, apiVersion };
      return { reply: await match.route.handle(ctx), routeName: match.route.name, path };
    } catch (e) {
      if (e instanceof ArmHttpError) return { reply: { status: e.status, body: armErrorBody(e.code, e.message), headers: e.headers }, routeName: 'error', path };
      const message = e instanceof Error ? e.message : String(e);
      return { reply: { status: 500, body: armErrorBody('InternalServerError', `Simulated Azure failed: ${message}`) }, routeName: 'error', path };
    }
  }

  function send(res: ServerResponse, reply: ArmReply): void {
    const headers: Record<string, string> = {
      'x-ms-request-id': crypto.randomUUID(),
      'x-ms-correlation-request-id': crypto.randomUUID(),
      ...(reply.headers ?? {}),
    };
    if (reply.body === undefined) {
      res.writeHead(reply.status, { ...headers, 'Content-Length': '0' });
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    world.stats.requests++;
    const baseUrl = `http://${req.headers.host ?? `${host}:${(server.address() as AddressInfo | null)?.port ?? 0}`}`;
    void answer(req, baseUrl).then(({ reply, routeName, path }) => {
      try {
        send(res, reply);
      } catch {
        /* the client went away */
      }
      if (accessLog) {
        const line = { method: req.method, path, status: reply.status, ms: Math.round(performance.now() - started), route: routeName };
        try {
          appendFileSync(accessLog, `${JSON.stringify(line)}\n`);
        } catch {
          /* logging must never break a response */
        }
      }
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    requestCount: () => world.stats.requests,
    stats: () => ({ requests: world.stats.requests, runCommands: world.stats.runCommands, byRoute: { ...world.stats.byRoute } }),
    close: () =>
      new Promise<void>((resolveClose) => {
        world.board.clear();
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

/** The clusters a set of scenarios serves, for start-up banners. */
export function servedClusters(scenarios: readonly Scenario[]): Array<{ id: string; name: string; scenario: string }> {
  return scenarios.flatMap((s) =>
    s.resources.filter((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters').map((r) => ({ id: r.id, name: r.name, scenario: s.title })),
  );
}
