/**
 * Telemetry over the OpenTelemetry SDK: a tracer provider and a meter provider sharing one resource
 * (service.name tunnel-doctor, service.instance.id), fed to the given exporters and readers.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { installContextManager } from './context-manager.js';
import { createInstruments } from './instruments.js';
import { INSTRUMENTATION_SCOPE, noTelemetry, type Telemetry } from './telemetry.js';

export interface TelemetryOptions {
  /** Spans go to these in batches (production exporters). */
  batchSpanExporters?: SpanExporter[];
  /** Spans go to these one by one as they end (tests: InMemorySpanExporter). */
  spanExporters?: SpanExporter[];
  /** Metrics are collected by these (a PeriodicExportingMetricReader, or a test's own reader). */
  metricReaders?: MetricReader[];
  /** service.instance.id: which of several bot instances recorded it. */
  instanceId?: string;
  serviceVersion?: string;
  /** Called once at shutdown, after the providers stopped. */
  onShutdown?: () => void;
}

const SHUTDOWN_BUDGET_MS = 5000;

async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export function createTelemetry(opts: TelemetryOptions = {}): Telemetry {
  const batch = opts.batchSpanExporters ?? [];
  const simple = opts.spanExporters ?? [];
  const readers = opts.metricReaders ?? [];
  if (batch.length + simple.length + readers.length === 0) return noTelemetry();
  installContextManager();

  const resource = resourceFromAttributes({
    'service.name': 'tunnel-doctor',
    ...(opts.serviceVersion ? { 'service.version': opts.serviceVersion } : {}),
    ...(opts.instanceId ? { 'service.instance.id': opts.instanceId } : {}),
  });
  const spanProcessors: SpanProcessor[] = [...batch.map((e) => new BatchSpanProcessor(e)), ...simple.map((e) => new SimpleSpanProcessor(e))];
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
  const meterProvider = new MeterProvider({ resource, readers });
  const meter = meterProvider.getMeter(INSTRUMENTATION_SCOPE);
  const flushAll = () => Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
  let stopped: Promise<void> | undefined;
  return {
    exporting: true,
    tracer: tracerProvider.getTracer(INSTRUMENTATION_SCOPE),
    meter,
    instruments: createInstruments(meter),
    flush: () => within(SHUTDOWN_BUDGET_MS, flushAll()),
    shutdown: () =>
      (stopped ??= within(
        SHUTDOWN_BUDGET_MS,
        flushAll().finally(() => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])),
      ).finally(() => opts.onShutdown?.())),
  };
}
