/** The audit records a user asked for: newest first, optionally one cluster's (by name or id). */
import { MAX_AUDIT_READ, type AuditLog, type AuditRecord } from '../store/append-log.js';

/** A cluster name matches records by the last segment of their cluster id (ids are case-insensitive). */
export function matchesCluster(record: AuditRecord, cluster: string | undefined): boolean {
  if (cluster === undefined) return true;
  const id = (record.clusterId ?? '').toLowerCase();
  const wanted = cluster.toLowerCase();
  return wanted.startsWith('/') ? id === wanted : id.endsWith(`/managedclusters/${wanted}`);
}

export async function auditRecordsFor(log: AuditLog, cluster: string | undefined, limit: number): Promise<AuditRecord[]> {
  // By name the filter runs here (records carry the id), so read the most the log hands out at once.
  const records = await log.readAudit({
    ...(cluster?.startsWith('/') ? { clusterId: cluster } : {}),
    limit: cluster ? MAX_AUDIT_READ : limit,
  });
  return records.filter((r) => matchesCluster(r, cluster)).slice(0, limit);
}
