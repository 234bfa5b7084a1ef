import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clustersNamedQuery, findClustersByName } from '../../src/azure/resource-graph.js';
import { isAzureError } from '../../src/azure/errors.js';
import { azureClusterDirectory } from '../../src/engine/cluster-directory.js';
import { resolveCluster } from '../../src/engine/find-cluster.js';
import type { Scenario } from '../../src/scenario/types.js';
import { EXAMPLE_IDS, exampleScenario, inSubscription, startSimForTest, type SimForTest } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';

const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const CLUSTER = 'aks-prod-eastus';
let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function logFile(): string {
  return path.join(tempDir('graph-log'), 'access.jsonl');
}

function readLog(file: string): Array<{ method: string; path: string; status: number; route: string }> {
  const text = readFileSync(file, 'utf8').trim();
  return text ? text.split('\n').map((l) => JSON.parse(l)) : [];
}

/** The example estate, with the identity able to read `count` subscriptions in all. */
function withSubscriptions(count: number): Scenario {
  const s = exampleScenario();
  for (let i = 1; i < count; i++) s.subscriptions.push({ subscriptionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, displayName: `team-${i}` });
  return s;
}

describe('finding a cluster with Azure Resource Graph', () => {
  it('finds a named cluster among 300 subscriptions in at most 3 ARM requests, and says Resource Graph was used', async () => {
    const log = logFile();
    t = await startSimForTest([withSubscriptions(300)], { accessLogPath: log });
    const resolution = await resolveCluster(azureClusterDirectory(t.layer, []), { by: 'name', name: CLUSTER.toUpperCase() });
    expect(resolution).toMatchObject({ kind: 'found', cluster: { name: CLUSTER, subscriptionId: EXAMPLE_IDS.subscriptionId, resourceGroup: 'rg-prod' }, subscriptionName: 'contoso-prod', lookup: { via: 'resource-graph' } });
    const requests = readLog(log);
    expect(requests.length).toBeLessThanOrEqual(3);
    expect(requests.map((r) => r.route)).toContain('resourceGraph.resources');
    expect(requests.filter((r) => r.route === 'managedClusters.listBySubscription')).toEqual([]);
  });

  it('lists every same-named cluster across subscriptions as candidates, with their subscription names', async () => {
    t = await startSimForTest([exampleScenario(), inSubscription(exampleScenario(), OTHER_SUB)]);
    const resolution = await resolveCluster(azureClusterDirectory(t.layer, []), { by: 'name', name: CLUSTER });
    expect(resolution.kind).toBe('ambiguous');
    if (resolution.kind !== 'ambiguous') return;
    expect(resolution.lookup).toEqual({ via: 'resource-graph' });
    expect(resolution.candidates.map((c) => c.subscriptionId).sort()).toEqual([EXAMPLE_IDS.subscriptionId, OTHER_SUB].sort());
    expect(resolution.candidates.find((c) => c.subscriptionId === EXAMPLE_IDS.subscriptionId)?.subscriptionName).toBe('contoso-prod');
  });

  it('queries only the configured subscriptions when AZURE_SUBSCRIPTION_IDS is set', async () => {
    t = await startSimForTest([exampleScenario(), inSubscription(exampleScenario(), OTHER_SUB)]);
    const found = await findClustersByName(t.layer, CLUSTER, [OTHER_SUB]);
    expect(found.map((c) => c.subscriptionId)).toEqual([OTHER_SUB]);
  });

  it('falls back to listing each subscription when Resource Graph refuses the query, and says why', async () => {
    const log = logFile();
    const s = exampleScenario();
    s.faults = [{ method: 'POST', path: '/providers/Microsoft.ResourceGraph/resources$', status: 403 }];
    t = await startSimForTest([s], { accessLogPath: log });
    const resolution = await resolveCluster(azureClusterDirectory(t.layer, []), { by: 'name', name: CLUSTER });
    expect(resolution).toMatchObject({ kind: 'found', cluster: { name: CLUSTER }, lookup: { via: 'per-subscription' } });
    expect(resolution.lookup?.via === 'per-subscription' && resolution.lookup.why).toMatch(/Resource Graph refused/);
    expect(readLog(log).map((r) => r.route)).toContain('managedClusters.listBySubscription');
  });

  it('checks each subscription before saying "not found" (Resource Graph can lag behind a new cluster), with suggestions', async () => {
    t = await startSimForTest([exampleScenario()]);
    const resolution = await resolveCluster(azureClusterDirectory(t.layer, []), { by: 'name', name: 'aks-prod-eastu' });
    expect(resolution).toMatchObject({ kind: 'not-found', suggestions: [CLUSTER], lookup: { via: 'per-subscription' } });
    expect(resolution.lookup?.via === 'per-subscription' && resolution.lookup.why).toMatch(/found no such cluster/);
  });

  it('refuses to put anything but a cluster name into the query', () => {
    expect(() => clustersNamedQuery("x' or 1==1")).toThrow(/refused cluster name/);
    let refused: unknown;
    try {
      clustersNamedQuery('a b');
    } catch (err) {
      refused = err;
    }
    expect(isAzureError(refused) && refused.userMessage).toMatch(/not an AKS cluster name \(letters, digits/);
  });
});

describe('the simulated Resource Graph', () => {
  it('answers with the REST shape: lower-case type and resource group, totalRecords, and $skipToken pages', async () => {
    const s = exampleScenario();
    const base = s.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
    s.resources.push({ ...structuredClone(base), id: base.id.replace(/aks-prod-eastus$/, 'aks-two'), name: 'aks-two' });
    t = await startSimForTest([s]);
    const query = "Resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, name, type, resourceGroup";
    const first = await t.layer.resourceGraph.resources({ query, options: { top: 1, resultFormat: 'objectArray' } });
    expect(first).toMatchObject({ totalRecords: 2, count: 1, resultTruncated: 'false' });
    expect(first.skipToken).toBeTruthy();
    // The SDK deserialises the objectArray as a dictionary keyed "0", "1", …
    const rows = Object.values(first.data) as Array<Record<string, string>>;
    expect(rows[0]).toMatchObject({ type: 'microsoft.containerservice/managedclusters', resourceGroup: 'rg-prod' });
    const second = await t.layer.resourceGraph.resources({ query, options: { top: 1, skipToken: first.skipToken!, resultFormat: 'objectArray' } });
    expect(second.count).toBe(1);
    expect(second.skipToken).toBeUndefined();
    expect((Object.values(second.data) as Array<Record<string, string>>)[0]?.name).not.toBe(rows[0]?.name);
  });

  it('refuses a query outside its documented subset with 400 InvalidQuery', async () => {
    t = await startSimForTest([exampleScenario()]);
    const err = await t.layer.resourceGraph.resources({ query: 'Resources | summarize count() by type' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 400, code: 'InvalidQuery' });
  });
});
