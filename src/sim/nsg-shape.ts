/**
 * NSGs as ARM returns them: every security rule with id, etag and type, and Azure's six
 * default rules (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules)
 * added when the scenario leaves them out. The defaults are the simulator's own
 * (nsg-rules.ts), written from that article, not borrowed from the engine.
 */
import type { ArmResource } from '../scenario/types.js';
import { defaultSecurityRulesArm } from './nsg-rules.js';

type Json = Record<string, any>;

/** A rule as scenario authors may write it: flattened, as the SDK models it. */
interface FlatRule {
  name: string;
  description?: string;
  priority: number;
  direction: string;
  access: string;
  protocol: string;
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  sourceApplicationSecurityGroups?: Array<{ id?: string }>;
  destinationApplicationSecurityGroups?: Array<{ id?: string }>;
}

/** A flattened rule (SDK / evaluator shape) as the `properties` of an ARM rule. */
export function ruleProperties(rule: FlatRule): Json {
  const p: Json = {
    provisioningState: 'Succeeded',
    protocol: rule.protocol,
    sourcePortRanges: rule.sourcePortRanges ?? [],
    destinationPortRanges: rule.destinationPortRanges ?? [],
    sourceAddressPrefixes: rule.sourceAddressPrefixes ?? [],
    destinationAddressPrefixes: rule.destinationAddressPrefixes ?? [],
    access: rule.access,
    priority: rule.priority,
    direction: rule.direction,
  };
  if (rule.description !== undefined) p.description = rule.description;
  if (rule.sourcePortRange !== undefined) p.sourcePortRange = rule.sourcePortRange;
  if (rule.destinationPortRange !== undefined) p.destinationPortRange = rule.destinationPortRange;
  if (rule.sourceAddressPrefix !== undefined) p.sourceAddressPrefix = rule.sourceAddressPrefix;
  if (rule.destinationAddressPrefix !== undefined) p.destinationAddressPrefix = rule.destinationAddressPrefix;
  if (rule.sourceApplicationSecurityGroups?.length) p.sourceApplicationSecurityGroups = rule.sourceApplicationSecurityGroups;
  if (rule.destinationApplicationSecurityGroups?.length) p.destinationApplicationSecurityGroups = rule.destinationApplicationSecurityGroups;
  return p;
}

export function defaultSecurityRules(nsgId: string, etag: string | undefined): Json[] {
  return defaultSecurityRulesArm(nsgId, etag);
}

/** Normalises a stored NSG in place: ids/etags/types on rules, provisioning states. */
export function normaliseNsg(nsg: ArmResource): void {
  nsg.properties ??= {};
  const props = nsg.properties;
  props.provisioningState ??= 'Succeeded';
  props.resourceGuid ??= crypto.randomUUID();
  const rules: Json[] = Array.isArray(props.securityRules) ? props.securityRules : [];
  props.securityRules = rules.map((r) => withRuleIdentity(nsg, r, 'securityRules'));
}

function withRuleIdentity(nsg: ArmResource, rule: Json, kind: 'securityRules' | 'defaultSecurityRules'): Json {
  // Scenario authors may write rules flattened (as the SDK models them); ARM nests them in properties.
  const flattened = rule.properties === undefined && rule.access !== undefined;
  const properties = flattened ? ruleProperties(rule as FlatRule) : { provisioningState: 'Succeeded', ...(rule.properties ?? {}) };
  return {
    name: rule.name,
    id: rule.id ?? `${nsg.id}/${kind}/${rule.name}`,
    ...(nsg.etag ? { etag: nsg.etag } : {}),
    type: `Microsoft.Network/networkSecurityGroups/${kind}`,
    properties,
  };
}

/** The NSG as a GET returns it: a copy with the default rules filled in. */
export function nsgForRead(nsg: ArmResource): ArmResource {
  const copy = structuredClone(nsg);
  normaliseNsg(copy);
  const props = copy.properties as Json;
  if (!Array.isArray(props.defaultSecurityRules) || props.defaultSecurityRules.length === 0) {
    props.defaultSecurityRules = defaultSecurityRules(copy.id, copy.etag);
  } else {
    props.defaultSecurityRules = props.defaultSecurityRules.map((r: Json) => withRuleIdentity(copy, r, 'defaultSecurityRules'));
  }
  return copy;
}
