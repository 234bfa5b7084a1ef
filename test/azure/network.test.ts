import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureError } from '../../src/azure/errors.js';
import {
  getApplicationSecurityGroup,
  getLoadBalancer,
  getNatGateway,
  getNetworkSecurityGroup,
  getPublicIpAddress,
  getRouteTable,
  getSubnet,
  getVirtualNetwork,
  listScaleSetNetworkInterfaces,
  putSecurityRule,
} from '../../src/azure/network.js';
import type { Scenario } from '../../src/scenario/types.js';
import { EXAMPLE_HEALTHY, EXAMPLE_IDS, exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';

let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const MC = EXAMPLE_IDS.nsg.split('/providers/')[0]!;
const IDS = {
  nicNsg: `${MC}/providers/Microsoft.Network/networkSecurityGroups/nic-nsg`,
  asg: `${MC}/providers/Microsoft.Network/applicationSecurityGroups/nodes-asg`,
  routeTable: `${MC}/providers/Microsoft.Network/routeTables/aks-agentpool-12345678-routetable`,
  natGateway: `${MC}/providers/Microsoft.Network/natGateways/aks-natgw`,
};

/** The example plus a NIC-level NSG and ASG in the VMSS model, a route table and a NAT gateway. */
function richScenario(): Scenario {
  const s = exampleScenario();
  s.resources.push(
    { id: IDS.nicNsg, name: 'nic-nsg', type: 'Microsoft.Network/networkSecurityGroups', location: 'eastus', properties: { securityRules: [] } },
    { id: IDS.asg, name: 'nodes-asg', type: 'Microsoft.Network/applicationSecurityGroups', location: 'eastus', properties: { provisioningState: 'Succeeded' } },
    {
      id: IDS.routeTable, name: 'aks-agentpool-12345678-routetable', type: 'Microsoft.Network/routeTables', location: 'eastus',
      properties: { routes: [{ name: 'default', properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.4' } }] },
    },
    { id: IDS.natGateway, name: 'aks-natgw', type: 'Microsoft.Network/natGateways', location: 'eastus', sku: { name: 'Standard' }, properties: { idleTimeoutInMinutes: 4 } },
  );
  const vmss = s.resources.find((r) => r.id === EXAMPLE_IDS.vmss)!;
  const nic = vmss.properties!.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0];
  nic.properties.networkSecurityGroup = { id: IDS.nicNsg };
  nic.properties.ipConfigurations[0].properties.applicationSecurityGroups = [{ id: IDS.asg }];
  return s;
}

const DENY_10250 = {
  name: 'deny-kubelet', priority: 200, direction: 'Inbound', access: 'Deny', protocol: 'Tcp',
  sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '10250',
} as const;

describe('network reads through the real NetworkManagementClient', () => {
  it('returns NSGs with Azure\'s six default rules and an etag', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    const nsg = await getNetworkSecurityGroup(t.layer, EXAMPLE_IDS.nsg);
    expect(nsg.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    expect(nsg.securityRules).toEqual([]);
    expect(nsg.defaultSecurityRules?.map((r) => [r.name, r.priority, r.direction, r.access])).toEqual([
      ['AllowVnetInBound', 65000, 'Inbound', 'Allow'],
      ['AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow'],
      ['DenyAllInBound', 65500, 'Inbound', 'Deny'],
      ['AllowVnetOutBound', 65000, 'Outbound', 'Allow'],
      ['AllowInternetOutBound', 65001, 'Outbound', 'Allow'],
      ['DenyAllOutBound', 65500, 'Outbound', 'Deny'],
    ]);
    expect(nsg.defaultSecurityRules?.[0]?.sourceAddressPrefix).toBe('VirtualNetwork');
  });

  it('reads the VNet, the subnet (with its NSG) and the other network resources', async () => {
    t = await startSimForTest([richScenario()]);
    const vnet = await getVirtualNetwork(t.layer, EXAMPLE_IDS.vnet);
    expect(vnet.addressSpace?.addressPrefixes).toEqual(['10.224.0.0/12']);
    const subnet = await getSubnet(t.layer, EXAMPLE_IDS.subnet);
    expect(subnet.addressPrefix).toBe('10.224.0.0/16');
    expect(subnet.networkSecurityGroup?.id).toBe(EXAMPLE_IDS.nsg);
    const lb = await getLoadBalancer(t.layer, EXAMPLE_IDS.loadBalancer);
    expect(lb.outboundRules?.[0]?.allocatedOutboundPorts).toBe(0);
    expect((await getPublicIpAddress(t.layer, EXAMPLE_IDS.publicIp)).ipAddress).toBe('20.81.112.7');
    const rt = await getRouteTable(t.layer, IDS.routeTable);
    expect(rt.routes?.[0]).toMatchObject({ addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance' });
    expect((await getNatGateway(t.layer, IDS.natGateway)).idleTimeoutInMinutes).toBe(4);
    expect((await getApplicationSecurityGroup(t.layer, IDS.asg)).name).toBe('nodes-asg');
    await expect(getRouteTable(t.layer, IDS.routeTable.replace('routetable', 'missing'))).rejects.toMatchObject({ statusCode: 404 });
  });

  it('lists every instance NIC of a scale set, across pages, with IP, subnet, NIC NSG and ASGs', async () => {
    t = await startSimForTest([richScenario()], { pageSize: 2 });
    const nics = await listScaleSetNetworkInterfaces(t.layer, EXAMPLE_IDS.vmss);
    expect(nics.map((n) => n.ipConfigurations?.[0]?.privateIPAddress)).toEqual(['10.224.0.4', '10.224.0.5', '10.224.0.6']);
    expect(nics[1]).toMatchObject({
      id: `${EXAMPLE_IDS.vmss}/virtualMachines/1/networkInterfaces/aks-nodepool1-12345678-vmss`,
      primary: true,
      networkSecurityGroup: { id: IDS.nicNsg },
      virtualMachine: { id: `${EXAMPLE_IDS.vmss}/virtualMachines/1` },
    });
    expect(nics[1]!.ipConfigurations?.[0]?.subnet?.id).toBe(EXAMPLE_IDS.subnet);
    expect(nics[1]!.ipConfigurations?.[0]?.applicationSecurityGroups?.[0]?.id).toBe(IDS.asg);
    expect(t.sim.stats().byRoute['vmss.networkInterfaces']).toBe(2);
  });
});

describe('throttling', () => {
  it('lets the SDK retry a 429 on a read after Retry-After, and maps a persistent one', async () => {
    const s = exampleScenario();
    s.faults = [
      { method: 'GET', path: '/virtualNetworks/aks-vnet-12345678$', status: 429, retryAfter: 0, times: 1 },
      { method: 'GET', path: '/loadBalancers/kubernetes$', status: 429, retryAfter: 0 },
    ];
    t = await startSimForTest([s]);
    expect((await getVirtualNetwork(t.layer, EXAMPLE_IDS.vnet)).name).toBe('aks-vnet-12345678');
    const e = await getLoadBalancer(t.layer, EXAMPLE_IDS.loadBalancer).catch((x: unknown) => x);
    expect(e).toMatchObject({ statusCode: 429, code: 'TooManyRequests', retryAfterMs: 0 });
    expect(t.sim.stats().byRoute['resources.get']).toBe(2 + 3); // vnet: 429 then 200; LB: 1 try + 2 SDK retries
  });
});

describe('putSecurityRule', () => {
  it('writes a rule through a polled LRO; a re-read sees it and a new etag', async () => {
    const log = join(tempDir('sim-log'), 'access.jsonl');
    t = await startSimForTest([EXAMPLE_HEALTHY], { accessLogPath: log });
    const before = await getNetworkSecurityGroup(t.layer, EXAMPLE_IDS.nsg);
    // No If-Match on a create: the rule has no current representation, so If-Match would fail (RFC 9110 §13.1.1).
    const written = await putSecurityRule(t.layer, EXAMPLE_IDS.nsg, { ...DENY_10250 });
    expect(written).toMatchObject({ name: 'deny-kubelet', priority: 200, access: 'Deny', provisioningState: 'Succeeded' });
    const after = await getNetworkSecurityGroup(t.layer, EXAMPLE_IDS.nsg);
    expect(after.securityRules?.map((r) => [r.name, r.destinationPortRange, r.access])).toEqual([['deny-kubelet', '10250', 'Deny']]);
    expect(after.etag).not.toBe(before.etag);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const routes = lines.map((l: any) => `${l.method} ${l.route} ${l.status}`);
    const put = routes.indexOf('PUT securityRules.createOrUpdate 201');
    expect(put).toBeGreaterThan(0);
    expect(routes.slice(put + 1)).toEqual(expect.arrayContaining(['GET operations.status 200', 'GET securityRules.get 200']));
  });

  it('refuses a write with a stale etag (412) and an invalid rule (400)', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    const read = await getNetworkSecurityGroup(t.layer, EXAMPLE_IDS.nsg);
    await putSecurityRule(t.layer, EXAMPLE_IDS.nsg, { ...DENY_10250 });
    const stale = await putSecurityRule(t.layer, EXAMPLE_IDS.nsg, { ...DENY_10250, name: 'allow-kubelet', access: 'Allow', priority: 150 }, { ifMatch: read.etag! }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(AzureError);
    expect(stale).toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    const invalid = await putSecurityRule(t.layer, EXAMPLE_IDS.nsg, { ...DENY_10250, name: 'low', priority: 50 }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ statusCode: 400 });
    const clash = await putSecurityRule(t.layer, EXAMPLE_IDS.nsg, { ...DENY_10250, name: 'same-priority' }).catch((e: unknown) => e);
    expect(clash).toMatchObject({ statusCode: 400, code: 'SecurityRuleConflict' });
    expect((await getNetworkSecurityGroup(t.layer, EXAMPLE_IDS.nsg)).securityRules?.map((r) => r.name)).toEqual(['deny-kubelet']);
  });

  it('maps an injected 403 to the securityRules/write action', async () => {
    const s = exampleScenario();
    s.faults = [{ method: 'PUT', path: '/securityRules/', status: 403, code: 'AuthorizationFailed' }];
    t = await startSimForTest([s]);
    const e = await putSecurityRule(t.layer, EXAMPLE_IDS.nsg, { ...DENY_10250 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ statusCode: 403, rbacAction: 'Microsoft.Network/networkSecurityGroups/securityRules/write' });
    expect((e as AzureError).userMessage).toContain('Microsoft.Network/networkSecurityGroups/securityRules/write');
  });
});
