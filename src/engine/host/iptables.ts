/**
 * `iptables --list --line-numbers` as iptables 1.8 prints it (legacy and nft backends print the
 * same text). Per rule, iptables' print_firewall writes
 *   "%-4u " num, "%-9s " target, '!'|' ' + "%-5s" prot, opt + ' ', '!'|' ' + "%-19s " source,
 *   '!'|' ' + "%-19s " destination, then each match and the target's options, each with a
 *   leading space ("tcp dpt:10250", "reject-with icmp-port-unreachable").
 * Fields overflow instead of truncating (long chain names, host names), so rows are read as
 * whitespace-separated columns with the free-form match text kept verbatim at the end.
 * Without -v the listing hides in/out interfaces; without -n it resolves names (sources such as
 * `localhost/8`, ports such as `dpt:ssh`), which the verdict code understands.
 */

export interface IptablesRow {
  num: number;
  /** Empty when the rule has no target (a counting rule). */
  target: string;
  prot: string;
  opt: string;
  source: string;
  destination: string;
  /** Everything after the destination column, trimmed: matches, then target options. */
  match: string;
  /** The row as printed, trimmed. */
  text: string;
}

export interface IptablesChainListing {
  name: string;
  /** Built-in chains: "ACCEPT" | "DROP"; absent for user chains. */
  policy?: string;
  /** User chains: how many rules jump to it. */
  references?: number;
  rules: IptablesRow[];
}

export interface IptablesListing {
  chains: Record<string, IptablesChainListing>;
  /** Chain names in printed order. */
  order: string[];
  /** Lines that were not understood (warnings, errors, "TD-NOTE" lines …). */
  unparsed: string[];
  /**
   * Chains known to exist but left out of this text (host-firewall drops whole chains to fit
   * run-command's 4096-byte output). Set by parseHostFirewall, never by parseIptablesList.
   */
  droppedChains?: string[];
}

const CHAIN_HEADER = /^Chain (\S+) \((?:policy (\S+)(?: \d+ packets, \d+ bytes)?|(\d+) references)\)$/;
// num, [target], prot, opt, source, destination, match. The target is optional: a rule
// without -j prints an empty, padded target column.
const ROW = /^(\d+)\s+(?:(\S+)\s+)??(!?\S+)\s+([-!][-f])\s+(!?\S+)\s+(!?\S+)(?:\s+(.*))?$/;
const ROW_NO_NUM = /^(?:(\S+)\s+)??(!?\S+)\s+([-!][-f])\s+(!?\S+)\s+(!?\S+)(?:\s+(.*))?$/;

export function parseIptablesList(text: string): IptablesListing {
  const listing: IptablesListing = { chains: {}, order: [], unparsed: [] };
  let current: IptablesChainListing | undefined;
  let numbered = true;
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.length === 0) continue;
    const header = CHAIN_HEADER.exec(line);
    if (header) {
      current = { name: header[1] as string, rules: [] };
      if (header[2] !== undefined) current.policy = header[2];
      if (header[3] !== undefined) current.references = Number(header[3]);
      listing.chains[current.name] = current;
      listing.order.push(current.name);
      continue;
    }
    if (current && /^(num\s+)?target\s+prot\s+opt\s+source\s+destination/.test(line)) {
      numbered = line.startsWith('num');
      continue;
    }
    const row = current ? parseRow(line, numbered, current.rules.length + 1) : undefined;
    if (current && row) { current.rules.push(row); continue; }
    listing.unparsed.push(line);
  }
  return listing;
}

function parseRow(line: string, numbered: boolean, nextNum: number): IptablesRow | undefined {
  if (numbered) {
    const m = ROW.exec(line);
    if (!m) return undefined;
    return {
      num: Number(m[1]), target: m[2] ?? '', prot: m[3] as string, opt: m[4] as string,
      source: m[5] as string, destination: m[6] as string, match: (m[7] ?? '').trim(), text: line.trim(),
    };
  }
  const m = ROW_NO_NUM.exec(line);
  if (!m) return undefined;
  return {
    num: nextNum, target: m[1] ?? '', prot: m[2] as string, opt: m[3] as string,
    source: m[4] as string, destination: m[5] as string, match: (m[6] ?? '').trim(), text: line.trim(),
  };
}
