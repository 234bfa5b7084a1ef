/**
 * How an NSG rule is named and shown: the rule a verdict names (custom or default), its ARM id, its
 * one-line text and ARM JSON for the card, and a rule's port ranges without one port.
 */
import { AZURE_DEFAULT_SECURITY_RULES, type NsgLike, type NsgVerdict, type SecurityRuleLike } from './evaluate.js';
import { securityRuleToArm } from './from-arm.js';
import type { PortSpan } from './port-ranges.js';
import { lastSegment } from './node-path.js';

/** The rule a verdict names, custom or default (Azure's six when the NSG carries none). */
export function ruleOf(nsg: NsgLike, verdict: Pick<NsgVerdict, 'ruleName' | 'isDefault'>): SecurityRuleLike | undefined {
  const defaults = nsg.defaultSecurityRules && nsg.defaultSecurityRules.length > 0 ? nsg.defaultSecurityRules : AZURE_DEFAULT_SECURITY_RULES;
  const list = verdict.isDefault ? defaults : nsg.securityRules ?? [];
  return list.find((rule) => rule.name === verdict.ruleName);
}

export function ruleResourceId(nsg: NsgLike, rule: Pick<SecurityRuleLike, 'id' | 'name'>, isDefault: boolean): string {
  return rule.id ?? `${nsg.id}/${isDefault ? 'defaultSecurityRules' : 'securityRules'}/${rule.name}`;
}

function sideText(single: string | undefined, list: string[] | undefined, asgs: Array<{ id?: string }> | undefined): string {
  const asgNames = (asgs ?? []).map((asg) => `ASG ${lastSegment(asg.id ?? '?')}`);
  if (asgNames.length > 0) return asgNames.join(', ');
  const prefixes = [...(single && single.trim() !== '' ? [single] : []), ...(list ?? [])];
  return prefixes.length > 0 ? prefixes.join(', ') : '*';
}

/** "priority 200, Inbound, Deny, Tcp, source *, destination 10.224.0.0/16, ports 10250". */
export function describeRule(rule: SecurityRuleLike): string {
  const ports = [...(rule.destinationPortRange ? [rule.destinationPortRange] : []), ...(rule.destinationPortRanges ?? [])];
  const sourcePorts = [...(rule.sourcePortRange ? [rule.sourcePortRange] : []), ...(rule.sourcePortRanges ?? [])];
  const protocol = rule.protocol === '*' ? 'any protocol' : rule.protocol;
  return (
    `priority ${rule.priority}, ${rule.direction}, ${rule.access}, ${protocol}, ` +
    `source ${sideText(rule.sourceAddressPrefix, rule.sourceAddressPrefixes, rule.sourceApplicationSecurityGroups)}` +
    (sourcePorts.length > 0 && !(sourcePorts.length === 1 && sourcePorts[0] === '*') ? ` (source ports ${sourcePorts.join(', ')})` : '') +
    `, destination ${sideText(rule.destinationAddressPrefix, rule.destinationAddressPrefixes, rule.destinationApplicationSecurityGroups)}` +
    `, ports ${ports.length > 0 ? ports.join(', ') : '*'}`
  );
}

/** The rule as ARM takes it in a PUT of …/securityRules/<name>: `{"name":…,"properties":{…}}`. */
export function armRuleJson(rule: SecurityRuleLike): string {
  const arm = securityRuleToArm(rule);
  const { provisioningState: _ignored, ...properties } = arm.properties;
  return JSON.stringify({ name: arm.name, properties });
}

/** The port spans of `spans` without `port`, merged and as NSG range strings. */
export function portRangesWithout(spans: readonly PortSpan[], port: number): string[] {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  const merged: PortSpan[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span.from <= last.to + 1) last.to = Math.max(last.to, span.to);
    else merged.push({ ...span });
  }
  const pieces = merged.flatMap((span) => {
    if (port < span.from || port > span.to) return [span];
    return [
      ...(span.from <= port - 1 ? [{ from: span.from, to: port - 1 }] : []),
      ...(port + 1 <= span.to ? [{ from: port + 1, to: span.to }] : []),
    ];
  });
  return pieces.map((span) => (span.from === span.to ? String(span.from) : `${span.from}-${span.to}`));
}
