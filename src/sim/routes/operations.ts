/**
 * The status monitor (Azure-AsyncOperation) and result (Location) URLs of long-running
 * operations, under /subscriptions/{s}/providers/{namespace}/locations/{location}/ as ARM
 * resource providers serve them.
 */
import { ArmHttpError, ok } from '../arm-http.js';
import type { SimOperation } from '../operations.js';
import { param, route, SUB, type Route, type RouteContext } from '../world.js';

function operationOf(ctx: RouteContext): SimOperation {
  const op = ctx.world.board.get(param(ctx, 'op'));
  if (!op) throw new ArmHttpError(404, 'OperationNotFound', `The operation '${param(ctx, 'op')}' could not be found.`);
  return op;
}

export const operationRoutes: Route[] = [
  route('operations.status', 'GET', `${SUB}/providers/(?<ns>[^/]+)/locations/(?<loc>[^/]+)/operations/(?<op>[^/]+)`, (ctx) => {
    const op = operationOf(ctx);
    const headers = op.status === 'InProgress' ? { 'Retry-After': String(ctx.world.board.retryAfterSeconds(op)) } : undefined;
    return ok(ctx.world.board.monitorBody(op), 200, headers);
  }),
  route('operations.result', 'GET', `${SUB}/providers/(?<ns>[^/]+)/locations/(?<loc>[^/]+)/operationResults/(?<op>[^/]+)`, (ctx) => {
    const op = operationOf(ctx);
    return operationResult(ctx, op);
  }),
];

/** A result URL: 202 (with Location and Retry-After) while running, then the outcome. */
export function operationResult(ctx: RouteContext, op: SimOperation) {
  if (op.status === 'InProgress') {
    const headers = { Location: `${ctx.baseUrl}${ctx.world.board.resultPath(op)}?api-version=${encodeURIComponent(ctx.apiVersion)}`, 'Retry-After': String(ctx.world.board.retryAfterSeconds(op)) };
    return op.runningBody === undefined ? { status: 202, headers } : { status: 202, body: op.runningBody, headers };
  }
  if (op.status === 'Failed') {
    const error = op.outcome?.error ?? { code: 'InternalServerError', message: 'The operation failed.' };
    throw new ArmHttpError(500, error.code, error.message);
  }
  const result = op.outcome?.result;
  return result ? ok(result.body, result.status) : { status: 204 };
}
