/**
 * The text a node's firewall commands print, rendered from the scenario's structured state the
 * way the real tools lay it out, so the bot's parsers read simulator output exactly as they read
 * a real node's:
 *  - ufw 0.36 `ufw status verbose` (backend_iptables.get_status): rows are
 *    "%-26s %-12s%-26s%s%s" (To, "ACTION DIR", From, log attribute, " # comment"), IPv4 rules
 *    before their "(v6)" twins, incoming / outgoing / routed sections split by a blank line,
 *    and the frontend's print() adds a final newline (so a table ends with a blank line);
 *  - iptables 1.8 `iptables --list --line-numbers` (print_header / print_firewall): built-in
 *    chains INPUT, FORWARD, OUTPUT first, then user chains sorted by name (libiptc keeps them
 *    sorted), a blank line between chains, `Chain X (policy P)` or `Chain X (N references)`.
 */
import type { IptablesChain, IptablesRule, IptablesState, UfwRule, UfwState } from '../../scenario/types.js';

const BUILT_IN_CHAINS = ['INPUT', 'FORWARD', 'OUTPUT'] as const;

export function renderUfwStatusVerbose(ufw?: UfwState): string {
  if (!ufw || !ufw.enabled) return 'Status: inactive\n';
  const head = [
    'Status: active',
    'Logging: on (low)',
    `Default: ${ufw.defaultIncoming ?? 'deny'} (incoming), ${ufw.defaultOutgoing ?? 'allow'} (outgoing), disabled (routed)`,
    'New profiles: skip',
  ].join('\n');
  const sections = { IN: [] as string[], OUT: [] as string[], FWD: [] as string[] };
  for (const v6 of [false, true]) {
    for (const rule of ufw.rules) {
      if ((rule.v6 === true) !== v6) continue;
      const action = ufwAction(rule.action);
      const dir = action.split(' ')[1] as 'IN' | 'OUT' | 'FWD';
      sections[dir].push(ufwRow(rule, action));
    }
  }
  const blocks = [sections.IN, sections.OUT, sections.FWD].filter((b) => b.length > 0).map((b) => b.join(''));
  if (blocks.length === 0) return `${head}\n`;
  const header = `${'To'.padEnd(26)} ${'Action'.padEnd(12)}From\n${'--'.padEnd(26)} ${'------'.padEnd(12)}----\n`;
  return `${head}\n\n${header}${blocks.join('\n')}\n`;
}

/** "ALLOW" → "ALLOW IN"; "deny out" → "DENY OUT". ufw verbose always prints the direction. */
export function ufwAction(action: string): string {
  const [word = 'ALLOW', dir] = action.trim().toUpperCase().split(/\s+/);
  return `${word} ${dir === 'OUT' || dir === 'FWD' ? dir : 'IN'}`;
}

function ufwRow(rule: UfwRule, action: string): string {
  let to = rule.to.trim();
  let from = rule.from.trim();
  if (rule.v6) {
    // ufw marks "Anywhere" as "Anywhere (v6)", and a port-only rule's To as "<port> (v6)".
    if (/^Anywhere\b/.test(from) && !from.includes('(v6)')) from = from.replace(/^Anywhere/, 'Anywhere (v6)');
    if (!to.includes('(v6)') && (/^Anywhere\b/.test(to) || /^Anywhere/.test(from))) {
      to = /^Anywhere\b/.test(to) ? to.replace(/^Anywhere/, 'Anywhere (v6)') : `${to} (v6)`;
    }
  }
  return `${to.padEnd(26)} ${action.padEnd(12)}${from.padEnd(26)}\n`;
}

/** All chains of the filter table, as `iptables --list --line-numbers` prints them. */
export function renderIptablesList(ipt?: IptablesState): string {
  const chains = withBuiltIns(ipt);
  const names = [
    ...BUILT_IN_CHAINS,
    ...Object.keys(chains).filter((n) => !(BUILT_IN_CHAINS as readonly string[]).includes(n)).sort(),
  ];
  return `${names.map((n) => renderChain(n, chains)).join('\n\n')}\n`;
}

/** One chain, as `iptables --list <CHAIN> --line-numbers` prints it; undefined if absent. */
export function renderIptablesChain(ipt: IptablesState | undefined, name: string): string | undefined {
  const chains = withBuiltIns(ipt);
  return chains[name] ? `${renderChain(name, chains)}\n` : undefined;
}

/** The state's chains plus the built-in ones iptables always has (policy ACCEPT). */
export function withBuiltIns(ipt?: IptablesState): Record<string, IptablesChain> {
  const chains: Record<string, IptablesChain> = { ...(ipt?.chains ?? {}) };
  for (const name of BUILT_IN_CHAINS) chains[name] ??= { policy: 'ACCEPT', rules: [] };
  return chains;
}

function renderChain(name: string, chains: Record<string, IptablesChain>): string {
  const chain = chains[name] as IptablesChain;
  const isBuiltIn = (BUILT_IN_CHAINS as readonly string[]).includes(name);
  const title = isBuiltIn || chain.policy
    ? `Chain ${name} (policy ${chain.policy ?? 'ACCEPT'})`
    : `Chain ${name} (${references(name, chains)} references)`;
  // print_header: "%-4s " num, "%-9s " target, " prot ", "opt", " %-19s " source, " %-19s " destination.
  const header = `${'num'.padEnd(4)} ${'target'.padEnd(9)}  prot opt ${'source'.padEnd(19)}  ${'destination'.padEnd(19)} `;
  return [title, header, ...chain.rules.map((r, i) => renderRule(i + 1, r))].join('\n');
}

function references(name: string, chains: Record<string, IptablesChain>): number {
  let n = 0;
  for (const chain of Object.values(chains)) for (const rule of chain.rules) if (rule.target === name) n++;
  return n;
}

/** print_firewall's columns; each match then starts with a space, as 1.8's extensions print. */
export function renderRule(num: number, rule: IptablesRule): string {
  const inv = (text: string): [string, string] => (text.startsWith('!') ? ['!', text.slice(1)] : [' ', text]);
  const [protInv, prot] = inv(rule.prot);
  const [srcInv, src] = inv(rule.source);
  const [dstInv, dst] = inv(rule.destination);
  const match = rule.match?.trim() ? ` ${rule.match.trim()}` : '';
  return `${String(num).padEnd(4)} ${rule.target.padEnd(9)} ${protInv}${prot.padEnd(5)}${rule.opt ?? '--'} ${srcInv}${src.padEnd(19)} ${dstInv}${dst.padEnd(19)} ${match}`;
}
