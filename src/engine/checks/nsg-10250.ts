/**
 * nsg-10250: does any network security group on the path stop TCP 10250 from a tunnel-agent node
 * to a node's kubelet? (docs/checks.md; the troubleshooting article's cause 1, "A network security
 * group (NSG) is blocking port 10250".)
 *
 * The API server reaches every kubelet *through* the tunnel agents, so the traffic to 10250 comes
 * from the agent nodes' IPs: it leaves the agent (its NIC NSG, then its subnet NSG: outbound order)
 * and enters the target (the target's subnet NSG, then its NIC NSG: inbound order). Both ends must
 * allow ("How network security groups filter network traffic").
 *
 * Pure: decides from the views gathered in src/engine/gather.ts. Also exports the NSG fix planning
 * (planNsgOpening) that egress-tunnel-ports reuses for its outbound rule.
 */
import {
  AZURE_DEFAULT_SECURITY_RULES,
  evaluateNsg,
  evaluateNsgPath,
  MIN_CUSTOM_PRIORITY,
  NsgRuleError,
  FlowError,
  validateSecurityRule,
  type Flow,
  type NsgLike,
  type NsgVerdict,
  type SecurityRuleLike,
  type TagContext,
} from '../nsg/evaluate.js';
import { findFreePriority, KUBELET_PORT } from '../nsg/fix-rule.js';
import { securityRuleToArm } from '../nsg/from-arm.js';
import { tryParseIpv4Block } from '../nsg/ipv4.js';
import { portSpansOf, type PortSpan } from '../nsg/port-ranges.js';
import type { Evidence, FixProposal } from '../report.js';
import { key, type CheckOutcome, type NetworkView, type NodeView, type NsgView, type SubnetView } from './views.js';

export const NSG_READ_ACTION = 'Microsoft.Network/networkSecurityGroups/read';
export const AKS_MANAGED_NSG_WARNING =
  'AKS manages this NSG and may reconcile changes to it; a custom rule here is supported but keep it in your IaC';
export const KUBELET_ALLOW_RULE_NAME = 'AllowTunnelKubelet10250';
const NIC_READ_RESOLVE = "Grant the bot's identity Microsoft.Network/networkInterfaces/read on the node resource group (the Reader role has it), then diagnose again.";

export interface Nsg10250Input {
  nodes: NodeView[];
  network: NetworkView;
}

export interface Unreadable {
  resource: string;
  why: string;
  resolve: string;
}

// ---------------------------------------------------------------------------------------------
// Shared with egress-tunnel-ports: reading the path, describing rules, planning a fix

export const isRunning = (node: NodeView) => node.powerState.toLowerCase() === 'running';
export const sortedUnique = (names: Iterable<string>) => [...new Set(names)].sort();
const lastSegment = (id: string) => id.split('/').filter(Boolean).pop() ?? id;
const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/**
 * The VirtualNetwork tag as far as we know it: the VNets' address spaces, plus every node subnet's
 * prefixes and every node IP. The last two are inside the VNet by definition, so adding them is
 * always right and keeps AllowVnetInBound matching when the VNet itself could not be read (without
 * it, a default DenyAllInBound would be reported as the cause). Azure also puts the prefixes of
 * user-defined routes in the tag ("Virtual network service tags", VirtualNetwork: "… and address
 * prefixes used on user-defined routes. This tag might also contain default routes."), so the
 * routes of the node subnets' route tables join it — a 0.0.0.0/0 route makes it cover everything.
 */
export function tagContextOf(network: NetworkView, nodes: NodeView[]): TagContext {
  const prefixes = new Set(network.virtualNetworkPrefixes);
  for (const subnet of network.subnets.values()) for (const prefix of subnet.addressPrefixes) prefixes.add(prefix);
  for (const node of nodes) if (node.privateIp) prefixes.add(`${node.privateIp}/32`);
  for (const table of network.routeTables.values()) {
    for (const route of table.routes) if (tryParseIpv4Block(route.addressPrefix)) prefixes.add(route.addressPrefix);
  }
  return { virtualNetworkPrefixes: [...prefixes] };
}

function unreadableEntry(network: NetworkView, id: string, action: string, what: string): Unreadable {
  const known = network.unreadable.find((u) => key(u.resource) === key(id));
  const defaultResolve = `Grant the bot's identity ${action} on ${id} (the Reader role has it), then diagnose again.`;
  if (!known) return { resource: id, why: `${what} ${lastSegment(id)} was not read`, resolve: defaultResolve };
  // Name the RBAC action even when the gathering step phrased the resolution without it.
  const resolve = known.resolve.includes(action) ? known.resolve : `${known.resolve} (RBAC action ${action})`;
  return { resource: id, why: known.why, resolve };
}

export interface NodePath {
  subnet?: SubnetView;
  subnetNsg?: NsgView;
  nicNsg?: NsgView;
  /** NSGs (or the subnet) on this node's path that could not be read. */
  missing: Unreadable[];
}

/** The NSGs that filter traffic into or out of this node: its subnet's and its NIC's. */
export function nodePath(node: NodeView, network: NetworkView): NodePath {
  const missing: Unreadable[] = [];
  let subnet: SubnetView | undefined;
  let subnetNsg: NsgView | undefined;
  let nicNsg: NsgView | undefined;
  if (!node.subnetId) {
    missing.push({
      resource: node.computerName,
      why: `the network interface of ${node.computerName} was not read, so its subnet is unknown`,
      resolve: NIC_READ_RESOLVE,
    });
  } else {
    subnet = network.subnets.get(key(node.subnetId));
    if (!subnet) missing.push(unreadableEntry(network, node.subnetId, 'Microsoft.Network/virtualNetworks/subnets/read', 'subnet'));
    else if (subnet.nsgId) {
      subnetNsg = network.nsgs.get(key(subnet.nsgId));
      if (!subnetNsg) missing.push(unreadableEntry(network, subnet.nsgId, NSG_READ_ACTION, 'network security group'));
    }
  }
  if (node.nicNsgId) {
    nicNsg = network.nsgs.get(key(node.nicNsgId));
    if (!nicNsg) missing.push(unreadableEntry(network, node.nicNsgId, NSG_READ_ACTION, 'network security group'));
  }
  return { ...(subnet ? { subnet } : {}), ...(subnetNsg ? { subnetNsg } : {}), ...(nicNsg ? { nicNsg } : {}), missing };
}

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

/** What a fix must open: used for a new allow rule and to judge an edit. */
export interface OpeningSpec {
  checkId: string;
  protocol: 'Tcp' | 'Udp';
  port: number;
  /** Base name of a new allow rule; a suffix (-2, -3 …) is added when the name is taken. */
  ruleName: string;
  description: string;
  sourcePrefixes: string[];
  destinationPrefixes: string[];
  /** FixProposal.kind of a new allow rule, e.g. "nsg-allow-10250". */
  allowKind: string;
  /** How the opened traffic reads in titles: "TCP 10250 from the VNet to subnet aks-subnet". */
  trafficText: string;
}

export interface NsgOpeningPlan {
  fixes: FixProposal[];
  /** Denies that only showed once the first deny was (virtually) fixed: they block too. */
  hidden: Array<{ rule: SecurityRuleLike; isDefault: boolean }>;
  /** Set when no rule change could be computed for some deny. */
  unresolved?: string;
}

function freeName(nsg: NsgLike, base: string): string {
  const taken = new Set((nsg.securityRules ?? []).map((rule) => rule.name.toLowerCase()));
  if (!taken.has(base.toLowerCase())) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`.toLowerCase())) return `${base}-${n}`;
}

function allowRuleFor(spec: OpeningSpec, name: string, priority: number, direction: 'Inbound' | 'Outbound'): SecurityRuleLike {
  const [oneSource] = spec.sourcePrefixes;
  const [oneDestination] = spec.destinationPrefixes;
  return {
    name,
    description: spec.description,
    priority,
    direction,
    access: 'Allow',
    protocol: spec.protocol,
    sourcePortRange: '*',
    destinationPortRange: String(spec.port),
    // One prefix in the singular field, several in the plural one, as ARM stores them.
    ...(spec.sourcePrefixes.length === 1 && oneSource !== undefined
      ? { sourceAddressPrefix: oneSource }
      : { sourceAddressPrefixes: [...spec.sourcePrefixes] }),
    ...(spec.destinationPrefixes.length === 1 && oneDestination !== undefined
      ? { destinationAddressPrefix: oneDestination }
      : { destinationAddressPrefixes: [...spec.destinationPrefixes] }),
  };
}

function withoutPortRule(rule: SecurityRuleLike, port: number): SecurityRuleLike | undefined {
  const remaining = portRangesWithout(portSpansOf(rule.destinationPortRange, rule.destinationPortRanges), port);
  if (remaining.length === 0) return undefined;
  const { destinationPortRange: _single, destinationPortRanges: _list, ...rest } = rule;
  const [only] = remaining;
  return remaining.length === 1 && only !== undefined ? { ...rest, destinationPortRange: only } : { ...rest, destinationPortRanges: remaining };
}

/**
 * The rule changes that let `flows` through one NSG in one direction, checked by re-evaluating the
 * NSG with each change applied. For each deny (lowest priority number first):
 * - a new allow at the highest free priority above it (findFreePriority), when there is one;
 * - otherwise (a deny at 100, or every number above it taken) the deny itself, edited so its port
 *   list no longer covers the port — or deleted when that port was all it covered.
 * Re-evaluating also finds denies hidden behind the first one (first match wins, so a second deny
 * further down only shows once the first is out of the way).
 */
export function planNsgOpening(input: {
  nsg: NsgView;
  direction: 'Inbound' | 'Outbound';
  level: 'subnet' | 'nic';
  flows: Flow[];
  ctx: TagContext;
  spec: OpeningSpec;
}): NsgOpeningPlan {
  const plan = planOpeningOf(input);
  // Each fix carries the etag of the NSG the checks read: the baseline it is approved against.
  if (input.nsg.etag) for (const fix of plan.fixes) fix.nsgEtag = input.nsg.etag;
  return plan;
}

function planOpeningOf(input: Parameters<typeof planNsgOpening>[0]): NsgOpeningPlan {
  const { nsg, direction, level, flows, ctx, spec } = input;
  // Replaced (never mutated) on every trial change: the evaluator caches compiled rules per NSG object.
  let working: NsgLike = {
    id: nsg.id,
    ...(nsg.name !== undefined ? { name: nsg.name } : {}),
    securityRules: [...(nsg.securityRules ?? [])],
    ...(nsg.defaultSecurityRules ? { defaultSecurityRules: nsg.defaultSecurityRules } : {}),
  };
  const nsgName = nsg.name ?? lastSegment(nsg.id);
  const warnings = nsg.managedByAks ? [AKS_MANAGED_NSG_WARNING] : [];
  const plan: NsgOpeningPlan = { fixes: [], hidden: [] };
  const handled = new Set<string>();
  const proto = spec.protocol.toUpperCase();

  for (let round = 0; round < 16; round += 1) {
    const denies = flows.map((flow) => evaluateNsg(working, flow, ctx, level)).filter((verdict) => verdict.access === 'Deny');
    if (denies.length === 0) return plan;
    const verdict = denies.reduce((best, v) => (v.priority < best.priority ? v : best));
    const rule = ruleOf(working, verdict);
    if (!rule || handled.has(verdict.ruleName)) {
      plan.unresolved = `rule ${verdict.ruleName} (priority ${verdict.priority}) in NSG ${nsgName} still denies ${proto} ${spec.port} after the proposed changes`;
      return plan;
    }
    if (round > 0) plan.hidden.push({ rule, isDefault: verdict.isDefault });
    handled.add(verdict.ruleName);

    const free = verdict.priority > MIN_CUSTOM_PRIORITY ? findFreePriority(working, direction, verdict.priority) : undefined;
    if (free !== undefined) {
      const allow = allowRuleFor(spec, freeName(working, spec.ruleName), free, direction);
      const problems = validateSecurityRule(allow);
      if (problems.length > 0) {
        plan.unresolved = `the allow rule for NSG ${nsgName} would not be valid: ${problems.join('; ')}`;
        return plan;
      }
      working = { ...working, securityRules: [...(working.securityRules ?? []), allow] };
      plan.fixes.push({
        id: `${spec.checkId}:allow:${nsgName}:${direction.toLowerCase()}:${free}`,
        kind: spec.allowKind,
        title: `Add ${direction.toLowerCase()} rule ${allow.name} to NSG ${nsgName} at priority ${free}, allowing ${spec.trafficText} ahead of ${rule.name} (${rule.priority})`,
        target: nsg.id,
        change: armRuleJson(allow),
        risk: 'medium',
        needsApproval: true,
        ...(warnings.length > 0 ? { warnings: [...warnings] } : {}),
      });
      continue;
    }

    if (verdict.isDefault) {
      plan.unresolved = `NSG ${nsgName} has no free priority for an allow rule above the default rule ${rule.name}`;
      return plan;
    }
    const edited = withoutPortRule(rule, spec.port);
    const editWarnings = [...warnings];
    if (edited && rule.protocol === '*') {
      editWarnings.push(
        `The rule's protocol is Any: it will stop denying ${spec.port} for every protocol, and with a port list instead of * it may no longer match ICMP, which has no ports; add a separate deny if you rely on that.`,
      );
    }
    if (edited) {
      working = { ...working, securityRules: (working.securityRules ?? []).map((r) => (r.name === rule.name ? edited : r)) };
      const before = portSpansOf(rule.destinationPortRange, rule.destinationPortRanges).map((s) => (s.from === s.to ? String(s.from) : s.from === 0 && s.to === 65535 ? '*' : `${s.from}-${s.to}`));
      const after = [...(edited.destinationPortRange ? [edited.destinationPortRange] : []), ...(edited.destinationPortRanges ?? [])];
      plan.fixes.push({
        id: `${spec.checkId}:edit:${nsgName}:${rule.name}`,
        kind: 'nsg-edit-deny',
        title: `Edit deny rule ${rule.name} (priority ${rule.priority}) in NSG ${nsgName} so it no longer covers port ${spec.port}: ports ${before.join(', ')} → ${after.join(', ')}`,
        target: nsg.id,
        change: armRuleJson(edited),
        risk: 'high',
        needsApproval: true,
        warnings: [
          ...editWarnings,
          `This changes a rule someone added on purpose; every other port it covers stays denied. There is no free priority above it for a separate allow rule${rule.priority <= MIN_CUSTOM_PRIORITY ? ` (${MIN_CUSTOM_PRIORITY} is the highest priority Azure accepts)` : ''}.`,
        ],
      });
    } else if (narrowable(rule)) {
      // The deny covers only this port, from anywhere: keep it for traffic from outside the VNet
      // (what such a hardening rule is for) and let the VNet, where the tunnel agents are, through.
      const narrowed: SecurityRuleLike = { ...rule, sourceAddressPrefix: 'Internet', sourceAddressPrefixes: [] };
      working = { ...working, securityRules: (working.securityRules ?? []).map((r) => (r.name === rule.name ? narrowed : r)) };
      plan.fixes.push({
        id: `${spec.checkId}:edit:${nsgName}:${rule.name}`,
        kind: 'nsg-edit-deny',
        title: `Narrow deny rule ${rule.name} (priority ${rule.priority}) in NSG ${nsgName} to traffic from the Internet: source * → Internet`,
        target: nsg.id,
        change: armRuleJson(narrowed),
        risk: 'high',
        needsApproval: true,
        warnings: [
          ...warnings,
          `The rule keeps denying ${spec.protocol.toUpperCase()} ${spec.port} from outside the virtual network; from inside it (the tunnel agents, but also every other VM in the VNet and peered VNets) it no longer applies.`,
          `There is no free priority above it for a separate allow rule${rule.priority <= MIN_CUSTOM_PRIORITY ? ` (${MIN_CUSTOM_PRIORITY} is the highest priority Azure accepts)` : ''}, and the rule covers no other port to keep.`,
        ],
      });
    } else {
      working = { ...working, securityRules: (working.securityRules ?? []).filter((r) => r.name !== rule.name) };
      plan.fixes.push({
        id: `${spec.checkId}:delete:${nsgName}:${rule.name}`,
        kind: 'nsg-delete-deny',
        title: `Delete deny rule ${rule.name} (priority ${rule.priority}) from NSG ${nsgName}: it covers only port ${spec.port}, and there is no free priority above it for an allow rule`,
        target: nsg.id,
        change: `DELETE ${ruleResourceId(nsg, rule, false)}`,
        risk: 'high',
        needsApproval: true,
        warnings: [
          ...warnings,
          `Deleting removes the rule entirely (${describeRule(rule)}); it denies nothing but port ${spec.port}, so nothing else opens.`,
        ],
      });
    }
  }
  plan.unresolved = `NSG ${nsgName} needed more rule changes than expected`;
  return plan;
}

/** An inbound rule from "*" (no prefix list, no ASG): it can be narrowed to the Internet tag. */
function narrowable(rule: SecurityRuleLike): boolean {
  const sources = [...(rule.sourceAddressPrefix ? [rule.sourceAddressPrefix] : []), ...(rule.sourceAddressPrefixes ?? [])];
  return (
    rule.direction === 'Inbound' &&
    (rule.sourceApplicationSecurityGroups ?? []).length === 0 &&
    (sources.length === 0 || (sources.length === 1 && sources[0] === '*'))
  );
}

/** evaluateNsgPath, with malformed rules turned into an "unreadable" note instead of an exception. */
export function safeEvaluatePath(
  path: { subnetNsg?: NsgLike; nicNsg?: NsgLike },
  flow: Flow,
  ctx: TagContext,
): { result?: ReturnType<typeof evaluateNsgPath>; problem?: Unreadable } {
  try {
    return { result: evaluateNsgPath(path, flow, ctx) };
  } catch (error) {
    if (error instanceof NsgRuleError) {
      return { problem: { resource: error.nsgId, why: error.userMessage, resolve: 'Correct the rule in the NSG (Azure would refuse it as written), then diagnose again.' } };
    }
    if (error instanceof FlowError) {
      return { problem: { resource: flow.sourceIp, why: error.message, resolve: 'Check the node IP addresses read from the NICs.' } };
    }
    throw error;
  }
}

export function dedupeUnreadable(list: Unreadable[]): Unreadable[] {
  const seen = new Map<string, Unreadable>();
  for (const entry of list) if (!seen.has(key(entry.resource))) seen.set(key(entry.resource), entry);
  return [...seen.values()];
}

/** Subnet prefixes of these nodes (their IPs as /32 where the subnet is unknown). */
export function subnetPrefixesOf(nodes: NodeView[], network: NetworkView): string[] {
  const prefixes = new Set<string>();
  for (const node of nodes) {
    const subnet = node.subnetId ? network.subnets.get(key(node.subnetId)) : undefined;
    const ipv4 = (subnet?.addressPrefixes ?? []).filter((prefix) => tryParseIpv4Block(prefix) !== undefined);
    if (ipv4.length > 0) for (const prefix of ipv4) prefixes.add(prefix);
    else if (node.privateIp) prefixes.add(`${node.privateIp}/32`);
  }
  return [...prefixes];
}

// ---------------------------------------------------------------------------------------------
// The decision

interface RuleGroup {
  nsg: NsgView;
  verdict: NsgVerdict;
  direction: 'Inbound' | 'Outbound';
  targets: Set<string>;
  /** Nodes whose NIC the NSG sits on (level nic), or subnets (level subnet). */
  nicNodes: Set<string>;
  subnets: Map<string, SubnetView>;
  flows: Flow[];
}

const groupKey = (nsgId: string, direction: string, ruleName: string) => `${key(nsgId)}|${direction}|${ruleName}`;

function addVerdict(
  groups: Map<string, RuleGroup>,
  verdict: NsgVerdict,
  nsg: NsgView,
  flow: Flow,
  target: NodeView,
  atNode: NodeView,
  atPath: NodePath,
): void {
  const k = groupKey(verdict.nsgId, flow.direction, verdict.ruleName);
  let group = groups.get(k);
  if (!group) {
    group = { nsg, verdict, direction: flow.direction, targets: new Set(), nicNodes: new Set(), subnets: new Map(), flows: [] };
    groups.set(k, group);
  }
  group.targets.add(target.computerName);
  if (verdict.level === 'nic') group.nicNodes.add(atNode.computerName);
  else if (atPath.subnet) group.subnets.set(key(atPath.subnet.id), atPath.subnet);
  group.flows.push(flow);
}

function whereText(group: RuleGroup, sourcesAreAgents: boolean): string {
  const from = sourcesAreAgents ? 'tunnel-agent node' : 'node';
  const subnets = [...group.subnets.values()].map((s) => s.name).sort();
  const nics = [...group.nicNodes].sort();
  if (group.direction === 'Inbound') {
    if (group.verdict.level === 'subnet') return `into subnet ${subnets.join(', ')}`;
    return nics.length === 1 ? `into the NIC of ${nics[0]}` : `into the NICs of ${nics.length} nodes`;
  }
  if (group.verdict.level === 'subnet') return `out of subnet ${subnets.join(', ')} (from the ${from}s)`;
  return nics.length === 1 ? `out of the NIC of ${from} ${nics[0]}` : `out of the NICs of ${nics.length} ${from}s`;
}

function groupSummary(group: RuleGroup, total: number, sourcesAreAgents: boolean): string {
  const nsgName = group.nsg.name ?? lastSegment(group.nsg.id);
  return (
    `NSG ${nsgName} rule ${group.verdict.ruleName} (priority ${group.verdict.priority}) denies TCP ${KUBELET_PORT} ` +
    `${whereText(group, sourcesAreAgents)} (${group.targets.size} of ${plural(total, 'node')})`
  );
}

function ruleEvidence(group: RuleGroup): Evidence {
  const rule = ruleOf(group.nsg, group.verdict);
  const nsgName = group.nsg.name ?? lastSegment(group.nsg.id);
  const resource = rule ? ruleResourceId(group.nsg, rule, group.verdict.isDefault) : group.nsg.id;
  const text = rule ? describeRule(rule) : `priority ${group.verdict.priority}`;
  const verb = group.verdict.access === 'Deny' ? 'denies' : 'allows';
  const targets = sortedUnique(group.targets);
  const level = group.verdict.level === 'nic' ? 'NIC level' : 'subnet level';
  return {
    kind: 'nsg-rule',
    resource,
    detail:
      `NSG ${nsgName} (${level}, ${group.direction.toLowerCase()}) rule ${group.verdict.ruleName}${group.verdict.isDefault ? ' (default rule)' : ''}: ${text}. ` +
      `It ${verb} TCP ${KUBELET_PORT} ${whereText(group, true)} for ${targets.length <= 4 ? targets.join(', ') : plural(targets.length, 'node')}`,
  };
}

export function decideNsg10250(input: Nsg10250Input): CheckOutcome {
  const { nodes, network } = input;
  const evidence: Evidence[] = [];
  const running = nodes.filter(isRunning);
  const stopped = nodes.filter((n) => !isRunning(n));
  if (stopped.length > 0) {
    evidence.push({
      kind: 'note',
      detail: `Skipped ${plural(stopped.length, 'node')} that ${stopped.length === 1 ? 'is' : 'are'} not running: ${stopped.map((n) => `${n.computerName} (${n.powerState})`).join(', ')}.`,
    });
  }
  const withoutIp = running.filter((n) => !n.privateIp);
  if (withoutIp.length > 0) {
    evidence.push({
      kind: 'note',
      detail: `No IP address known for ${withoutIp.map((n) => n.computerName).join(', ')} (its network interface could not be read): not evaluated.`,
    });
  }
  // A running node we cannot evaluate keeps the check from passing ("every node reachable").
  const noIpEntries = (): Array<[string, Unreadable[]]> =>
    withoutIp.map((n) => [
      n.computerName,
      [{ resource: n.computerName, why: `no IP address is known for ${n.computerName} (its network interface could not be read)`, resolve: NIC_READ_RESOLVE }],
    ]);
  const targets = running.filter((n) => n.privateIp);
  const agents = targets.filter((n) => n.isTunnelAgent);
  const sourcesAreAgents = agents.length > 0;
  const sources = sourcesAreAgents ? agents : targets;
  if (!sourcesAreAgents && targets.length > 0) {
    evidence.push({
      kind: 'note',
      detail: running.some((n) => n.isTunnelAgent)
        ? 'The tunnel-agent nodes have no known IP address, so traffic from every running node was evaluated instead.'
        : 'No running node carries a tunnel agent pod (without agents the tunnel is down anyway: see tunnel-agent-health), so traffic from every running node was evaluated instead.',
    });
  }

  if (targets.length === 0) {
    const why = running.length === 0 ? 'no node is running' : 'no running node has a known IP address (their network interfaces could not be read)';
    return {
      status: 'unknown',
      summary: `Cannot evaluate the NSGs for TCP ${KUBELET_PORT}: ${why}`,
      nodes: [],
      evidence,
      fixes: [],
      unknownReason: {
        why,
        resolve:
          running.length === 0
            ? 'Start the node pools (az aks start / scale up), then diagnose again.'
            : NIC_READ_RESOLVE,
      },
    };
  }

  const ctx = tagContextOf(network, nodes);
  const paths = new Map(targets.map((n) => [n.computerName, nodePath(n, network)]));
  const denyGroups = new Map<string, RuleGroup>();
  const allowGroups = new Map<string, RuleGroup>();
  const affected = new Set<string>();
  const undetermined = new Map<string, Unreadable[]>(noIpEntries());
  const assumptions = new Set<string>();
  let nsgSeen = false;

  for (const target of targets) {
    const targetPath = paths.get(target.computerName) as NodePath;
    for (const source of sources) {
      // Traffic from a node to its own IP never leaves the host, so no NSG filters it.
      if (source.computerName === target.computerName) continue;
      const sourcePath = paths.get(source.computerName) as NodePath;
      const base = {
        protocol: 'Tcp' as const,
        sourceIp: source.privateIp as string,
        destinationIp: target.privateIp as string,
        destinationPort: KUBELET_PORT,
        sourceAsgIds: source.asgIds,
        destinationAsgIds: target.asgIds,
      };
      const legs: Array<{ flow: Flow; path: NodePath; at: NodeView }> = [
        { flow: { ...base, direction: 'Outbound' }, path: sourcePath, at: source },
        { flow: { ...base, direction: 'Inbound' }, path: targetPath, at: target },
      ];
      const missing: Unreadable[] = [];
      let denied = false;
      for (const leg of legs) {
        missing.push(...leg.path.missing);
        const nsgs = { ...(leg.path.subnetNsg ? { subnetNsg: leg.path.subnetNsg } : {}), ...(leg.path.nicNsg ? { nicNsg: leg.path.nicNsg } : {}) };
        if (!nsgs.subnetNsg && !nsgs.nicNsg) continue;
        nsgSeen = true;
        const { result, problem } = safeEvaluatePath(nsgs, leg.flow, ctx);
        if (problem) {
          missing.push(problem);
          continue;
        }
        for (const step of result?.steps ?? []) {
          const nsg = step.level === 'nic' ? leg.path.nicNsg : leg.path.subnetNsg;
          if (!nsg) continue;
          for (const a of step.assumptions ?? []) assumptions.add(a);
          addVerdict(step.access === 'Deny' ? denyGroups : allowGroups, step, nsg, leg.flow, target, leg.at, leg.path);
          if (step.access === 'Deny') denied = true;
        }
      }
      if (denied) affected.add(target.computerName);
      else if (missing.length > 0) undetermined.set(target.computerName, [...(undetermined.get(target.computerName) ?? []), ...missing]);
    }
  }
  for (const name of affected) undetermined.delete(name);
  for (const a of assumptions) evidence.push({ kind: 'note', detail: `Assumption: ${a}.` });
  const unreadable = dedupeUnreadable([...undetermined.values()].flat());
  const total = targets.length;

  if (affected.size > 0) {
    const groups = [...denyGroups.values()].sort((a, b) => b.targets.size - a.targets.size || a.verdict.priority - b.verdict.priority);
    const fixes: FixProposal[] = [];
    const hiddenNotes: Evidence[] = [];
    // One plan per NSG and direction: a single allow above the first deny may cover several denies.
    const planned = new Set<string>();
    for (const group of groups) {
      const planKey = `${key(group.nsg.id)}|${group.direction}`;
      if (planned.has(planKey)) continue;
      planned.add(planKey);
      const sameNsg = groups.filter((g) => key(g.nsg.id) === key(group.nsg.id) && g.direction === group.direction);
      const flows = sameNsg.flatMap((g) => g.flows);
      const targetNodes = targets.filter((t) => sameNsg.some((g) => g.targets.has(t.computerName)));
      const destinationPrefixes = subnetPrefixesOf(targetNodes, network);
      const subnetNames = sortedUnique(targetNodes.map((t) => paths.get(t.computerName)?.subnet?.name ?? t.computerName));
      const plan = planNsgOpening({
        nsg: group.nsg,
        direction: group.direction,
        level: group.verdict.level,
        flows,
        ctx,
        spec: {
          checkId: 'nsg-10250',
          protocol: 'Tcp',
          port: KUBELET_PORT,
          ruleName: KUBELET_ALLOW_RULE_NAME,
          description: 'Tunnel Doctor: allow TCP 10250 (kubelet) so kubectl logs/exec work through the AKS tunnel',
          // The agents can be rescheduled onto any node, so the whole VNet is the source.
          sourcePrefixes: ['VirtualNetwork'],
          destinationPrefixes,
          allowKind: 'nsg-allow-10250',
          trafficText: `TCP ${KUBELET_PORT} from VirtualNetwork to ${subnetNames.length === 1 ? `subnet ${subnetNames[0]}` : `subnets ${subnetNames.join(', ')}`} (${destinationPrefixes.join(', ')})`,
        },
      });
      fixes.push(...plan.fixes);
      for (const hidden of plan.hidden) {
        hiddenNotes.push({
          kind: 'nsg-rule',
          resource: ruleResourceId(group.nsg, hidden.rule, hidden.isDefault),
          detail: `Behind the first deny, NSG ${group.nsg.name ?? lastSegment(group.nsg.id)} rule ${hidden.rule.name} (${describeRule(hidden.rule)}) would deny TCP ${KUBELET_PORT} too; the fixes cover it.`,
        });
      }
      if (plan.unresolved) hiddenNotes.push({ kind: 'note', detail: `No automatic fix: ${plan.unresolved}.` });
    }
    const [first, ...rest] = groups;
    const summaryParts = [groupSummary(first as RuleGroup, total, sourcesAreAgents)];
    for (const g of rest.slice(0, 2)) summaryParts.push(`also ${groupSummary(g, total, sourcesAreAgents)}`);
    if (rest.length > 2) summaryParts.push(`and ${plural(rest.length - 2, 'more rule')}`);
    const notes: Evidence[] = [];
    if (unreadable.length > 0) {
      notes.push({
        kind: 'note',
        detail: `Not determined for ${sortedUnique(undetermined.keys()).join(', ')}: ${unreadable.map((u) => u.why).join('; ')}.`,
      });
    }
    return {
      status: 'fail',
      summary: summaryParts.join('; '),
      nodes: sortedUnique(affected),
      evidence: [...groups.map((g) => ruleEvidence(g)), ...hiddenNotes, ...evidence, ...notes],
      fixes,
    };
  }

  if (unreadable.length > 0) {
    return {
      status: 'unknown',
      summary: `Cannot tell whether the NSGs allow TCP ${KUBELET_PORT} to ${plural(undetermined.size, 'node')}: ${unreadable.map((u) => u.why).join('; ')}`,
      nodes: [],
      evidence: [
        ...unreadable.map((u) => ({ kind: 'unreadable', resource: u.resource, detail: `${u.why}. ${u.resolve}` })),
        ...[...allowGroups.values()].map((g) => ruleEvidence(g)),
        ...evidence,
      ],
      fixes: [],
      unknownReason: { why: unreadable.map((u) => u.why).join('; '), resolve: sortedUnique(unreadable.map((u) => u.resolve)).join(' ') },
    };
  }

  const allows = [...allowGroups.values()].sort((a, b) => (a.direction === b.direction ? a.verdict.priority - b.verdict.priority : a.direction === 'Inbound' ? -1 : 1));
  const deciding = allows
    .map((g) => `${g.nsg.name ?? lastSegment(g.nsg.id)} ${g.verdict.ruleName} (${g.verdict.priority}, ${g.direction.toLowerCase()})`)
    .filter((text, i, all) => all.indexOf(text) === i);
  const word = sourcesAreAgents ? 'tunnel-agent node' : 'running node';
  const from = sources.length === 1 ? word : plural(sources.length, word);
  return {
    status: 'pass',
    summary: nsgSeen
      ? `Every NSG on the path allows TCP ${KUBELET_PORT} from the ${from} to all ${plural(total, 'running node')}: ${deciding.join(', ')}`
      : `No NSG on the nodes' subnets or NICs: nothing filters TCP ${KUBELET_PORT} between the ${plural(total, 'running node')}`,
    nodes: [],
    evidence: [
      ...allows.map((g) => ruleEvidence(g)),
      ...(nsgSeen ? [] : [{ kind: 'note', detail: 'No network security group is associated with the node subnets or network interfaces.' }]),
      ...evidence,
    ],
    fixes: [],
  };
}
