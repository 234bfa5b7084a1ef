/**
 * The re-check after a fix is traced like a diagnosis: one span with the cluster, the fix kind, the
 * verdict and the click's correlation id, and the ARM requests of the re-run checks as its children.
 * Real SDK clients against the simulated Azure; the fix itself is not applied, so the verdict is
 * still-failing.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureLayer } from '../../src/azure/clients.js';
import { parseArmId } from '../../src/azure/arm-id.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import { azureFixRunner } from '../../src/engine/fixes/fix-runner.js';
import type { ClusterRef } from '../../src/cluster-ref.js';
import { silentLogger } from '../../src/log.js';
import { ATTR } from '../../src/telemetry/instruments.js';
import { tracedVerification, VERIFICATION_SPAN } from '../../src/telemetry/verification.js';
import { startSimForTest, type SimForTest } from '../support/sim.js';
import { inMemoryTelemetry, type TestTelemetry } from './support.js';

const SCENARIO = path.resolve('scenarios/nsg-deny-10250-subnet.json');

let env: SimForTest;
let tel: TestTelemetry;
beforeAll(async () => {
  env = await startSimForTest([SCENARIO]);
  tel = inMemoryTelemetry();
});
afterAll(async () => {
  await env?.close();
  await tel?.telemetry.shutdown();
});

describe('fix verification telemetry', () => {
  it('has one span with the correlation id and the verdict, parent of the re-check\'s ARM requests', async () => {
    const r = env.scenarios[0]!.resources.find((x) => x.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
    const id = parseArmId(r.id);
    const cluster: ClusterRef = { id: r.id, name: r.name, resourceGroup: id.resourceGroup ?? '', subscriptionId: id.subscriptionId ?? '' };
    const layer = createAzureLayer({ mode: 'simulated', endpoint: env.sim.url, fast: true, telemetry: tel.telemetry });
    const report = await diagnoseCluster(layer, cluster, { checks: ALL_CHECKS });
    const fix = report.checks.flatMap((c) => c.fixes ?? []).find((f) => f.kind.startsWith('nsg-'))!;
    expect(fix).toBeDefined();
    tel.spans.reset();
    const runner = tracedVerification(azureFixRunner(layer), tel.telemetry);
    const v = await runner.verify(cluster, fix, [], { correlationId: 'corr-verify-1', log: silentLogger });
    expect(v.verdict).toBe('still-failing');
    const finished = tel.spans.getFinishedSpans();
    const spans = finished.filter((s) => s.name === VERIFICATION_SPAN);
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.attributes).toMatchObject({ [ATTR.correlationId]: 'corr-verify-1', [ATTR.clusterId]: cluster.id, 'tunnel_doctor.fix.kind': fix.kind, 'tunnel_doctor.fix.verdict': 'still-failing' });
    const children = finished.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId);
    expect(children.length).toBeGreaterThan(0);
  });
});
