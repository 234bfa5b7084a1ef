/**
 * What a fix looks like to someone who will copy it: its change pretty-printed, the equivalent
 * Azure CLI command for NSG changes, and Azure portal links for the resources the bot names.
 * Presentation only: the executors apply `fix.change` itself, never these commands.
 */
import type { FixProposal } from '../../engine/report.js';

/** ARM ids as the engine carries them: /subscriptions/<sub>/resourceGroups/<rg>/providers/<ns>/<type>/<name>[/…]. */
const ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)(?:\/.*)?$/i;

export interface ArmName {
  resourceGroup: string;
  provider: string;
  type: string;
  name: string;
}

export function parseArmId(id: string): ArmName | undefined {
  const m = ARM_ID.exec(id.trim());
  if (!m) return undefined;
  return { resourceGroup: m[1]!, provider: m[2]!, type: m[3]!, name: m[4]! };
}

/**
 * The Azure portal's page of a resource: `https://portal.azure.com/#resource<ARM id>` opens its
 * overview ("Azure portal deep links", the pattern the portal's own "Copy link" gives).
 * Only ids that parse as ARM ids get a link; each segment is URL-encoded so a name cannot break out.
 */
export function portalUrl(resourceId: string): string | undefined {
  if (!parseArmId(resourceId)) return undefined;
  const path = resourceId.trim().split('/').map((s) => encodeURIComponent(s)).join('/');
  return `https://portal.azure.com/#resource${path}`;
}

/** The top-level resource of an ARM id (an NSG for one of its rules, a VNet for its subnet): what the portal opens. */
export function topLevelResource(id: string): string | undefined {
  const m = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+)/i.exec(id.trim());
  return m ? m[1] : undefined;
}

/**
 * The scale set instance of an AKS node: its computer name is the scale set's name and the
 * instance id in six base-36 digits ("aks-nodepool1-12345678-vmss00000a" is instance 10;
 * https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-instance-ids).
 */
export function vmssInstanceId(node: string, scaleSetIds: readonly string[]): string | undefined {
  for (const vmss of scaleSetIds) {
    const name = parseArmId(vmss)?.name;
    if (!name || !node.toLowerCase().startsWith(name.toLowerCase())) continue;
    const suffix = node.slice(name.length);
    if (!/^[0-9a-z]{6}$/i.test(suffix)) continue;
    return `${vmss}/virtualMachines/${parseInt(suffix, 36)}`;
  }
  return undefined;
}

/** The rule body as it will be written, indented so a reader (and a copy) sees one field per line. */
export function prettyChange(change: string): string {
  const trimmed = change.trim();
  if (!trimmed.startsWith('{')) return change;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return change;
  }
}

/** POSIX shell quoting for a shown command: bare when safe, else single quotes. */
function sh(value: string): string {
  return /^[A-Za-z0-9_./:@,+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

interface RuleBody {
  name?: string;
  properties?: Record<string, unknown>;
}

function listOrOne(props: Record<string, unknown>, plural: string, single: string): string[] {
  const many = props[plural];
  if (Array.isArray(many) && many.length > 0) return many.map(String);
  const one = props[single];
  return typeof one === 'string' && one !== '' ? [one] : [];
}

/** `az network nsg rule create|update` arguments for an ARM security rule body (Microsoft.Network securityRules, properties as in the REST API). */
function ruleArguments(body: RuleBody): string[] {
  const p = body.properties ?? {};
  const args: string[] = [];
  const flag = (name: string, values: string[]) => {
    if (values.length > 0) args.push(`--${name} ${values.map(sh).join(' ')}`);
  };
  if (typeof p.priority === 'number') args.push(`--priority ${p.priority}`);
  flag('direction', typeof p.direction === 'string' ? [p.direction] : []);
  flag('access', typeof p.access === 'string' ? [p.access] : []);
  flag('protocol', typeof p.protocol === 'string' ? [p.protocol === '*' ? '*' : p.protocol] : []);
  flag('source-address-prefixes', listOrOne(p, 'sourceAddressPrefixes', 'sourceAddressPrefix'));
  flag('source-port-ranges', listOrOne(p, 'sourcePortRanges', 'sourcePortRange'));
  flag('destination-address-prefixes', listOrOne(p, 'destinationAddressPrefixes', 'destinationAddressPrefix'));
  flag('destination-port-ranges', listOrOne(p, 'destinationPortRanges', 'destinationPortRange'));
  flag('description', typeof p.description === 'string' && p.description !== '' ? [p.description] : []);
  return args;
}

const DELETE = /^DELETE\s+(\S+)$/;

/**
 * The Azure CLI command that makes the same NSG change (az network nsg rule create / update /
 * delete, https://learn.microsoft.com/cli/azure/network/nsg/rule), for people who apply it by hand
 * or keep it in their scripts. Undefined for fixes that are not NSG rule changes.
 */
export function azEquivalent(fix: Pick<FixProposal, 'kind' | 'target' | 'change'>): string | undefined {
  if (!fix.kind.startsWith('nsg-')) return undefined;
  const nsg = parseArmId(fix.target);
  if (!nsg || nsg.type.toLowerCase() !== 'networksecuritygroups') return undefined;
  const where = `--resource-group ${sh(nsg.resourceGroup)} --nsg-name ${sh(nsg.name)}`;
  const deletion = DELETE.exec(fix.change.trim());
  if (deletion) {
    const rule = deletion[1]!.split('/').pop();
    return rule ? `az network nsg rule delete ${where} --name ${sh(rule)}` : undefined;
  }
  let body: RuleBody;
  try {
    body = JSON.parse(fix.change) as RuleBody;
  } catch {
    return undefined;
  }
  if (typeof body.name !== 'string' || body.name === '') return undefined;
  // An edited deny keeps its name: `update` replaces the fields given; an allow is a new rule.
  const verb = fix.kind === 'nsg-edit-deny' ? 'update' : 'create';
  return [`az network nsg rule ${verb} ${where} --name ${sh(body.name)}`, ...ruleArguments(body)].join(' \\\n  ');
}
