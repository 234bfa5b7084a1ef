/**
 * `tunnel-doctor audit [--cluster <name or id>] [--limit n] [--json]`: the append-only record of who
 * requested, approved, rejected and executed which fix, newest first, read from the bot's state
 * store (STATE_STORE / STATE_SQLITE_PATH / STATE_BLOB_*; the same settings as the bot).
 */
import type { Config } from '../config.js';
import type { AuditRecord } from '../store/append-log.js';
import { auditRecordsFor } from '../app/audit-records.js';
import { createStateStore } from '../store/create-store.js';

export interface AuditOptions {
  cluster?: string;
  limit: number;
}

export async function readAuditRecords(config: Config, opts: AuditOptions): Promise<AuditRecord[]> {
  const store = createStateStore(config.store);
  try {
    return await auditRecordsFor(store.audit, opts.cluster, opts.limit);
  } finally {
    await store.close();
  }
}

export function formatAuditText(records: AuditRecord[]): string {
  if (records.length === 0) return 'No audit records.\n';
  return (
    records
      .map((r) => {
        const who = r.actor.name ? `${r.actor.name} (${r.actor.aadObjectId ?? r.actor.id})` : (r.actor.aadObjectId ?? r.actor.id);
        const cluster = r.clusterId ? ` ${r.clusterId.split('/').pop()}` : '';
        return `${r.at}  ${r.action.padEnd(9)}${r.result ? ` [${r.result}]` : ''}${cluster}  ${who}: ${r.detail}`;
      })
      .join('\n') + '\n'
  );
}
