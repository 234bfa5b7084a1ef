/**
 * The cluster's own nodes and NSGs, read fresh before a fix: a target named in a fix (which
 * travelled through an approval card and a store) is only acted on when it is one of these.
 */
import { parseArmId, sameArmId } from '../../azure/arm-id.js';
import type { AzureLayer } from '../../azure/clients.js';
import { getCluster } from '../../azure/clusters.js';
import { listScaleSetInstances, listScaleSets, type ScaleSetInstance } from '../../azure/compute.js';
import { getSubnet } from '../../azure/network.js';
import { poolFacts, type ManagedClusterLike, type ScaleSetLike } from '../cluster-facts.js';
import { gatherNodes } from '../gather.js';
import type { NodePoolFacts } from '../report.js';

/** A VMSS computer name as AKS makes them (aks-<pool>-<hash>-vmss<base36>), or any RFC 1123 label. */
const COMPUTER_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})$/;

export async function clusterPools(layer: AzureLayer, clusterId: string): Promise<NodePoolFacts[]> {
  const cluster = (await getCluster(layer, clusterId)) as ManagedClusterLike;
  if (!cluster.nodeResourceGroup) return [];
  const sets = (await listScaleSets(layer, parseArmId(clusterId).subscriptionId, cluster.nodeResourceGroup)) as ScaleSetLike[];
  return poolFacts(cluster, sets);
}

/** Every instance of every pool's scale set (one paged call per pool). */
export async function clusterInstances(layer: AzureLayer, clusterId: string): Promise<ScaleSetInstance[]> {
  const pools = (await clusterPools(layer, clusterId)).filter((p): p is NodePoolFacts & { vmss: string } => p.vmss !== undefined);
  return (await Promise.all(pools.map((p) => listScaleSetInstances(layer, p.vmss)))).flat();
}

export type NodeTargets = { ok: true; names: string[] } | { ok: false; reason: string };

/** `fix.target` of a node fix: computer names separated by commas, each a plain host name. */
export function parseNodeTarget(target: string): NodeTargets {
  const names = [...new Set(target.split(',').map((s) => s.trim()).filter((s) => s.length > 0))];
  if (names.length === 0) return { ok: false, reason: 'The fix names no node.' };
  const bad = names.find((n) => !COMPUTER_NAME.test(n));
  if (bad !== undefined) return { ok: false, reason: `"${bad.slice(0, 80)}" is not a node name.` };
  return { ok: true, names };
}

/**
 * The NSGs that filter traffic of this cluster's nodes: each node subnet's NSG and each NIC-level NSG.
 * Read from the NICs and subnets (not the cluster's resource group), so NSGs of a custom VNet in
 * another resource group count too.
 */
export async function clusterNsgIds(layer: AzureLayer, clusterId: string): Promise<string[]> {
  const nodes = await gatherNodes(layer, await clusterPools(layer, clusterId), []);
  const ids: string[] = [];
  const add = (id: string | undefined) => {
    if (id && !ids.some((known) => sameArmId(known, id))) ids.push(id);
  };
  for (const n of nodes) add(n.nicNsgId);
  const subnets: string[] = [];
  for (const n of nodes) if (n.subnetId && !subnets.some((s) => sameArmId(s, n.subnetId as string))) subnets.push(n.subnetId);
  for (const subnet of await Promise.all(subnets.map((id) => getSubnet(layer, id)))) add(subnet.networkSecurityGroup?.id);
  return ids;
}
