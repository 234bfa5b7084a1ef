/**
 * One error type for everything the Azure layer throws, carrying a message a person in a
 * Teams chat can act on. SDK errors (RestError from core-rest-pipeline or ts-http-runtime) are
 * mapped here by status code, as ARM documents them:
 * https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors
 */
import { armActionOf } from './arm-action.js';

export interface AzureErrorInit {
  code: string;
  message: string;
  userMessage: string;
  statusCode?: number;
  rbacAction?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

export class AzureError extends Error {
  override readonly name = 'AzureError';
  readonly code: string;
  readonly statusCode?: number;
  readonly userMessage: string;
  /** The RBAC action the caller lacked (403), e.g. "Microsoft.Network/networkSecurityGroups/securityRules/write". */
  readonly rbacAction?: string;
  /** From a Retry-After header, when Azure sent one. */
  readonly retryAfterMs?: number;

  constructor(init: AzureErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.userMessage = init.userMessage;
    if (init.statusCode !== undefined) this.statusCode = init.statusCode;
    if (init.rbacAction !== undefined) this.rbacAction = init.rbacAction;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/** The fields we read from either flavour of RestError, duck-typed (two packages define the class). */
interface RestErrorLike {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
  response?: { headers?: { get?(name: string): string | undefined }; bodyAsText?: string | null };
  request?: { method?: string; url?: string };
}

function isRestErrorLike(err: unknown): err is RestErrorLike {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'RestError';
}

export function isAzureError(err: unknown): err is AzureError {
  return err instanceof AzureError;
}

/** Retry-After (seconds or HTTP date) from a RestError's response, in ms. */
export function retryAfterMsOf(err: unknown): number | undefined {
  if (!isRestErrorLike(err)) return isAzureError(err) ? err.retryAfterMs : undefined;
  const raw = err.response?.headers?.get?.('retry-after');
  if (raw === undefined || raw === null || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** ARM's error code: RestError.code, or the body's error.code when the SDK did not lift it. */
function armCodeOf(err: RestErrorLike): string | undefined {
  if (err.code && err.code !== 'REQUEST_SEND_ERROR' && err.code !== 'PARSE_ERROR') return err.code;
  const text = err.response?.bodyAsText;
  if (typeof text === 'string' && text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown } };
      if (typeof body.error?.code === 'string') return body.error.code;
    } catch {
      /* not JSON: fall through */
    }
  }
  return undefined;
}

/**
 * The action ARM refused with a 403: derived from the request that got it (a long-running
 * operation's status poll or final GET needs its own action, which the caller cannot know), else
 * the caller's `rbacAction`; the caller's spelling is kept when both name the same action.
 */
function refusedActionOf(err: RestErrorLike, rbacAction: string | undefined): string | undefined {
  const { method, url } = err.request ?? {};
  let derived: string | undefined;
  try {
    derived = method && url ? armActionOf(method, decodeURIComponent(new URL(url).pathname)) : undefined;
  } catch {
    derived = undefined;
  }
  if (derived === undefined || rbacAction?.toLowerCase() === derived.toLowerCase()) return rbacAction;
  return derived;
}

/**
 * Maps anything thrown by an SDK call made to `what` ("list node pools of aks-prod") into an AzureError.
 * `rbacAction` names the permission the call needs, so a 403 can say exactly which role is missing.
 */
export function toAzureError(err: unknown, what: string, rbacAction?: string): AzureError {
  if (isAzureError(err)) return err;
  if ((err as { name?: string })?.name === 'AbortError') {
    // An operation's overall deadline fired (lroOptions in clusters.ts): Azure may still finish it.
    return new AzureError({
      code: 'OperationDeadline',
      message: `${what}: gave up waiting for the operation`,
      userMessage: `Azure did not finish the operation to ${what} in time; it may still complete. Check the resource before trying again.`,
      cause: err,
    });
  }
  if (!isRestErrorLike(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new AzureError({
      code: 'Unexpected',
      message: `${what}: ${message}`,
      userMessage: `Could not ${what}: ${message}`,
      cause: err,
    });
  }
  const status = err.statusCode;
  const armCode = armCodeOf(err);
  const detail = err.message;
  const retryAfterMs = retryAfterMsOf(err);
  const base = { message: `${what}: ${status ?? ''} ${armCode ?? ''} ${detail}`.replace(/\s+/g, ' ').trim(), cause: err };
  const withStatus = status === undefined ? {} : { statusCode: status };
  const withRetry = retryAfterMs === undefined ? {} : { retryAfterMs };

  if (status === undefined) {
    return new AzureError({
      ...base,
      code: 'Unreachable',
      userMessage: `Could not reach Azure to ${what} (${detail}). Check the network path to the ARM endpoint and try again.`,
    });
  }
  if (status === 401) {
    return new AzureError({
      ...base,
      ...withStatus,
      code: armCode ?? 'Unauthenticated',
      userMessage: `Azure did not accept the bot's credentials when trying to ${what}. Check the bot's managed identity or service principal sign-in.`,
    });
  }
  if (status === 403) {
    rbacAction = refusedActionOf(err, rbacAction);
    const action = rbacAction ? ` It needs the permission "${rbacAction}"` : '';
    return new AzureError({
      ...base,
      ...withStatus,
      code: armCode ?? 'AuthorizationFailed',
      ...(rbacAction === undefined ? {} : { rbacAction }),
      userMessage: `The bot's identity is not allowed to ${what}.${action}${rbacAction ? ' on that resource (or its resource group): assign it a role that includes this action and retry.' : ' Assign it a role that allows this and retry.'}`,
    });
  }
  if (status === 404) {
    return new AzureError({
      ...base,
      ...withStatus,
      code: armCode ?? 'NotFound',
      userMessage: `Could not ${what}: Azure says it does not exist (${detail}). Check the name, subscription and resource group.`,
    });
  }
  if (status === 409) {
    return new AzureError({
      ...base,
      ...withStatus,
      code: armCode ?? 'Conflict',
      userMessage: `Could not ${what}: Azure reports a conflict (${detail}). Another operation may be running on it; try again in a minute.`,
    });
  }
  if (status === 412) {
    return new AzureError({
      ...base,
      ...withStatus,
      code: armCode ?? 'PreconditionFailed',
      userMessage: `Could not ${what}: it was changed by someone else since it was read. Run the diagnosis again to see the current state.`,
    });
  }
  if (status === 429) {
    return new AzureError({
      ...base,
      ...withStatus,
      ...withRetry,
      code: armCode ?? 'TooManyRequests',
      userMessage: `Azure is throttling requests (429) and still refused after retries to ${what}. Try again in a minute.`,
    });
  }
  return new AzureError({
    ...base,
    ...withStatus,
    ...withRetry,
    code: armCode ?? `Http${status}`,
    userMessage: `Could not ${what}: Azure answered ${status}${armCode ? ` ${armCode}` : ''} (${detail}).`,
  });
}
