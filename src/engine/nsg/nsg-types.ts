/**
 * The shapes NSG evaluation works on (evaluate.ts) and the default rules are written in
 * (default-rules.ts): a module of its own so that neither imports the other for them.
 */

/** Same property names as @azure/arm-network's flattened SecurityRule. */
export interface SecurityRuleLike {
  id?: string;
  name: string;
  /** Added to the shared contract (optional): ARM's rule description, max 140 chars. */
  description?: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  /** 'Tcp' | 'Udp' | 'Icmp' | 'Esp' | 'Ah' | '*' */
  protocol: string;
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceApplicationSecurityGroups?: Array<{ id?: string }>;
  destinationApplicationSecurityGroups?: Array<{ id?: string }>;
}

export interface NsgLike {
  id: string;
  name?: string;
  securityRules?: SecurityRuleLike[];
  /** When missing or empty, AZURE_DEFAULT_SECURITY_RULES are used (every Azure NSG has them). */
  defaultSecurityRules?: SecurityRuleLike[];
}

export interface TagContext {
  /** VNet + peered + on-prem (+ UDR) prefixes that make up the VirtualNetwork tag.
   * 168.63.129.16 (the host's virtual IP) is always added, as Azure does. */
  virtualNetworkPrefixes: string[];
  /** Optional (added to the contract): known ranges of other service tags, e.g. from the
   * Service Tag Discovery API, keyed by tag name (case-insensitive). Without it, other tags are
   * assumed to cover every public address (see address-prefix.ts). */
  serviceTagPrefixes?: Record<string, string[]>;
}

export interface Flow {
  direction: 'Inbound' | 'Outbound';
  protocol: 'Tcp' | 'Udp' | 'Icmp';
  sourceIp: string;
  /** When unknown (an ephemeral port), only rules whose source ports cover 0-65535 match. */
  sourcePort?: number;
  destinationIp: string;
  /** Ignored for Icmp flows, which only match rules whose port ranges cover all ports. */
  destinationPort: number;
  sourceAsgIds?: string[];
  destinationAsgIds?: string[];
}

export interface NsgVerdict {
  nsgId: string;
  nsgName?: string;
  access: 'Allow' | 'Deny';
  ruleName: string;
  priority: number;
  isDefault: boolean;
  level: 'subnet' | 'nic';
  /** Added (optional): ARM id of the deciding rule, when known. */
  ruleId?: string;
  /** Added (optional): assumptions the verdict rests on (unknown service-tag ranges). */
  assumptions?: string[];
}
