/**
 * Where a node sits on the network, read from the scenario the way Azure wires a scale-set
 * instance: the VMSS model's primary NIC configuration gives the NIC-level NSG and the
 * ASGs; its primary IP configuration names the subnet, whose properties give the subnet NSG
 * and route table.
 */
import type { ArmResource, ScenarioNode } from '../scenario/types.js';
import type { Estate } from './estate.js';

export interface NodeNetwork {
  nicConfigName: string;
  ipConfigName: string;
  nicNsgId?: string;
  subnetId?: string;
  subnet?: ArmResource;
  subnetNsgId?: string;
  routeTableId?: string;
  asgIds: string[];
  loadBalancerBackendAddressPools: Array<{ id: string }>;
  enableAcceleratedNetworking?: boolean;
  enableIPForwarding?: boolean;
}

type Json = Record<string, any>;

export function nicConfigurationsOf(vmss: ArmResource | undefined): Json[] {
  const configs = vmss?.properties?.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations;
  return Array.isArray(configs) ? configs : [];
}

export function primaryOf<T extends Json>(items: T[]): T | undefined {
  return items.find((c) => c?.properties?.primary === true || c?.primary === true) ?? items[0];
}

/** A subnet as ARM returns it: either its own resource in the scenario or the entry inside its VNet. */
export function findSubnet(estate: Estate, subnetId: string): ArmResource | undefined {
  const own = estate.resource(subnetId);
  if (own) return own;
  const m = /^(.*\/virtualnetworks\/[^/]+)\/subnets\/([^/]+)$/i.exec(subnetId);
  if (!m) return undefined;
  const vnet = estate.resource(m[1] as string);
  const subnets: Json[] = Array.isArray(vnet?.properties?.subnets) ? vnet.properties.subnets : [];
  const name = (m[2] as string).toLowerCase();
  const found = subnets.find((s) => String(s?.name ?? '').toLowerCase() === name || String(s?.id ?? '').toLowerCase() === subnetId.toLowerCase());
  if (!found) return undefined;
  return {
    ...found,
    id: found.id ?? subnetId,
    name: found.name ?? m[2],
    type: found.type ?? 'Microsoft.Network/virtualNetworks/subnets',
    ...(vnet?.etag && !found.etag ? { etag: vnet.etag } : {}),
  } as ArmResource;
}

export function nodeNetwork(estate: Estate, node: ScenarioNode): NodeNetwork {
  const vmss = estate.resource(node.vmss);
  const nic = primaryOf(nicConfigurationsOf(vmss));
  const ipConfigs: Json[] = Array.isArray(nic?.properties?.ipConfigurations) ? nic.properties.ipConfigurations : [];
  const ip = primaryOf(ipConfigs);
  const net: NodeNetwork = {
    nicConfigName: String(nic?.name ?? vmssName(node.vmss)),
    ipConfigName: String(ip?.name ?? 'ipconfig1'),
    asgIds: (Array.isArray(ip?.properties?.applicationSecurityGroups) ? ip.properties.applicationSecurityGroups : [])
      .map((a: Json) => String(a?.id ?? ''))
      .filter((s: string) => s.length > 0),
    loadBalancerBackendAddressPools: Array.isArray(ip?.properties?.loadBalancerBackendAddressPools) ? ip.properties.loadBalancerBackendAddressPools : [],
  };
  const nicNsg = nic?.properties?.networkSecurityGroup?.id;
  if (typeof nicNsg === 'string') net.nicNsgId = nicNsg;
  if (typeof nic?.properties?.enableAcceleratedNetworking === 'boolean') net.enableAcceleratedNetworking = nic.properties.enableAcceleratedNetworking;
  if (typeof nic?.properties?.enableIPForwarding === 'boolean') net.enableIPForwarding = nic.properties.enableIPForwarding;
  const subnetId = ip?.properties?.subnet?.id;
  if (typeof subnetId === 'string') {
    net.subnetId = subnetId;
    const subnet = findSubnet(estate, subnetId);
    if (subnet) {
      net.subnet = subnet;
      const nsg = subnet.properties?.networkSecurityGroup?.id;
      if (typeof nsg === 'string') net.subnetNsgId = nsg;
      const rt = subnet.properties?.routeTable?.id;
      if (typeof rt === 'string') net.routeTableId = rt;
    }
  }
  return net;
}

export function vmssName(vmssId: string): string {
  return vmssId.split('/').pop() ?? vmssId;
}
