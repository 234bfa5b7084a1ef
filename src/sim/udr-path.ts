/**
 * User-defined routes between two nodes, as Azure's data path applies them: the route table of the
 * sending subnet picks the next hop for the destination address — the longest matching prefix,
 * and on equal prefixes a user-defined route over the system routes (learn.microsoft.com,
 * "Azure virtual network traffic routing", section "How Azure selects a route"). System routes:
 * each VNet address prefix → VirtualNetwork (VnetLocal), 0.0.0.0/0 → Internet.
 * A VirtualAppliance next hop hands the packet to that appliance; a scenario says which flows
 * each appliance drops (`appliances`). Next hop None drops everything.
 */
import type { Estate } from './estate.js';
import type { NodeNetwork } from './node-network.js';
import { virtualNetworkPrefixes } from './vnet-prefixes.js';

interface Hop { prefix: string; nextHopType: string; nextHopIp?: string; user: boolean }

function ipNumber(text: string): number {
  return text.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function prefixLength(cidr: string): number {
  return Number(cidr.split('/')[1] ?? 32);
}

function contains(cidr: string, addr: number): boolean {
  const [base] = cidr.split('/');
  const size = 2 ** (32 - prefixLength(cidr));
  return Math.floor(addr / size) === Math.floor(ipNumber(base ?? '0.0.0.0') / size);
}

function routesOf(estate: Estate, routeTableId: string | undefined): Hop[] {
  if (!routeTableId) return [];
  const routes = estate.resource(routeTableId)?.properties?.routes;
  if (!Array.isArray(routes)) return [];
  return routes.flatMap((r: any) => {
    const p = r?.properties ?? r;
    if (typeof p?.addressPrefix !== 'string' || !/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(p.addressPrefix)) return [];
    return [{ prefix: p.addressPrefix, nextHopType: String(p.nextHopType ?? ''), ...(p.nextHopIpAddress ? { nextHopIp: String(p.nextHopIpAddress) } : {}), user: true }];
  });
}

/** The route Azure picks from `net`'s subnet towards `destinationIp`. */
export function effectiveHop(estate: Estate, net: NodeNetwork, destinationIp: string): Hop | undefined {
  const addr = ipNumber(destinationIp);
  const system: Hop[] = [
    ...virtualNetworkPrefixes(estate).map((prefix) => ({ prefix, nextHopType: 'VnetLocal', user: false })),
    { prefix: '0.0.0.0/0', nextHopType: 'Internet', user: false },
  ];
  const candidates = [...routesOf(estate, net.routeTableId), ...system].filter((h) => contains(h.prefix, addr));
  candidates.sort((a, b) => prefixLength(b.prefix) - prefixLength(a.prefix) || Number(b.user) - Number(a.user));
  return candidates[0];
}

/** Whether the routed path from one node to another (either direction) drops this flow. */
export function routedPathDrops(
  estate: Estate,
  from: { net: NodeNetwork; ip: string },
  to: { net: NodeNetwork; ip: string },
  flow: { protocol: 'tcp' | 'udp'; port: number },
): boolean {
  // The reply of a TCP flow takes the receiving subnet's routes; an appliance on either leg sees it.
  for (const [net, dest] of [[from.net, to.ip], [to.net, from.ip]] as const) {
    const hop = effectiveHop(estate, net, dest);
    if (!hop) continue;
    const type = hop.nextHopType.toLowerCase();
    if (type === 'none') return true;
    if (type === 'virtualappliance') {
      const appliance = (estate.scenario.appliances ?? []).find((a) => a.ip === hop.nextHopIp);
      if (appliance?.drops.some((d) => d.protocol === flow.protocol && d.port === flow.port)) return true;
    }
  }
  return false;
}
