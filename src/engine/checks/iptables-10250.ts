/**
 * iptables-10250: the filter table's INPUT chain (with its jumps) drops or rejects TCP 10250 from a
 * tunnel agent (docs/checks.md; the troubleshooting article's cause "iptables rules block port
 * 10250"). Judged from `iptables --list --line-numbers` with `iptables -S` setting aside rules for
 * other interfaces, and the legacy tables when iptables warns of them. A drop in UFW's own chains
 * is ufw-10250's. The shared walk is host-layer.ts.
 */
import { iptablesVerdict, type IptablesVerdict } from '../host/iptables-verdict.js';
import type { IptablesListing } from '../host/iptables.js';
import { cidrContains, ipv4ToNumber, parseIpv4Cidr } from '../host/ipv4.js';
import { LEGACY_WARNING, NODE_INTERFACE, specBlock, withoutOtherInterfaceRules } from '../host/node-reads.js';
import { ufwVerdict } from '../host/ufw.js';
import {
  KUBELET_PORT,
  iptablesDeleteRuleParameters,
  iptablesInsertAcceptParameters,
  type ScriptParameter,
} from '../node-scripts.js';
import type { Evidence } from '../report.js';
import {
  HOST_CHANGE_WARNING,
  IPTABLES_REBOOT_WARNING,
  PORT_TEXT,
  agentText,
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
import { decidedByUfwChains, describeIptablesDecision, iptFlow, iptablesUnreadable, ruleShort, ufwFlow, withoutRule } from './iptables-reading.js';
import { sorted, type Agent } from './probe-reading.js';
import { key, type CheckOutcome } from './views.js';

/** The ACCEPT's sources: the agents' subnets when known, else each agent's /32. */
function agentSources(agents: Agent[], input: HostCheckInput): string[] {
  const out: string[] = [];
  for (const agent of agents) {
    const view = input.nodes.find((n) => n.computerName === agent.name);
    const subnet = view?.subnetId ? input.network?.subnets.get(key(view.subnetId)) : undefined;
    const ip = ipv4ToNumber(agent.ip);
    const prefix = subnet?.addressPrefixes.find((p) => {
      const c = parseIpv4Cidr(p);
      return c !== undefined && ip !== undefined && cidrContains(c, ip);
    });
    out.push(prefix ?? `${agent.ip}/32`);
  }
  // Drop a /32 that a subnet in the list already covers.
  const unique = sorted(out);
  return unique.filter((cidr) => {
    const c = parseIpv4Cidr(cidr);
    return !unique.some((other) => {
      const o = parseIpv4Cidr(other);
      return other !== cidr && c !== undefined && o !== undefined && o.length < c.length && cidrContains(o, c.network);
    });
  });
}

function kubeChainWarning(chain: string): string[] {
  return /^(KUBE-|cali-|CILIUM)/.test(chain)
    ? [`Chain ${chain} is written by kube-proxy or the network plugin, which may put the rule back.`]
    : [];
}

function iptablesFixPlan(v: IptablesVerdict, listing: IptablesListing, blockedAgents: Agent[], ctx: NodeContext): { plan: FixPlan; notes: Evidence[] } {
  const name = ctx.reach.node.computerName;
  const notes: Evidence[] = [];
  const warnings = [HOST_CHANGE_WARNING, IPTABLES_REBOOT_WARNING];
  if (v.ruleNum !== undefined) {
    // Deleting the deciding rule is the narrow fix, if nothing behind it stops 10250 as well.
    const after = withoutRule(listing, v.chain, v.ruleNum);
    const behind = blockedAgents.map((a) => iptablesVerdict(after, iptFlow(a, ctx.reach.ip))).find((x) => x.outcome !== 'accept');
    let params: ScriptParameter[] | undefined;
    try {
      params = iptablesDeleteRuleParameters(v.chain, v.ruleNum);
    } catch {
      params = undefined; // a chain name the script would refuse: fall through to the ACCEPT
    }
    if (!behind && params) {
      const change = `iptables --delete ${v.chain} ${v.ruleNum}`;
      const cause = `iptables ${v.chain} rule ${v.ruleNum} (${ruleShort(v, listing)})`;
      const validated = params;
      return {
        notes,
        plan: {
          key: `${change}|${compact(v.ruleText)}`,
          cause,
          build: (nodes) => [{
            id: `iptables-10250:delete:${nodes[0] ?? ''}:${v.chain}:${v.ruleNum}`,
            kind: 'iptables-delete-rule',
            title: `Delete iptables rule ${v.chain} ${v.ruleNum} (${ruleShort(v, listing)}) on ${nodesText(nodes)}`,
            target: nodes.join(','),
            change,
            risk: 'medium',
            needsApproval: true,
            warnings: [
              ...warnings,
              ...kubeChainWarning(v.chain),
              `Rule numbers shift when the chain changes: if ${v.chain} was edited since this diagnosis, diagnose again first.`,
            ],
            ...scriptFields('iptables-delete-rule', validated),
          }],
        },
      };
    }
    notes.push({
      kind: 'note', resource: name,
      detail: behind
        ? `Deleting ${v.chain} rule ${v.ruleNum} on ${name} would not be enough: then ${describeIptablesDecision(behind, after, listAgents(blockedAgents))} (numbered as after the deletion). The fix inserts an ACCEPT first in INPUT instead.`
        : `Chain ${v.chain} on ${name} is not a name the delete script accepts; the fix inserts an ACCEPT first in INPUT instead.`,
    });
  }
  const sources = agentSources(ctx.agents.length > 0 ? ctx.agents : blockedAgents, ctx.input);
  const changes: Array<{ cidr: string; params: ScriptParameter[] }> = [];
  for (const cidr of sources) {
    try {
      changes.push({ cidr, params: iptablesInsertAcceptParameters('INPUT', cidr) });
    } catch (err) {
      // Never hand the script a value it would refuse; say why there is no fix for this source.
      notes.push({ kind: 'note', resource: name, detail: `No ACCEPT proposed for source "${cidr}": ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  const cause = v.ruleNum === undefined ? `iptables INPUT policy ${listing.chains['INPUT']?.policy ?? 'DROP'}` : `iptables ${v.chain} rule ${v.ruleNum} (${ruleShort(v, listing)})`;
  return {
    notes,
    plan: {
      key: `insert:${sources.join(',')}|${cause}`,
      cause,
      build: (nodes) => changes.map(({ cidr, params }) => ({
        id: `iptables-10250:insert:${nodes[0] ?? ''}:${cidr}`,
        kind: 'iptables-insert-accept',
        title: `Accept ${PORT_TEXT} from ${cidr} first in INPUT on ${nodesText(nodes)}`,
        target: nodes.join(','),
        change: `iptables --insert INPUT 1 -p tcp --dport ${KUBELET_PORT} -s ${cidr} -j ACCEPT`,
        risk: 'medium',
        needsApproval: true,
        warnings: [
          ...warnings,
          ...(cidr.endsWith('/32') ? ['The rule names the tunnel agents\' current addresses; an agent rescheduled onto another node needs its own rule.'] : []),
          ...(changes.length > 1 ? [`Apply together with the other ACCEPTs for this node group (${changes.filter((c) => c.cidr !== cidr).map((c) => c.cidr).join(', ')}): each covers one source.`] : []),
        ],
        ...scriptFields('iptables-insert-accept', params),
      })),
    },
  };
}

/** iptables on one unreachable node, from the --list listing with the rules -S shows are for other interfaces made inert. */
const iptablesListingLayer: Layer = {
  name: 'iptables',
  decideNode(ctx) {
    const { reach, failing, firewall } = ctx;
    const name = reach.node.computerName;
    if (firewall.iptablesMissing) {
      return { status: 'clear', node: name, evidence: [{ kind: 'iptables', resource: name, detail: `iptables is not installed on ${name}: not the cause.` }] };
    }
    const unreadable = iptablesUnreadable(name, firewall);
    if (unreadable) return { status: 'unknown', node: name, evidence: [], ...unreadable };
    // `iptables -S` shows the input interface `--list` hides: a rule for another interface is no block.
    const { listing } = withoutOtherInterfaceRules(firewall.iptables as IptablesListing, (firewall.reads?.iptablesSpec ?? '').split('\n'));
    const reduced = firewall.iptablesReduced ? ` (the listing was reduced to INPUT and the chains it reaches: ${firewall.notes.join('; ')})` : '';
    // ufw is itself a set of iptables chains: a drop there is reported by ufw-10250, unless ufw's
    // own status says it allows the agent (then the rule came from elsewhere, e.g. before.rules).
    const ufwStatus = firewall.ufw && firewall.ufwComplete ? firewall.ufw : undefined;
    const ufwStops = (agent: Agent) => !ufwStatus || (ufwStatus.active && ufwVerdict(ufwStatus, ufwFlow(agent, reach.ip)).outcome !== 'allow');
    const verdicts = failing.map((f) => ({ agent: f.agent, verdict: iptablesVerdict(listing, iptFlow(f.agent, reach.ip)) }));
    const stopped = verdicts.filter((v) => v.verdict.outcome !== 'accept');
    const ufwOwned = stopped.filter((v) => decidedByUfwChains(v.verdict) && ufwStops(v.agent));
    const blocked = stopped.filter((v) => !ufwOwned.includes(v));
    if (blocked.length === 0) {
      if (ufwOwned.length > 0) {
        const v = (ufwOwned[0] as (typeof ufwOwned)[number]).verdict;
        return {
          status: 'clear', node: name,
          evidence: [{ kind: 'iptables-rule', resource: name, detail: `iptables --list --line-numbers on ${name}: ${describeIptablesDecision(v, listing, listAgents(ufwOwned.map((o) => o.agent)))}, in UFW's chains: UFW's doing, reported by ufw-10250.${reduced}` }],
        };
      }
      const doubt = verdicts.flatMap((v) => v.verdict.unreadableRules).find((r) => r.target !== 'ACCEPT');
      if (doubt && firewall.droppedChains.includes(doubt.target)) {
        return {
          status: 'unknown', node: name, evidence: [],
          why: `iptables on ${name} jumps from ${doubt.chain} rule ${doubt.ruleNum} into chain ${doubt.target}, which was left out to fit run-command's 4096-byte output`,
          resolve: `run \`iptables --list ${doubt.target} --line-numbers\` on ${name} and check it for a DROP or REJECT of ${PORT_TEXT}`,
        };
      }
      if (doubt) {
        return {
          status: 'unknown', node: name, evidence: [],
          why: `iptables on ${name} accepts ${PORT_TEXT} from the agents unless ${doubt.chain} rule ${doubt.ruleNum} "${compact(doubt.text)}", which could not be read fully, matches`,
          resolve: `run \`iptables --list ${doubt.chain} -v -n --line-numbers\` on ${name} and check that rule`,
        };
      }
      const legacy = legacyBlock(ctx);
      if (legacy) return legacy;
      const first = verdicts[0]?.verdict;
      return {
        status: 'clear', node: name,
        evidence: [{ kind: 'iptables', resource: name, detail: `iptables on ${name} lets ${PORT_TEXT} from ${listAgents(failing.map((f) => f.agent))} through (${first?.reason ?? 'accepted'}): not the cause.${reduced}` }],
      };
    }
    const byDecider = new Map<string, { verdict: IptablesVerdict; agents: Agent[] }>();
    for (const b of blocked) {
      const k = `${b.verdict.chain}:${b.verdict.ruleNum ?? 'policy'}`;
      const entry = byDecider.get(k) ?? { verdict: b.verdict, agents: [] };
      entry.agents.push(b.agent);
      byDecider.set(k, entry);
    }
    const evidence: Evidence[] = [...byDecider.values()].map(({ verdict, agents }) => ({
      kind: 'iptables-rule',
      resource: name,
      detail: `iptables --list --line-numbers on ${name}: ${describeIptablesDecision(verdict, listing, listAgents(agents))}.${reduced}`,
    }));
    const lead = (blocked[0] as (typeof blocked)[number]).verdict;
    const { plan, notes } = iptablesFixPlan(lead, listing, blocked.map((b) => b.agent), ctx);
    return { status: 'blocks', node: name, evidence: [...evidence, ...notes], plan };
  },
};

/**
 * iptables-nft's listing is clean, but it warns that legacy tables exist: the script read them
 * (`iptables-legacy -S`, INPUT and 10250 rules). A DROP/REJECT there is iptables stopping 10250 as
 * much as one in the listing; no node script deletes legacy rules, so the fix is by hand.
 */
function legacyBlock(ctx: NodeContext): NodeFinding | undefined {
  const name = ctx.reach.node.computerName;
  const reads = ctx.firewall.reads;
  if (!(reads?.iptablesSpec ?? '').includes(LEGACY_WARNING)) return undefined;
  const legacy = (reads?.iptablesLegacySpec ?? '').split('\n');
  const hit = ctx.failing.map((f) => ({ agent: f.agent, block: specBlock(legacy, { sourceIp: f.agent.ip, port: KUBELET_PORT, iif: NODE_INTERFACE }) })).find((x) => x.block);
  if (!hit?.block) return undefined;
  const rule = hit.block.rule;
  const cause = `iptables-legacy rule "${rule}"`;
  return {
    status: 'blocks', node: name,
    evidence: [{ kind: 'iptables-rule', resource: name, detail: `iptables on ${name} warns "${LEGACY_WARNING}"; iptables-legacy -S shows "${rule}", which ${hit.block.outcome === 'drop' ? 'drops' : 'rejects'} ${PORT_TEXT} from ${agentText(hit.agent)} (iptables --list, the nft backend, does not show it).` }],
    plan: {
      key: `legacy|${rule}`,
      cause,
      build: (nodes) => [{
        id: `iptables-10250:legacy:${nodes[0] ?? ''}`,
        kind: 'manual',
        title: `Delete the iptables-legacy rule that ${hit.block?.outcome === 'drop' ? 'drops' : 'rejects'} ${PORT_TEXT} on ${nodesText(nodes)}`,
        target: nodes.join(','),
        change: `iptables-legacy ${rule.replace(/^-A /, '-D ')}`,
        risk: 'medium',
        needsApproval: false,
        warnings: [HOST_CHANGE_WARNING, IPTABLES_REBOOT_WARNING, 'Tunnel Doctor has no node script for the legacy tables: run it on the node yourself (or reimage the node).'],
      }],
    },
  };
}

/** What iptables -S adds to the listing: interface-limited rules that were set aside, and the legacy warning. */
function iptablesSpecNotes(ctx: NodeContext): Evidence[] {
  const name = ctx.reach.node.computerName;
  if (!ctx.firewall.iptables) return [];
  const spec = (ctx.firewall.reads?.iptablesSpec ?? '').split('\n');
  const { notes } = withoutOtherInterfaceRules(ctx.firewall.iptables, spec);
  const out: Evidence[] = notes.map((detail) => ({ kind: 'iptables-rule', resource: name, detail }));
  if (spec.some((l) => l.includes(LEGACY_WARNING))) {
    out.push({ kind: 'note', resource: name, detail: `iptables on ${name} warns "${LEGACY_WARNING}": rules this listing does not show exist, so the legacy tables were read too (iptables-legacy -S).` });
  }
  return out;
}

const iptablesLayer: Layer = {
  name: 'iptables',
  decideNode(ctx) {
    const finding = iptablesListingLayer.decideNode(ctx);
    return { ...finding, evidence: [...finding.evidence, ...iptablesSpecNotes(ctx)] };
  },
};

/** iptables-10250: the INPUT chain (with its jumps) drops or rejects TCP 10250 from a tunnel agent. */
export function decideIptables10250(input: HostCheckInput): CheckOutcome {
  return decideLayer(iptablesLayer, input);
}
