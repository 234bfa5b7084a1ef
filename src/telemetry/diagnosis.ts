/**
 * The diagnosis span and duration metrics, wrapped around the diagnose function (start-bot.ts), so
 * the engine and the app stay free of telemetry code. The span is made active for the whole run:
 * every ARM request span the pipeline policy starts inside it becomes its child.
 */
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ClusterRef } from '../cluster-ref.js';
import type { Report } from '../engine/report.js';
import type { Telemetry } from './telemetry.js';
import { ATTR, recordCheckDurations } from './instruments.js';

export const DIAGNOSIS_SPAN = 'tunnel_doctor.diagnosis';

export async function traceDiagnosis(
  telemetry: Telemetry,
  target: { cluster: ClusterRef; correlationId?: string },
  run: () => Promise<Report>,
): Promise<Report> {
  const span = telemetry.tracer.startSpan(DIAGNOSIS_SPAN, {
    attributes: {
      [ATTR.clusterName]: target.cluster.name,
      [ATTR.clusterId]: target.cluster.id,
      ...(target.correlationId ? { [ATTR.correlationId]: target.correlationId } : {}),
    },
  });
  const started = performance.now();
  try {
    const report = await context.with(trace.setSpan(context.active(), span), run);
    const failing = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    span.setAttribute('tunnel_doctor.checks.failing', failing.join(',') || 'none');
    span.setAttribute('tunnel_doctor.nodes.affected', report.affectedNodes.length);
    recordCheckDurations(telemetry.instruments, report);
    telemetry.instruments.diagnosisDuration.record(performance.now() - started, { [ATTR.diagnosisOutcome]: 'completed' });
    return report;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    span.setAttribute('error.type', typeof code === 'string' ? code : err instanceof Error ? err.name : 'error');
    span.setStatus({ code: SpanStatusCode.ERROR });
    telemetry.instruments.diagnosisDuration.record(performance.now() - started, { [ATTR.diagnosisOutcome]: 'failed' });
    throw err;
  } finally {
    span.end();
  }
}
