/**
 * The scenario corpus: every file in scenarios/ is diagnosed end to end (real SDK clients against
 * the simulated Azure serving all of them at once) and each check's status and affected nodes must
 * match the verdicts written beside it (`expected`, decided by hand from docs/checks.md).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byHandReason, FIX_KINDS } from '../../src/engine/fixes/fix-kinds.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import { parseArmId } from '../../src/azure/arm-id.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { startSimForTest, type SimForTest } from '../support/sim.js';

const DIR = path.resolve('scenarios');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const scenarios = new Map<string, Scenario>(files.map((f) => [f, loadScenarioFile(path.join(DIR, f))]));

let env: SimForTest;
beforeAll(async () => {
  env = await startSimForTest([...scenarios.values()]);
});
afterAll(async () => {
  await env?.close();
});

function clusterOf(s: Scenario) {
  const r = s.resources.find((x) => x.type.toLowerCase() === 'microsoft.containerservice/managedclusters');
  if (!r) throw new Error(`${s.title}: no managed cluster`);
  const id = parseArmId(r.id);
  return { id: r.id, name: r.name, resourceGroup: id.resourceGroup ?? '', subscriptionId: id.subscriptionId ?? '', location: r.location ?? '' };
}

describe('scenario corpus verdicts', () => {
  it('has at least 25 scenarios, each with expected verdicts for all six checks', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    for (const [f, s] of scenarios) expect(Object.keys(s.expected ?? {}).sort(), f).toEqual(ALL_CHECKS.map((c) => c.id).sort());
  });

  it.each(files)('%s', async (file) => {
    const scenario = scenarios.get(file)!;
    const report = await diagnoseCluster(env.layer, clusterOf(scenario), { checks: ALL_CHECKS });
    const got = Object.fromEntries(report.checks.map((c) => [c.id, { status: c.status, nodes: [...c.nodes].sort() }]));
    const want = Object.fromEntries(
      Object.entries(scenario.expected ?? {}).map(([id, v]) => [id, { status: v.status, nodes: [...(v.nodes ?? [])].sort() }]),
    );
    // Compare nodes only where the expectation names them (fail/warn); status always.
    for (const [id, w] of Object.entries(want)) {
      const g = got[id];
      const detail = JSON.stringify(report.checks.find((c) => c.id === id)?.summary);
      expect({ id, status: g?.status }, `${file} ${id}: ${detail}`).toEqual({ id, status: w.status });
      if (w.nodes.length > 0) expect({ id, nodes: g?.nodes }, `${file} ${id}`).toEqual({ id, nodes: w.nodes });
    }
    // Every kind a check proposes is described once (fixes/fix-kinds.ts), and the report says who applies it.
    for (const fix of report.checks.flatMap((c) => c.fixes)) {
      expect(FIX_KINDS.has(fix.kind), `${file}: fix kind "${fix.kind}" has no descriptor in src/engine/fixes/fix-kinds.ts`).toBe(true);
      expect(fix.appliedBy, `${file}: ${fix.id}`).toBe(byHandReason(fix) === undefined ? 'bot' : 'hand');
    }
  });
});
