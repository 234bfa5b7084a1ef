/**
 * ARM response primitives for the simulated Azure: replies, errors in ARM's
 * `{"error":{"code","message"}}` shape, and `value` + `nextLink` paging
 * (https://learn.microsoft.com/rest/api/azure/#async-operations-throttling-and-paging).
 */

export interface ArmReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class ArmHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function ok(body: unknown, status = 200, headers?: Record<string, string>): ArmReply {
  return headers ? { status, body, headers } : { status, body };
}

export function armErrorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** The 404 ARM gives for a missing resource (message text as ARM writes it). */
export function resourceNotFound(fullType: string, name: string, resourceGroup: string): ArmHttpError {
  return new ArmHttpError(
    404,
    'ResourceNotFound',
    `The Resource '${fullType}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function resourceGroupNotFound(resourceGroup: string): ArmHttpError {
  return new ArmHttpError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

export function subscriptionNotFound(subscriptionId: string): ArmHttpError {
  return new ArmHttpError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
}

export function badRequest(code: string, message: string): ArmHttpError {
  return new ArmHttpError(400, code, message);
}

/**
 * One page of a list. The continuation is an offset in `$skiptoken`, kept on the same path,
 * so the SDK's pager (which follows nextLink verbatim) comes back to the same route.
 */
export function pageOf(items: readonly unknown[], opts: { baseUrl: string; path: string; query: URLSearchParams; pageSize: number }): ArmReply {
  const start = Math.max(0, Number.parseInt(opts.query.get('$skiptoken') ?? '0', 10) || 0);
  const size = Math.max(1, opts.pageSize);
  const value = items.slice(start, start + size);
  const body: { value: unknown[]; nextLink?: string } = { value };
  if (start + size < items.length) {
    const next = new URLSearchParams(opts.query);
    next.set('$skiptoken', String(start + size));
    body.nextLink = `${opts.baseUrl}${encodePath(opts.path)}?${next.toString()}`;
  }
  return ok(body);
}

/** Re-encodes a decoded path segment by segment (names may hold characters like parentheses). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%28/g, '(').replace(/%29/g, ')'))
    .join('/');
}

export function newEtag(): string {
  return `W/"${crypto.randomUUID()}"`;
}
