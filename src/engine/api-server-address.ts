/**
 * API Server VNet Integration (apiServerAccessProfile.enableVnetIntegration): the API server is
 * projected into a delegated subnet of the cluster's VNet and the nodes reach it at an internal
 * load balancer address there, with no tunnel between them (Learn, "Use API Server VNet Integration":
 * "network traffic between your API server and your node pools remains on the private network" and
 * no tunnel is required). AKS names that load balancer kube-apiserver, in the node resource group.
 */
import type { AzureLayer } from '../azure/clients.js';
import { getLoadBalancer, getSubnet } from '../azure/network.js';
import { userMessageOf } from '../user-message.js';
import type { ManagedClusterLike } from './cluster-facts.js';

export interface VnetIntegration {
  /** The delegated API server subnet, when ARM names it (apiServerAccessProfile.subnetId). */
  subnetId?: string;
  /** The internal address the nodes reach the API server at, when it could be read. */
  internalIp?: string;
  /** How the address was found, or why it was not. */
  note: string;
}

export function usesVnetIntegration(cluster: ManagedClusterLike): boolean {
  return cluster.apiServerAccessProfile?.enableVnetIntegration === true;
}

/** The internal API server address: the kube-apiserver load balancer's frontend, else unknown. */
export async function readVnetIntegration(layer: AzureLayer, cluster: ManagedClusterLike, subscriptionId: string): Promise<VnetIntegration> {
  const subnetId = (cluster.apiServerAccessProfile as { subnetId?: string } | undefined)?.subnetId;
  const base = subnetId ? { subnetId } : {};
  if (!cluster.nodeResourceGroup) return { ...base, note: 'the node resource group is not known, so the internal API server address could not be read' };
  const lbId = `/subscriptions/${subscriptionId}/resourceGroups/${cluster.nodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kube-apiserver`;
  try {
    const lb = await getLoadBalancer(layer, lbId);
    const ip = lb.frontendIPConfigurations?.map((f) => f.privateIPAddress).find((a): a is string => Boolean(a));
    if (ip) return { ...base, internalIp: ip, note: `internal load balancer kube-apiserver, frontend ${ip}` };
  } catch (err) {
    if (!subnetId) return { note: `the internal load balancer kube-apiserver could not be read (${userMessageOf(err)})` };
  }
  if (!subnetId) return { note: 'the internal load balancer kube-apiserver has no private frontend address' };
  try {
    const subnet = await getSubnet(layer, subnetId);
    return { subnetId, note: `the API server sits in subnet ${subnet.name ?? subnetId} (${subnet.addressPrefix ?? subnet.addressPrefixes?.join(', ') ?? '?'}); its exact address could not be read` };
  } catch (err) {
    return { subnetId, note: `the API server subnet could not be read (${userMessageOf(err)})` };
  }
}
