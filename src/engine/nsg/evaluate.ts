/**
 * Network security group evaluation with Azure's semantics ("Network security groups" and
 * "How network security groups filter network traffic" articles):
 * - rules are processed in priority order, lower number first; the first rule that matches
 *   decides and processing stops;
 * - the six default rules (priorities 65000–65500) sit beneath every NSG's own rules;
 * - inbound traffic meets the subnet's NSG first, then the NIC's; outbound traffic the NIC's
 *   first, then the subnet's; both must allow, and a level without an NSG allows.
 * Pure: no I/O. Malformed rules throw NsgRuleError naming the NSG and rule.
 */
import {
  compileTags,
  matchAddressTerm,
  parseAddressPrefix,
  type AddressTerm,
  type CompiledTags,
} from './address-prefix.js';
import { AZURE_DEFAULT_SECURITY_RULES } from './default-rules.js';
import { parseIpv4 } from './ipv4.js';
import { portSpansOf, spansContain, spansCoverAll, type PortSpan } from './port-ranges.js';

import type { Flow, NsgLike, NsgVerdict, SecurityRuleLike, TagContext } from './nsg-types.js';

export { AZURE_DEFAULT_SECURITY_RULES };
// The shapes evaluated here live in nsg-types.ts (default-rules.ts needs them too, without this module).
export type { Flow, NsgLike, NsgVerdict, SecurityRuleLike, TagContext } from './nsg-types.js';

export class NsgRuleError extends Error {
  readonly nsgId: string;
  readonly ruleName?: string;
  /** Same text as message; the wording is meant for the chat user. */
  readonly userMessage: string;
  constructor(nsg: { id: string; name?: string }, ruleName: string | undefined, detail: string) {
    const where = ruleName === undefined ? `NSG ${nsg.name ?? nsg.id}` : `NSG ${nsg.name ?? nsg.id} rule "${ruleName}"`;
    super(`${where}: ${detail}`);
    this.name = 'NsgRuleError';
    this.nsgId = nsg.id;
    this.ruleName = ruleName;
    this.userMessage = this.message;
  }
}

export class FlowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowError';
  }
}

type AddressSide = { kind: 'asg'; ids: Set<string> } | { kind: 'prefixes'; terms: AddressTerm[] };

interface CompiledRule {
  rule: SecurityRuleLike;
  isDefault: boolean;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: 'tcp' | 'udp' | 'icmp' | 'esp' | 'ah' | '*';
  source: AddressSide;
  destination: AddressSide;
  sourcePorts: PortSpan[];
  destinationPorts: PortSpan[];
}

const PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'esp', 'ah', '*']);
/** Custom rule priorities Azure accepts (SecurityRule.priority: "between 100 and 4096"). */
export const MIN_CUSTOM_PRIORITY = 100;
export const MAX_CUSTOM_PRIORITY = 4096;

function normalizeDirection(value: unknown): 'Inbound' | 'Outbound' | undefined {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  return lower === 'inbound' ? 'Inbound' : lower === 'outbound' ? 'Outbound' : undefined;
}

function normalizeAccess(value: unknown): 'Allow' | 'Deny' | undefined {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  return lower === 'allow' ? 'Allow' : lower === 'deny' ? 'Deny' : undefined;
}

function nonEmpty(text: string | undefined): text is string {
  return text !== undefined && text.trim() !== '';
}

function compileSide(
  side: 'source' | 'destination',
  single: string | undefined,
  plural: string[] | undefined,
  asgs: Array<{ id?: string }> | undefined,
): AddressSide {
  const prefixes = [...(nonEmpty(single) ? [single] : []), ...(plural ?? [])];
  const asgIds = (asgs ?? []).map((asg) => asg.id).filter(nonEmpty);
  if ((asgs ?? []).length > 0 && asgIds.length !== (asgs ?? []).length) {
    throw new Error(`a ${side} application security group has no id`);
  }
  if (asgIds.length > 0) {
    if (prefixes.length > 0) {
      throw new Error(`sets both ${side} address prefixes and ${side} application security groups, which Azure does not allow`);
    }
    return { kind: 'asg', ids: new Set(asgIds.map((id) => id.toLowerCase())) };
  }
  // Missing address on a side: `az network nsg rule create` defaults both to "*"; we do the same.
  if (prefixes.length === 0) return { kind: 'prefixes', terms: [{ kind: 'any' }] };
  return { kind: 'prefixes', terms: prefixes.map(parseAddressPrefix) };
}

function compileRule(rule: SecurityRuleLike, isDefault: boolean): CompiledRule {
  if (!nonEmpty(rule.name)) throw new Error('has no name');
  const direction = normalizeDirection(rule.direction);
  if (!direction) throw new Error(`direction "${String(rule.direction)}" is not Inbound or Outbound`);
  const access = normalizeAccess(rule.access);
  if (!access) throw new Error(`access "${String(rule.access)}" is not Allow or Deny`);
  const protocol = typeof rule.protocol === 'string' ? rule.protocol.toLowerCase() : '';
  if (!PROTOCOLS.has(protocol)) {
    throw new Error(`protocol "${String(rule.protocol)}" is not one of Tcp, Udp, Icmp, Esp, Ah or *`);
  }
  if (!Number.isInteger(rule.priority)) throw new Error(`priority "${String(rule.priority)}" is not an integer`);
  if (!isDefault && (rule.priority < MIN_CUSTOM_PRIORITY || rule.priority > MAX_CUSTOM_PRIORITY)) {
    throw new Error(`priority ${rule.priority} is outside ${MIN_CUSTOM_PRIORITY}-${MAX_CUSTOM_PRIORITY}`);
  }
  const hasDestinationPorts = nonEmpty(rule.destinationPortRange) || (rule.destinationPortRanges ?? []).length > 0;
  if (!hasDestinationPorts) throw new Error('has no destinationPortRange(s); use "*" for all ports');
  // Missing source ports: the CLI's default is "*", and ARM always returns it.
  const hasSourcePorts = nonEmpty(rule.sourcePortRange) || (rule.sourcePortRanges ?? []).length > 0;
  return {
    rule,
    isDefault,
    direction,
    access,
    protocol: protocol as CompiledRule['protocol'],
    source: compileSide('source', rule.sourceAddressPrefix, rule.sourceAddressPrefixes, rule.sourceApplicationSecurityGroups),
    destination: compileSide(
      'destination',
      rule.destinationAddressPrefix,
      rule.destinationAddressPrefixes,
      rule.destinationApplicationSecurityGroups,
    ),
    sourcePorts: hasSourcePorts ? portSpansOf(rule.sourcePortRange, rule.sourcePortRanges) : portSpansOf('*', undefined),
    destinationPorts: portSpansOf(rule.destinationPortRange, rule.destinationPortRanges),
  };
}

/**
 * Compiled rules per NSG object: a 1000-node diagnosis evaluates thousands of paths through the
 * same few NSGs, and compiling them each time dominated its run time (see `npm run bench`).
 * NSG objects are not mutated once evaluated (a proposed fix is checked on a copy).
 */
const compiledNsgs = new WeakMap<NsgLike, CompiledRule[] | NsgRuleError>();
const compiledTagContexts = new WeakMap<TagContext, CompiledTags>();

function compileNsg(nsg: NsgLike): CompiledRule[] {
  let compiled = compiledNsgs.get(nsg);
  if (compiled === undefined) {
    try {
      compiled = compileNsgUncached(nsg);
    } catch (error) {
      if (!(error instanceof NsgRuleError)) throw error;
      compiled = error;
    }
    compiledNsgs.set(nsg, compiled);
  }
  if (compiled instanceof NsgRuleError) throw compiled;
  return compiled;
}

function compileTagsCached(ctx: TagContext): CompiledTags {
  let tags = compiledTagContexts.get(ctx);
  if (tags === undefined) {
    tags = compileTags(ctx);
    compiledTagContexts.set(ctx, tags);
  }
  return tags;
}

/** Parses and checks every rule of the NSG (custom then default), in priority order per
 * direction. Throws NsgRuleError for the first malformed rule or a duplicate priority. */
function compileNsgUncached(nsg: NsgLike): CompiledRule[] {
  const defaults = nsg.defaultSecurityRules && nsg.defaultSecurityRules.length > 0 ? nsg.defaultSecurityRules : AZURE_DEFAULT_SECURITY_RULES;
  const compiled: CompiledRule[] = [];
  const seen = new Map<string, string>();
  for (const [rules, isDefault] of [
    [nsg.securityRules ?? [], false],
    [defaults, true],
  ] as const) {
    for (const rule of rules) {
      let entry: CompiledRule;
      try {
        entry = compileRule(rule, isDefault);
      } catch (error) {
        throw new NsgRuleError(nsg, rule.name || undefined, (error as Error).message);
      }
      // Azure refuses two rules with the same priority and direction, so first-match is never ambiguous.
      const key = `${entry.direction}:${entry.rule.priority}`;
      const clash = seen.get(key);
      if (clash !== undefined) {
        throw new NsgRuleError(nsg, rule.name, `has the same priority (${rule.priority}) and direction as rule "${clash}"`);
      }
      seen.set(key, rule.name);
      compiled.push(entry);
    }
  }
  return compiled.sort((a, b) => a.rule.priority - b.rule.priority);
}

/** A flow with its addresses parsed and ports checked. */
interface ParsedFlow {
  flow: Flow;
  sourceIp: number;
  destinationIp: number;
  sourceAsgIds: Set<string>;
  destinationAsgIds: Set<string>;
}

function checkPort(value: number | undefined, label: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new FlowError(`${label} ${value} is not a port (0-65535)`);
}

function parseFlow(flow: Flow): ParsedFlow {
  if (flow.direction !== 'Inbound' && flow.direction !== 'Outbound') {
    throw new FlowError(`flow direction "${String(flow.direction)}" is not Inbound or Outbound`);
  }
  if (flow.protocol !== 'Tcp' && flow.protocol !== 'Udp' && flow.protocol !== 'Icmp') {
    throw new FlowError(`flow protocol "${String(flow.protocol)}" is not Tcp, Udp or Icmp`);
  }
  checkPort(flow.sourcePort, 'source port');
  checkPort(flow.destinationPort, 'destination port');
  let sourceIp: number;
  let destinationIp: number;
  try {
    sourceIp = parseIpv4(flow.sourceIp);
    destinationIp = parseIpv4(flow.destinationIp);
  } catch (error) {
    throw new FlowError(`flow ${(error as Error).message}`);
  }
  const lower = (ids: string[] | undefined) => new Set((ids ?? []).map((id) => id.toLowerCase()));
  return { flow, sourceIp, destinationIp, sourceAsgIds: lower(flow.sourceAsgIds), destinationAsgIds: lower(flow.destinationAsgIds) };
}

function protocolMatches(rule: CompiledRule, flow: Flow): boolean {
  return rule.protocol === '*' || rule.protocol === flow.protocol.toLowerCase();
}

function portsMatch(rule: CompiledRule, flow: Flow): boolean {
  if (flow.protocol === 'Icmp') return spansCoverAll(rule.sourcePorts) && spansCoverAll(rule.destinationPorts);
  const sourceOk = flow.sourcePort === undefined ? spansCoverAll(rule.sourcePorts) : spansContain(rule.sourcePorts, flow.sourcePort);
  return sourceOk && spansContain(rule.destinationPorts, flow.destinationPort);
}

function sideMatches(
  side: AddressSide,
  address: number,
  addressText: string,
  asgIds: Set<string>,
  tags: CompiledTags,
  assumptions: string[],
): boolean {
  if (side.kind === 'asg') return [...side.ids].some((id) => asgIds.has(id));
  // A plain match beats an assumed one, so look for it first.
  const results = side.terms.map((term) => matchAddressTerm(term, address, addressText, tags));
  if (results.some((result) => result.matched && !result.assumption)) return true;
  const assumed = results.find((result) => result.matched);
  if (assumed?.assumption) assumptions.push(assumed.assumption);
  return assumed !== undefined;
}

function ruleMatches(rule: CompiledRule, parsed: ParsedFlow, tags: CompiledTags): { matched: boolean; assumptions: string[] } {
  const assumptions: string[] = [];
  const { flow } = parsed;
  const matched =
    rule.direction === flow.direction &&
    protocolMatches(rule, flow) &&
    portsMatch(rule, flow) &&
    sideMatches(rule.source, parsed.sourceIp, flow.sourceIp, parsed.sourceAsgIds, tags, assumptions) &&
    sideMatches(rule.destination, parsed.destinationIp, flow.destinationIp, parsed.destinationAsgIds, tags, assumptions);
  return { matched, assumptions: matched ? assumptions : [] };
}

function evaluateCompiled(nsg: NsgLike, rules: CompiledRule[], parsed: ParsedFlow, tags: CompiledTags, level: 'subnet' | 'nic'): NsgVerdict {
  for (const rule of rules) {
    const { matched, assumptions } = ruleMatches(rule, parsed, tags);
    if (!matched) continue;
    return {
      nsgId: nsg.id,
      ...(nsg.name !== undefined ? { nsgName: nsg.name } : {}),
      access: rule.access,
      ruleName: rule.rule.name,
      priority: rule.rule.priority,
      isDefault: rule.isDefault,
      level,
      ...(rule.rule.id !== undefined ? { ruleId: rule.rule.id } : {}),
      ...(assumptions.length > 0 ? { assumptions } : {}),
    };
  }
  // Only reachable when an NSG carries its own defaultSecurityRules without a deny-all:
  // Azure always has one, so nothing matching means the traffic is dropped.
  return {
    nsgId: nsg.id,
    ...(nsg.name !== undefined ? { nsgName: nsg.name } : {}),
    access: 'Deny',
    ruleName: '(no rule matched)',
    priority: 65536,
    isDefault: true,
    level,
  };
}

/** The verdict of one NSG for one flow: the first matching rule by priority. */
export function evaluateNsg(nsg: NsgLike, flow: Flow, ctx: TagContext, level: 'subnet' | 'nic'): NsgVerdict {
  return evaluateCompiled(nsg, compileNsg(nsg), parseFlow(flow), compileTagsCached(ctx), level);
}

/** Inbound: subnet NSG then NIC NSG; outbound: NIC then subnet. Both present must allow.
 * Missing NSG = allow at that level. `steps` holds every present NSG's verdict, in traffic
 * order (also after a deny, so the card can say whether the other level would block too). */
export function evaluateNsgPath(
  path: { subnetNsg?: NsgLike; nicNsg?: NsgLike },
  flow: Flow,
  ctx: TagContext,
): { allowed: boolean; deciding?: NsgVerdict; steps: NsgVerdict[] } {
  const parsed = parseFlow(flow);
  const tags = compileTagsCached(ctx);
  const levels: Array<['subnet' | 'nic', NsgLike | undefined]> =
    flow.direction === 'Inbound'
      ? [['subnet', path.subnetNsg], ['nic', path.nicNsg]]
      : [['nic', path.nicNsg], ['subnet', path.subnetNsg]];
  const steps: NsgVerdict[] = [];
  for (const [level, nsg] of levels) {
    if (nsg) steps.push(evaluateCompiled(nsg, compileNsg(nsg), parsed, tags, level));
  }
  const firstDeny = steps.find((step) => step.access === 'Deny');
  return { allowed: firstDeny === undefined, deciding: firstDeny ?? steps[steps.length - 1], steps };
}

/** Rule names Azure accepts: up to 80 characters, starting with a word character, ending with a
 * word character or '_', containing word characters, '.', '-' and '_'. */
const RULE_NAME = /^\w(?:[\w.-]{0,78}\w)?$/;

/** Problems Azure would refuse a custom rule for (empty when valid): for a simulator that accepts
 * rule writes through ARM, and for checking a proposed fix before offering it. */
export function validateSecurityRule(rule: SecurityRuleLike): string[] {
  const problems: string[] = [];
  if (typeof rule.name !== 'string' || !RULE_NAME.test(rule.name)) {
    problems.push(`name "${String(rule.name)}" is not valid (1-80 characters: letters, digits, '_', '.', '-'; start with a letter, digit or '_', end with one of them)`);
  }
  if (rule.description !== undefined && rule.description.length > 140) problems.push('description is longer than 140 characters');
  try {
    compileRule(rule, false);
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}
