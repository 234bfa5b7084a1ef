/**
 * Between ARM's wire shape of a network security group (rules nest their fields under
 * `properties`) and the flattened NsgLike the evaluator reads (the SDK's shape).
 * The simulator reads scenario resources with nsgFromArm and writes rules back with
 * securityRuleToArm; the engine turns SDK objects into NsgLike with nsgFromSdk.
 */
import { AZURE_DEFAULT_SECURITY_RULES } from './default-rules.js';
import type { NsgLike, SecurityRuleLike } from './evaluate.js';

const RULE_FIELDS = [
  'description',
  'protocol',
  'sourcePortRange',
  'sourcePortRanges',
  'destinationPortRange',
  'destinationPortRanges',
  'sourceAddressPrefix',
  'sourceAddressPrefixes',
  'destinationAddressPrefix',
  'destinationAddressPrefixes',
  'sourceApplicationSecurityGroups',
  'destinationApplicationSecurityGroups',
  'access',
  'priority',
  'direction',
] as const;

type RuleField = (typeof RULE_FIELDS)[number];

function pickRuleFields(source: Record<string, unknown>): Partial<Pick<SecurityRuleLike, RuleField>> {
  const picked: Record<string, unknown> = {};
  for (const field of RULE_FIELDS) {
    const value = source[field];
    if (value === undefined || value === null) continue;
    if (field === 'sourceApplicationSecurityGroups' || field === 'destinationApplicationSecurityGroups') {
      // Keep only the id: ARM may embed the whole ASG resource here.
      picked[field] = (value as Array<{ id?: string }>).map((asg) => (asg.id === undefined ? {} : { id: asg.id }));
    } else {
      picked[field] = Array.isArray(value) ? [...(value as unknown[])] : value;
    }
  }
  return picked as Partial<Pick<SecurityRuleLike, RuleField>>;
}

/** One rule as ARM returns it ({ id, name, properties: { priority, … } }). A rule already in
 * flattened form (no `properties`) is read as is, which hand-written scenarios sometimes use. */
export function securityRuleFromArm(raw: {
  id?: string;
  name?: string;
  properties?: Record<string, unknown>;
  [field: string]: unknown;
}): SecurityRuleLike {
  const fields = raw.properties && typeof raw.properties === 'object' ? raw.properties : (raw as Record<string, unknown>);
  return {
    ...(typeof raw.id === 'string' ? { id: raw.id } : {}),
    name: typeof raw.name === 'string' ? raw.name : '',
    ...pickRuleFields(fields),
  } as SecurityRuleLike;
}

function rulesFrom(list: unknown): SecurityRuleLike[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((raw) => securityRuleFromArm(raw as Parameters<typeof securityRuleFromArm>[0]));
}

/** Raw ARM JSON (properties.securityRules[].properties…) → NsgLike; keeps defaultSecurityRules
 * when the resource has them (the evaluator falls back to Azure's six otherwise). */
export function nsgFromArm(resource: { id: string; name: string; properties?: any }): NsgLike {
  const properties = (resource.properties ?? {}) as Record<string, unknown>;
  const securityRules = rulesFrom(properties['securityRules']) ?? [];
  const defaultSecurityRules = rulesFrom(properties['defaultSecurityRules']);
  return {
    id: resource.id,
    name: resource.name,
    securityRules,
    ...(defaultSecurityRules ? { defaultSecurityRules } : {}),
  };
}

export type ArmSecurityRule = {
  id?: string;
  name: string;
  type?: string;
  properties: Record<string, unknown>;
};

/** NsgLike rule → ARM wire shape. With `parentId`, gives it the id ARM would:
 * `<nsgId>/securityRules/<name>` (or `/defaultSecurityRules/<name>`). */
export function securityRuleToArm(
  rule: SecurityRuleLike,
  parentId?: string,
  collection: 'securityRules' | 'defaultSecurityRules' = 'securityRules',
): ArmSecurityRule {
  const id = parentId !== undefined ? `${parentId}/${collection}/${rule.name}` : rule.id;
  return {
    ...(id !== undefined ? { id } : {}),
    name: rule.name,
    type: `Microsoft.Network/networkSecurityGroups/${collection}`,
    properties: { provisioningState: 'Succeeded', ...pickRuleFields(rule as unknown as Record<string, unknown>) },
  };
}

/** Azure's six defaults in ARM wire shape, with ids under `nsgId`: what the simulator adds to an
 * NSG that a scenario wrote without defaultSecurityRules. */
export function azureDefaultSecurityRulesArm(nsgId: string): ArmSecurityRule[] {
  return AZURE_DEFAULT_SECURITY_RULES.map((rule) => securityRuleToArm(rule, nsgId, 'defaultSecurityRules'));
}

/** The SDK's NetworkSecurityGroup (already flattened, every field optional) → NsgLike. */
export interface SdkNsgShape {
  id?: string;
  name?: string;
  securityRules?: Array<Partial<SecurityRuleLike> & { name?: string }>;
  defaultSecurityRules?: Array<Partial<SecurityRuleLike> & { name?: string }>;
}

export function nsgFromSdk(group: SdkNsgShape): NsgLike {
  if (!group.id) throw new Error(`network security group ${group.name ?? '(unnamed)'} has no id`);
  const flatten = (rules: SdkNsgShape['securityRules']) =>
    (rules ?? []).map((rule) => securityRuleFromArm(rule as Parameters<typeof securityRuleFromArm>[0]));
  return {
    id: group.id,
    ...(group.name !== undefined ? { name: group.name } : {}),
    securityRules: flatten(group.securityRules),
    ...(group.defaultSecurityRules ? { defaultSecurityRules: flatten(group.defaultSecurityRules) } : {}),
  };
}
