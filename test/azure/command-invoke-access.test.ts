/**
 * AKS command invoke on the clusters enterprises run: Microsoft Entra ID (a clusterToken for the AKS
 * server app, through the bot's credential), local accounts disabled (no effect), and command
 * invoke turned off (said plainly, naming the checks it leaves unknown, with no RBAC hint).
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { afterEach, describe, expect, it } from 'vitest';
import { AKS_SERVER_APP_SCOPE, createAzureLayer } from '../../src/azure/clients.js';
import { getCluster, runKubectl } from '../../src/azure/clusters.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import type { Scenario } from '../../src/scenario/types.js';
import { EXAMPLE_IDS, exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';

const REF = { id: EXAMPLE_IDS.cluster, name: 'aks-prod-eastus', resourceGroup: 'rg-prod', subscriptionId: EXAMPLE_IDS.subscriptionId, location: 'eastus' };

function withCluster(props: Record<string, unknown>): Scenario {
  const s = exampleScenario();
  const cluster = s.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
  cluster.properties = { ...(cluster.properties ?? {}), ...props };
  return s;
}

const ENTRA_ID = {
  aadProfile: { managed: true, enableAzureRBAC: true, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
  disableLocalAccounts: true,
};

/** A credential that hands out a token per scope and remembers the scopes asked for. */
function recordingCredential(): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    getToken: async (scope: string | string[]): Promise<AccessToken> => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token: `token-for-${String(scope)}`, expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };
}

let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('Microsoft Entra ID clusters', () => {
  it('the simulated AKS refuses command invoke without a clusterToken, or with an empty one, as AKS does', async () => {
    t = await startSimForTest([withCluster(ENTRA_ID)]);
    const clusters = t.layer.containerService(EXAMPLE_IDS.subscriptionId).managedClusters;
    for (const body of [{ command: 'kubectl get nodes' }, { command: 'kubectl get nodes', clusterToken: '' }]) {
      await expect(clusters.beginRunCommandAndWait('rg-prod', 'aks-prod-eastus', body)).rejects.toMatchObject({
        statusCode: 400,
        code: 'MissingAADClusterToken',
        message: expect.stringContaining('This cluster have Azure Active Directory enabled, .clusterToken is required'),
      });
    }
  });

  it('runKubectl sends a token for the AKS server app, from the layer credential, once the cluster is read', async () => {
    t = await startSimForTest([withCluster(ENTRA_ID)]);
    const credential = recordingCredential();
    const layer = createAzureLayer({ mode: 'simulated', endpoint: t.sim.url, fast: true, credential });
    await getCluster(layer, EXAMPLE_IDS.cluster);
    const r = await runKubectl(layer, EXAMPLE_IDS.cluster, 'kubectl get nodes');
    expect(r.exitCode).toBe(0);
    expect(r.logs).toMatch(/aks-nodepool1-12345678-vmss000000/);
    expect(AKS_SERVER_APP_SCOPE).toBe('6dae42f8-4368-4678-94ff-3960e28e3630/.default');
    expect(credential.scopes).toEqual([AKS_SERVER_APP_SCOPE]);
  });

  it('a cluster not read through this layer yet (a fix after a restart) learns it from the refusal and succeeds', async () => {
    t = await startSimForTest([withCluster(ENTRA_ID)]);
    const credential = recordingCredential();
    const layer = createAzureLayer({ mode: 'simulated', endpoint: t.sim.url, fast: true, credential });
    expect((await runKubectl(layer, EXAMPLE_IDS.cluster, 'kubectl get nodes')).exitCode).toBe(0);
    expect((await runKubectl(layer, EXAMPLE_IDS.cluster, 'kubectl get nodes')).exitCode).toBe(0);
    // The second command went straight through with a token: one refusal in all.
    expect(credential.scopes).toEqual([AKS_SERVER_APP_SCOPE, AKS_SERVER_APP_SCOPE]);
    expect(t.sim.stats().byRoute['managedClusters.runCommand']).toBe(3);
  });

  it('a cluster without Entra ID gets no token asked for', async () => {
    t = await startSimForTest([exampleScenario()]);
    const credential = recordingCredential();
    const layer = createAzureLayer({ mode: 'simulated', endpoint: t.sim.url, fast: true, credential });
    await getCluster(layer, EXAMPLE_IDS.cluster);
    expect((await runKubectl(layer, EXAMPLE_IDS.cluster, 'kubectl get nodes')).exitCode).toBe(0);
    expect(credential.scopes).toEqual([]);
  });

  it('a diagnosis of an Entra ID cluster with local accounts disabled reads the tunnel pods: agent health and egress pass', async () => {
    t = await startSimForTest([withCluster(ENTRA_ID)]);
    const report = await diagnoseCluster(t.layer, REF, { checks: ALL_CHECKS });
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(report.cluster.tunnel).toBe('konnectivity');
    expect(status['tunnel-agent-health']).toBe('pass');
    expect(status['egress-tunnel-ports']).toBe('pass');
  });
});

describe('command invoke turned off (apiServerAccessProfile.disableRunCommand)', () => {
  it('the simulated AKS refuses it', async () => {
    t = await startSimForTest([withCluster({ apiServerAccessProfile: { enablePrivateCluster: false, disableRunCommand: true } })]);
    await expect(runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get nodes')).rejects.toMatchObject({ statusCode: 400 });
  });

  it('the diagnosis says so plainly, names the checks it leaves unknown, and sends no command', async () => {
    t = await startSimForTest([withCluster({ apiServerAccessProfile: { enablePrivateCluster: false, disableRunCommand: true } })]);
    const report = await diagnoseCluster(t.layer, REF, { checks: ALL_CHECKS });
    for (const id of ['tunnel-agent-health', 'egress-tunnel-ports'] as const) {
      const check = report.checks.find((c) => c.id === id)!;
      expect(check.status, id).toBe('unknown');
      expect(check.summary, id).toMatch(/command invoke is turned off/);
      expect(check.unknownReason?.why, id).toMatch(/tunnel-agent-health and egress-tunnel-ports stay unknown/);
      expect(check.unknownReason?.resolve, id).toMatch(/--enable-run-command/);
      expect(check.unknownReason?.resolve, id).not.toMatch(/runcommand\/action|RBAC/i);
    }
    // The node checks do not need command invoke.
    expect(report.checks.find((c) => c.id === 'nsg-10250')?.status).toBe('pass');
    expect(t.sim.stats().byRoute['managedClusters.runCommand']).toBeUndefined();
  });
});
