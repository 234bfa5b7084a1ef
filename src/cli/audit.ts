/**
 * `tunnel-doctor audit [--cluster <name or id>] [--limit n] [--lang en|zh-CN] [--json]`: the
 * append-only record of who requested, approved, rejected and executed which fix, and which clicks
 * were refused and why, newest first, read from the bot's state store (STATE_STORE /
 * STATE_SQLITE_PATH / STATE_BLOB_*; the same settings as the bot). The records' sentences are
 * evidence and stay as written (English); --lang words the refused clicks' verb and reason.
 */
import type { Config } from '../config.js';
import type { AuditRecord } from '../store/append-log.js';
import { auditRecordsFor } from '../app/audit-records.js';
import { createStateStore } from '../store/create-store.js';
import { en, type Messages } from '../app/i18n/index.js';

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

/** A refused click's verb and reason in the reader's words, with the stored code: "[approve: own request (self-approval)]". */
function refusedTag(r: AuditRecord, m: Messages): string {
  const verb = (m.audit.verb as Record<string, string | undefined>)[r.verb ?? ''] ?? r.verb ?? '?';
  const why = (m.audit.reason as Record<string, string | undefined>)[r.reason ?? ''];
  return ` [${verb}: ${why ? `${why} (${r.reason})` : (r.reason ?? '?')}]`;
}

export function formatAuditText(records: AuditRecord[], m: Messages = en): string {
  if (records.length === 0) return 'No audit records.\n';
  return (
    records
      .map((r) => {
        const named = r.actor.name ? `${r.actor.name} (${r.actor.aadObjectId ?? r.actor.id})` : (r.actor.aadObjectId ?? r.actor.id);
        // A refused click without an Entra id names whoever the client said it was: say so.
        const who = r.action === 'refused' && !r.actor.aadObjectId ? m.audit.unverified(named) : named;
        const cluster = r.clusterId ? ` ${r.clusterId.split('/').pop()}` : '';
        const tag = r.action === 'refused' ? refusedTag(r, m) : r.result ? ` [${r.result}]` : '';
        return `${r.at}  ${r.action.padEnd(9)}${tag}${cluster}  ${who}: ${r.detail}`;
      })
      .join('\n') + '\n'
  );
}
