/**
 * Contract fixtures (issue #12 item 12): Azure's own example responses (x-ms-examples in
 * Azure/azure-rest-api-specs, under test/fixtures/azure-specs with their source path, commit and
 * api-version in index.json) against the simulated Azure:
 *  - shape: every field of Azure's example is in the simulator's answer to the same operation,
 *    with the same JSON type (the simulator may add fields; it may not drop or retype one), and a
 *    long-running PUT, POST or DELETE carries the LRO header its spec or example names;
 *  - SDK: the bot's SDK client deserialises Azure's example (served verbatim from a local HTTP
 *    server) and the simulator's answer into objects of the same shape;
 *  - coverage: every SDK operation of src/azure/rbac-actions.ts has a fixture, and the api-version
 *    index.json says the SDK sends is the one it sends.
 * Fields an example carries only for some configurations are listed as optional in index.json, with why.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureLayer, type AzureLayer } from '../../src/azure/clients.js';
import { getCluster, getSubscriptionName, listClusters, listSubscriptions, runKubectl, updateCluster } from '../../src/azure/clusters.js';
import { listScaleSetInstances, listScaleSets, runShellScript } from '../../src/azure/compute.js';
import { getMetricSeries } from '../../src/azure/metrics.js';
import {
  deleteSecurityRule,
  getApplicationSecurityGroup,
  getLoadBalancer,
  getNatGateway,
  getNetworkSecurityGroup,
  getPublicIpAddress,
  getRouteTable,
  getSubnet,
  getVirtualNetwork,
  listScaleSetNetworkInterfaces,
  putNetworkSecurityGroup,
  putSecurityRule,
} from '../../src/azure/network.js';
import { findClustersByName } from '../../src/azure/resource-graph.js';
import { SDK_OPERATIONS } from '../../src/azure/rbac-actions.js';
import { EXAMPLE_IDS, exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';
import { until } from '../support/until.js';

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

/** A 200 with an example's body (verbatim). */
function sendExample(res: http.ServerResponse, file: string, status = '200'): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(example(file, status)));
}

/**
 * The fixture server's answers for the operations added after the first thirteen (managed clusters,
 * subscriptions.get, Resource Graph, load balancer, public IP, NAT gateway, scale-set NICs, rule
 * DELETE); false when the request is none of them.
 */
function answerFromFurtherExamples(method: string, path: string, body: string, res: http.ServerResponse, base: string): boolean {
  if (path.endsWith('/providers/microsoft.insights/metrics')) return false;
  if (method === 'GET' && path === '/subscriptions') {
    sendExample(res, 'GetSubscriptions.json');
    return true;
  }
  if (method === 'GET' && path.endsWith('/providers/microsoft.compute/virtualmachinescalesets')) {
    sendExample(res, 'VirtualMachineScaleSet_List_MinimumSet_Gen.json');
    return true;
  }
  if (method === 'GET' && path.endsWith('/virtualmachines') && path.includes('/virtualmachinescalesets/')) {
    sendExample(res, 'VirtualMachineScaleSetVM_List_MinimumSet_Gen.json');
    return true;
  }
  if (method === 'GET' && /\/virtualnetworks\/[^/]+$/.test(path)) {
    sendExample(res, 'VirtualNetworkGetWithSubnetDelegation.json');
    return true;
  }
  if (method === 'GET' && path.includes('/applicationsecuritygroups/')) {
    sendExample(res, 'ApplicationSecurityGroupGet.json');
    return true;
  }
  if (method === 'POST' && path === '/providers/microsoft.resourcegraph/resources') {
    // The first page as the example has it ($skipToken: there is more); the page the token asks
    // for is the same rows without a token (the last page), so a reader that pages stops.
    const page = example('ResourcesFirstPageQuery.json') as Record<string, unknown>;
    const asksNextPage = typeof (JSON.parse(body || '{}') as { options?: { $skipToken?: unknown } }).options?.$skipToken === 'string';
    const { $skipToken: _token, ...lastPage } = page;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(asksNextPage ? lastPage : page));
    return true;
  }
  if (/^\/subscriptions\/[^/]+$/.test(path)) {
    sendExample(res, 'GetSubscription.json');
    return true;
  }
  if (path.endsWith('/providers/microsoft.containerservice/managedclusters')) {
    sendExample(res, 'ManagedClustersList.json');
    return true;
  }
  if (/\/managedclusters\/[^/]+$/.test(path)) {
    sendExample(res, method === 'PUT' ? 'ManagedClustersCreate_Update.json' : 'ManagedClustersGet.json');
    return true;
  }
  if (path.includes('/loadbalancers/')) {
    sendExample(res, 'LoadBalancerGet.json');
    return true;
  }
  if (path.includes('/publicipaddresses/')) {
    sendExample(res, 'PublicIpAddressGet.json');
    return true;
  }
  if (path.includes('/natgateways/')) {
    sendExample(res, 'NatGatewayGet.json');
    return true;
  }
  if (path.endsWith('/networkinterfaces') && path.includes('/virtualmachinescalesets/')) {
    sendExample(res, 'VmssNetworkInterfaceList.json');
    return true;
  }
  if (method === 'DELETE' && path.includes('/securityrules/')) {
    // 202 with the Azure-AsyncOperation header of the example (pointed at this server), then its status.
    const monitor = new URL((JSON.parse(readFileSync(join(DIR, 'NetworkSecurityGroupRuleDelete.json'), 'utf8')) as { responses: { '202': { headers: { 'Azure-AsyncOperation': string } } } }).responses['202'].headers['Azure-AsyncOperation']);
    res.writeHead(202, { 'azure-asyncoperation': `${base}${monitor.pathname}${monitor.search}` });
    res.end();
    return true;
  }
  if (path.includes('/providers/microsoft.network/locations/') && path.includes('/operations/')) {
    // The status monitor's body (https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'Succeeded' }));
    return true;
  }
  return false;
}

let sim: SimForTest;
/** Every request the bot's SDK clients sent to the fixture server (what api-version each operation really sends). */
const sentBySdk: Array<{ method: string; path: string; apiVersion: string }> = [];
const ROUTE_TABLE = EXAMPLE_IDS.nsg.replace(/networkSecurityGroups\/.+$/, 'routeTables/rt1');
const ASG = EXAMPLE_IDS.nsg.replace(/networkSecurityGroups\/.+$/, 'applicationSecurityGroups/nodes-asg');
const RULE = { name: 'rule1', protocol: '*', sourceAddressPrefix: '10.0.0.0/8', destinationAddressPrefix: '11.0.0.0/8', access: 'Deny', destinationPortRange: '8080', sourcePortRange: '*', priority: 100, direction: 'Outbound' };
let fixtures: { url: string; layer: AzureLayer; server: http.Server };
/** A second cluster, written by the PUT test (so the first is never busy with an update). */
const CLUSTER_TO_UPDATE = EXAMPLE_IDS.cluster.replace(/[^/]+$/, 'aks-contract-put');
const NAT_GATEWAY = EXAMPLE_IDS.nsg.replace(/networkSecurityGroups\/.+$/, 'natGateways/aks-nat');

/** A local stand-in for ARM answering with Azure's examples verbatim (reads and PUTs: a 200 with the
 * body; the POSTs and the rule DELETE: their 202 and the result), whatever the resource path (the bot's ARM-id checks want GUID subscriptions, the examples use "subid"). */
async function fixtureServer(): Promise<typeof fixtures> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.toLowerCase();
    sentBySdk.push({ method: req.method ?? 'GET', path, apiVersion: url.searchParams.get('api-version') ?? '' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (answerFromFurtherExamples(req.method ?? 'GET', path, Buffer.concat(chunks).toString('utf8'), res, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)) return;
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
  const cluster = s.resources.find((r) => r.id === EXAMPLE_IDS.cluster)!;
  s.resources.push({ ...structuredClone(cluster), id: CLUSTER_TO_UPDATE, name: 'aks-contract-put' });
  s.resources.push({
    id: NAT_GATEWAY,
    name: 'aks-nat',
    type: 'Microsoft.Network/natGateways',
    location: 'eastus',
    sku: { name: 'Standard' },
    properties: { idleTimeoutInMinutes: 4, publicIpAddresses: [{ id: EXAMPLE_IDS.publicIp }], subnets: [{ id: EXAMPLE_IDS.subnet }] },
  });
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

/** Polls an LRO's Location until it answers 200, as a client would (only a hang fails the wait). */
async function resultAt(location: string): Promise<{ status: number; json: Json }> {
  return until(`200 from ${location}`, async () => {
    const r = await fetch(location);
    return r.status === 200 ? { status: r.status, json: (await r.json()) as Json } : undefined;
  }, undefined, 20);
}

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

describe('the fixtures cover every ARM operation the bot calls', () => {
  it('each operation of src/azure/rbac-actions.ts (every SDK call in src/azure/*.ts) has a fixture', () => {
    const covered = new Set(index.fixtures.map((f) => f.operation));
    expect(Object.keys(SDK_OPERATIONS).filter((op) => !covered.has(op))).toEqual([]);
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
    const result = await resultAt(location);
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
    const result = await resultAt(location);
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

/**
 * For SDK paths: false when the path is under a field index.json marks optional for that example.
 * The SDK lifts `properties` into the object and a list into an array, so "$.value[].properties.x"
 * is "[].x" there and "$.properties.x" is ".x".
 */
const notOptional = (file: string) => {
  const prefixes = (index.fixtures.find((f) => f.file === file)?.optional ?? []).map((o) => o.replace(/^\$/, '').replace(/^\.value\[\]/, '[]').replace(/\.properties(?=\.|\[|$)/g, ''));
  // Case-insensitive: the SDK renames a few fields (azurePortalFQDN is azurePortalFqdn there).
  return (path: string) => !prefixes.map((o) => o.toLowerCase()).some((o) => [path.toLowerCase()].some((p) => p === o || p.startsWith(`${o}:`) || p.startsWith(`${o}.`) || p.startsWith(`${o}[]`)));
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

describe("the simulator answers in the shape of Azure's examples (clusters, subscriptions, Resource Graph, outbound and NICs)", () => {
  it('managedClusters.get and managedClusters.list', async () => {
    const got = await raw('GET', EXAMPLE_IDS.cluster, sdkVersion('ManagedClustersGet.json'));
    expect(got.status).toBe(200);
    expect(gapsFor('ManagedClustersGet.json', got.json)).toEqual([]);
    const list = await raw('GET', `/subscriptions/${EXAMPLE_IDS.subscriptionId}/providers/Microsoft.ContainerService/managedClusters`, sdkVersion('ManagedClustersList.json'));
    expect(list.status).toBe(200);
    expect(gapsFor('ManagedClustersList.json', list.json)).toEqual([]);
  });

  // The spec marks the PUT x-ms-long-running-operation and names no header: ARM's async pattern
  // (Azure-AsyncOperation or Location) is what a poller follows, with the body's provisioningState.
  it('managedClusters.createOrUpdate: same body shape, and an async-operation header for its LRO', async () => {
    const read = (await raw('GET', CLUSTER_TO_UPDATE, sdkVersion('ManagedClustersCreate_Update.json'))).json as { location: string; properties: Record<string, any> };
    // What the SNAT fixes send: the cluster as read, with more managed outbound IPs.
    const body = structuredClone(read);
    body.properties.networkProfile.loadBalancerProfile.managedOutboundIPs = { count: 2 };
    const res = await fetch(`${sim.sim.url}${CLUSTER_TO_UPDATE}?api-version=${sdkVersion('ManagedClustersCreate_Update.json')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('azure-asyncoperation') ?? res.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/subscriptions\/.+\/providers\/Microsoft\.ContainerService\/locations\/[^/]+\/operation/);
    const written = (await res.json()) as { properties: { provisioningState: string } };
    expect(written.properties.provisioningState).toBe('Updating');
    expect(gapsFor('ManagedClustersCreate_Update.json', written)).toEqual([]);
  });

  it('subscriptions.get', async () => {
    const got = await raw('GET', `/subscriptions/${EXAMPLE_IDS.subscriptionId}`, sdkVersion('GetSubscription.json'));
    expect(got.status).toBe(200);
    expect(gapsFor('GetSubscription.json', got.json)).toEqual([]);
  });

  it('resourceGraph.resources: a first page ($top smaller than the matches) carries $skipToken', async () => {
    const res = await fetch(`${sim.sim.url}/providers/Microsoft.ResourceGraph/resources?api-version=${sdkVersion('ResourcesFirstPageQuery.json')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscriptions: [EXAMPLE_IDS.subscriptionId],
        query: "Resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, name, type, location",
        options: { $top: 1, $skip: 0, resultFormat: 'objectArray' },
      }),
    });
    expect(res.status).toBe(200);
    expect(gapsFor('ResourcesFirstPageQuery.json', await res.json())).toEqual([]);
  });

  it('loadBalancers.get, publicIPAddresses.get and natGateways.get', async () => {
    const lb = await raw('GET', EXAMPLE_IDS.loadBalancer, sdkVersion('LoadBalancerGet.json'));
    expect(lb.status).toBe(200);
    expect(gapsFor('LoadBalancerGet.json', lb.json)).toEqual([]);
    const ip = await raw('GET', EXAMPLE_IDS.publicIp, sdkVersion('PublicIpAddressGet.json'));
    expect(ip.status).toBe(200);
    expect(gapsFor('PublicIpAddressGet.json', ip.json)).toEqual([]);
    const nat = await raw('GET', NAT_GATEWAY, sdkVersion('NatGatewayGet.json'));
    expect(nat.status).toBe(200);
    expect(gapsFor('NatGatewayGet.json', nat.json)).toEqual([]);
  });

  it('networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces (at the api-version the SDK sends, 2018-10-01)', async () => {
    const got = await raw('GET', `${EXAMPLE_IDS.vmss}/networkInterfaces`, sdkVersion('VmssNetworkInterfaceList.json'));
    expect(got.status).toBe(200);
    expect(gapsFor('VmssNetworkInterfaceList.json', got.json)).toEqual([]);
  });

  it('securityRules.delete: 202 with the Azure-AsyncOperation header of its LRO and no body; 204 for a rule that is not there', async () => {
    const version = sdkVersion('NetworkSecurityGroupRuleDelete.json');
    const rule = `${EXAMPLE_IDS.nsg}/securityRules/contract-delete`;
    const put = await fetch(`${sim.sim.url}${rule}?api-version=${version}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { ...RULE, name: undefined, priority: 140 } }),
    });
    expect([200, 201]).toContain(put.status);
    const del = await fetch(`${sim.sim.url}${rule}?api-version=${version}`, { method: 'DELETE' });
    expect([200, 202]).toContain(del.status);
    expect(del.headers.get('azure-asyncoperation')).toMatch(/\/providers\/Microsoft\.Network\/locations\/[^/]+\/operations\//);
    expect(await del.text()).toBe('');
    const again = await fetch(`${sim.sim.url}${EXAMPLE_IDS.nsg}/securityRules/never-there?api-version=${version}`, { method: 'DELETE' });
    expect(again.status).toBe(204);
  });
});

describe("the SDK deserialises Azure's examples and the simulator's answers alike (clusters, subscriptions, Resource Graph, outbound and NICs)", () => {
  it("a managed cluster, through the bot's own getCluster, listClusters and updateCluster", async () => {
    const fromAzure = await getCluster(fixtures.layer, EXAMPLE_IDS.cluster);
    expect(fromAzure.networkProfile?.loadBalancerProfile?.allocatedOutboundPorts).toBe(2000);
    const fromSim = await getCluster(sim.layer, EXAMPLE_IDS.cluster);
    expect(missingIn(fromSim, fromAzure).filter(notOptional('ManagedClustersGet.json'))).toEqual([]);
    const listedAzure = await listClusters(fixtures.layer, [EXAMPLE_IDS.subscriptionId]);
    expect(listedAzure).toEqual([{ id: expect.stringContaining('/clustername1'), name: 'clustername1', resourceGroup: 'rg1', subscriptionId: EXAMPLE_IDS.subscriptionId, location: 'location1' }]);
    expect(missingIn(await listClusters(sim.layer, [EXAMPLE_IDS.subscriptionId]), listedAzure)).toEqual([]);
    const updatedAzure = await updateCluster(fixtures.layer, EXAMPLE_IDS.cluster, fromAzure);
    expect(updatedAzure.networkProfile?.loadBalancerProfile?.managedOutboundIPs?.count).toBe(2);
    const updatedSim = await updateCluster(sim.layer, CLUSTER_TO_UPDATE, await getCluster(sim.layer, CLUSTER_TO_UPDATE));
    expect(missingIn(updatedSim, updatedAzure).filter(notOptional('ManagedClustersCreate_Update.json'))).toEqual([]);
  });

  it("a subscription's name, and Resource Graph pages (through the bot's own getSubscriptionName and findClustersByName)", async () => {
    expect(await getSubscriptionName(fixtures.layer, EXAMPLE_IDS.subscriptionId)).toBe('Example Subscription');
    expect(await getSubscriptionName(sim.layer, EXAMPLE_IDS.subscriptionId)).toEqual(expect.any(String));
    // Two pages (the example's, then the same rows without a token): the reader follows $skipToken.
    const fromAzure = await findClustersByName(fixtures.layer, 'clustername1');
    expect(fromAzure.map((r) => r.name)).toEqual(['yetanothertest_OsDisk_1_f396cbcb625a457bb69fe2abf5975820', 'TestAA', 'TestRB', 'yetanothertest_OsDisk_1_f396cbcb625a457bb69fe2abf5975820', 'TestAA', 'TestRB']);
    const fromSim = await findClustersByName(sim.layer, 'aks-prod-eastus');
    expect(fromSim.map((r) => r.name)).toEqual(['aks-prod-eastus']);
    expect(missingIn(fromSim, fromAzure)).toEqual([]);
  });

  it('LoadBalancer, PublicIPAddress and NatGateway', async () => {
    const lbAzure = await getLoadBalancer(fixtures.layer, EXAMPLE_IDS.loadBalancer);
    expect(lbAzure.frontendIPConfigurations?.[0]).toMatchObject({ name: 'fe-lb', privateIPAddress: '10.0.1.4' });
    expect(missingIn(await getLoadBalancer(sim.layer, EXAMPLE_IDS.loadBalancer), lbAzure).filter(notOptional('LoadBalancerGet.json'))).toEqual([]);
    const ipAzure = await getPublicIpAddress(fixtures.layer, EXAMPLE_IDS.publicIp);
    expect(ipAzure).toMatchObject({ publicIPAllocationMethod: 'Dynamic', idleTimeoutInMinutes: 4 });
    expect(missingIn(await getPublicIpAddress(sim.layer, EXAMPLE_IDS.publicIp), ipAzure).filter(notOptional('PublicIpAddressGet.json'))).toEqual([]);
    const natAzure = await getNatGateway(fixtures.layer, NAT_GATEWAY);
    expect(natAzure.publicIpAddresses?.[0]?.id).toMatch(/PublicIpAddress1$/);
    expect(missingIn(await getNatGateway(sim.layer, NAT_GATEWAY), natAzure).filter(notOptional('NatGatewayGet.json'))).toEqual([]);
  });

  it("scale-set NICs (through the bot's own listScaleSetNetworkInterfaces)", async () => {
    const fromAzure = await listScaleSetNetworkInterfaces(fixtures.layer, EXAMPLE_IDS.vmss);
    expect(fromAzure.map((n) => n.ipConfigurations?.[0]?.privateIPAddress)).toEqual(['10.0.0.4', '10.0.0.5']);
    const fromSim = await listScaleSetNetworkInterfaces(sim.layer, EXAMPLE_IDS.vmss);
    expect(missingIn(fromSim, fromAzure).filter(notOptional('VmssNetworkInterfaceList.json'))).toEqual([]);
  });

  it("a rule DELETE's LRO completes through the bot's own deleteSecurityRule, on both", async () => {
    await expect(deleteSecurityRule(fixtures.layer, EXAMPLE_IDS.nsg, 'rule1')).resolves.toBeUndefined();
    await putSecurityRule(sim.layer, EXAMPLE_IDS.nsg, { ...RULE, name: 'sdk-delete', priority: 150 });
    await expect(deleteSecurityRule(sim.layer, EXAMPLE_IDS.nsg, 'sdk-delete')).resolves.toBeUndefined();
    const after = await getNetworkSecurityGroup(sim.layer, EXAMPLE_IDS.nsg);
    expect(after.securityRules?.map((r) => r.name)).not.toContain('sdk-delete');
  });
});

describe("the SDK deserialises Azure's examples and the simulator's answers alike (the first thirteen's reads)", () => {
  it("subscriptions, scale sets and their instances, through the bot's own readers", async () => {
    const subsAzure = await listSubscriptions(fixtures.layer);
    expect(subsAzure.length).toBeGreaterThan(0);
    expect(missingIn(await listSubscriptions(sim.layer), subsAzure)).toEqual([]);
    const rg = EXAMPLE_IDS.nodeResourceGroup;
    const setsAzure = await listScaleSets(fixtures.layer, EXAMPLE_IDS.subscriptionId, rg);
    expect(setsAzure.map((v) => v.location)).toEqual(['eastus', 'eastus']);
    expect(missingIn(await listScaleSets(sim.layer, EXAMPLE_IDS.subscriptionId, rg), setsAzure)).toEqual([]);
    const vmsAzure = await listScaleSetInstances(fixtures.layer, EXAMPLE_IDS.vmss);
    expect(vmsAzure.map((v) => v.id)).toEqual([expect.stringMatching(/\/virtualMachines\/0$/)]);
    expect(missingIn(await listScaleSetInstances(sim.layer, EXAMPLE_IDS.vmss), vmsAzure)).toEqual([]);
  });

  it('VirtualNetwork and ApplicationSecurityGroup', async () => {
    const vnetAzure = await getVirtualNetwork(fixtures.layer, EXAMPLE_IDS.vnet);
    expect(vnetAzure.addressSpace?.addressPrefixes?.length).toBeGreaterThan(0);
    expect(missingIn(await getVirtualNetwork(sim.layer, EXAMPLE_IDS.vnet), vnetAzure).filter(notOptional('VirtualNetworkGetWithSubnetDelegation.json'))).toEqual([]);
    const asgAzure = await getApplicationSecurityGroup(fixtures.layer, ASG);
    expect(asgAzure.resourceGuid).toEqual(expect.any(String));
    expect(missingIn(await getApplicationSecurityGroup(sim.layer, ASG), asgAzure)).toEqual([]);
  });
});

/** Which requests of the fixture server belong to which fixture: the first request of the operation (not its LRO polls). */
const FIRST_REQUEST_OF: Record<string, (r: { method: string; path: string }) => boolean> = {
  'NetworkSecurityGroupGet.json': (r) => r.method === 'GET' && /\/networksecuritygroups\/[^/]+$/.test(r.path),
  'NetworkSecurityGroupCreateWithRule.json': (r) => r.method === 'PUT' && /\/networksecuritygroups\/[^/]+$/.test(r.path),
  'NetworkSecurityGroupRuleCreate.json': (r) => r.method === 'PUT' && r.path.includes('/securityrules/'),
  'NetworkSecurityGroupRuleDelete.json': (r) => r.method === 'DELETE' && r.path.includes('/securityrules/'),
  'GetMetric.json': (r) => r.path.endsWith('/providers/microsoft.insights/metrics'),
  'SubnetGet.json': (r) => r.method === 'GET' && r.path.includes('/subnets/'),
  'RouteTableGet.json': (r) => r.method === 'GET' && r.path.includes('/routetables/'),
  'RunCommandRequest.json': (r) => r.method === 'POST' && r.path.endsWith('/runcommand') && r.path.includes('/managedclusters/'),
  'VirtualMachineScaleSetVMRunCommand.json': (r) => r.method === 'POST' && r.path.endsWith('/runcommand') && r.path.includes('/virtualmachines/'),
  'ManagedClustersGet.json': (r) => r.method === 'GET' && /\/managedclusters\/[^/]+$/.test(r.path),
  'ManagedClustersList.json': (r) => r.method === 'GET' && r.path.endsWith('/providers/microsoft.containerservice/managedclusters'),
  'ManagedClustersCreate_Update.json': (r) => r.method === 'PUT' && /\/managedclusters\/[^/]+$/.test(r.path),
  'GetSubscription.json': (r) => r.method === 'GET' && /^\/subscriptions\/[^/]+$/.test(r.path),
  'ResourcesFirstPageQuery.json': (r) => r.method === 'POST' && r.path === '/providers/microsoft.resourcegraph/resources',
  'LoadBalancerGet.json': (r) => r.method === 'GET' && /\/loadbalancers\/[^/]+$/.test(r.path),
  'PublicIpAddressGet.json': (r) => r.method === 'GET' && r.path.includes('/publicipaddresses/'),
  'NatGatewayGet.json': (r) => r.method === 'GET' && r.path.includes('/natgateways/'),
  'GetSubscriptions.json': (r) => r.method === 'GET' && r.path === '/subscriptions',
  'VirtualMachineScaleSet_List_MinimumSet_Gen.json': (r) => r.method === 'GET' && r.path.endsWith('/providers/microsoft.compute/virtualmachinescalesets'),
  'VirtualMachineScaleSetVM_List_MinimumSet_Gen.json': (r) => r.method === 'GET' && r.path.endsWith('/virtualmachines') && r.path.includes('/virtualmachinescalesets/'),
  'VirtualNetworkGetWithSubnetDelegation.json': (r) => r.method === 'GET' && /\/virtualnetworks\/[^/]+$/.test(r.path),
  'ApplicationSecurityGroupGet.json': (r) => r.method === 'GET' && r.path.includes('/applicationsecuritygroups/'),
  'VmssNetworkInterfaceList.json': (r) => r.method === 'GET' && r.path.endsWith('/networkinterfaces') && r.path.includes('/virtualmachinescalesets/'),
};

describe("index.json's sdkApiVersion is what the bot's SDK clients send", () => {
  it("for every operation, as the bot's own readers and writers send it", async () => {
    sentBySdk.length = 0;
    const l = fixtures.layer;
    const nsg = await getNetworkSecurityGroup(l, EXAMPLE_IDS.nsg);
    await putNetworkSecurityGroup(l, EXAMPLE_IDS.nsg, nsg, { ifMatch: '*' });
    await putSecurityRule(l, EXAMPLE_IDS.nsg, RULE);
    await deleteSecurityRule(l, EXAMPLE_IDS.nsg, 'rule1');
    await getMetricSeries(l, EXAMPLE_IDS.loadBalancer, ['BlobCapacity'], { aggregation: 'Average,count', filter: "BlobType eq '*'", top: 3, orderby: 'Average asc' });
    await getSubnet(l, EXAMPLE_IDS.subnet);
    await getRouteTable(l, ROUTE_TABLE);
    await runKubectl(l, EXAMPLE_IDS.cluster, 'kubectl get ns');
    await runShellScript(l, EXAMPLE_IDS.vmss, '0', ['Write-Host Hello World!'], [], { windows: true });
    const cluster = await getCluster(l, EXAMPLE_IDS.cluster);
    await listClusters(l, [EXAMPLE_IDS.subscriptionId]);
    await updateCluster(l, EXAMPLE_IDS.cluster, cluster);
    await getSubscriptionName(l, EXAMPLE_IDS.subscriptionId);
    await listSubscriptions(l);
    await findClustersByName(l, 'clustername1');
    await getLoadBalancer(l, EXAMPLE_IDS.loadBalancer);
    await getPublicIpAddress(l, EXAMPLE_IDS.publicIp);
    await getNatGateway(l, NAT_GATEWAY);
    await listScaleSetNetworkInterfaces(l, EXAMPLE_IDS.vmss);
    await listScaleSets(l, EXAMPLE_IDS.subscriptionId, EXAMPLE_IDS.nodeResourceGroup);
    await listScaleSetInstances(l, EXAMPLE_IDS.vmss);
    await getVirtualNetwork(l, EXAMPLE_IDS.vnet);
    await getApplicationSecurityGroup(l, ASG);
    const checked = Object.entries(FIRST_REQUEST_OF).map(([file, isFirst]) => {
      const sent = [...new Set(sentBySdk.filter(isFirst).map((r) => r.apiVersion))];
      return { file, sent, expected: [sdkVersion(file)] };
    });
    // Every fixture was requested at least once, and always with the api-version index.json names.
    expect(Object.keys(FIRST_REQUEST_OF).sort()).toEqual(index.fixtures.map((f) => f.file).sort());
    expect(checked.filter((c) => c.sent.length !== 1 || c.sent[0] !== c.expected[0])).toEqual([]);
  });
});
