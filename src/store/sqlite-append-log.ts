/** The audit log in the SQLite state file: one INSERT per record; the schema's triggers refuse UPDATE and DELETE. */
import type { Statement } from 'better-sqlite3';
import { checkAuditQuery, toAuditRecord, type AuditEntry, type AuditLog, type AuditQuery, type AuditRecord } from './append-log.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteAuditLog implements AuditLog {
  private readonly insert: Statement<[string, string, string | null, string | null, string]>;
  private readonly select: Statement<[{ cluster: string | null; request: string | null; limit: number }], { record: string }>;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO audit (at, action, cluster_id, request_id, record) VALUES (?, ?, ?, ?, ?)');
    this.select = db.prepare(
      `SELECT record FROM audit
       WHERE (@cluster IS NULL OR cluster_id = @cluster) AND (@request IS NULL OR request_id = @request)
       ORDER BY seq DESC LIMIT @limit`,
    );
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    const record = toAuditRecord(entry);
    this.insert.run(record.at, record.action, record.clusterId ?? null, record.requestId ?? null, JSON.stringify(record));
    return record;
  }

  async readAudit(query: AuditQuery): Promise<AuditRecord[]> {
    checkAuditQuery(query);
    return this.select
      .all({ cluster: query.clusterId ?? null, request: query.requestId ?? null, limit: query.limit })
      .map((row) => JSON.parse(row.record) as AuditRecord);
  }
}
