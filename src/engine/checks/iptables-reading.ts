/**
 * What ufw-10250 and iptables-10250 both read of a node's iptables listing: the flow each agent's
 * SYN is (ufw is itself a set of iptables chains, so each check asks about the other's layer too),
 * whether the listing can be used, and how a verdict is told in evidence.
 */
import type { IptablesVerdict } from '../host/iptables-verdict.js';
import type { IptablesListing } from '../host/iptables.js';
import type { HostFirewallResult } from '../host/script-output.js';
import { NODE_INTERFACE } from '../host/node-reads.js';
import { KUBELET_PORT } from '../node-scripts.js';
import { PORT_TEXT, compact } from './host-layer.js';
import type { Agent, ReadFailure } from './probe-reading.js';

export const ufwFlow = (agent: Agent, nodeIp: string) => ({ sourceIp: agent.ip, port: KUBELET_PORT, protocol: 'tcp' as const, destinationIp: nodeIp, interface: NODE_INTERFACE });
export const iptFlow = (agent: Agent, nodeIp: string) => ({ sourceIp: agent.ip, port: KUBELET_PORT, protocol: 'tcp' as const, destinationIp: nodeIp });
export const UFW_CHAIN = /^ufw6?-/;

/** Why the iptables part of a host-firewall output cannot be used, if it cannot. */
export function iptablesUnreadable(node: string, fw: HostFirewallResult): ReadFailure | undefined {
  const cut: ReadFailure = {
    why: `the iptables listing of ${node} was cut off (run-command returns only the last 4096 bytes of output)`,
    resolve: `run \`iptables --list --line-numbers\` on the node and read it whole`,
  };
  if (fw.iptablesText === undefined) {
    return fw.complete
      ? { why: `the host-firewall output of ${node} has no iptables listing`, resolve: `diagnose again; if it persists, run \`iptables --list --line-numbers\` on ${node} by hand` }
      : cut;
  }
  if (!fw.iptablesComplete) {
    return { why: `the host-firewall script on ${node} stopped before the end of the iptables listing`, resolve: `diagnose again; if it persists, run \`iptables --list --line-numbers\` on ${node} by hand` };
  }
  if (fw.droppedChains.includes('INPUT')) {
    return {
      why: `the iptables listing of ${node} did not fit in run-command's 4096-byte output, so its INPUT chain was left out`,
      resolve: `run \`iptables --list INPUT --line-numbers\` as root on ${node} and read it`,
    };
  }
  if (!fw.iptables?.chains['INPUT']) {
    const said = fw.iptables?.unparsed[0];
    return {
      why: `the iptables listing of ${node} has no INPUT chain${said ? ` ("${compact(said).slice(0, 120)}")` : ''}`,
      resolve: `run \`iptables --list INPUT --line-numbers\` as root on ${node} and read it`,
    };
  }
  return undefined;
}

/** A listing without one rule, numbered as iptables numbers it afterwards. */
export function withoutRule(listing: IptablesListing, chain: string, ruleNum: number): IptablesListing {
  const c = listing.chains[chain];
  if (!c) return listing;
  // iptables prints the number as "%-4u " first on the row.
  const rules = c.rules.filter((r) => r.num !== ruleNum).map((r, i) => ({ ...r, num: i + 1, text: r.text.replace(/^\d+ */, `${String(i + 1).padEnd(4)} `) }));
  return { ...listing, chains: { ...listing.chains, [chain]: { ...c, rules } } };
}

/** Did the decision come from ufw's own chains (so it is reported under ufw-10250)? */
export function decidedByUfwChains(v: IptablesVerdict): boolean {
  if (UFW_CHAIN.test(v.chain)) return true;
  return v.ruleNum === undefined && v.path.some((s) => UFW_CHAIN.test(s.target));
}

export function describeIptablesDecision(v: IptablesVerdict, listing: IptablesListing, from: string): string {
  if (v.ruleNum === undefined) {
    return `chain INPUT (policy ${listing.chains['INPUT']?.policy ?? 'ACCEPT'}): no rule accepts ${PORT_TEXT} from ${from}, so the policy ${v.outcome === 'reject' ? 'rejects' : 'drops'} it`;
  }
  const jumps = v.path.filter((s) => listing.chains[s.target]).map((s) => `${s.chain} rule ${s.ruleNum} → ${s.target}`);
  const via = jumps.length > 0 ? `, reached through ${jumps.join(', ')}` : '';
  return `chain ${v.chain} rule ${v.ruleNum} "${v.ruleText}" ${v.outcome === 'reject' ? 'rejects' : 'drops'} ${PORT_TEXT} from ${from}${via}`;
}

export function ruleShort(v: IptablesVerdict, listing: IptablesListing): string {
  const row = listing.chains[v.chain]?.rules.find((r) => r.num === v.ruleNum);
  return row ? compact(`${row.target} ${row.match || `${row.prot} ${row.source}`}`) : compact(v.ruleText);
}
