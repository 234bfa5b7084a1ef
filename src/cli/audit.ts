/**
 * `tunnel-doctor audit [--cluster <name or id>] [--limit n] [--json]`: the append-only record of who
 * requested, approved, rejected and executed which fix, newest first, read from the bot's state
 * store (STATE_STORE / STATE_SQLITE_PATH / STATE_BLOB_*; the same settings as the bot).
 */
import type { Config } from '../config.js';
import { MAX_AUDIT_READ, type AuditRecord } from '../store/append-log.js';
import { createStateStore } from '../store/create-store.js';

export interface AuditOptions {
  cluster?: string;
  limit: number;
}

/** A cluster name matches records by the last segment of their cluster id (ids are case-insensitive). */
export function matchesCluster(record: AuditRecord, cluster: string | undefined): boolean {
  if (cluster === undefined) return true;
  const id = (record.clusterId ?? '').toLowerCase();
  const wanted = cluster.toLowerCase();
  return wanted.startsWith('/') ? id === wanted : id.endsWith(`/managedclusters/${wanted}`);
}

export async function readAuditRecords(config: Config, opts: AuditOptions): Promise<AuditRecord[]> {
  const store = createStateStore(config.store);
  try {
    // By name the filter runs here (records carry the id), so read the most the log hands out at once.
    const records = await store.audit.readAudit({
      ...(opts.cluster?.startsWith('/') ? { clusterId: opts.cluster } : {}),
      limit: opts.cluster ? MAX_AUDIT_READ : opts.limit,
    });
    return records.filter((r) => matchesCluster(r, opts.cluster)).slice(0, opts.limit);
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
