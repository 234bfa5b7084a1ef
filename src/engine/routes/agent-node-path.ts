/**
 * Routes between the tunnel agents and the kubelets. A route table on the agent's subnet decides
 * the agent → node leg, the node's subnet the reply (node → agent); a user route on either that
 * sends it to a VirtualAppliance (or None) puts a firewall — or a black hole — between them.
 * Typical: a route for the VNet prefix, a node prefix, or 0.0.0.0/0 once a user route has
 * overridden the VNet's own system route. Evaluated as Azure does (nextHopFor: longest prefix,
 * user routes over system routes on an equal prefix).
 */
import { nextHopFor, type NextHop } from './effective-route.js';
import { key, type NetworkView, type NodeView } from '../checks/views.js';

export interface RoutedLeg {
  from: string;
  to: string;
  tableName: string;
  tableId: string;
  hop: NextHop;
}

function legOf(network: Pick<NetworkView, 'subnets' | 'routeTables' | 'virtualNetworkPrefixes'>, from: NodeView, to: NodeView): RoutedLeg | undefined {
  if (!to.privateIp || !from.subnetId) return undefined;
  const subnet = network.subnets.get(key(from.subnetId));
  const table = subnet?.routeTableId ? network.routeTables.get(key(subnet.routeTableId)) : undefined;
  if (!table) return undefined;
  let hop: NextHop;
  try {
    hop = nextHopFor(table.routes, to.privateIp, { virtualNetworkPrefixes: network.virtualNetworkPrefixes });
  } catch {
    return undefined; // an unparsable route prefix: the egress check names it
  }
  if (!hop.isUserDefined || !/^(virtualappliance|none)$/i.test(hop.nextHopType)) return undefined;
  return { from: from.computerName, to: to.computerName, tableName: table.name, tableId: table.id, hop };
}

/** The legs of agent → node and node → agent that a user route sends to an appliance or drops. */
export function legsThroughAppliance(network: Pick<NetworkView, 'subnets' | 'routeTables' | 'virtualNetworkPrefixes'>, agent: NodeView, node: NodeView): RoutedLeg[] {
  if (agent.computerName === node.computerName) return [];
  return [legOf(network, agent, node), legOf(network, node, agent)].filter((l): l is RoutedLeg => l !== undefined);
}

export function legText(leg: RoutedLeg): string {
  const hop = leg.hop.nextHopType.toLowerCase() === 'none' ? 'next hop None (dropped)' : `next hop VirtualAppliance ${leg.hop.nextHopIpAddress ?? ''}`.trim();
  return `${leg.from} → ${leg.to}: route table ${leg.tableName} route ${leg.hop.routeName ?? '?'} (${leg.hop.prefix}) sends it to ${hop}`;
}
