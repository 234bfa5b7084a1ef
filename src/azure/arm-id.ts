/**
 * Strict parsing of ARM resource ids. Ids reach us from chat text, card payloads and ARM
 * responses; anything that is not a well-formed id is rejected here, before it is put into
 * a request path (ARM ids are case-insensitive, but their shape is fixed:
 * https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-resource#resourceid).
 */
import { AzureError } from './errors.js';

export interface ArmIdChild {
  type: string;
  name: string;
}

export interface ArmId {
  subscriptionId: string;
  resourceGroup: string;
  /** Resource provider namespace, e.g. "Microsoft.Network". */
  provider: string;
  /** Top-level type without the namespace, e.g. "networkSecurityGroups". */
  type: string;
  name: string;
  /** Child resources in order, e.g. [{ type: "securityRules", name: "deny-kubelet" }]. */
  children: ArmIdChild[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group names: letters, digits, underscores, parentheses, hyphens, periods; not ending in a period; 1-90.
const RESOURCE_GROUP = /^[\w.()-]{0,89}[\w()-]$/;
const PROVIDER = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;
const TYPE = /^[A-Za-z][A-Za-z0-9]{0,79}$/;
// Resource names across the types we touch (NSG, rules, VMSS, VMSS VM "vmss_0", clusters, LBs …).
const NAME = /^[\w][\w.()-]{0,259}$/;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

function invalid(id: string, why: string): AzureError {
  const shown = id.length > 200 ? `${id.slice(0, 200)}…` : id;
  return new AzureError({
    code: 'InvalidResourceId',
    message: `Invalid ARM resource id "${shown}": ${why}`,
    userMessage: `"${shown}" is not a valid Azure resource id (${why}). Use the full id, e.g. /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>.`,
  });
}

export function parseArmId(id: string): ArmId {
  if (typeof id !== 'string' || id.length === 0) throw invalid(String(id), 'empty');
  if (id.length > 1024) throw invalid(id, 'too long');
  const parts = id.split('/');
  // ['', 'subscriptions', sub, 'resourceGroups', rg, 'providers', ns, type, name, (childType, childName)*]
  if (parts[0] !== '' || parts.length < 9) throw invalid(id, 'expected /subscriptions/…/resourceGroups/…/providers/<namespace>/<type>/<name>');
  const [, subsLiteral, subscriptionId, rgLiteral, resourceGroup, providersLiteral, provider, type, name, ...rest] = parts as [
    string, string, string, string, string, string, string, string, string, ...string[]
  ];
  if (subsLiteral.toLowerCase() !== 'subscriptions') throw invalid(id, 'must start with /subscriptions/');
  if (!GUID.test(subscriptionId)) throw invalid(id, 'the subscription id is not a GUID');
  if (rgLiteral.toLowerCase() !== 'resourcegroups') throw invalid(id, 'missing /resourceGroups/');
  if (!RESOURCE_GROUP.test(resourceGroup)) throw invalid(id, 'bad resource group name');
  if (providersLiteral.toLowerCase() !== 'providers') throw invalid(id, 'missing /providers/');
  if (!PROVIDER.test(provider)) throw invalid(id, 'bad provider namespace');
  if (!TYPE.test(type)) throw invalid(id, 'bad resource type');
  if (!NAME.test(name)) throw invalid(id, 'bad resource name');
  if (rest.length % 2 !== 0) throw invalid(id, 'a child resource type has no name');
  const children: ArmIdChild[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const childType = rest[i] as string;
    const childName = rest[i + 1] as string;
    if (!TYPE.test(childType)) throw invalid(id, `bad child type "${childType}"`);
    if (!NAME.test(childName)) throw invalid(id, `bad child name "${childName}"`);
    children.push({ type: childType, name: childName });
  }
  return { subscriptionId, resourceGroup, provider, type, name, children };
}

/** "Microsoft.Network/networkSecurityGroups/securityRules" for a rule id. */
export function armFullType(id: ArmId): string {
  return [`${id.provider}/${id.type}`, ...id.children.map((c) => c.type)].join('/');
}

/** Parses and checks the full type (case-insensitive), e.g. expectArmType(id, 'Microsoft.Compute/virtualMachineScaleSets'). */
export function expectArmType(id: string, fullType: string): ArmId {
  const parsed = parseArmId(id);
  if (armFullType(parsed).toLowerCase() !== fullType.toLowerCase()) {
    throw invalid(id, `expected a ${fullType} id, got ${armFullType(parsed)}`);
  }
  return parsed;
}

export function formatArmId(id: ArmId): string {
  const base = `/subscriptions/${id.subscriptionId}/resourceGroups/${id.resourceGroup}/providers/${id.provider}/${id.type}/${id.name}`;
  return base + id.children.map((c) => `/${c.type}/${c.name}`).join('');
}

export function sameArmId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
