/**
 * Which route a node's subnet uses for a destination, as Azure picks it ("Virtual network
 * traffic routing", "How Azure selects a route"):
 * - longest prefix match over user-defined routes and system routes;
 * - on an equal prefix, the user-defined route wins over the system route;
 * - system routes: each VNet address range → VnetLocal, 0.0.0.0/0 → Internet, and the reserved
 *   10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 → None (dropped), except that a
 *   reserved route inside or equal to a VNet range is replaced by the VNet route.
 * Used by the egress check to say "0.0.0.0/0 goes to VirtualAppliance 10.0.0.4".
 * BGP routes and service-tag routes are not modelled: a user route whose prefix is a service
 * tag is skipped (its ranges are not known offline); IPv6 routes are skipped too.
 */
import {
  AddressFormatError,
  blockContains,
  formatBlock,
  looksLikeIpv6,
  parseIpv4,
  parseIpv4Block,
  type Ipv4Block,
} from '../nsg/ipv4.js';

export interface RouteLike {
  name: string;
  addressPrefix: string;
  /** 'VirtualAppliance' | 'VirtualNetworkGateway' | 'VnetLocal' | 'Internet' | 'None' */
  nextHopType: string;
  nextHopIpAddress?: string;
}

export interface NextHop {
  /** The user-defined route's name; absent for system routes. */
  routeName?: string;
  prefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
  isUserDefined: boolean;
}

const RESERVED_NONE_PREFIXES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] as const;

interface Candidate {
  block: Ipv4Block;
  hop: NextHop;
}

function blockWithin(inner: Ipv4Block, outer: Ipv4Block): boolean {
  return outer.length <= inner.length && blockContains(outer, inner.network);
}

function systemRoutes(virtualNetworkPrefixes: readonly string[]): Candidate[] {
  const vnetBlocks = virtualNetworkPrefixes.filter((prefix) => !looksLikeIpv6(prefix)).map(parseIpv4Block);
  const candidates: Candidate[] = vnetBlocks.map((block) => ({
    block,
    hop: { prefix: formatBlock(block), nextHopType: 'VnetLocal', isUserDefined: false },
  }));
  for (const text of RESERVED_NONE_PREFIXES) {
    const block = parseIpv4Block(text);
    if (vnetBlocks.some((vnet) => blockWithin(block, vnet))) continue;
    candidates.push({ block, hop: { prefix: text, nextHopType: 'None', isUserDefined: false } });
  }
  candidates.push({ block: parseIpv4Block('0.0.0.0/0'), hop: { prefix: '0.0.0.0/0', nextHopType: 'Internet', isUserDefined: false } });
  return candidates;
}

function userRoutes(routes: readonly RouteLike[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const route of routes) {
    const prefix = route.addressPrefix.trim();
    if (looksLikeIpv6(prefix)) continue;
    // Service-tag routes (e.g. "AzureCloud", "Storage.EastUS"): ranges unknown offline.
    if (/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/.test(prefix)) continue;
    let block: Ipv4Block;
    try {
      block = parseIpv4Block(prefix);
    } catch {
      throw new AddressFormatError(`route "${route.name}" has an invalid address prefix "${route.addressPrefix}"`);
    }
    candidates.push({
      block,
      hop: {
        routeName: route.name,
        prefix,
        nextHopType: route.nextHopType,
        ...(route.nextHopIpAddress ? { nextHopIpAddress: route.nextHopIpAddress } : {}),
        isUserDefined: true,
      },
    });
  }
  return candidates;
}

/** The route Azure uses from the subnet to `destinationIp`. `virtualNetworkPrefixes` (the VNet's
 * address space) adds the VnetLocal system routes; without it only 0.0.0.0/0 and the reserved
 * None routes are known. */
export function nextHopFor(
  routes: readonly RouteLike[],
  destinationIp: string,
  opts: { virtualNetworkPrefixes?: readonly string[] } = {},
): NextHop {
  const address = parseIpv4(destinationIp);
  // User routes first, so on an equal prefix length the user route is kept (strict > below).
  const candidates = [...userRoutes(routes), ...systemRoutes(opts.virtualNetworkPrefixes ?? [])];
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (!blockContains(candidate.block, address)) continue;
    if (!best || candidate.block.length > best.block.length) best = candidate;
  }
  // 0.0.0.0/0 is always a candidate, so best is set.
  return { ...(best as Candidate).hop };
}
