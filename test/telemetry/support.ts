/** In-memory OpenTelemetry for tests: a span exporter and a metric reader to collect from. */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTelemetry } from '../../src/telemetry/sdk.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';

/** A reader the test collects from on demand (no timer). */
export class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  async metric(name: string): Promise<MetricData | undefined> {
    const { resourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  }

  /** Counter sums keyed by one attribute's value. */
  async sumsBy(name: string, attribute: string): Promise<Record<string, number>> {
    const m = await this.metric(name);
    const out: Record<string, number> = {};
    if (!m) return out;
    if (m.dataPointType !== DataPointType.SUM) throw new Error(`${name} is not a counter`);
    for (const p of m.dataPoints) {
      const key = String((p.attributes as Attributes)[attribute]);
      out[key] = (out[key] ?? 0) + (p.value as number);
    }
    return out;
  }

  /** Histogram points: attributes, count, sum. */
  async histogram(name: string): Promise<Array<{ attributes: Attributes; count: number; sum: number }>> {
    const m = await this.metric(name);
    if (!m) return [];
    if (m.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
    return m.dataPoints.map((p) => ({ attributes: p.attributes, count: p.value.count, sum: p.value.sum ?? 0 }));
  }
}

export interface TestTelemetry {
  telemetry: Telemetry;
  spans: InMemorySpanExporter;
  metrics: CollectingReader;
}

export function inMemoryTelemetry(): TestTelemetry {
  const spans = new InMemorySpanExporter();
  const metrics = new CollectingReader();
  return { telemetry: createTelemetry({ spanExporters: [spans], metricReaders: [metrics] }), spans, metrics };
}

export function total(sums: Record<string, number>): number {
  return Object.values(sums).reduce((a, b) => a + b, 0);
}
