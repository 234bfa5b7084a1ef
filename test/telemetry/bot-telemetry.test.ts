/**
 * The wiring in start-bot: a diagnosis asked over HTTP is traced (its span carries the correlation
 * id every log line of that diagnosis carries), and close() flushes the telemetry.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startBot, type RunningBot } from '../../src/start-bot.js';
import { CHECK_IDS } from '../../src/engine/report.js';
import { DIAGNOSIS_SPAN } from '../../src/telemetry/diagnosis.js';
import { ATTR, METRIC } from '../../src/telemetry/instruments.js';
import { messageActivity, postActivity } from '../support/fake-connector.js';
import { inMemoryTelemetry, total, type TestTelemetry } from './support.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('bot-telemetry');
const ENV = { PORT: '0', SIM_LATENCY_SCALE: '0', STATE_SQLITE_PATH: path.join(dir, 'state.sqlite'), SIM_SCENARIOS: 'scenarios/combo-nsg-ufw.json' };
let bot: RunningBot;
let tel: TestTelemetry;
let shutdowns = 0;
const lines: string[] = [];

beforeAll(async () => {
  tel = inMemoryTelemetry();
  const telemetry = { ...tel.telemetry, shutdown: async () => void shutdowns++ };
  bot = await startBot(parseConfig(ENV), createLogger('debug', {}, (l) => lines.push(l)), { telemetry });
});

afterAll(async () => {
  await bot?.close();
  await tel?.telemetry.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('telemetry wired into the bot', () => {
  it('traces a diagnosis asked in chat under the correlation id its log lines carry', async () => {
    const clusterName = 'aks-combo-nsgufw';
    const res = await postActivity(bot.url, messageActivity(`diagnose cluster ${clusterName}`, { deliveryMode: 'expectReplies' }));
    expect(res.status).toBe(200);

    const spans = tel.spans.getFinishedSpans();
    const diagnoses = spans.filter((s) => s.name === DIAGNOSIS_SPAN);
    expect(diagnoses).toHaveLength(1);
    const root = diagnoses[0]!;
    const correlationId = String(root.attributes[ATTR.correlationId]);
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(root.attributes[ATTR.clusterName]).toBe(clusterName);
    expect(spans.filter((s) => s.kind === SpanKind.CLIENT && s.parentSpanContext?.spanId === root.spanContext().spanId).length).toBeGreaterThan(5);

    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // Every line from "diagnosis started" to "diagnosis finished" (the engine's too) carries the id.
    const from = records.findIndex((r) => r.msg === 'diagnosis started');
    const to = records.findIndex((r) => r.msg === 'diagnosis finished');
    expect(from).toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    const ofDiagnosis = records.slice(from, to + 1);
    for (const r of ofDiagnosis) expect(r.correlationId, String(r.msg)).toBe(correlationId);

    expect(total(await tel.metrics.sumsBy(METRIC.runCommands, ATTR.runCommandKind))).toBeGreaterThan(0);
    expect((await tel.metrics.histogram(METRIC.checkDuration)).length).toBe(CHECK_IDS.length);
  });

  it('flushes the telemetry on close', async () => {
    expect(shutdowns).toBe(0);
    await bot.close();
    expect(shutdowns).toBe(1);
  });
});
