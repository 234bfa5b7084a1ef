/**
 * Starts the simulated Azure on a free port for a test, with an Azure layer (real SDK
 * clients) pointed at it in fast mode. Call `close()` in afterAll/afterEach.
 */
import { resolve } from 'node:path';
import { createAzureLayer, type AzureLayer } from '../../src/azure/clients.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { startSimulatedAzure, type SimOptions, type SimServer } from '../../src/sim/server.js';

/** Absolute path of a file in the shared contract directory beside the repo (../shared). */
export function sharedPath(name: string): string {
  return resolve(process.cwd(), '../shared', name);
}

export const EXAMPLE_HEALTHY = sharedPath('example-healthy.json');

export interface SimForTest {
  sim: SimServer;
  layer: AzureLayer;
  scenarios: Scenario[];
  close(): Promise<void>;
}

export async function startSimForTest(
  scenarios: ReadonlyArray<string | Scenario>,
  opts: Omit<Partial<SimOptions>, 'scenarios'> = {},
): Promise<SimForTest> {
  const loaded = scenarios.map((s) => (typeof s === 'string' ? loadScenarioFile(s) : s));
  const sim = await startSimulatedAzure({ latencyScale: 0, ...opts, scenarios: loaded, port: opts.port ?? 0 });
  const layer = createAzureLayer({ mode: 'simulated', endpoint: sim.url, fast: true });
  return { sim, layer, scenarios: loaded, close: () => sim.close() };
}

/** A fresh copy of shared/example-healthy.json, to modify in a test. */
export function exampleScenario(): Scenario {
  return structuredClone(loadScenarioFile(EXAMPLE_HEALTHY));
}

const SUB = '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69';
const MC = `/subscriptions/${SUB}/resourceGroups/MC_rg-prod_aks-prod-eastus_eastus/providers`;

/** Ids of the resources in example-healthy.json. */
export const EXAMPLE_IDS = {
  subscriptionId: SUB,
  nodeResourceGroup: 'MC_rg-prod_aks-prod-eastus_eastus',
  cluster: `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-eastus`,
  vmss: `${MC}/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss`,
  nsg: `${MC}/Microsoft.Network/networkSecurityGroups/aks-agentpool-12345678-nsg`,
  vnet: `${MC}/Microsoft.Network/virtualNetworks/aks-vnet-12345678`,
  subnet: `${MC}/Microsoft.Network/virtualNetworks/aks-vnet-12345678/subnets/aks-subnet`,
  loadBalancer: `${MC}/Microsoft.Network/loadBalancers/kubernetes`,
  publicIp: `${MC}/Microsoft.Network/publicIPAddresses/1234-outbound-ip`,
} as const;

/** Copies a scenario into another subscription (every id rewritten), e.g. for multi-scenario tests. */
export function inSubscription(scenario: Scenario, subscriptionId: string): Scenario {
  return JSON.parse(JSON.stringify(scenario).split(SUB).join(subscriptionId)) as Scenario;
}
