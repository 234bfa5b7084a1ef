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
import { RG, POLLS, type SdkPermission } from './operation-permission.js';
import { expectArmType } from './arm-id.js';
import type { AzureLayer } from './clients.js';
import { lroOptions } from './clusters.js';

async function read<T>(what: string, rbacAction: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw toAzureError(e, what, rbacAction);
  }
}

const NETWORK_SECURITY_GROUPS_GET = {
  operation: 'networkSecurityGroups.get',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}`,
  action: 'Microsoft.Network/networkSecurityGroups/read',
  followUps: [],
  role: 'diagnose',
  why: 'getNetworkSecurityGroup: subnet and NIC NSG rules (and the etag a fix is conditional on).',
} as const satisfies SdkPermission;

export function getNetworkSecurityGroup(layer: AzureLayer, id: string): Promise<NetworkSecurityGroup> {
  const p = expectArmType(id, 'Microsoft.Network/networkSecurityGroups');
  return read(`read network security group ${p.name}`, NETWORK_SECURITY_GROUPS_GET.action, () => layer.network(p.subscriptionId).networkSecurityGroups.get(p.resourceGroup, p.name));
}

const VIRTUAL_NETWORKS_GET = {
  operation: 'virtualNetworks.get',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}`,
  action: 'Microsoft.Network/virtualNetworks/read',
  followUps: [],
  role: 'diagnose',
  why: 'getVirtualNetwork: address space and peerings (the VirtualNetwork service tag).',
} as const satisfies SdkPermission;

export function getVirtualNetwork(layer: AzureLayer, id: string): Promise<VirtualNetwork> {
  const p = expectArmType(id, 'Microsoft.Network/virtualNetworks');
  return read(`read virtual network ${p.name}`, VIRTUAL_NETWORKS_GET.action, () => layer.network(p.subscriptionId).virtualNetworks.get(p.resourceGroup, p.name));
}

const SUBNETS_GET = {
  operation: 'subnets.get',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}`,
  action: 'Microsoft.Network/virtualNetworks/subnets/read',
  followUps: [],
  role: 'diagnose',
  why: 'getSubnet: the subnet NSG, route table and NAT gateway.',
} as const satisfies SdkPermission;

export function getSubnet(layer: AzureLayer, id: string): Promise<Subnet> {
  const p = expectArmType(id, 'Microsoft.Network/virtualNetworks/subnets');
  const subnet = p.children[0]?.name ?? '';
  return read(`read subnet ${subnet} of ${p.name}`, SUBNETS_GET.action, () => layer.network(p.subscriptionId).subnets.get(p.resourceGroup, p.name, subnet));
}

const SCALE_SET_NICS_LIST = {
  operation: 'networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{virtualMachineScaleSetName}/networkInterfaces`,
  action: 'Microsoft.Compute/virtualMachineScaleSets/networkInterfaces/read',
  followUps: [],
  role: 'diagnose',
  why: 'listScaleSetNetworkInterfaces: node IPs, NIC NSGs and ASGs.',
} as const satisfies SdkPermission;

/** Every NIC of every instance of a scale set, in one paged call. */
export function listScaleSetNetworkInterfaces(layer: AzureLayer, vmssId: string): Promise<NetworkInterface[]> {
  const p = expectArmType(vmssId, 'Microsoft.Compute/virtualMachineScaleSets');
  return read(`list the network interfaces of scale set ${p.name}`, SCALE_SET_NICS_LIST.action, async () => {
    const out: NetworkInterface[] = [];
    for await (const nic of layer.network(p.subscriptionId).networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(p.resourceGroup, p.name)) out.push(nic);
    return out;
  });
}

const LOAD_BALANCERS_GET = {
  operation: 'loadBalancers.get',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Network/loadBalancers/{loadBalancerName}`,
  action: 'Microsoft.Network/loadBalancers/read',
  followUps: [],
  role: 'diagnose',
  why: 'getLoadBalancer: outbound rules and frontends for the SNAT check.',
} as const satisfies SdkPermission;

export function getLoadBalancer(layer: AzureLayer, id: string): Promise<LoadBalancer> {
  const p = expectArmType(id, 'Microsoft.Network/loadBalancers');
  return read(`read load balancer ${p.name}`, LOAD_BALANCERS_GET.action, () => layer.network(p.subscriptionId).loadBalancers.get(p.resourceGroup, p.name));
}

const PUBLIC_IP_ADDRESSES_GET = {
  operation: 'publicIPAddresses.get',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Network/publicIPAddresses/{publicIpAddressName}`,
  action: 'Microsoft.Network/publicIPAddresses/read',
  followUps: [],
  role: 'diagnose',
  why: 'getPublicIpAddress: outbound IPs of the load balancer.',
} as const satisfies SdkPermission;

export function getPublicIpAddress(layer: AzureLayer, id: string): Promise<PublicIPAddress> {
  const p = expectArmType(id, 'Microsoft.Network/publicIPAddresses');
  return read(`read public IP address ${p.name}`, PUBLIC_IP_ADDRESSES_GET.action, () => layer.network(p.subscriptionId).publicIPAddresses.get(p.resourceGroup, p.name));
}

const ROUTE_TABLES_GET = {
  operation: 'routeTables.get',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Network/routeTables/{routeTableName}`,
  action: 'Microsoft.Network/routeTables/read',
  followUps: [],
  role: 'diagnose',
  why: 'getRouteTable: user-defined routes that send tunnel egress to an appliance (kubenet routes too).',
} as const satisfies SdkPermission;

export function getRouteTable(layer: AzureLayer, id: string): Promise<RouteTable> {
  const p = expectArmType(id, 'Microsoft.Network/routeTables');
  return read(`read route table ${p.name}`, ROUTE_TABLES_GET.action, () => layer.network(p.subscriptionId).routeTables.get(p.resourceGroup, p.name));
}

const NAT_GATEWAYS_GET = {
  operation: 'natGateways.get',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Network/natGateways/{natGatewayName}`,
  action: 'Microsoft.Network/natGateways/read',
  followUps: [],
  role: 'diagnose',
  why: 'getNatGateway: SNAT on a NAT gateway instead of the load balancer.',
} as const satisfies SdkPermission;

export function getNatGateway(layer: AzureLayer, id: string): Promise<NatGateway> {
  const p = expectArmType(id, 'Microsoft.Network/natGateways');
  return read(`read NAT gateway ${p.name}`, NAT_GATEWAYS_GET.action, () => layer.network(p.subscriptionId).natGateways.get(p.resourceGroup, p.name));
}

const APPLICATION_SECURITY_GROUPS_GET = {
  operation: 'applicationSecurityGroups.get',
  client: '@azure/arm-network',
  request: `GET ${RG}/providers/Microsoft.Network/applicationSecurityGroups/{applicationSecurityGroupName}`,
  action: 'Microsoft.Network/applicationSecurityGroups/read',
  followUps: [],
  role: 'diagnose',
  why: 'getApplicationSecurityGroup: NSG rules that name ASGs.',
} as const satisfies SdkPermission;

export function getApplicationSecurityGroup(layer: AzureLayer, id: string): Promise<ApplicationSecurityGroup> {
  const p = expectArmType(id, 'Microsoft.Network/applicationSecurityGroups');
  return read(`read application security group ${p.name}`, APPLICATION_SECURITY_GROUPS_GET.action, () => layer.network(p.subscriptionId).applicationSecurityGroups.get(p.resourceGroup, p.name));
}

const NETWORK_SECURITY_GROUPS_PUT = {
  operation: 'networkSecurityGroups.beginCreateOrUpdateAndWait',
  client: '@azure/arm-network',
  request: `PUT ${RG}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}`,
  action: 'Microsoft.Network/networkSecurityGroups/write',
  // The poller ends with a GET of the NSG it wrote (final-state-via the original URI).
  followUps: ['Microsoft.Network/networkSecurityGroups/read', ...POLLS.network],
  role: 'remediate',
  why: 'putNetworkSecurityGroup: the NSG fixes (allow 10250, allow tunnel egress, narrow or delete a deny) write the whole NSG under If-Match with the diagnosis-time etag.',
} as const satisfies SdkPermission;

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
    throw toAzureError(e, `write network security group ${p.name}`, NETWORK_SECURITY_GROUPS_PUT.action);
  }
}

const SECURITY_RULES_PUT = {
  operation: 'securityRules.beginCreateOrUpdateAndWait',
  client: '@azure/arm-network',
  request: `PUT ${RG}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName}`,
  action: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
  // The poller ends with a GET of the rule it wrote (final-state-via the original URI).
  followUps: ['Microsoft.Network/networkSecurityGroups/securityRules/read', ...POLLS.network],
  role: 'remediate',
  why: 'putSecurityRule: a single-rule write kept for manual use (the fixes PUT the whole NSG).',
} as const satisfies SdkPermission;

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
    throw toAzureError(e, `write rule ${name} in network security group ${p.name}`, SECURITY_RULES_PUT.action);
  }
}

const SECURITY_RULES_DELETE = {
  operation: 'securityRules.beginDeleteAndWait',
  client: '@azure/arm-network',
  request: `DELETE ${RG}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName}`,
  action: 'Microsoft.Network/networkSecurityGroups/securityRules/delete',
  followUps: [...POLLS.network],
  role: 'remediate',
  why: 'deleteSecurityRule: a single-rule delete kept for manual use (the fixes PUT the whole NSG).',
} as const satisfies SdkPermission;

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
    throw toAzureError(e, `delete rule ${ruleName} in network security group ${p.name}`, SECURITY_RULES_DELETE.action);
  }
}

/** This module's SDK operations with their permissions, gathered by rbac-actions.ts into the roles' table. */
export const PERMISSIONS: readonly SdkPermission[] = [NETWORK_SECURITY_GROUPS_GET, VIRTUAL_NETWORKS_GET, SUBNETS_GET, SCALE_SET_NICS_LIST, LOAD_BALANCERS_GET, PUBLIC_IP_ADDRESSES_GET, ROUTE_TABLES_GET, NAT_GATEWAYS_GET, APPLICATION_SECURITY_GROUPS_GET, NETWORK_SECURITY_GROUPS_PUT, SECURITY_RULES_PUT, SECURITY_RULES_DELETE];
