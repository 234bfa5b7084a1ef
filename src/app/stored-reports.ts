/**
 * Diagnosis reports kept server-side for the approval flow, under `report/<reportId>`. A "Request
 * this fix" button carries only the report id and the fix id; the fix that gets approved and run is
 * the one stored here, never one rebuilt from card data (issue 4). Beside the report: the cluster
 * it was for, and what the diagnosis saw of each fix's target (the NSG etag), so a fix is only
 * applied to a target that has not changed since.
 */
import { randomBytes } from 'node:crypto';
import type { FixBaseline } from '../engine/fixes/types.js';
import type { ClusterRef } from '../cluster-ref.js';
import type { FixProposal, Report } from '../engine/report.js';
import { IF_ABSENT, type StateStore } from '../store/state-store.js';

export const REPORT_KEY_PREFIX = 'report/';

export interface StoredReport {
  reportId: string;
  report: Report;
  cluster: ClusterRef;
  /** By fix id. */
  baselines: Record<string, FixBaseline>;
}

/** 16 random bytes, base64url: unguessable, so a report id from a card proves the clicker saw the card. */
export function newReportId(): string {
  return randomBytes(16).toString('base64url');
}

/** Report ids as newReportId makes them; anything else from a card is refused before a store read. */
export function isReportId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{22}$/.test(value);
}

export function reportKey(reportId: string): string {
  return `${REPORT_KEY_PREFIX}${reportId}`;
}

export interface ReportShelf {
  /** Stores the report and the baselines of its fixes; returns the new report id. */
  save(report: Report, cluster: ClusterRef, baselines: Record<string, FixBaseline>): Promise<string>;
  load(reportId: string): Promise<StoredReport | undefined>;
}

export function reportShelf(state: StateStore): ReportShelf {
  return {
    async save(report, cluster, baselines) {
      const reportId = newReportId();
      // Create-only: a report is never overwritten once a button may point at it.
      await state.write({ [reportKey(reportId)]: { report, cluster, baselines, eTag: IF_ABSENT } });
      return reportId;
    },
    async load(reportId) {
      if (!isReportId(reportId)) return undefined;
      const item = (await state.read([reportKey(reportId)]))[reportKey(reportId)];
      if (!item || typeof item.report !== 'object' || item.report === null || typeof item.cluster !== 'object' || item.cluster === null) return undefined;
      const baselines = typeof item.baselines === 'object' && item.baselines !== null ? (item.baselines as Record<string, FixBaseline>) : {};
      return { reportId, report: item.report as Report, cluster: item.cluster as ClusterRef, baselines };
    },
  };
}

export function fixesOf(report: Report): FixProposal[] {
  return report.checks.flatMap((c) => c.fixes);
}
