/**
 * Azure's six default security rules, in the flattened form ARM returns under
 * properties.defaultSecurityRules (names, descriptions and values as ARM reports them;
 * "Network security groups" overview, "Default security rules"). Every NSG has them and they
 * cannot be removed, only overridden by rules with a lower priority number.
 */
import type { SecurityRuleLike } from './nsg-types.js';

function defaultRule(rule: Omit<SecurityRuleLike, 'sourcePortRange' | 'destinationPortRange' | 'protocol' | 'sourcePortRanges' | 'destinationPortRanges' | 'sourceAddressPrefixes' | 'destinationAddressPrefixes'>): SecurityRuleLike {
  return Object.freeze({
    protocol: '*',
    sourcePortRange: '*',
    destinationPortRange: '*',
    ...rule,
    sourcePortRanges: Object.freeze([]) as unknown as string[],
    destinationPortRanges: Object.freeze([]) as unknown as string[],
    sourceAddressPrefixes: Object.freeze([]) as unknown as string[],
    destinationAddressPrefixes: Object.freeze([]) as unknown as string[],
  });
}

/** Frozen: callers that need to store them copy them (`structuredClone`). */
export const AZURE_DEFAULT_SECURITY_RULES: SecurityRuleLike[] = Object.freeze([
  defaultRule({
    name: 'AllowVnetInBound',
    description: 'Allow inbound traffic from all VMs in VNET',
    sourceAddressPrefix: 'VirtualNetwork',
    destinationAddressPrefix: 'VirtualNetwork',
    access: 'Allow',
    priority: 65000,
    direction: 'Inbound',
  }),
  defaultRule({
    name: 'AllowAzureLoadBalancerInBound',
    description: 'Allow inbound traffic from azure load balancer',
    sourceAddressPrefix: 'AzureLoadBalancer',
    destinationAddressPrefix: '*',
    access: 'Allow',
    priority: 65001,
    direction: 'Inbound',
  }),
  defaultRule({
    name: 'DenyAllInBound',
    description: 'Deny all inbound traffic',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    access: 'Deny',
    priority: 65500,
    direction: 'Inbound',
  }),
  defaultRule({
    name: 'AllowVnetOutBound',
    description: 'Allow outbound traffic from all VMs to all VMs in VNET',
    sourceAddressPrefix: 'VirtualNetwork',
    destinationAddressPrefix: 'VirtualNetwork',
    access: 'Allow',
    priority: 65000,
    direction: 'Outbound',
  }),
  defaultRule({
    name: 'AllowInternetOutBound',
    description: 'Allow outbound traffic from all VMs to Internet',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: 'Internet',
    access: 'Allow',
    priority: 65001,
    direction: 'Outbound',
  }),
  defaultRule({
    name: 'DenyAllOutBound',
    description: 'Deny all outbound traffic',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    access: 'Deny',
    priority: 65500,
    direction: 'Outbound',
  }),
]) as unknown as SecurityRuleLike[];
