/**
 * Long-running operations as ARM runs them
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations):
 * the first response is 201/202 with `Azure-AsyncOperation` (status monitor) and `Location`
 * (result) headers plus `Retry-After`; the client polls the monitor until
 * `{"status":"Succeeded"}` and then GETs the result.
 *
 * Operations settle lazily: the work (a script's effects, a rule write) happens when the first
 * request after the due time arrives, so effects and results appear together and an operation
 * in flight still holds its lock (one run-command per VM).
 */
import type { Estate } from './estate.js';

export interface OperationOutcome {
  /** Final reply of the result URL (Location). Absent = 204 No Content. */
  result?: { status: number; body: unknown };
  /** Set to fail the operation: the monitor answers {"status":"Failed","error":…}. */
  error?: { code: string; message: string };
}

export interface SimOperation {
  id: string;
  estate: Estate;
  subscriptionId: string;
  provider: string;
  location: string;
  startedAt: Date;
  dueAt: number;
  finishedAt?: Date;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** Only one operation per lock key runs at a time (run-command per VM). */
  lockKey?: string;
  outcome?: OperationOutcome;
  /** Where the result is read: defaults to the provider's operationResults URL. */
  resultPath?: string;
  /** Reply body of a result GET while still running (AKS commandResults answers 202 with one). */
  runningBody?: unknown;
  /** While this holds, the operation stays InProgress even when due (a result that cannot be reported). */
  holdWhile?: () => boolean;
  work: () => OperationOutcome;
}

export interface StartOperation {
  estate: Estate;
  subscriptionId: string;
  provider: string;
  location: string;
  durationMs: number;
  lockKey?: string;
  resultPath?: string;
  runningBody?: unknown;
  holdWhile?: () => boolean;
  work: () => OperationOutcome;
}

/** Cap on Retry-After: a real client should poll again soon even for long operations. */
const MAX_RETRY_AFTER_S = 10;

export class OperationBoard {
  private readonly operations = new Map<string, SimOperation>();

  start(input: StartOperation): SimOperation {
    const now = Date.now();
    const op: SimOperation = {
      id: crypto.randomUUID(),
      estate: input.estate,
      subscriptionId: input.subscriptionId,
      provider: input.provider,
      location: input.location || 'eastus',
      startedAt: new Date(now),
      dueAt: now + Math.max(0, input.durationMs),
      status: 'InProgress',
      work: input.work,
    };
    if (input.lockKey !== undefined) op.lockKey = input.lockKey;
    if (input.resultPath !== undefined) op.resultPath = input.resultPath;
    if (input.runningBody !== undefined) op.runningBody = input.runningBody;
    if (input.holdWhile !== undefined) op.holdWhile = input.holdWhile;
    this.operations.set(op.id, op);
    return op;
  }

  get(id: string): SimOperation | undefined {
    return this.operations.get(id.toLowerCase());
  }

  /** Runs the work of every operation whose time has come. */
  settle(now = Date.now()): void {
    for (const op of this.operations.values()) {
      if (op.status !== 'InProgress' || op.dueAt > now || op.holdWhile?.()) continue;
      try {
        op.outcome = op.work();
      } catch (e) {
        op.outcome = { error: { code: 'InternalServerError', message: `Simulated operation failed: ${(e as Error).message}` } };
      }
      op.status = op.outcome.error ? 'Failed' : 'Succeeded';
      op.finishedAt = new Date(now);
    }
  }

  busy(lockKey: string): boolean {
    for (const op of this.operations.values()) if (op.status === 'InProgress' && op.lockKey === lockKey) return true;
    return false;
  }

  /**
   * Seconds to tell the client to wait. Azure's Retry-After is whole seconds: RFC 9110 §10.2.3
   * (delay-seconds) and the Azure REST API guidelines ("lro-status-monitor-retry-after": a
   * non-negative integer number of seconds, microsoft/api-guidelines azure/Guidelines.md). Real
   * resource providers send their own fixed hint — Compute's is "pretty generous", longer than many
   * operations need (Azure/azure-sdk-for-net#21196) — so a client honouring it is late by up to that
   * hint. The simulator sends the best an integer header can say: the time left, in whole seconds,
   * which points at the end of the operation or less than a second after it (never before, which
   * would cost an extra poll). The benchmark's figures are therefore a lower bound on Azure's.
   * At least 1 while the operation runs: core-lro ignores 0 and falls back to its own 2 s interval.
   */
  retryAfterSeconds(op: SimOperation, now = Date.now()): number {
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil((op.dueAt - now) / 1000)));
  }

  monitorPath(op: SimOperation): string {
    return `/subscriptions/${op.subscriptionId}/providers/${op.provider}/locations/${op.location}/operations/${op.id}`;
  }

  resultPath(op: SimOperation): string {
    return op.resultPath ?? `/subscriptions/${op.subscriptionId}/providers/${op.provider}/locations/${op.location}/operationResults/${op.id}`;
  }

  /** Headers of the 201/202 that starts an operation, and of every poll while it runs. */
  headers(op: SimOperation, baseUrl: string, apiVersion: string, withLocation = true): Record<string, string> {
    const q = `?api-version=${encodeURIComponent(apiVersion)}`;
    const h: Record<string, string> = {
      'Azure-AsyncOperation': `${baseUrl}${this.monitorPath(op)}${q}`,
      'Retry-After': String(this.retryAfterSeconds(op)),
    };
    if (withLocation) h.Location = `${baseUrl}${this.resultPath(op)}${q}`;
    return h;
  }

  /** Body of the status monitor (Azure-AsyncOperation URL). */
  monitorBody(op: SimOperation): Record<string, unknown> {
    const body: Record<string, unknown> = { id: this.monitorPath(op), name: op.id, status: op.status, startTime: op.startedAt.toISOString() };
    if (op.finishedAt) body.endTime = op.finishedAt.toISOString();
    if (op.status === 'Failed' && op.outcome?.error) body.error = op.outcome.error;
    return body;
  }

  clear(): void {
    this.operations.clear();
  }
}
