/**
 * ufw-10250: UFW active on a Linux node and not allowing TCP 10250 from the tunnel agents
 * (docs/checks.md; the troubleshooting article's cause "UFW is enabled on the nodes"). Judged from
 * `ufw status verbose` (first matching incoming row, else the default incoming policy), or from
 * UFW's own iptables chains when the status text was cut off. The shared walk is host-layer.ts.
 */
import { iptablesVerdict } from '../host/iptables-verdict.js';
import type { IptablesListing, IptablesRow } from '../host/iptables.js';
import type { HostFirewallResult } from '../host/script-output.js';
import { ufwVerdict, type UfwStatus, type UfwStatusRule, type UfwVerdict } from '../host/ufw.js';
import { KUBELET_PORT } from '../node-scripts.js';
import type { Evidence, FixProposal } from '../report.js';
import {
  HOST_CHANGE_WARNING,
  PORT_TEXT,
  compact,
  decideLayer,
  listAgents,
  nodesText,
  scriptFields,
  type FixPlan,
  type HostCheckInput,
  type Layer,
  type NodeContext,
  type NodeFinding,
} from './host-layer.js';
import { UFW_CHAIN, decidedByUfwChains, describeIptablesDecision, iptFlow, iptablesUnreadable, ruleShort, ufwFlow } from './iptables-reading.js';
import type { Agent, ReadFailure } from './probe-reading.js';
import type { CheckOutcome } from './views.js';

/** Why the ufw part of a host-firewall output cannot be used, if it cannot. */
function ufwUnreadable(node: string, fw: HostFirewallResult): ReadFailure | undefined {
  if (fw.ufw && fw.ufwComplete) return undefined;
  if (!fw.complete) {
    return {
      why: `the ufw status of ${node} was cut off (run-command returns only the last 4096 bytes of output)`,
      resolve: `run \`ufw status verbose\` on ${node} and read it whole`,
    };
  }
  return { why: `the host-firewall output of ${node} has no ufw section`, resolve: `diagnose again; if it persists, run \`ufw status verbose\` on ${node} by hand` };
}

function defaultLine(fw: HostFirewallResult): string | undefined {
  return fw.ufwText?.split('\n').map((l) => l.trim()).find((l) => l.startsWith('Default:'));
}

const UFW_VERB: Record<UfwVerdict['outcome'], string> = { allow: 'allows', deny: 'denies', reject: 'rejects' };

/**
 * Would `ufw allow 10250/tcp` let every given agent in? ufw updates a rule with the same
 * to/from/port/protocol in place (printing "Rule updated") and appends any other rule after the
 * existing ones; the first matching row still wins, so an earlier DENY can outlive the append.
 */
function appendedAllowWins(status: UfwStatus, agents: Agent[], nodeIp: string): boolean {
  const isKubeletAnywhere = (r: UfwStatusRule) =>
    !r.v6 && r.direction === 'in' && compact(r.to) === `${KUBELET_PORT}/tcp` && compact(r.from) === 'Anywhere';
  let rules: UfwStatusRule[];
  if (status.rules.some(isKubeletAnywhere)) {
    rules = status.rules.map((r) => (isKubeletAnywhere(r) ? { ...r, action: 'ALLOW IN', text: `${r.to} ALLOW IN ${r.from}` } : r));
  } else {
    const added: UfwStatusRule = { index: status.rules.length, text: `${KUBELET_PORT}/tcp ALLOW IN Anywhere`, to: `${KUBELET_PORT}/tcp`, action: 'ALLOW IN', direction: 'in', from: 'Anywhere', v6: false };
    rules = [...status.rules, added];
  }
  return agents.every((a) => ufwVerdict({ ...status, rules }, ufwFlow(a, nodeIp)).outcome === 'allow');
}

/**
 * The same question asked of ufw's iptables chains, for when `ufw status` was cut off: ufw keeps
 * the user rules, in order, in chain ufw-user-input (`ufw allow 10250/tcp` is
 * `-A ufw-user-input -p tcp --dport 10250 -j ACCEPT`).
 */
function appendedAllowWinsInChains(listing: IptablesListing, agents: Agent[], nodeIp: string): boolean {
  const chain = listing.chains['ufw-user-input'];
  if (!chain) return false;
  const same = (r: IptablesRow) => r.prot === 'tcp' && r.source === 'anywhere' && r.destination === 'anywhere' && compact(r.match) === `tcp dpt:${KUBELET_PORT}`;
  const allowRow: IptablesRow = { num: chain.rules.length + 1, target: 'ACCEPT', prot: 'tcp', opt: '--', source: 'anywhere', destination: 'anywhere', match: `tcp dpt:${KUBELET_PORT}`, text: `ACCEPT tcp -- anywhere anywhere tcp dpt:${KUBELET_PORT}` };
  const rules = chain.rules.some(same) ? chain.rules.map((r) => (same(r) ? { ...r, target: 'ACCEPT' } : r)) : [...chain.rules, allowRow];
  const after: IptablesListing = { ...listing, chains: { ...listing.chains, 'ufw-user-input': { ...chain, rules } } };
  return agents.every((a) => iptablesVerdict(after, iptFlow(a, nodeIp)).outcome === 'accept');
}

function ufwFixPlan(appendWorks: boolean, cause: string): FixPlan {
  const change = appendWorks ? `ufw allow ${KUBELET_PORT}/tcp` : `ufw insert 1 allow ${KUBELET_PORT}/tcp`;
  return {
    key: `${change}|${cause}`,
    cause,
    build(nodes) {
      const target = nodes.join(',');
      const allow: FixProposal = {
        id: `ufw-10250:allow:${nodes[0] ?? ''}`,
        kind: 'ufw-allow-10250',
        title: `Allow ${PORT_TEXT} through UFW on ${nodesText(nodes)}`,
        target,
        change,
        risk: 'medium',
        needsApproval: true,
        warnings: [HOST_CHANGE_WARNING],
      };
      if (appendWorks) {
        Object.assign(allow, scriptFields('ufw-allow-kubelet', []));
      } else {
        allow.warnings?.push(
          `An earlier UFW rule would still deny ${PORT_TEXT} if the allow were appended (UFW applies the first matching rule), so the allow must be inserted first. No constant node script runs \`${change}\` yet: run it on each node by hand, or take the alternative.`,
        );
      }
      const disable: FixProposal = {
        id: `ufw-10250:disable:${nodes[0] ?? ''}`,
        kind: 'ufw-disable',
        title: `Alternative: turn UFW off on ${nodesText(nodes)}`,
        target,
        change: 'ufw disable',
        risk: 'medium',
        needsApproval: true,
        warnings: [HOST_CHANGE_WARNING],
        ...scriptFields('ufw-disable', []),
      };
      return [allow, disable];
    },
  };
}

/**
 * ufw is itself a set of iptables chains (ufw-before-input, ufw-user-input …, jumped to from
 * INPUT), so when its status text was cut off but the iptables listing survived, the listing
 * still says what ufw does to the agents' traffic. Undefined when the listing cannot be used.
 */
function ufwFromChains(ctx: NodeContext, cut: ReadFailure): NodeFinding | undefined {
  const { reach, failing, firewall } = ctx;
  const name = reach.node.computerName;
  if (firewall.iptablesMissing || iptablesUnreadable(name, firewall)) return undefined;
  const listing = firewall.iptables as IptablesListing;
  const lead = `${cut.why}; read from UFW's chains in the iptables listing instead`;
  const input = listing.chains['INPUT'];
  // Only positive evidence counts: INPUT must jump into ufw's chains for them to speak for ufw.
  // (Without them ufw filters nothing on a real node, but a listing that omits them proves little.)
  if (!input?.rules.some((r) => UFW_CHAIN.test(r.target))) return undefined;
  const verdicts = failing.map((f) => ({ agent: f.agent, verdict: iptablesVerdict(listing, iptFlow(f.agent, reach.ip)) }));
  const byUfw = verdicts.filter((v) => v.verdict.outcome !== 'accept' && decidedByUfwChains(v.verdict));
  if (byUfw.length === 0) {
    // A rule outside ufw's chains deciding first hides what ufw would do: leave it unknown.
    if (verdicts.some((v) => v.verdict.outcome !== 'accept')) return undefined;
    if (verdicts.some((v) => v.verdict.unreadableRules.some((r) => r.target !== 'ACCEPT'))) return undefined;
    return {
      status: 'clear', node: name,
      evidence: [{ kind: 'ufw', resource: name, detail: `${lead}: UFW's chains let ${PORT_TEXT} from ${listAgents(failing.map((f) => f.agent))} through: not the cause.` }],
    };
  }
  const first = (byUfw[0] as (typeof byUfw)[number]).verdict;
  const evidence: Evidence[] = [{
    kind: 'ufw-rule', resource: name,
    detail: `${lead}: iptables --list --line-numbers on ${name}: ${describeIptablesDecision(first, listing, listAgents(byUfw.map((b) => b.agent)))}.`,
  }];
  const cause = first.ruleNum === undefined ? `UFW (INPUT policy ${input.policy ?? 'DROP'} behind UFW's chains)` : `UFW rule in ${first.chain} (${ruleShort(first, listing)})`;
  return { status: 'blocks', node: name, evidence, plan: ufwFixPlan(appendedAllowWinsInChains(listing, byUfw.map((b) => b.agent), reach.ip), cause) };
}

const ufwLayer: Layer = {
  name: 'UFW',
  decideNode(ctx) {
    const { reach, failing, firewall } = ctx;
    const name = reach.node.computerName;
    const unreadable = ufwUnreadable(name, firewall);
    if (unreadable) return ufwFromChains(ctx, unreadable) ?? { status: 'unknown', node: name, evidence: [], ...unreadable };
    const status = firewall.ufw as UfwStatus;
    if (!status.installed) {
      return { status: 'clear', node: name, evidence: [{ kind: 'ufw', resource: name, detail: `ufw is not installed on ${name}: not the cause.` }] };
    }
    if (!status.active) {
      return { status: 'clear', node: name, evidence: [{ kind: 'ufw', resource: name, detail: `ufw status verbose on ${name}: "Status: inactive": not the cause.` }] };
    }
    const verdicts = failing.map((f) => ({ agent: f.agent, verdict: ufwVerdict(status, ufwFlow(f.agent, reach.ip)) }));
    const denied = verdicts.filter((v) => v.verdict.outcome !== 'allow');
    if (denied.length === 0) {
      const doubt = verdicts.flatMap((v) => v.verdict.unreadableRows).find((r) => /^(DENY|REJECT)\b/.test(r.action));
      if (doubt) {
        return {
          status: 'unknown', node: name, evidence: [],
          why: `ufw on ${name} allows ${PORT_TEXT} from the agents unless row ${doubt.index + 1} "${compact(doubt.text)}", which could not be read, matches`,
          resolve: `run \`ufw status numbered\` on ${name} and check that rule`,
        };
      }
      const first = verdicts[0]?.verdict;
      const limit = verdicts.find((v) => v.verdict.rule && status.rules[v.verdict.rule.index]?.action.startsWith('LIMIT'))?.verdict.rule;
      if (limit) {
        // ufw(8) "limit": deny (ufw-user-limit rejects) an address that opens 6 or more connections
        // in 30 seconds. The API server opens one per kubectl logs/exec/port-forward through the
        // same agent, so bursts from an agent's address are refused while a lone probe passes.
        const why = `UFW row ${limit.index + 1} "${compact(limit.text)}" is LIMIT: it refuses an address's 6th connection within 30 s, and every kubectl logs/exec through a tunnel agent comes from that agent's address, so bursts are refused`;
        return { status: 'warn', node: name, why, evidence: [{ kind: 'ufw-rule', resource: name, detail: `ufw status verbose on ${name}: ${why}.` }] };
      }
      return {
        status: 'clear', node: name,
        evidence: [{ kind: 'ufw', resource: name, detail: `ufw is active on ${name} but lets ${PORT_TEXT} from ${listAgents(failing.map((f) => f.agent))} through (${first?.reason ?? 'allowed'}): not the cause.` }],
      };
    }
    // One piece of evidence per deciding row (or the default policy), naming the agents it stops.
    const byDecider = new Map<string, { verdict: UfwVerdict; agents: Agent[] }>();
    for (const d of denied) {
      const k = d.verdict.rule ? `row:${d.verdict.rule.index}` : 'policy';
      const entry = byDecider.get(k) ?? { verdict: d.verdict, agents: [] };
      entry.agents.push(d.agent);
      byDecider.set(k, entry);
    }
    const evidence: Evidence[] = [...byDecider.values()].map(({ verdict, agents }) => ({
      kind: 'ufw-rule',
      resource: name,
      detail: verdict.rule
        ? `ufw status verbose on ${name}: row ${verdict.rule.index + 1} "${verdict.rule.text}" ${UFW_VERB[verdict.outcome]} ${PORT_TEXT} from ${listAgents(agents)}.`
        : `ufw status verbose on ${name}: Status: active, "${defaultLine(firewall) ?? `Default: ${status.defaultIncoming ?? 'deny'} (incoming)`}"; no rule allows ${PORT_TEXT} from ${listAgents(agents)}, so the default incoming policy ${UFW_VERB[verdict.outcome]} it.`,
    }));
    const lead = (denied[0] as (typeof denied)[number]).verdict;
    const cause = lead.rule ? `UFW rule "${compact(lead.rule.text)}"` : `UFW default incoming policy ${status.defaultIncoming ?? 'deny'}`;
    const agents = failing.map((f) => f.agent);
    return { status: 'blocks', node: name, evidence, plan: ufwFixPlan(appendedAllowWins(status, agents, reach.ip), cause) };
  },
};

/** ufw-10250: UFW active on a Linux node and not allowing TCP 10250 from the tunnel agents. */
export function decideUfw10250(input: HostCheckInput): CheckOutcome {
  return decideLayer(ufwLayer, input);
}
