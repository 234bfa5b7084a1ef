/**
 * Network reads the checks need (NSGs, VNets/subnets, scale-set NICs, load balancers, public IPs,
 * route tables, NAT gateways, ASGs) and the write the NSG fixes make: the whole NSG PUT back with
 * `If-Match: <etag it was read with>`, so a change made meanwhile by someone else is not
 * overwritten (ARM answers 412). That is the pattern Kubernetes' Azure cloud provider uses in
 * production (kubernetes-sigs/cloud-provider-azure: read the NSG, edit securityRules, CreateOrUpdate
 * with the etag as If-Match, re-read on 412). The child-rule PUT/DELETE below stay for manual use:
 * that ARM checks a child rule's If-Match against the NSG's etag is not documented.
 */
import type {
  ApplicationSecurityGroup,
  LoadBalancer,
  NatGateway,
  NetworkInterface,
  NetworkSecurityGroup,
  PublicIPAddress,
  RouteTable,
  SecurityRule,
  Subnet,
  VirtualNetwork,
} from '@azure/arm-network';
import { AzureError, toAzureError } from './errors.js';
import { expectArmType } from './arm-id.js';
import type { AzureLayer } from './clients.js';
import { lroOptions } from './clusters.js';

export const RBAC = {
  deleteRule: 'Microsoft.Network/networkSecurityGroups/securityRules/delete',
  readNsg: 'Microsoft.Network/networkSecurityGroups/read',
  writeRule: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
  writeNsg: 'Microsoft.Network/networkSecurityGroups/write',
  readVnet: 'Microsoft.Network/virtualNetworks/read',
  readSubnet: 'Microsoft.Network/virtualNetworks/subnets/read',
  readScaleSetNics: 'Microsoft.Compute/virtualMachineScaleSets/networkInterfaces/read',
  readLoadBalancer: 'Microsoft.Network/loadBalancers/read',
  readPublicIp: 'Microsoft.Network/publicIPAddresses/read',
  readRouteTable: 'Microsoft.Network/routeTables/read',
  readNatGateway: 'Microsoft.Network/natGateways/read',
  readAsg: 'Microsoft.Network/applicationSecurityGroups/read',
} as const;

async function read<T>(what: string, rbacAction: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw toAzureError(e, what, rbacAction);
  }
}

export function getNetworkSecurityGroup(layer: AzureLayer, id: string): Promise<NetworkSecurityGroup> {
  const p = expectArmType(id, 'Microsoft.Network/networkSecurityGroups');
  return read(`read network security group ${p.name}`, RBAC.readNsg, () => layer.network(p.subscriptionId).networkSecurityGroups.get(p.resourceGroup, p.name));
}

export function getVirtualNetwork(layer: AzureLayer, id: string): Promise<VirtualNetwork> {
  const p = expectArmType(id, 'Microsoft.Network/virtualNetworks');
  return read(`read virtual network ${p.name}`, RBAC.readVnet, () => layer.network(p.subscriptionId).virtualNetworks.get(p.resourceGroup, p.name));
}

export function getSubnet(layer: AzureLayer, id: string): Promise<Subnet> {
  const p = expectArmType(id, 'Microsoft.Network/virtualNetworks/subnets');
  const subnet = p.children[0]?.name ?? '';
  return read(`read subnet ${subnet} of ${p.name}`, RBAC.readSubnet, () => layer.network(p.subscriptionId).subnets.get(p.resourceGroup, p.name, subnet));
}

/** Every NIC of every instance of a scale set, in one paged call. */
export function listScaleSetNetworkInterfaces(layer: AzureLayer, vmssId: string): Promise<NetworkInterface[]> {
  const p = expectArmType(vmssId, 'Microsoft.Compute/virtualMachineScaleSets');
  return read(`list the network interfaces of scale set ${p.name}`, RBAC.readScaleSetNics, async () => {
    const out: NetworkInterface[] = [];
    for await (const nic of layer.network(p.subscriptionId).networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(p.resourceGroup, p.name)) out.push(nic);
    return out;
  });
}

export function getLoadBalancer(layer: AzureLayer, id: string): Promise<LoadBalancer> {
  const p = expectArmType(id, 'Microsoft.Network/loadBalancers');
  return read(`read load balancer ${p.name}`, RBAC.readLoadBalancer, () => layer.network(p.subscriptionId).loadBalancers.get(p.resourceGroup, p.name));
}

export function getPublicIpAddress(layer: AzureLayer, id: string): Promise<PublicIPAddress> {
  const p = expectArmType(id, 'Microsoft.Network/publicIPAddresses');
  return read(`read public IP address ${p.name}`, RBAC.readPublicIp, () => layer.network(p.subscriptionId).publicIPAddresses.get(p.resourceGroup, p.name));
}

export function getRouteTable(layer: AzureLayer, id: string): Promise<RouteTable> {
  const p = expectArmType(id, 'Microsoft.Network/routeTables');
  return read(`read route table ${p.name}`, RBAC.readRouteTable, () => layer.network(p.subscriptionId).routeTables.get(p.resourceGroup, p.name));
}

export function getNatGateway(layer: AzureLayer, id: string): Promise<NatGateway> {
  const p = expectArmType(id, 'Microsoft.Network/natGateways');
  return read(`read NAT gateway ${p.name}`, RBAC.readNatGateway, () => layer.network(p.subscriptionId).natGateways.get(p.resourceGroup, p.name));
}

export function getApplicationSecurityGroup(layer: AzureLayer, id: string): Promise<ApplicationSecurityGroup> {
  const p = expectArmType(id, 'Microsoft.Network/applicationSecurityGroups');
  return read(`read application security group ${p.name}`, RBAC.readAsg, () => layer.network(p.subscriptionId).applicationSecurityGroups.get(p.resourceGroup, p.name));
}

/**
 * Replaces the whole NSG (a long-running PUT) and waits for it. `ifMatch` is the etag the NSG was
 * read with: if it changed since, ARM writes nothing and answers 412 (code 'PreconditionFailed').
 */
export async function putNetworkSecurityGroup(layer: AzureLayer, nsgId: string, nsg: NetworkSecurityGroup, opts: { ifMatch: string }): Promise<NetworkSecurityGroup> {
  const p = expectArmType(nsgId, 'Microsoft.Network/networkSecurityGroups');
  // Read-only parts of what was read (etag, provisioning states, subnets, NICs) are not sent; the
  // SDK's serializer drops them, and the body is built from the writable fields only anyway.
  const body: NetworkSecurityGroup = {
    ...(nsg.location !== undefined ? { location: nsg.location } : {}),
    ...(nsg.tags !== undefined ? { tags: nsg.tags } : {}),
    ...(nsg.flushConnection !== undefined ? { flushConnection: nsg.flushConnection } : {}),
    securityRules: (nsg.securityRules ?? []).map(({ etag: _etag, provisioningState: _state, type: _type, ...rule }) => rule),
  };
  try {
    return await layer.network(p.subscriptionId).networkSecurityGroups.beginCreateOrUpdateAndWait(p.resourceGroup, p.name, body, {
      ...lroOptions(layer),
      // The SDK's NSG PUT has no ifMatch option; the header goes through requestOptions.
      requestOptions: { customHeaders: { 'If-Match': opts.ifMatch } },
    });
  } catch (e) {
    throw toAzureError(e, `write network security group ${p.name}`, RBAC.writeNsg);
  }
}

/**
 * Creates or replaces one rule (a long-running PUT) and waits for it. With `ifMatch` (the etag
 * read with the NSG) the write fails with code 'PreconditionFailed' if the NSG changed since.
 */
export async function putSecurityRule(layer: AzureLayer, nsgId: string, rule: SecurityRule & { name: string }, opts: { ifMatch?: string } = {}): Promise<SecurityRule> {
  const p = expectArmType(nsgId, 'Microsoft.Network/networkSecurityGroups');
  if (!/^\w(?:[\w.-]{0,78}\w)?$/.test(rule.name)) {
    throw new AzureError({ code: 'InvalidRuleName', message: `rule name ${JSON.stringify(rule.name)}`, userMessage: `"${rule.name}" is not a valid NSG rule name.` });
  }
  // The SDK's security-rule PUT has no ifMatch option; the header goes through requestOptions.
  const headers = opts.ifMatch === undefined ? undefined : { 'If-Match': opts.ifMatch };
  const { name, id: _id, etag: _etag, type: _type, ...body } = rule;
  try {
    return await layer.network(p.subscriptionId).securityRules.beginCreateOrUpdateAndWait(p.resourceGroup, p.name, name, body, {
      ...lroOptions(layer),
      ...(headers ? { requestOptions: { customHeaders: headers } } : {}),
    });
  } catch (e) {
    throw toAzureError(e, `write rule ${name} in network security group ${p.name}`, RBAC.writeRule);
  }
}

/** Deletes a rule (LRO); with `ifMatch` ARM deletes nothing if the NSG changed since that etag (412). */
export async function deleteSecurityRule(layer: AzureLayer, nsgId: string, ruleName: string, opts: { ifMatch?: string } = {}): Promise<void> {
  const p = expectArmType(nsgId, 'Microsoft.Network/networkSecurityGroups');
  if (!/^\w(?:[\w.-]{0,78}\w)?$/.test(ruleName)) {
    throw new AzureError({ code: 'InvalidRuleName', message: `rule name ${JSON.stringify(ruleName)}`, userMessage: `"${ruleName}" is not a valid NSG rule name.` });
  }
  const headers = opts.ifMatch === undefined ? undefined : { 'If-Match': opts.ifMatch };
  try {
    await layer.network(p.subscriptionId).securityRules.beginDeleteAndWait(p.resourceGroup, p.name, ruleName, {
      ...lroOptions(layer),
      ...(headers ? { requestOptions: { customHeaders: headers } } : {}),
    });
  } catch (e) {
    throw toAzureError(e, `delete rule ${ruleName} in network security group ${p.name}`, RBAC.deleteRule);
  }
}
