/**
 * The CLI honours SIM_ENDPOINT like the bot: without --scenario it talks to the simulated Azure
 * already running there (so a proxy or recorder can sit in between), and starts none of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_FORMAT } from '../../src/engine/report.js';
import { EXAMPLE_HEALTHY, startSimForTest, type SimForTest } from '../support/sim.js';
import { runCli } from '../support/cli-process.js';



let t: SimForTest;
beforeAll(async () => {
  t = await startSimForTest([EXAMPLE_HEALTHY]);
});
afterAll(async () => t?.close());

describe('tunnel-doctor diagnose with SIM_ENDPOINT', () => {
  it('diagnoses through the simulated Azure running at SIM_ENDPOINT', async () => {
    const before = t.sim.stats().requests;
    // SIM_SCENARIOS points at a file that does not exist: proof that no private simulator is loaded.
    const r = await runCli(['diagnose', 'aks-prod-eastus', '--json'], { AZURE_MODE: 'simulated', SIM_ENDPOINT: t.sim.url, SIM_SCENARIOS: '' });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.format).toBe(REPORT_FORMAT);
    expect(report.cluster.name).toBe('aks-prod-eastus');
    // Every read went to the running simulator.
    expect(t.sim.stats().requests - before).toBeGreaterThan(5);
    expect(t.sim.stats().byRoute['managedClusters.get']).toBeGreaterThan(0);
  });

  it('refuses a SIM_ENDPOINT that is not on this machine, naming the variable', async () => {
    const r = await runCli(['diagnose', 'aks-prod-eastus', '--json'], { AZURE_MODE: 'simulated', SIM_ENDPOINT: 'http://example.com:4010' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SIM_ENDPOINT/);
  });
});
