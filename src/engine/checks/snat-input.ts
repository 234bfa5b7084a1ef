/**
 * What snat-exhaustion decides from: the cluster's egress (load balancer or NAT gateway), the SNAT
 * metrics read for it (src/engine/gather-snat.ts) and the node pools the fixes size ports for.
 */
import type { NetworkView, NodeView } from './views.js';

export interface SnatMetrics {
  /** SnatConnectionCount with ConnectionState=Failed, summed over the window. */
  failedConnections: number;
  /** UsedSnatPorts / AllocatedSnatPorts samples, index-aligned. */
  usedPorts: number[];
  allocatedPorts: number[];
  /** Added (optional): the peak per backend (dimension BackendIPAddress), so the nodes near or
   * at exhaustion can be named. */
  backends?: Array<{ backendIp: string; usedPorts: number; allocatedPorts: number }>;
  /** Added (optional): Azure Monitor returned as many per-backend series as `top` allowed, so
   * some backends may be missing from `backends` (MetricsListOptionalParams.top). */
  backendsCut?: { top: number };
}

export interface SnatExhaustionInput {
  private: boolean;
  outboundType: string;
  /** Added: the cluster, for the `az aks update` commands of the fixes (resource group and name). */
  cluster: { id: string; name: string; resourceGroup?: string };
  loadBalancer?: { id: string; name: string; allocatedOutboundPorts?: number; outboundIpCount: number };
  natGateway?: { id: string; name: string; publicIpCount: number };
  metrics?: SnatMetrics | { unreadable: { why: string; resolve: string } };
  pools: Array<{ name: string; count: number; maxCount?: number; maxSurge?: string }>;
  /** Added (optional): to name the nodes behind the backends / the NAT gateway. */
  nodes?: NodeView[];
  /** Added (optional): which subnets the NAT gateway serves. */
  network?: NetworkView;
  /**
   * Added (optional): the node pools sit in a subnet of the customer's own VNet
   * (agentPoolProfiles[].vnetSubnetID). Azure refuses outbound type managedNATGateway there
   * ("Update the outbound type of a cluster": managedNATGateway is for AKS-managed VNets,
   * userAssignedNATGateway for bring-your-own VNets), so the advice differs.
   */
  byoVnet?: boolean;
}
