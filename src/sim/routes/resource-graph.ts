/**
 * Azure Resource Graph (POST /providers/Microsoft.ResourceGraph/resources), answering a documented
 * subset of KQL: the one shape the bot sends,
 *   Resources | where type =~ '<type>' [and name =~ '<name>'] | project <columns>
 * over every scenario resource. Anything else is refused with 400 InvalidQuery naming the subset,
 * so a new query shape fails loudly in tests instead of returning a wrong answer.
 *
 * Request and response shapes follow specification/resourcegraph/resource-manager/
 * Microsoft.ResourceGraph/preview/2021-06-01-preview/resourcegraph.json (QueryRequest, QueryResponse)
 * and its examples: without `subscriptions` the query spans every subscription the caller can read
 * (ResourcesTenantBasicQuery.json); `type` comes back in lower case (ResourcesFilterQuery.json);
 * `totalRecords`, `count`, `resultTruncated` ("true"/"false") and `$skipToken` for the next page when
 * `$top` rows did not hold them all (ResourcesFirstPageQuery.json). objectArray is the only format
 * served (the bot asks for it).
 */
import type { ArmResource } from '../../scenario/types.js';
import { badRequest, ok } from '../arm-http.js';
import { route, type Route, type RouteContext } from '../world.js';

/** Resource Graph's default page size when no $top is given, and the largest $top it takes. */
const DEFAULT_TOP = 100;
const MAX_TOP = 1000;

const COLUMNS = ['id', 'name', 'type', 'location', 'resourceGroup', 'subscriptionId', 'tags', 'properties'] as const;
type Column = (typeof COLUMNS)[number];

const QUERY =
  /^\s*Resources\s*\|\s*where\s+type\s*=~\s*'([A-Za-z0-9./]+)'(?:\s+and\s+name\s*=~\s*'([A-Za-z0-9_.-]+)')?\s*\|\s*project\s+([A-Za-z, ]+?)\s*$/i;

interface ParsedQuery {
  type: string;
  name?: string;
  columns: Column[];
}

function parseQuery(query: unknown): ParsedQuery {
  const m = typeof query === 'string' ? QUERY.exec(query) : null;
  const columns = (m?.[3] ?? '').split(',').map((c) => c.trim());
  const unknown = columns.filter((c) => !(COLUMNS as readonly string[]).includes(c));
  if (!m || unknown.length > 0) {
    throw badRequest(
      'InvalidQuery',
      `The simulated Azure answers only "Resources | where type =~ '<type>' [and name =~ '<name>'] | project <${COLUMNS.join(', ')}>"${unknown.length ? `; unknown column(s): ${unknown.join(', ')}` : ''}.`,
    );
  }
  return { type: (m[1] as string).toLowerCase(), ...(m[2] ? { name: m[2].toLowerCase() } : {}), columns: columns as Column[] };
}

function row(r: ArmResource, columns: Column[]): Record<string, unknown> {
  const parts = r.id.split('/');
  const all: Record<Column, unknown> = {
    id: r.id,
    name: r.name,
    type: r.type.toLowerCase(),
    location: r.location ?? '',
    // Resource Graph reports the resource group in lower case.
    resourceGroup: (parts[4] ?? '').toLowerCase(),
    subscriptionId: parts[2] ?? '',
    tags: r.tags ?? {},
    properties: r.properties ?? {},
  };
  return Object.fromEntries(columns.map((c) => [c, all[c]]));
}

function integerOption(options: Record<string, unknown>, key: string, fallback: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw badRequest('InvalidQuery', `options.${key} must be a non-negative integer.`);
  return v;
}

function query(ctx: RouteContext) {
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const parsed = parseQuery(body.query);
  const scope = Array.isArray(body.subscriptions) ? new Set((body.subscriptions as unknown[]).map((s) => String(s).toLowerCase())) : undefined;
  const options = (typeof body.options === 'object' && body.options !== null ? body.options : {}) as Record<string, unknown>;
  if (options.resultFormat !== undefined && options.resultFormat !== 'objectArray') throw badRequest('InvalidQuery', 'The simulated Azure serves resultFormat "objectArray" only.');
  const top = Math.min(MAX_TOP, integerOption(options, '$top', DEFAULT_TOP));
  const tokenOffset = typeof options.$skipToken === 'string' ? Number.parseInt(Buffer.from(options.$skipToken, 'base64').toString('utf8'), 10) : Number.NaN;
  const skip = Number.isInteger(tokenOffset) && tokenOffset >= 0 ? tokenOffset : integerOption(options, '$skip', 0);

  const seen = new Set<string>();
  const matches: ArmResource[] = [];
  for (const estate of ctx.world.estates) {
    for (const r of estate.resources()) {
      const key = r.id.toLowerCase();
      if (seen.has(key) || r.type.toLowerCase() !== parsed.type) continue;
      if (parsed.name !== undefined && r.name.toLowerCase() !== parsed.name) continue;
      if (scope && !scope.has((r.id.split('/')[2] ?? '').toLowerCase())) continue;
      seen.add(key);
      matches.push(r);
    }
  }
  // Paging needs a stable order; Resource Graph's is by id when id is projected.
  matches.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  const data = matches.slice(skip, skip + top).map((r) => row(r, parsed.columns));
  const more = skip + data.length < matches.length;
  return ok({
    totalRecords: matches.length,
    count: data.length,
    resultTruncated: 'false',
    ...(more ? { $skipToken: Buffer.from(String(skip + data.length)).toString('base64') } : {}),
    facets: [],
    data,
  });
}

export const resourceGraphRoutes: Route[] = [route('resourceGraph.resources', 'POST', '/providers/Microsoft.ResourceGraph/resources', query)];
