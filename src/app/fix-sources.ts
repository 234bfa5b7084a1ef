/**
 * Where each fix request came from: its report and fix (so the executor gets the stored baseline and
 * cluster), and the diagnosis card it was clicked on (updated in place as the fix moves). Kept under
 * `approval-source/<request id>`, written once.
 */
import { createHash } from 'node:crypto';
import { ETagConflictError, IF_ABSENT, type StateStore } from '../store/state-store.js';
import { isReportId, type ReportShelf, type StoredReport } from './stored-reports.js';

const SOURCE_KEY_PREFIX = 'approval-source/';

/**
 * One request per fix of a report: the id is derived from the (unguessable) report id and the fix
 * id, so a double click or Teams' retry of the invoke finds the request already made instead of
 * opening a second one.
 */
export function requestIdFor(reportId: string, fixId: string): string {
  return createHash('sha256').update(`tunnel-doctor-request\n${reportId}\n${fixId}`, 'utf8').digest('base64url').slice(0, 22);
}

export interface FixSourceRecord {
  reportId: string;
  diagnosisActivityId?: string;
}

/** A request's source record with the stored report it names (read together, once per use). */
export interface LoadedFixSource {
  record: FixSourceRecord;
  stored: StoredReport | undefined;
}

export interface FixSources {
  /** `diagnosisActivityId`: the diagnosis card the request came from, updated in place as the fix moves. */
  remember(requestId: string, reportId: string, fixId: string, diagnosisActivityId: string | undefined): Promise<void>;
  recordOf(requestId: string): Promise<FixSourceRecord | undefined>;
  /** The record and its report. */
  load(requestId: string): Promise<LoadedFixSource | undefined>;
}

export function fixSources(state: StateStore, shelf: ReportShelf): FixSources {
  async function recordOf(requestId: string): Promise<FixSourceRecord | undefined> {
    const key = `${SOURCE_KEY_PREFIX}${requestId}`;
    const item = (await state.read([key]))[key];
    if (!item || !isReportId(item.reportId)) return undefined;
    const activity = typeof item.diagnosisActivityId === 'string' && item.diagnosisActivityId.length <= 300 ? item.diagnosisActivityId : undefined;
    return { reportId: item.reportId, ...(activity ? { diagnosisActivityId: activity } : {}) };
  }
  return {
    recordOf,
    async remember(requestId, reportId, fixId, diagnosisActivityId) {
      try {
        const where = diagnosisActivityId ? { diagnosisActivityId } : {};
        await state.write({ [`${SOURCE_KEY_PREFIX}${requestId}`]: { reportId, fixId, ...where, eTag: IF_ABSENT } });
      } catch (err) {
        // Same id, same report and fix (requestIdFor): the record is already there.
        if (!(err instanceof ETagConflictError)) throw err;
      }
    },
    async load(requestId) {
      const record = await recordOf(requestId);
      return record ? { record, stored: await shelf.load(record.reportId) } : undefined;
    },
  };
}
