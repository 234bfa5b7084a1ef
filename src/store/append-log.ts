/**
 * The audit trail of fixes: who asked for what, who approved or rejected it, what ran and what
 * the re-check found. Append-only on both backends (SQLite: INSERT only, UPDATE/DELETE refused by
 * triggers; Blob: append blobs, which can only grow), so it stays evidence even if the state
 * store's approval records are overwritten.
 *
 * Order is the order the backend accepted the appends (SQLite rowid, append-blob block order),
 * not `at`: several bot instances' clocks disagree, the log's own sequence does not.
 */

export const AUDIT_ACTIONS = [
  'requested',
  'approved',
  'rejected',
  'cancelled',
  'expired',
  'executed',
  'verified',
  'failed',
  // A card click the approval flow refused: who tried what, and why not (verb and reason below).
  // It changes no state; it is evidence of the attempt (issue 15).
  'refused',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_RESULTS = ['succeeded', 'failed', 'partial'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/** The Teams user (or 'system' for the bot's own steps) behind an action. */
export interface AuditActor {
  /** Bot Framework user id (activity.from.id), or 'system'. */
  id: string;
  /** Entra object id: the stable identity approvals are checked against. */
  aadObjectId?: string;
  name?: string;
}

export interface AuditRecord {
  /** ISO 8601 time the action happened. */
  at: string;
  actor: AuditActor;
  action: AuditAction;
  requestId?: string;
  /** ARM id of the managed cluster. */
  clusterId?: string;
  /** One human sentence: what was asked, decided or done. */
  detail: string;
  result?: AuditResult;
  /** 'refused' records only: the card verb that was refused (request, approve, reject, cancel, refresh). */
  verb?: string;
  /** 'refused' records only: the refusal code (engine/approvals/decide.ts RefusalCode), e.g. 'self-approval'. */
  reason?: string;
}

/** An append: `at` defaults to now. */
export type AuditEntry = Omit<AuditRecord, 'at'> & { at?: string };

export interface AuditQuery {
  clusterId?: string;
  requestId?: string;
  /** At most this many records, newest first (1 to 1000). */
  limit: number;
}

export interface AuditLog {
  appendAudit(entry: AuditEntry): Promise<AuditRecord>;
  /** Newest first. */
  readAudit(query: AuditQuery): Promise<AuditRecord[]>;
}

export const MAX_AUDIT_READ = 1000;
const MAX_DETAIL_CHARS = 4000;
const MAX_FIELD_CHARS = 1024;
/** A verb or refusal code: a short kebab-case word, never free text (it is shown as it is). */
const CODE_WORD = /^[a-z][a-z0-9-]{0,63}$/;

export class AuditRecordError extends TypeError {
  constructor(message: string) {
    super(`Audit record: ${message}`);
    this.name = 'AuditRecordError';
  }
}

function checkText(value: unknown, field: string, max: number, optional: boolean): void {
  if (value === undefined && optional) return;
  if (typeof value !== 'string' || value.length === 0) throw new AuditRecordError(`${field} must be a non-empty string.`);
  if (value.length > max) throw new AuditRecordError(`${field} is ${value.length} characters; at most ${max}.`);
}

/** Checks an entry and returns the record to store, with only the known fields (no stray data in the evidence). */
export function toAuditRecord(entry: AuditEntry, now: () => Date = () => new Date()): AuditRecord {
  if (typeof entry !== 'object' || entry === null) throw new AuditRecordError('must be an object.');
  const at = entry.at ?? now().toISOString();
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) throw new AuditRecordError('at must be an ISO 8601 time.');
  if (typeof entry.actor !== 'object' || entry.actor === null) throw new AuditRecordError('actor must be an object.');
  checkText(entry.actor.id, 'actor.id', MAX_FIELD_CHARS, false);
  checkText(entry.actor.aadObjectId, 'actor.aadObjectId', MAX_FIELD_CHARS, true);
  checkText(entry.actor.name, 'actor.name', MAX_FIELD_CHARS, true);
  if (!(AUDIT_ACTIONS as readonly string[]).includes(entry.action)) {
    throw new AuditRecordError(`action must be one of ${AUDIT_ACTIONS.join(', ')}.`);
  }
  checkText(entry.requestId, 'requestId', MAX_FIELD_CHARS, true);
  checkText(entry.clusterId, 'clusterId', MAX_FIELD_CHARS, true);
  checkText(entry.detail, 'detail', MAX_DETAIL_CHARS, false);
  if (entry.result !== undefined && !(AUDIT_RESULTS as readonly string[]).includes(entry.result)) {
    throw new AuditRecordError(`result must be one of ${AUDIT_RESULTS.join(', ')}.`);
  }
  for (const field of ['verb', 'reason'] as const) {
    const value = entry[field];
    if (entry.action === 'refused' && (typeof value !== 'string' || !CODE_WORD.test(value))) {
      throw new AuditRecordError(`${field} of a refused record must be a short lower-case code (a-z, 0-9, -).`);
    }
    if (entry.action !== 'refused' && value !== undefined) throw new AuditRecordError(`${field} belongs to refused records only.`);
  }
  const actor: AuditActor = { id: entry.actor.id };
  if (entry.actor.aadObjectId !== undefined) actor.aadObjectId = entry.actor.aadObjectId;
  if (entry.actor.name !== undefined) actor.name = entry.actor.name;
  const record: AuditRecord = { at, actor, action: entry.action, detail: entry.detail };
  if (entry.requestId !== undefined) record.requestId = entry.requestId;
  if (entry.clusterId !== undefined) record.clusterId = entry.clusterId;
  if (entry.result !== undefined) record.result = entry.result;
  if (entry.verb !== undefined) record.verb = entry.verb;
  if (entry.reason !== undefined) record.reason = entry.reason;
  return record;
}

export function checkAuditQuery(query: AuditQuery): void {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_AUDIT_READ) {
    throw new RangeError(`readAudit: limit must be an integer from 1 to ${MAX_AUDIT_READ}.`);
  }
}

export function matchesAuditQuery(record: AuditRecord, query: AuditQuery): boolean {
  return (
    (query.clusterId === undefined || record.clusterId === query.clusterId) &&
    (query.requestId === undefined || record.requestId === query.requestId)
  );
}
