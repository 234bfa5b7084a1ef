/**
 * Approvals by outcome, counted from the audit log: every step of the approval flow is appended
 * there exactly once (engine/approvals/request-repository.ts), so a decorator on appendAudit counts
 * them without touching the flow itself. Counted after the append succeeded: a step the log
 * refused did not happen.
 */
import type { AuditLog } from '../store/append-log.js';
import type { Telemetry } from './telemetry.js';
import { countApproval } from './instruments.js';

export function countingAuditLog(audit: AuditLog, telemetry: Telemetry): AuditLog {
  return {
    async appendAudit(entry) {
      const record = await audit.appendAudit(entry);
      countApproval(telemetry.instruments, record);
      return record;
    },
    readAudit: (query) => audit.readAudit(query),
  };
}
