/**
 * Everything one simulated Azure server holds: the estates (one per scenario, each with its own
 * state, latency and faults), the long-running operations and request statistics. A request
 * belongs to the estate that owns the resource id in its path; lists merge across estates.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ArmResource, Scenario } from '../scenario/types.js';
import { ArmHttpError, pageOf, resourceNotFound, type ArmReply } from './arm-http.js';
import { Estate } from './estate.js';
import type { NetworkOracle } from './host/run-script.js';
import { createNetworkOracle } from './network-oracle.js';
import { OperationBoard } from './operations.js';

export interface WorldOptions {
  latencyScale: number;
  pageSize: number;
}

export class SimWorld {
  readonly estates: Estate[];
  readonly board = new OperationBoard();
  readonly stats = { requests: 0, runCommands: 0, byRoute: {} as Record<string, number> };
  private readonly oracles = new Map<Estate, NetworkOracle>();

  constructor(
    scenarios: readonly Scenario[],
    readonly options: WorldOptions,
  ) {
    this.estates = scenarios.map((s, i) => new Estate(s, i));
  }

  /** Estates a request path concerns, most specific owner first. */
  related(path: string): Estate[] {
    const lower = path.toLowerCase();
    return this.estates
      .map((e) => ({ e, score: e.relevance(lower) }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || a.e.index - b.e.index)
      .map((x) => x.e);
  }

  /** The estate holding a resource, with the resource. */
  find(id: string): { estate: Estate; resource: ArmResource } | undefined {
    for (const estate of this.estates) {
      const resource = estate.resource(id);
      if (resource) return { estate, resource };
    }
    return undefined;
  }

  /** Like find, but a 404 in ARM's words when absent. */
  require(id: string, fullType: string): { estate: Estate; resource: ArmResource } {
    const found = this.find(id);
    if (found && found.resource.type.toLowerCase() === fullType.toLowerCase()) return found;
    const parts = id.split('/');
    throw resourceNotFound(fullType, parts[parts.length - 1] ?? id, parts[4] ?? '');
  }

  oracle(estate: Estate): NetworkOracle {
    let oracle = this.oracles.get(estate);
    if (!oracle) {
      oracle = createNetworkOracle(estate);
      this.oracles.set(estate, oracle);
    }
    return oracle;
  }

  scaled(ms: number): number {
    return Math.max(0, ms * this.options.latencyScale);
  }
}

export interface RouteContext {
  world: SimWorld;
  method: string;
  /** Decoded path, as sent (ids keep their case). */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  headers: IncomingHttpHeaders;
  /** http://127.0.0.1:PORT, for nextLink and operation URLs. */
  baseUrl: string;
  apiVersion: string;
}

export interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  handle(ctx: RouteContext): ArmReply | Promise<ArmReply>;
}

export function page(ctx: RouteContext, items: readonly unknown[]): ArmReply {
  return pageOf(items, { baseUrl: ctx.baseUrl, path: ctx.path, query: ctx.query, pageSize: ctx.world.options.pageSize });
}

export function param(ctx: RouteContext, name: string): string {
  const v = ctx.params[name];
  if (v === undefined) throw new ArmHttpError(500, 'InternalServerError', `route parameter ${name} missing`);
  return v;
}

/** The id prefix of a route: /subscriptions/{sub}/resourceGroups/{rg}/providers. */
export const SUB = '/subscriptions/(?<sub>[^/]+)';
export const RG = `${SUB}/resourceGroups/(?<rg>[^/]+)`;

export function route(name: string, method: string, pattern: string, handle: Route['handle']): Route {
  return { name, method, pattern: new RegExp(`^${pattern}$`, 'i'), handle };
}

/** The resource id a matched path names: the path itself up to the resource (ids keep their case). */
export function idFromPath(ctx: RouteContext, segments: number): string {
  return ctx.path.split('/').slice(0, segments + 1).join('/');
}
