/**
 * Planning an NSG fix that opens one flow (TCP 10250 into the nodes for nsg-10250, the tunnel's egress
 * port out of the agent nodes for egress-tunnel-ports): a new allow rule at a free priority above the
 * deny, or the deny narrowed or edited, whichever Azure would take and changes least.
 */
import { evaluateNsg, MIN_CUSTOM_PRIORITY, validateSecurityRule, type Flow, type NsgLike, type SecurityRuleLike, type TagContext } from './evaluate.js';
import { findFreePriority } from './fix-rule.js';
import { portSpansOf } from './port-ranges.js';
import { lastSegment } from './node-path.js';
import { armRuleJson, describeRule, portRangesWithout, ruleOf, ruleResourceId } from './rule-text.js';
import type { FixProposal } from '../report.js';
import type { NsgView } from '../checks/views.js';

export const AKS_MANAGED_NSG_WARNING =
  'AKS manages this NSG and may reconcile changes to it; a custom rule here is supported but keep it in your IaC';
export const KUBELET_ALLOW_RULE_NAME = 'AllowTunnelKubelet10250';

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
