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
 * Pure: decides from the views gathered in src/engine/gather.ts. The NSG path reading and the fix
 * planning it shares with egress-tunnel-ports live in src/engine/nsg/ (node-path, plan-opening).
 */
import type { Flow, NsgVerdict } from '../nsg/evaluate.js';
import { KUBELET_PORT } from '../nsg/fix-rule.js';
import type { Evidence, FixProposal } from '../report.js';
import { NIC_READ_RESOLVE, dedupeUnreadable, isRunning, lastSegment, nodePath, plural, safeEvaluatePath, sortedUnique, subnetPrefixesOf, tagContextOf, type NodePath, type Unreadable } from '../nsg/node-path.js';
import { KUBELET_ALLOW_RULE_NAME, planNsgOpening } from '../nsg/plan-opening.js';
import { describeRule, ruleOf, ruleResourceId } from '../nsg/rule-text.js';
import { key, type CheckOutcome, type NetworkView, type NodeView, type NsgView, type SubnetView } from './views.js';

export interface Nsg10250Input {
  nodes: NodeView[];
  network: NetworkView;
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
