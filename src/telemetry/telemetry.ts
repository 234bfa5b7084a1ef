/**
 * What the bot records through: a tracer and the metric instruments. Three ways to get one:
 * - noTelemetry(): APPLICATIONINSIGHTS_CONNECTION_STRING unset; everything is a no-op;
 * - appInsightsTelemetry() (app-insights.ts): exported to Application Insights;
 * - createTelemetry() (sdk.ts) with a test's in-memory exporters.
 * This module loads only the OpenTelemetry API, so code that never records (the CLI) stays light.
 *
 * Nothing is registered globally except the context manager: the bot hands its Telemetry to whoever
 * records (the ARM pipeline policy, the diagnosis and audit wrappers), so tests in one process never
 * see each other's spans.
 */
import { ProxyTracerProvider, createNoopMeter, type Meter, type Tracer } from '@opentelemetry/api';
import { createInstruments, type Instruments } from './instruments.js';

export const INSTRUMENTATION_SCOPE = 'tunnel-doctor';

export interface Telemetry {
  /** True when something receives the data; false = the no-op telemetry. */
  readonly exporting: boolean;
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly instruments: Instruments;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Flushes, then stops the exporters. Bounded: a hung export does not hold up the shutdown. */
  shutdown(): Promise<void>;
}

/** Records nothing, costs nearly nothing: telemetry when Application Insights is not configured. */
export function noTelemetry(): Telemetry {
  const meter = createNoopMeter();
  return {
    exporting: false,
    // A proxy provider with no delegate hands out the API's no-op tracer.
    tracer: new ProxyTracerProvider().getTracer(INSTRUMENTATION_SCOPE),
    meter,
    instruments: createInstruments(meter),
    flush: async () => {},
    shutdown: async () => {},
  };
}
