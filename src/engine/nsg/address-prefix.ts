/**
 * NSG address prefixes: "*", CIDR blocks, single IPs and service tags, and what each matches.
 *
 * Service-tag semantics (Azure "Virtual network service tags" article):
 * - VirtualNetwork: the VNet address space, peered VNets, connected on-premises ranges, prefixes
 *   used on user-defined routes, and the host's virtual IP 168.63.129.16. The caller supplies all
 *   but the last in TagContext.virtualNetworkPrefixes (note: a 0.0.0.0/0 UDR widens the tag to
 *   everything, which Azure really does).
 * - AzureLoadBalancer: the host virtual IP 168.63.129.16 only (where health probes come from).
 * - Internet: "the IP address space that's outside the virtual network and reachable by the
 *   public internet" — public addresses only: a private range (RFC 1918, 100.64/10 …) outside the
 *   VirtualNetwork tag is not Internet, so AllowInternetOutBound does not let traffic reach it.
 * - Any other tag (AzureCloud, Storage, AzureCloud.eastus …) stands for public Azure ranges we
 *   cannot know offline. Unless TagContext.serviceTagPrefixes lists its ranges, it matches no
 *   private/VNet address and *every* public address, and the match is reported as an assumption.
 *   Rationale: these tags appear in egress rules such as "allow AzureCloud 9000/443, deny
 *   Internet"; the tunnel endpoint (API server) is in AzureCloud, so "covers every public IP"
 *   gives the right answer for that common shape, and the assumption is surfaced to the user.
 * - Classic spellings INTERNET, VIRTUAL_NETWORK, AZURE_LOADBALANCER are accepted as aliases.
 * - "Any" is refused: it is the portal's label; the stored value is "*".
 */
import {
  AddressFormatError,
  blockContains,
  isNonPublicIpv4,
  looksLikeIpv6,
  parseIpv4,
  parseIpv4Block,
  tryParseIpv4Block,
  type Ipv4Block,
} from './ipv4.js';

export const AZURE_HOST_VIRTUAL_IP = '168.63.129.16';
const HOST_VIP = parseIpv4(AZURE_HOST_VIRTUAL_IP);

export type AddressTerm =
  | { kind: 'any' }
  | { kind: 'block'; block: Ipv4Block; text: string }
  | { kind: 'ipv6'; text: string }
  | { kind: 'virtual-network' }
  | { kind: 'azure-load-balancer' }
  | { kind: 'internet' }
  | { kind: 'service-tag'; tag: string };

const SERVICE_TAG = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/;

export function parseAddressPrefix(text: string): AddressTerm {
  const trimmed = text.trim();
  if (trimmed === '*') return { kind: 'any' };
  const block = tryParseIpv4Block(trimmed);
  if (block) return { kind: 'block', block, text: trimmed };
  const lower = trimmed.toLowerCase();
  if (lower === 'any') {
    throw new AddressFormatError(`"${trimmed}" is not a valid address prefix: Azure stores the portal's "Any" as "*"`);
  }
  if (lower === 'virtualnetwork' || lower === 'virtual_network') return { kind: 'virtual-network' };
  if (lower === 'azureloadbalancer' || lower === 'azure_loadbalancer') return { kind: 'azure-load-balancer' };
  if (lower === 'internet') return { kind: 'internet' };
  if (looksLikeIpv6(trimmed)) return { kind: 'ipv6', text: trimmed };
  // Digits first means someone meant an address: refuse rather than read it as a tag.
  if (/^[0-9]/.test(trimmed)) {
    throw new AddressFormatError(`"${trimmed}" is not a valid IPv4 address or CIDR block`);
  }
  if (SERVICE_TAG.test(trimmed)) return { kind: 'service-tag', tag: trimmed };
  throw new AddressFormatError(`"${trimmed}" is not a valid address prefix, IP address or service tag`);
}

export interface TagContextLike {
  virtualNetworkPrefixes: string[];
  serviceTagPrefixes?: Record<string, string[]>;
}

/** TagContext with its prefixes parsed once per evaluation. */
export interface CompiledTags {
  virtualNetwork: Ipv4Block[];
  serviceTags: Map<string, Ipv4Block[]>;
}

export function compileTags(ctx: TagContextLike): CompiledTags {
  const virtualNetwork = ctx.virtualNetworkPrefixes
    .filter((prefix) => !looksLikeIpv6(prefix))
    .map((prefix) => {
      try {
        return parseIpv4Block(prefix);
      } catch (error) {
        throw new AddressFormatError(`VirtualNetwork prefix ${(error as Error).message}`);
      }
    });
  const serviceTags = new Map<string, Ipv4Block[]>();
  for (const [tag, prefixes] of Object.entries(ctx.serviceTagPrefixes ?? {})) {
    serviceTags.set(
      tag.toLowerCase(),
      prefixes.filter((prefix) => !looksLikeIpv6(prefix)).map(parseIpv4Block),
    );
  }
  return { virtualNetwork, serviceTags };
}

export interface TermMatch {
  matched: boolean;
  /** Set when the match rests on the service-tag assumption described above. */
  assumption?: string;
}

function inVirtualNetwork(address: number, tags: CompiledTags): boolean {
  return address === HOST_VIP || tags.virtualNetwork.some((block) => blockContains(block, address));
}

export function matchAddressTerm(term: AddressTerm, address: number, addressText: string, tags: CompiledTags): TermMatch {
  switch (term.kind) {
    case 'any':
      return { matched: true };
    case 'block':
      return { matched: blockContains(term.block, address) };
    case 'ipv6':
      return { matched: false };
    case 'virtual-network':
      return { matched: inVirtualNetwork(address, tags) };
    case 'azure-load-balancer':
      return { matched: address === HOST_VIP };
    case 'internet':
      return { matched: !inVirtualNetwork(address, tags) && !isNonPublicIpv4(address) };
    case 'service-tag': {
      const known = tags.serviceTags.get(term.tag.toLowerCase());
      if (known) return { matched: known.some((block) => blockContains(block, address)) };
      if (inVirtualNetwork(address, tags) || isNonPublicIpv4(address)) return { matched: false };
      return {
        matched: true,
        assumption: `service tag ${term.tag} was assumed to include public address ${addressText} (its ranges are not known offline)`,
      };
    }
  }
}
