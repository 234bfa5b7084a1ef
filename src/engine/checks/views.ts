/**
 * What the checks decide from: views gathered once per diagnosis from the Azure layer
 * (src/engine/gather.ts) and handed to pure decision functions, one per check.
 */
import type { NsgLike } from '../nsg/evaluate.js';
import type { CheckResult, TunnelKind } from '../report.js';

/** A check's verdict before the orchestrator adds its id and duration. */
export type CheckOutcome = Omit<CheckResult, 'id' | 'durationMs'>;

export interface NodeView {
  computerName: string;
  vmssId: string;
  instanceId: string;
  pool?: string;
  osType: 'Linux' | 'Windows';
  /** "running", "deallocated", "stopped", … (from the instance view). */
  powerState: string;
  privateIp?: string;
  subnetId?: string;
  /** NIC-level NSG, if any. */
  nicNsgId?: string;
  asgIds: string[];
  /** Runs a tunnel agent pod: the API server reaches kubelets through these nodes. */
  isTunnelAgent: boolean;
}

export interface SubnetView {
  id: string;
  name: string;
  addressPrefixes: string[];
  nsgId?: string;
  routeTableId?: string;
  natGatewayId?: string;
}

export interface RouteView {
  name: string;
  addressPrefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
}

export interface NsgView extends NsgLike {
  /** In the cluster's node resource group: AKS manages it and may reconcile changes. */
  managedByAks: boolean;
  etag?: string;
}

export interface NetworkView {
  /** Keys are lower-cased ARM ids, as ARM ids are case-insensitive. */
  nsgs: Map<string, NsgView>;
  subnets: Map<string, SubnetView>;
  routeTables: Map<string, { id: string; name: string; routes: RouteView[] }>;
  /** The VNets' address spaces (and peered spaces): the VirtualNetwork service tag. */
  virtualNetworkPrefixes: string[];
  /** What could not be read, e.g. an NSG behind a 403: { resource, why, resolve }. */
  unreadable: Array<{ resource: string; why: string; resolve: string }>;
}

export interface TunnelView {
  kind: TunnelKind;
  /** API server FQDN (public or private). */
  apiServerFqdn?: string;
  /** Why the tunnel kind is unknown, when something more precise than "pods unreadable" is known. */
  unknownReason?: { why: string; resolve: string };
  /** API Server VNet Integration: no tunnel; the nodes reach the API server at an internal address. */
  vnetIntegration?: { internalIp?: string; note: string };
}

export const key = (armId: string) => armId.toLowerCase();
