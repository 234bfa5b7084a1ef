/**
 * The re-check after a fix, traced like a diagnosis (diagnosis.ts): one span for the whole run, made
 * active so the ARM request spans of the re-run checks become its children, with the click's
 * correlation id. Wrapped around the fix runner at the composition root, so the engine stays free of
 * telemetry code.
 */
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FixRunner } from '../engine/fixes/fix-runner.js';
import type { Telemetry } from './telemetry.js';
import { ATTR } from './instruments.js';

export const VERIFICATION_SPAN = 'tunnel_doctor.fix_verification';

export function tracedVerification(runner: FixRunner, telemetry: Telemetry): FixRunner {
  return {
    ...runner,
    async verify(cluster, fix, before, scope) {
      const span = telemetry.tracer.startSpan(VERIFICATION_SPAN, {
        attributes: {
          [ATTR.clusterName]: cluster.name,
          [ATTR.clusterId]: cluster.id,
          'tunnel_doctor.fix.kind': fix.kind,
          ...(scope ? { [ATTR.correlationId]: scope.correlationId } : {}),
        },
      });
      try {
        const v = await context.with(trace.setSpan(context.active(), span), () => runner.verify(cluster, fix, before, scope));
        span.setAttribute('tunnel_doctor.fix.verdict', v.verdict);
        return v;
      } catch (err) {
        span.setAttribute('error.type', err instanceof Error ? err.name : 'error');
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    },
  };
}
