/**
 * The firewall-changing commands the fix scripts run, applied to the scenario node's state with
 * the messages the real tools print:
 *  - ufw 0.36 `ufw allow 10250/tcp`: adds the IPv4 rule and its "(v6)" twin at the end, or
 *    updates a rule with the same ports/addresses but another action in place; prints
 *    "Rule added" / "Rule updated" / "Skipping adding existing rule", each also with " (v6)";
 *    while ufw is inactive it only records the rules and prints "Rules updated".
 *  - `ufw disable`: "Firewall stopped and disabled on system startup".
 *  - iptables 1.8 (legacy) `--delete CHAIN N`: "iptables: Index of deletion too big." past the
 *    end, "iptables: No chain/target/match by that name." for an unknown chain; nothing on success.
 *  - `--insert CHAIN 1 -p tcp --dport 10250 -s CIDR -j ACCEPT`: the new row reads
 *    "ACCEPT tcp -- <source> anywhere tcp dpt:10250" (host bits cleared, /32 shown bare,
 *    0.0.0.0/0 shown as anywhere).
 */
import type { IptablesRule, ScenarioNode, UfwRule } from '../../scenario/types.js';
import { withBuiltIns } from './render.js';

export interface CommandOutcome {
  /** What the command printed (stdout and stderr, as the scripts merge them). */
  output: string;
  exitCode: number;
}

const NO_CHAIN = 'iptables: No chain/target/match by that name.\n';

export function ufwAllow(node: ScenarioNode, to: string): CommandOutcome {
  const ufw = (node.ufw ??= { enabled: false, defaultIncoming: 'deny', rules: [] });
  const lines: string[] = [];
  for (const v6 of [false, true]) {
    const rule: UfwRule = v6 ? { to: `${to} (v6)`, action: 'ALLOW', from: 'Anywhere (v6)', v6: true } : { to, action: 'ALLOW', from: 'Anywhere' };
    const same = ufw.rules.find((r) => (r.v6 === true) === v6 && sameTuple(r, rule));
    const suffix = v6 ? ' (v6)' : '';
    if (!same) {
      ufw.rules.push(rule);
      lines.push(ufw.enabled ? `Rule added${suffix}` : `Rules updated${suffix}`);
    } else if (actionWord(same.action) === 'ALLOW') {
      lines.push(`Skipping adding existing rule${suffix}`);
    } else {
      same.action = 'ALLOW';
      lines.push(ufw.enabled ? `Rule updated${suffix}` : `Rules updated${suffix}`);
    }
  }
  return { output: `${lines.join('\n')}\n`, exitCode: 0 };
}

export function ufwDisable(node: ScenarioNode): CommandOutcome {
  if (node.ufw) node.ufw.enabled = false;
  return { output: 'Firewall stopped and disabled on system startup\n', exitCode: 0 };
}

function actionWord(action: string): string {
  return action.trim().toUpperCase().split(/\s+/)[0] ?? '';
}

function direction(action: string): string {
  return action.trim().toUpperCase().split(/\s+/)[1] ?? 'IN';
}

function sameTuple(a: UfwRule, b: UfwRule): boolean {
  const norm = (s: string): string => s.replace(/\s*\(v6\)/g, '').trim();
  return norm(a.to) === norm(b.to) && norm(a.from) === norm(b.from) && direction(a.action) === direction(b.action);
}

export function iptablesDelete(node: ScenarioNode, chain: string, ruleNumber: number): CommandOutcome {
  const chains = withBuiltIns(node.iptables);
  const target = chains[chain];
  if (!target) return { output: NO_CHAIN, exitCode: 1 };
  if (ruleNumber < 1 || ruleNumber > target.rules.length) return { output: 'iptables: Index of deletion too big.\n', exitCode: 1 };
  const rules = [...target.rules];
  rules.splice(ruleNumber - 1, 1);
  node.iptables = { chains: { ...(node.iptables?.chains ?? {}), [chain]: { ...target, rules } } };
  return { output: '', exitCode: 0 };
}

export function iptablesInsertAccept(node: ScenarioNode, chain: string, sourceCidr: string): CommandOutcome {
  const chains = withBuiltIns(node.iptables);
  const target = chains[chain];
  if (!target) return { output: NO_CHAIN, exitCode: 1 };
  const rule: IptablesRule = {
    target: 'ACCEPT', prot: 'tcp', opt: '--', source: printedSource(sourceCidr), destination: 'anywhere', match: 'tcp dpt:10250',
  };
  node.iptables = { chains: { ...(node.iptables?.chains ?? {}), [chain]: { ...target, rules: [rule, ...target.rules] } } };
  return { output: '', exitCode: 0 };
}

/** How `iptables --list` (without -n) shows a -s argument: network address, mask unless /32. */
export function printedSource(cidr: string): string {
  const [addr = '', lenText] = cidr.split('/');
  const len = lenText === undefined ? 32 : Number(lenText);
  if (len === 0) return 'anywhere';
  const octets = addr.split('.').map(Number);
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - len);
  const net = Math.floor(value / size) * size;
  const dotted = [24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.');
  return len === 32 ? dotted : `${dotted}/${len}`;
}
