/**
 * API Server VNet Integration: no tunnel (tunnel-agent-health not applicable, with the reason), and
 * the egress check aims at the API server's internal address, never a public stand-in.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArmId } from '../../src/azure/arm-id.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { REPRESENTATIVE_API_SERVER_IP } from '../../src/engine/checks/egress-tunnel-ports.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import type { Report } from '../../src/engine/report.js';
import { startSimForTest, type SimForTest } from '../support/sim.js';

const FILES = ['real-vnet-integration', 'real-vnet-integration-egress-denied'].map((f) => path.resolve('scenarios', `${f}.json`));

let t: SimForTest;
const reports = new Map<string, Report>();
beforeAll(async () => {
  t = await startSimForTest(FILES);
  for (const s of t.scenarios) {
    const c = s.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
    const id = parseArmId(c.id);
    reports.set(c.name, await diagnoseCluster(t.layer, { id: c.id, name: c.name, resourceGroup: id.resourceGroup, subscriptionId: id.subscriptionId, location: '' }, { checks: ALL_CHECKS }));
  }
});
afterAll(async () => t?.close());

const check = (cluster: string, id: string) => reports.get(cluster)!.checks.find((c) => c.id === id)!;

describe('API Server VNet Integration', () => {
  it('tunnel-agent-health is not applicable and says why', () => {
    const c = check('aks-vnet-integration', 'tunnel-agent-health');
    expect(c.status).toBe('not-applicable');
    expect(c.summary).toMatch(/VNet Integration.*no tunnel/);
    expect(c.evidence.map((e) => e.detail).join(' ')).toMatch(/kube-apiserver, frontend 10\.225\.0\.4/);
  });

  it('egress is checked towards the internal address 10.225.0.4, not a public one', () => {
    const c = check('aks-vnet-integration', 'egress-tunnel-ports');
    expect(c.status).toBe('pass');
    const text = [c.summary, ...c.evidence.map((e) => e.detail)].join('\n');
    expect(text).toMatch(/10\.225\.0\.4/);
    expect(text).not.toContain(REPRESENTATIVE_API_SERVER_IP);
    expect(text).not.toMatch(/hcp\.[a-z0-9]+\.azmk8s\.io/);
  });

  it('an outbound NSG rule towards the API server subnet fails the egress check on every node', () => {
    const c = check('aks-vnet-int-deny', 'egress-tunnel-ports');
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/Deny-ApiServer-Subnet-Outbound/);
    expect(c.nodes).toHaveLength(3);
  });
});
