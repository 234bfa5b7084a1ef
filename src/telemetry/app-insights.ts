/**
 * Telemetry exported to Application Insights through the Azure Monitor exporters: spans in batches,
 * metrics every `metricIntervalMs` (periodic reader). Loaded on demand (start-bot imports this
 * module only when APPLICATIONINSIGHTS_CONNECTION_STRING is set): the exporter package is large.
 * The connection string goes to the exporters and nowhere else: never into a log or an error.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { AzureMonitorMetricExporter, AzureMonitorTraceExporter } from '@azure/monitor-opentelemetry-exporter';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../log.js';
import { createTelemetry } from './sdk.js';
import type { Telemetry } from './telemetry.js';

export interface AppInsightsOptions {
  /** Validated by config.ts (telemetry/config.ts). */
  connectionString: string;
  /** Default 60 s (Application Insights aggregates per minute). */
  metricIntervalMs?: number;
  instanceId?: string;
  serviceVersion?: string;
  /** Where the exporters keep telemetry they could not send yet (default: under the OS temp dir). */
  offlineStorageDirectory?: string;
  /** Where the exporters' own warnings go (export failures); scrubbed like every log line. */
  log?: Logger;
}

/** The exporters' diagnostics (export failures) at warn and above, into our log. */
function forwardDiagnostics(log: Logger): void {
  const l = log.child({ component: 'opentelemetry' });
  diag.setLogger(
    {
      error: (msg, ...args) => l.error(msg, { args }),
      warn: (msg, ...args) => l.warn(msg, { args }),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

export function appInsightsTelemetry(opts: AppInsightsOptions): Telemetry {
  if (opts.log) forwardDiagnostics(opts.log);
  const exporterOptions = {
    connectionString: opts.connectionString,
    ...(opts.offlineStorageDirectory ? { storageDirectory: opts.offlineStorageDirectory } : {}),
  };
  return createTelemetry({
    batchSpanExporters: [new AzureMonitorTraceExporter(exporterOptions)],
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new AzureMonitorMetricExporter(exporterOptions),
        exportIntervalMillis: opts.metricIntervalMs ?? 60_000,
      }),
    ],
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    ...(opts.serviceVersion ? { serviceVersion: opts.serviceVersion } : {}),
    ...(opts.log ? { onShutdown: () => diag.disable() } : {}),
  });
}
