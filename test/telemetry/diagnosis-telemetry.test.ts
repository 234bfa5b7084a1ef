/**
 * Traces and metrics of a real diagnosis: the real SDK clients (with the telemetry pipeline policy)
 * against the simulated Azure, whose access log is the independent count of what reached "ARM".
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureLayer, type AzureLayer } from '../../src/azure/clients.js';
import { parseArmId } from '../../src/azure/arm-id.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import type { ClusterRef } from '../../src/cluster-ref.js';
import { CHECK_IDS, type Report } from '../../src/engine/report.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { traceDiagnosis, DIAGNOSIS_SPAN } from '../../src/telemetry/diagnosis.js';
import { ATTR, METRIC } from '../../src/telemetry/instruments.js';
import { startSimForTest, type SimForTest } from '../support/sim.js';
import { inMemoryTelemetry, total, type TestTelemetry } from './support.js';
import { tempDir } from '../support/temp-dir.js';

interface AccessLine {
  method: string;
  path: string;
  status: number;
}

// Several causes at once: failing checks, run-commands on nodes and AKS command invoke.
const SCENARIO = path.resolve('scenarios/combo-nsg-ufw.json');

function clusterOf(s: Scenario): ClusterRef {
  const r = s.resources.find((x) => x.type.toLowerCase() === 'microsoft.containerservice/managedclusters');
  if (!r) throw new Error(`${s.title}: no managed cluster`);
  const id = parseArmId(r.id);
  return { id: r.id, name: r.name, resourceGroup: id.resourceGroup ?? '', subscriptionId: id.subscriptionId ?? '' };
}

let dir: string;
let accessLogPath: string;
let env: SimForTest;
let tel: TestTelemetry;
let layer: AzureLayer;
let cluster: ClusterRef;
let report: Report;
let access: AccessLine[];

beforeAll(async () => {
  dir = tempDir('telemetry');
  accessLogPath = path.join(dir, 'access.log');
  const scenario = loadScenarioFile(SCENARIO);
  env = await startSimForTest([scenario], { accessLogPath });
  tel = inMemoryTelemetry();
  layer = createAzureLayer({ mode: 'simulated', endpoint: env.sim.url, fast: true, telemetry: tel.telemetry });
  cluster = clusterOf(scenario);
  report = await traceDiagnosis(tel.telemetry, { cluster, correlationId: 'corr-telemetry-1' }, () => diagnoseCluster(layer, cluster, { checks: ALL_CHECKS }));
  // Requests still in flight when the report was assembled (none expected) would land here too.
  await new Promise((r) => setTimeout(r, 50));
  access = readFileSync(accessLogPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AccessLine);
});

afterAll(async () => {
  await env?.close();
  await tel?.telemetry.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('diagnosis telemetry against the simulated Azure', () => {
  it('diagnosed the scenario for real (some checks fail, requests reached the simulator)', () => {
    expect(report.checks.map((c) => c.id).sort()).toEqual([...CHECK_IDS].sort());
    expect(report.checks.some((c) => c.status === 'fail')).toBe(true);
    expect(access.length).toBeGreaterThan(5);
  });

  it('has one diagnosis span with the cluster and correlation id, and one ARM child span per request the simulator served', () => {
    const finished = tel.spans.getFinishedSpans();
    const diagnoses = finished.filter((s) => s.name === DIAGNOSIS_SPAN);
    expect(diagnoses).toHaveLength(1);
    const root = diagnoses[0]!;
    expect(root.attributes[ATTR.clusterName]).toBe(cluster.name);
    expect(root.attributes[ATTR.correlationId]).toBe('corr-telemetry-1');
    expect(root.parentSpanContext).toBeUndefined();

    const arm = finished.filter((s) => s.kind === SpanKind.CLIENT);
    expect(arm).toHaveLength(access.length);
    for (const s of arm) {
      expect(s.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(s.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    }
    // Same requests, not just the same number: method + path multisets agree.
    const key = (m: string, p: string) => `${m.toUpperCase()} ${p.replace(/\/+$/, '').toLowerCase()}`;
    const fromSpans = arm.map((s) => key(String(s.attributes['http.request.method']), new URL(String(s.attributes['url.full'])).pathname)).sort();
    const fromLog = access.map((a) => key(a.method, a.path)).sort();
    expect(fromSpans).toEqual(fromLog);
    // Status codes recorded on the spans match what the simulator answered.
    const statuses = (xs: number[]) => xs.sort((a, b) => a - b);
    expect(statuses(arm.map((s) => Number(s.attributes['http.response.status_code'])))).toEqual(statuses(access.map((a) => a.status)));
  });

  it('counts run-commands by kind exactly as the access log shows them', async () => {
    const byKind = await tel.metrics.sumsBy(METRIC.runCommands, ATTR.runCommandKind);
    const vmss = access.filter((a) => a.method === 'POST' && /\/virtualMachineScaleSets\/[^/]+\/virtualMachines\/[^/]+\/runCommand$/i.test(a.path)).length;
    const aks = access.filter((a) => a.method === 'POST' && /\/managedClusters\/[^/]+\/runCommand$/i.test(a.path)).length;
    expect(vmss).toBeGreaterThan(0);
    expect(aks).toBeGreaterThan(0);
    expect(byKind).toEqual({ 'vmss-run-command': vmss, 'aks-command-invoke': aks });
  });

  it('counts ARM requests by status class', async () => {
    const byClass = await tel.metrics.sumsBy(METRIC.armRequests, ATTR.statusClass);
    expect(total(byClass)).toBe(access.length);
    const expected: Record<string, number> = {};
    for (const a of access) expected[`${Math.floor(a.status / 100)}xx`] = (expected[`${Math.floor(a.status / 100)}xx`] ?? 0) + 1;
    expect(byClass).toEqual(expected);
  });

  it('records each check duration with its id and status, and the whole diagnosis duration', async () => {
    const points = await tel.metrics.histogram(METRIC.checkDuration);
    expect(points.map((p) => p.attributes[ATTR.checkId]).sort()).toEqual([...CHECK_IDS].sort());
    for (const c of report.checks) {
      const p = points.find((x) => x.attributes[ATTR.checkId] === c.id)!;
      expect(p.attributes[ATTR.checkStatus]).toBe(c.status);
      expect(p.count).toBe(1);
      expect(p.sum).toBe(c.durationMs);
    }
    const whole = await tel.metrics.histogram(METRIC.diagnosisDuration);
    expect(whole).toHaveLength(1);
    expect(whole[0]).toMatchObject({ count: 1, attributes: { [ATTR.diagnosisOutcome]: 'completed' } });
    expect(whole[0]!.sum).toBeGreaterThanOrEqual(Math.max(...report.checks.map((c) => c.durationMs ?? 0)));
  });

  it('marks a failed diagnosis: error status on the span, outcome "failed"', async () => {
    const t = inMemoryTelemetry();
    const missing = { ...cluster, id: cluster.id.replace(/managedClusters\/[^/]+$/, 'managedClusters/no-such-cluster'), name: 'no-such-cluster' };
    const l = createAzureLayer({ mode: 'simulated', endpoint: env.sim.url, fast: true, telemetry: t.telemetry });
    await expect(traceDiagnosis(t.telemetry, { cluster: missing }, () => diagnoseCluster(l, missing, { checks: ALL_CHECKS }))).rejects.toThrow();
    const [span] = t.spans.getFinishedSpans().filter((s) => s.name === DIAGNOSIS_SPAN);
    expect(span?.status.code).toBe(2); // SpanStatusCode.ERROR
    const arm = t.spans.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(arm.length).toBeGreaterThan(0);
    expect(arm.some((s) => s.attributes['http.response.status_code'] === 404)).toBe(true);
    expect(await t.metrics.histogram(METRIC.diagnosisDuration)).toMatchObject([{ count: 1, attributes: { [ATTR.diagnosisOutcome]: 'failed' } }]);
    expect(await t.metrics.sumsBy(METRIC.armRequests, ATTR.statusClass)).toHaveProperty('4xx');
  });
});
