/**
 * Cluster facts for the report, from the managed cluster resource and the tunnel agent pods.
 * Pure: the reads happen in the diagnosis context.
 */
import type { ClusterFacts, NodePoolFacts, TunnelKind } from './report.js';
import type { ClusterRef } from '../cluster-ref.js';

/** The fields of @azure/arm-containerservice's ManagedCluster this module reads. */
export interface ManagedClusterLike {
  id?: string;
  name?: string;
  location?: string;
  kubernetesVersion?: string;
  currentKubernetesVersion?: string;
  nodeResourceGroup?: string;
  fqdn?: string;
  privateFqdn?: string;
  agentPoolProfiles?: Array<{ name: string; count?: number; vmSize?: string; osType?: string; mode?: string; vnetSubnetID?: string; type?: string }>;
  networkProfile?: { outboundType?: string };
  apiServerAccessProfile?: { enablePrivateCluster?: boolean; disableRunCommand?: boolean; enableVnetIntegration?: boolean };
  /** Set on Microsoft Entra ID clusters (command invoke then needs a clusterToken, see azure/clusters.ts). */
  aadProfile?: object;
}

export interface ScaleSetLike {
  id?: string;
  name?: string;
  tags?: Record<string, string>;
  sku?: { capacity?: number };
  virtualMachineProfile?: {
    networkProfile?: {
      networkInterfaceConfigurations?: Array<{ ipConfigurations?: Array<{ subnet?: { id?: string } }> }>;
    };
  };
}

export function poolFacts(cluster: ManagedClusterLike, scaleSets: ScaleSetLike[]): NodePoolFacts[] {
  return (cluster.agentPoolProfiles ?? []).map((p) => {
    // Only scale-set pools have a scale set (type VirtualMachineScaleSets, ARM's default when absent).
    const scaleSetPool = p.type === undefined || p.type === 'VirtualMachineScaleSets';
    // AKS tags each pool's scale set with its pool name; the name prefix is the fallback for old clusters.
    const vmss = !scaleSetPool
      ? undefined
      : scaleSets.find((s) => s.tags?.['aks-managed-poolName'] === p.name) ?? scaleSets.find((s) => s.name?.startsWith(`aks-${p.name}-`));
    const subnetId =
      p.vnetSubnetID ?? vmss?.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0]?.ipConfigurations?.[0]?.subnet?.id;
    return {
      name: p.name,
      ...(p.mode ? { mode: p.mode } : {}),
      osType: p.osType === 'Windows' ? 'Windows' : 'Linux',
      count: p.count ?? vmss?.sku?.capacity ?? 0,
      ...(p.vmSize ? { vmSize: p.vmSize } : {}),
      ...(vmss?.id ? { vmss: vmss.id } : {}),
      ...(subnetId ? { subnetId } : {}),
      ...(scaleSetPool ? {} : { type: p.type }),
    };
  });
}

export function clusterFacts(
  ref: ClusterRef,
  cluster: ManagedClusterLike,
  pools: NodePoolFacts[],
  tunnel: { kind: TunnelKind; pods: string[] },
): ClusterFacts {
  return {
    id: cluster.id ?? ref.id,
    name: cluster.name ?? ref.name,
    tunnel: tunnel.kind,
    private: cluster.apiServerAccessProfile?.enablePrivateCluster === true,
    // ARM omits outboundType on old clusters; loadBalancer is Azure's default.
    outboundType: cluster.networkProfile?.outboundType ?? 'loadBalancer',
    nodeCount: pools.reduce((n, p) => n + p.count, 0),
    resourceGroup: ref.resourceGroup,
    subscriptionId: ref.subscriptionId,
    ...(cluster.location ?? ref.location ? { location: cluster.location ?? ref.location } : {}),
    ...(cluster.currentKubernetesVersion ?? cluster.kubernetesVersion
      ? { kubernetesVersion: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion }
      : {}),
    ...(cluster.nodeResourceGroup ? { nodeResourceGroup: cluster.nodeResourceGroup } : {}),
    ...(cluster.fqdn ?? cluster.privateFqdn ? { fqdn: cluster.fqdn ?? cluster.privateFqdn } : {}),
    nodePools: pools,
    tunnelPods: tunnel.pods,
  };
}
