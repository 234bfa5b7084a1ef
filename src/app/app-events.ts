/**
 * What the app tells whoever listens (the incident channel, incident-feed.ts): a finished diagnosis,
 * and each recorded step of a fix's approval. One path for both, so a listener subscribes once and
 * the features never call it directly. Listeners run synchronously and must not throw into the
 * feature's flow: a listener that throws is logged and skipped.
 */
import type { Logger } from '../log.js';
import type { Report } from '../engine/report.js';
import type { AuditEntry, AuditLog, AuditRecord } from '../store/append-log.js';
import type { Caller } from './events.js';

export type AppEvent =
  | { kind: 'diagnosed'; report: Report; by?: Pick<Caller, 'name'>; correlationId?: string }
  /** An approval transition or refused click, once its audit record is stored (evidence first). */
  | { kind: 'approval-step'; record: AuditRecord };

export type AppEventListener = (event: AppEvent) => void;

export interface AppEvents {
  emit(event: AppEvent): void;
  /** Returns the unsubscribe. */
  on(listener: AppEventListener): () => void;
}

export function createAppEvents(log: Logger): AppEvents {
  const listeners = new Set<AppEventListener>();
  return {
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          log.error('app event listener failed', { err, kind: event.kind });
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * The audit log as the fix flow sees it: every approval step already appends exactly one audit
 * record (the repository's), so this is where the step becomes an event. Emitted only once the record
 * is stored, and a listener never fails the append.
 */
export function auditEmittingSteps(audit: AuditLog, events: Pick<AppEvents, 'emit'>): AuditLog {
  return {
    async appendAudit(entry: AuditEntry) {
      const record = await audit.appendAudit(entry);
      events.emit({ kind: 'approval-step', record });
      return record;
    },
    readAudit: (query) => audit.readAudit(query),
  };
}
