/**
 * The metric instruments and their names: the contract dashboards and alerts are built on
 * (README "Observability"). Attribute values are small closed sets, so series stay few.
 */
import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import type { AuditRecord } from '../store/append-log.js';
import type { Report } from '../engine/report.js';

export const METRIC = {
  checkDuration: 'tunnel_doctor.check.duration',
  diagnosisDuration: 'tunnel_doctor.diagnosis.duration',
  runCommands: 'tunnel_doctor.run_commands',
  approvals: 'tunnel_doctor.approvals',
  armRequests: 'tunnel_doctor.arm.requests',
} as const;

export const ATTR = {
  checkId: 'tunnel_doctor.check.id',
  checkStatus: 'tunnel_doctor.check.status',
  diagnosisOutcome: 'tunnel_doctor.diagnosis.outcome',
  runCommandKind: 'tunnel_doctor.run_command.kind',
  approvalOutcome: 'tunnel_doctor.approval.outcome',
  httpMethod: 'http.request.method',
  statusClass: 'http.response.status_class',
  clusterName: 'tunnel_doctor.cluster.name',
  clusterId: 'tunnel_doctor.cluster.id',
  correlationId: 'tunnel_doctor.correlation_id',
} as const;

export type RunCommandKind = 'vmss-run-command' | 'aks-command-invoke';

export type ApprovalOutcome =
  | 'requested'
  | 'approved'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  | 'executed-succeeded'
  | 'failed'
  | 'interrupted'
  | 'verified'
  | 'still-failing'
  /** A refused card click (audit action 'refused'): changes nothing, counted so attempts show. */
  | 'refused';

/** Checks run from seconds (ARM reads) to minutes (run-command on many nodes): buckets in ms. */
const DURATION_BUCKETS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000];

export interface Instruments {
  checkDuration: Histogram;
  diagnosisDuration: Histogram;
  runCommands: Counter;
  approvals: Counter;
  armRequests: Counter;
}

export function createInstruments(meter: Meter): Instruments {
  const advice = { explicitBucketBoundaries: DURATION_BUCKETS_MS };
  return {
    checkDuration: meter.createHistogram(METRIC.checkDuration, { unit: 'ms', description: 'Duration of one check of a diagnosis, by check id and status.', advice }),
    diagnosisDuration: meter.createHistogram(METRIC.diagnosisDuration, { unit: 'ms', description: 'Duration of a whole diagnosis, by outcome.', advice }),
    runCommands: meter.createCounter(METRIC.runCommands, { description: 'Run-command requests issued to Azure (VMSS run-command, AKS command invoke).' }),
    approvals: meter.createCounter(METRIC.approvals, { description: 'Fix approval flow steps, by outcome, from the audit log.' }),
    armRequests: meter.createCounter(METRIC.armRequests, { description: 'HTTP requests to Azure Resource Manager (each retry counts), by status class.' }),
  };
}

/** The per-check durations of a finished diagnosis (the Report's CheckResult.durationMs). */
export function recordCheckDurations(instruments: Instruments, report: Report): void {
  for (const check of report.checks) {
    if (check.durationMs === undefined) continue; // optional in the report format
    instruments.checkDuration.record(check.durationMs, { [ATTR.checkId]: check.id, [ATTR.checkStatus]: check.status });
  }
}

/**
 * The approval outcome an audit record stands for. The audit log's action + result pairs are
 * written by engine/approvals/audit-entries.ts: 'failed' with result 'partial' is an interrupted
 * run, 'verified' with result 'failed' is a fix whose re-check still fails.
 */
export function approvalOutcomeOf(record: Pick<AuditRecord, 'action' | 'result'>): ApprovalOutcome {
  switch (record.action) {
    case 'executed':
      return 'executed-succeeded';
    case 'failed':
      return record.result === 'partial' ? 'interrupted' : 'failed';
    case 'verified':
      return record.result === 'succeeded' ? 'verified' : 'still-failing';
    default:
      return record.action;
  }
}

export function countApproval(instruments: Instruments, record: Pick<AuditRecord, 'action' | 'result'>): void {
  instruments.approvals.add(1, { [ATTR.approvalOutcome]: approvalOutcomeOf(record) });
}
