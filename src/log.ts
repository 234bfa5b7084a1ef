/**
 * Structured JSON logs (pino), one line per event, with child loggers carrying a correlation id
 * (per diagnosis, per approval request). Secrets never reach a log:
 * - fields whose key names a secret are replaced wholesale (MicrosoftAppPassword, tokens,
 *   connection strings, Authorization and other headers);
 * - every string (the message too) is scrubbed of secret *shapes*, because SDK errors quote URLs and
 *   connection strings in their messages: storage AccountKey= / SharedAccessKey= /
 *   SharedAccessSignature=, the `sig=` of a SAS URL, bearer tokens and JWTs, password= / client_secret=;
 * - errors are written as name, message, user message, code and status only: never the request or
 *   response (their headers carry the bearer token, their bodies the customer's data).
 * We redact in our own wrapper rather than with pino's path-based `redact` option because secrets
 * sit at arbitrary depths and inside free text, which a list of paths cannot reach.
 */
import { pino, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export const REDACTED = '[redacted]';

/** Keys whose value is a secret (or may hold one, like headers) whatever it looks like. */
const SECRET_KEY = /password|passwd|secret|token|authorization|cookie|connectionstring|credential|signature|key$|^(sig|sas|headers)$/i;

/**
 * Secret shapes inside free text. Each keeps the name and replaces the value, so a log still
 * says *what* was there. Connection-string keys per the Azure Storage / Service Bus / Application
 * Insights formats; `sig` is the signature parameter of a SAS URL (the rest of a SAS is not secret).
 */
const SECRET_TEXT: Array<[RegExp, string]> = [
  [/\b(AccountKey|SharedAccessKey|SharedAccessSignature|InstrumentationKey|Password|Pwd|client_secret|MicrosoftAppPassword)=[^;&\s"']+/gi, `$1=${REDACTED}`],
  [/([?&]sig=)[^&\s"']+/gi, `$1${REDACTED}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/g, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
];
const MAX_TEXT = 4000;
const MAX_DEPTH = 4;

export function scrubText(text: string): string {
  let out = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  for (const [shape, replacement] of SECRET_TEXT) out = out.replace(shape, replacement);
  return out;
}

/**
 * An error as the log shows it. The fields are picked, not copied: RestError carries `request`
 * (with the Authorization header) and `response` (with the body), which must never be written.
 */
export function serializeError(err: Error, depth = 0): Record<string, unknown> {
  const e = err as Error & { code?: unknown; statusCode?: unknown; userMessage?: unknown; rbacAction?: unknown };
  const out: Record<string, unknown> = { type: err.name, message: scrubText(err.message) };
  if (typeof e.userMessage === 'string') out.userMessage = scrubText(e.userMessage);
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
  if (typeof e.rbacAction === 'string') out.rbacAction = e.rbacAction;
  if (typeof err.stack === 'string') out.stack = scrubText(err.stack);
  if (err.cause instanceof Error && depth < 2) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return serializeError(value);
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

function redactFields(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  return fields ? (redact(fields) as Record<string, unknown>) : {};
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (msg, fields) => p.debug(redactFields(fields), scrubText(msg)),
    info: (msg, fields) => p.info(redactFields(fields), scrubText(msg)),
    warn: (msg, fields) => p.warn(redactFields(fields), scrubText(msg)),
    error: (msg, fields) => p.error(redactFields(fields), scrubText(msg)),
    child: (fields) => wrap(p.child(redactFields(fields))),
  };
}

/**
 * A logger writing JSON lines: {"level":"info","time":"<ISO 8601>","pid":…,"hostname":…,"msg":…, …fields}.
 * `write` receives each line without its newline (tests collect them); by default lines go to
 * stderr synchronously, so the last lines before an exit are not lost (stdout is the CLI's output).
 */
export function createLogger(
  level: LogLevel = 'info',
  bound: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  const destination = write ? { write: (chunk: string) => write(chunk.replace(/\n$/, '')) } : pino.destination({ dest: 2, sync: true });
  const root = pino(
    {
      level,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are serialised by redact() above; pino's own err serializer copies every property.
      serializers: { err: (v: unknown) => v },
    },
    destination,
  );
  return wrap(Object.keys(bound).length > 0 ? root.child(redactFields(bound)) : root);
}

/** For tests and the CLI's quiet mode. */
export const silentLogger: Logger = createLogger('error', {}, () => {});
