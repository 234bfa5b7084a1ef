/**
 * Contract fixtures (issue #12 item 12): Azure's own example responses (x-ms-examples in
 * Azure/azure-rest-api-specs, under test/fixtures/azure-specs with their source path, commit and
 * api-version in index.json) against the simulated Azure:
 *  - shape: every field of Azure's example is in the simulator's answer to the same operation,
 *    with the same JSON type (the simulator may add fields; it may not drop or retype one), and a
 *    long-running PUT carries the LRO header its spec names (final-state-via azure-async-operation);
 *  - SDK: the bot's SDK client deserialises Azure's example (served verbatim from a local HTTP
 *    server) and the simulator's answer into objects of the same shape.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureLayer, type AzureLayer } from '../../src/azure/clients.js';
import { runKubectl } from '../../src/azure/clusters.js';
import { runShellScript } from '../../src/azure/compute.js';
import { getMetricSeries } from '../../src/azure/metrics.js';
import { getNetworkSecurityGroup, getRouteTable, getSubnet, putNetworkSecurityGroup, putSecurityRule } from '../../src/azure/network.js';
import { EXAMPLE_IDS, exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';

const DIR = join(import.meta.dirname, '../fixtures/azure-specs');
interface FixtureEntry { file: string; operation: string; path: string; apiVersion: string; sdkApiVersion: string; optional?: string[] }
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { fixtures: FixtureEntry[] };
const runCommandLocation = () =>
  (JSON.parse(readFileSync(join(DIR, 'RunCommandRequest.json'), 'utf8')) as { responses: { '202': { headers: { location: string } } } }).responses['202'].headers.location;
const example = (file: string, status = '200') => (JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { responses: Record<string, { body: unknown }> }).responses[status]!.body;

type Json = unknown;
const typeOf = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Paths where `actual` lacks a field of `expected` or has another JSON type. Arrays: every
 * element of `expected` is compared with the first element of `actual`. */
export function shapeGaps(expected: Json, actual: Json, path = '$'): string[] {
  if (typeOf(expected) !== typeOf(actual)) return [`${path}: ${typeOf(expected)} in Azure's example, ${typeOf(actual)} from the simulator`];
  if (Array.isArray(expected)) {
    const first = (actual as Json[])[0];
    if (expected.length > 0 && first === undefined) return [`${path}: Azure's example has elements, the simulator's array is empty`];
    return [...new Set(expected.flatMap((e) => shapeGaps(e, first, `${path}[]`)))];
  }
  if (typeOf(expected) === 'object') {
    return Object.entries(expected as Record<string, Json>).flatMap(([k, v]) =>
      k in (actual as Record<string, Json>) ? shapeGaps(v, (actual as Record<string, Json>)[k], `${path}.${k}`) : [`${path}.${k}: missing from the simulator`],
    );
  }
  return [];
}

let sim: SimForTest;
const ROUTE_TABLE = EXAMPLE_IDS.nsg.replace(/networkSecurityGroups\/.+$/, 'routeTables/rt1');
const ASG = EXAMPLE_IDS.nsg.replace(/networkSecurityGroups\/.+$/, 'applicationSecurityGroups/nodes-asg');
const RULE = { name: 'rule1', protocol: '*', sourceAddressPrefix: '10.0.0.0/8', destinationAddressPrefix: '11.0.0.0/8', access: 'Deny', destinationPortRange: '8080', sourcePortRange: '*', priority: 100, direction: 'Outbound' };
let fixtures: { url: string; layer: AzureLayer; server: http.Server };

/** A local stand-in for ARM answering with Azure's examples verbatim (no LRO: a 200 with the body),
 * whatever the resource path (the bot's ARM-id checks want GUID subscriptions, the examples use "subid"). */
async function fixtureServer(): Promise<typeof fixtures> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.toLowerCase();
    req.resume();
    // AKS command invoke: 202 with Location (as the example's headers), then the result there.
    if (path.endsWith('/runcommand') && path.includes('/managedclusters/')) {
      const location = new URL(runCommandLocation());
      res.writeHead(202, { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}${location.pathname}${location.search}` });
      res.end();
      return;
    }
    // VMSS run-command: 202 with Location (the example's is a Compute operation URL), then the statuses.
    if (path.endsWith('/virtualmachines/0/runcommand')) {
      res.writeHead(202, { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/subscriptions/s/providers/Microsoft.Compute/locations/westus/operations/op1?monitor=true&api-version=2024-11-01` });
      res.end();
      return;
    }
    if (path.includes('/providers/microsoft.compute/locations/')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(example('VirtualMachineScaleSetVMRunCommand.json')));
      return;
    }
    if (path.includes('/commandresults/')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(example('RunCommandRequest.json', '200')));
      return;
    }
    const file = path.endsWith('/providers/microsoft.insights/metrics')
      ? 'GetMetric.json'
      : path.includes('/subnets/')
        ? 'SubnetGet.json'
        : path.includes('/routetables/')
          ? 'RouteTableGet.json'
          : path.includes('/securityrules/')
            ? 'NetworkSecurityGroupRuleCreate.json'
            : req.method === 'PUT'
              ? 'NetworkSecurityGroupCreateWithRule.json'
              : 'NetworkSecurityGroupGet.json';
    const body = example(file);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, layer: createAzureLayer({ mode: 'simulated', endpoint: url, fast: true }) };
}

beforeAll(async () => {
  const s = exampleScenario();
  // One custom rule, so the rule shapes have something to compare.
  const nsg = s.resources.find((r) => r.id === EXAMPLE_IDS.nsg)!;
  nsg.properties = { ...(nsg.properties ?? {}), securityRules: [{ name: 'rule1', properties: { protocol: '*', sourcePortRange: '*', destinationPortRange: '80', sourceAddressPrefix: '*', destinationAddressPrefix: '*', access: 'Allow', priority: 130, direction: 'Inbound' } }] };
  s.resources.push({ id: ASG, name: 'nodes-asg', type: 'Microsoft.Network/applicationSecurityGroups', location: 'eastus', properties: {} });
  s.resources.push({ id: ROUTE_TABLE, name: 'rt1', type: 'Microsoft.Network/routeTables', location: 'eastus', properties: { disableBgpRoutePropagation: false, routes: [{ name: 'route1', properties: { addressPrefix: '10.0.3.0/24', nextHopType: 'VirtualNetworkGateway' } }] } });
  sim = await startSimForTest([s]);
  fixtures = await fixtureServer();
});

afterAll(async () => {
  await sim?.close();
  await new Promise((resolve) => fixtures?.server.close(resolve));
});

async function raw(method: string, path: string, apiVersion: string, body?: unknown): Promise<{ status: number; headers: Headers; json: Json }> {
  const res = await fetch(`${sim.sim.url}${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: 'Bearer simulated-azure' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

const sdkVersion = (file: string) => index.fixtures.find((f) => f.file === file)!.sdkApiVersion;
/** Gaps, less the fields index.json marks optional for that operation (with why, in its note). */
const gapsFor = (file: string, actual: Json, status = '200') => {
  const optional = index.fixtures.find((f) => f.file === file)?.optional ?? [];
  return shapeGaps(example(file, status), actual).filter((gap) => !optional.some((o) => gap.startsWith(`${o}:`) || gap.startsWith(`${o}[]`) || gap.startsWith(`${o}.`)));
};

describe('the fixtures name their source', () => {
  it('each has a spec path, an example api-version and the SDK api-version', () => {
    expect(index.fixtures.length).toBeGreaterThanOrEqual(3);
    for (const f of index.fixtures) {
      expect(f.path, f.file).toMatch(/^specification\/.+\/examples\/.+\.json$/);
      expect(f.apiVersion, f.file).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(f.sdkApiVersion, f.file).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(JSON.parse(readFileSync(join(DIR, f.file), 'utf8')).parameters['api-version'], f.file).toBe(f.apiVersion);
    }
  });
});

describe("the simulator answers in the shape of Azure's examples", () => {
  it('networkSecurityGroups.get', async () => {
    const got = await raw('GET', EXAMPLE_IDS.nsg, sdkVersion('NetworkSecurityGroupGet.json'));
    expect(got.status).toBe(200);
    expect(shapeGaps(example('NetworkSecurityGroupGet.json'), got.json)).toEqual([]);
  });

  it('networkSecurityGroups.createOrUpdate: same body shape, and the Azure-AsyncOperation header of its LRO', async () => {
    const read = (await raw('GET', EXAMPLE_IDS.nsg, sdkVersion('NetworkSecurityGroupCreateWithRule.json'))).json as { location: string; etag: string };
    const request = JSON.parse(readFileSync(join(DIR, 'NetworkSecurityGroupCreateWithRule.json'), 'utf8')).parameters.parameters;
    const res = await fetch(`${sim.sim.url}${EXAMPLE_IDS.nsg}?api-version=${sdkVersion('NetworkSecurityGroupCreateWithRule.json')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': read.etag },
      body: JSON.stringify({ ...request, location: read.location }),
    });
    expect([200, 201]).toContain(res.status);
    expect(res.headers.get('azure-asyncoperation')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/subscriptions\/.+\/operations\//);
    expect(shapeGaps(example('NetworkSecurityGroupCreateWithRule.json', String(res.status)), await res.json())).toEqual([]);
  });

  it('metrics.list (with $filter, top, orderby and two aggregations, as the example asks)', async () => {
    const q = `${EXAMPLE_IDS.loadBalancer}/providers/Microsoft.Insights/metrics?metricnames=UsedSnatPorts&aggregation=Average,count&$filter=${encodeURIComponent("BackendIPAddress eq '*'")}&top=3&orderby=${encodeURIComponent('Average asc')}&interval=PT1M`;
    const got = await raw('GET', q, sdkVersion('GetMetric.json'));
    expect(got.status).toBe(200);
    expect(shapeGaps(example('GetMetric.json'), got.json)).toEqual([]);
  });

  it('subnets.get and routeTables.get', async () => {
    const subnet = await raw('GET', EXAMPLE_IDS.subnet, sdkVersion('SubnetGet.json'));
    expect(shapeGaps(example('SubnetGet.json'), subnet.json)).toEqual([]);
    const table = await raw('GET', ROUTE_TABLE, sdkVersion('RouteTableGet.json'));
    expect(shapeGaps(example('RouteTableGet.json'), table.json)).toEqual([]);
  });

  it('securityRules.createOrUpdate: same body shape, and the Azure-AsyncOperation header of its LRO', async () => {
    const request = JSON.parse(readFileSync(join(DIR, 'NetworkSecurityGroupRuleCreate.json'), 'utf8')).parameters.securityRuleParameters;
    const res = await fetch(`${sim.sim.url}${EXAMPLE_IDS.nsg}/securityRules/spec-rule?api-version=${sdkVersion('NetworkSecurityGroupRuleCreate.json')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect([200, 201]).toContain(res.status);
    expect(res.headers.get('azure-asyncoperation')).toMatch(/\/operations\//);
    expect(shapeGaps(example('NetworkSecurityGroupRuleCreate.json', String(res.status)), await res.json())).toEqual([]);
  });

  it('managedClusters.runCommand: 202 with Location (its LRO), and the command result in the shape of the example', async () => {
    const res = await fetch(`${sim.sim.url}${EXAMPLE_IDS.cluster}/runCommand?api-version=${sdkVersion('RunCommandRequest.json')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'kubectl get pods -n kube-system', context: '', clusterToken: '' }),
    });
    expect(res.status).toBe(202);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/\/commandResults\/[^/?]+\?api-version=/);
    let result: { status: number; json: Json } = { status: 202, json: {} };
    for (let i = 0; i < 1000 && result.status !== 200; i += 1) {
      const r = await fetch(location);
      result = { status: r.status, json: r.status === 200 ? await r.json() : {} };
      if (result.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(result.status).toBe(200);
    expect(shapeGaps(example('RunCommandRequest.json', '200'), result.json)).toEqual([]);
    expect((result.json as { properties: { provisioningState: string } }).properties.provisioningState).toBe('succeeded');
  });

  it('virtualMachineScaleSetVMs.runCommand: 202 with Location (its LRO), and the result in the shape of the example', async () => {
    const vm = `${EXAMPLE_IDS.vmss}/virtualMachines/0`;
    const res = await fetch(`${sim.sim.url}${vm}/runCommand?api-version=${sdkVersion('VirtualMachineScaleSetVMRunCommand.json')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ commandId: 'RunShellScript', script: ['ufw status verbose'] }),
    });
    expect(res.status).toBe(202);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/\/providers\/Microsoft\.Compute\/locations\/[^/]+\/operation/);
    let result: { status: number; json: Json } = { status: 202, json: {} };
    for (let i = 0; i < 1000 && result.status !== 200; i += 1) {
      const r = await fetch(location);
      result = { status: r.status, json: r.status === 200 ? await r.json() : {} };
      if (result.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(result.status).toBe(200);
    expect(gapsFor('VirtualMachineScaleSetVMRunCommand.json', result.json)).toEqual([]);
  });

  it('virtualMachineScaleSets.list, virtualMachineScaleSetVMs.list and virtualNetworks.get', async () => {
    const rg = EXAMPLE_IDS.vmss.split('/providers/')[0];
    const sets = await raw('GET', `${rg}/providers/Microsoft.Compute/virtualMachineScaleSets`, sdkVersion('VirtualMachineScaleSet_List_MinimumSet_Gen.json'));
    expect(gapsFor('VirtualMachineScaleSet_List_MinimumSet_Gen.json', sets.json)).toEqual([]);
    const vms = await raw('GET', `${EXAMPLE_IDS.vmss}/virtualMachines`, sdkVersion('VirtualMachineScaleSetVM_List_MinimumSet_Gen.json'));
    expect(gapsFor('VirtualMachineScaleSetVM_List_MinimumSet_Gen.json', vms.json)).toEqual([]);
    const vnet = await raw('GET', EXAMPLE_IDS.vnet, sdkVersion('VirtualNetworkGetWithSubnetDelegation.json'));
    expect(gapsFor('VirtualNetworkGetWithSubnetDelegation.json', vnet.json)).toEqual([]);
  });

  it('applicationSecurityGroups.get', async () => {
    const asg = await raw('GET', ASG, sdkVersion('ApplicationSecurityGroupGet.json'));
    expect(asg.status).toBe(200);
    expect(gapsFor('ApplicationSecurityGroupGet.json', asg.json)).toEqual([]);
    // The same resourceGuid on every read.
    expect((await raw('GET', ASG, sdkVersion('ApplicationSecurityGroupGet.json'))).json).toEqual(asg.json);
  });

  it('subscriptions.list', async () => {
    const got = await raw('GET', '/subscriptions', sdkVersion('GetSubscriptions.json'));
    expect(got.status).toBe(200);
    expect(gapsFor('GetSubscriptions.json', got.json)).toEqual([]);
  });

  it('shapeGaps finds a dropped or retyped field (so the checks above can fail)', () => {
    expect(shapeGaps({ a: { b: 1, c: [{ d: 'x' }] } }, { a: { b: '1', c: [{}] } })).toEqual(['$.a.b: number in Azure\'s example, string from the simulator', '$.a.c[].d: missing from the simulator']);
  });
});

/** Every property path of an SDK object, with its JS type (arrays by their first element). */
function pathsOf(value: unknown, path = ''): string[] {
  // An optional field the data leaves out (Azure's first metric point has no average) is no shape.
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.length === 0 ? [`${path}[]`] : pathsOf(value[0], `${path}[]`);
  if (value instanceof Date) return [`${path}:date`];
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => pathsOf(v, `${path}.${k}`));
  return [`${path}:${typeof value}`];
}

const missingIn = (sdkFromSim: unknown, sdkFromAzure: unknown) => {
  const have = new Set(pathsOf(sdkFromSim));
  return pathsOf(sdkFromAzure).filter((p) => !have.has(p));
};

describe("the SDK deserialises Azure's examples and the simulator's answers alike", () => {
  it('NetworkSecurityGroup (get, and the PUT result)', async () => {
    const fromAzure = await getNetworkSecurityGroup(fixtures.layer, EXAMPLE_IDS.nsg);
    expect(fromAzure.securityRules?.[0]).toMatchObject({ name: 'rule1', priority: 130, destinationPortRange: '80' });
    const fromSim = await getNetworkSecurityGroup(sim.layer, EXAMPLE_IDS.nsg);
    expect(missingIn(fromSim, fromAzure)).toEqual([]);
    const putAzure = await putNetworkSecurityGroup(fixtures.layer, EXAMPLE_IDS.nsg, fromAzure, { ifMatch: '*' });
    const putSim = await putNetworkSecurityGroup(sim.layer, EXAMPLE_IDS.nsg, fromSim, { ifMatch: fromSim.etag! });
    expect(missingIn(putSim, putAzure)).toEqual([]);
  });

  it('Subnet, RouteTable and SecurityRule', async () => {
    expect(missingIn(await getSubnet(sim.layer, EXAMPLE_IDS.subnet), await getSubnet(fixtures.layer, EXAMPLE_IDS.subnet))).toEqual([]);
    const azureTable = await getRouteTable(fixtures.layer, ROUTE_TABLE);
    expect(azureTable.routes?.[0]).toMatchObject({ name: 'route1', nextHopType: 'VirtualNetworkGateway' });
    expect(missingIn(await getRouteTable(sim.layer, ROUTE_TABLE), azureTable)).toEqual([]);
    const azureRule = await putSecurityRule(fixtures.layer, EXAMPLE_IDS.nsg, RULE);
    expect(azureRule).toMatchObject({ priority: 100, access: 'Deny' });
    expect(missingIn(await putSecurityRule(sim.layer, EXAMPLE_IDS.nsg, { ...RULE, name: 'sdk-rule', priority: 101 }), azureRule)).toEqual([]);
  });

  it("the command result (through the bot's own runKubectl, which must take AKS's lower-case \"succeeded\")", async () => {
    const fromAzure = await runKubectl(fixtures.layer, EXAMPLE_IDS.cluster, 'kubectl get ns');
    expect(fromAzure).toEqual({ exitCode: 0, logs: 'namespace dummy created' });
    const fromSim = await runKubectl(sim.layer, EXAMPLE_IDS.cluster, 'kubectl get pods -n kube-system');
    expect(missingIn(fromSim, fromAzure)).toEqual([]);
  });

  it("VMSS run-command statuses (through the bot's own runShellScript)", async () => {
    const fromAzure = await runShellScript(fixtures.layer, EXAMPLE_IDS.vmss, '0', ['Write-Host Hello World!'], [], { windows: true });
    expect(fromAzure).toMatchObject({ stdout: 'Hello World!', stderr: '' });
    const fromSim = await runShellScript(sim.layer, EXAMPLE_IDS.vmss, '0', ['ufw status verbose']);
    expect(missingIn(fromSim, fromAzure)).toEqual([]);
  });

  it("metrics.list, through the bot's own reader", async () => {
    const fromAzure = await getMetricSeries(fixtures.layer, EXAMPLE_IDS.loadBalancer, ['BlobCapacity'], { aggregation: 'Average,count', filter: "BlobType eq '*'", top: 3, orderby: 'Average asc' });
    expect(fromAzure[0]?.series.map((s) => s.dimensions.blobtype)).toEqual(['PageBlob', 'BlockBlob']);
    const fromSim = await getMetricSeries(sim.layer, EXAMPLE_IDS.loadBalancer, ['UsedSnatPorts'], { aggregation: 'Average,count', filter: "BackendIPAddress eq '*'", top: 3, orderby: 'Average asc' });
    // Same fields per series and point (names and dimension values differ by design).
    const strip = (r: typeof fromAzure) => r.map((m) => ({ ...m, name: 'm', series: m.series.map((s) => ({ dimensions: {}, points: s.points })) }));
    expect(missingIn(strip(fromSim), strip(fromAzure))).toEqual([]);
  });
});
