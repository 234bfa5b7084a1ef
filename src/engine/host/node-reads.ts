/**
 * Reading what host-firewall prints beyond ufw and iptables --list, for kubelet-reachability:
 *  - `systemctl is-active kubelet` and `ss -ltnpH 'sport = :10250'` (is the kubelet up, who listens);
 *  - `nft list ruleset`: tables outside iptables' view (iptables-nft's own tables are only named);
 *  - `iptables -S` (filtered to policy + 10250) and, when iptables-nft warns that legacy tables
 *    exist, `iptables-legacy -S`: rules the --list output does not show at all.
 * Formats as the real tools print them (test/engine/host/fixtures, captured in network namespaces).
 */

/** The interface tunnel traffic reaches an AKS node on: its one NIC, eth0. */
export const NODE_INTERFACE = 'eth0';

export interface KubeletRead {
  /** `systemctl is-active kubelet`: active, inactive, failed, activating … (undefined: not read). */
  active?: string;
  /** Processes listening on 10250, from ss's users:(("name",…)). */
  listeners: string[];
  /** ss printed no socket on 10250. */
  nothingListens: boolean;
}

export function parseKubeletRead(text: string): KubeletRead {
  const read: KubeletRead = { listeners: [], nothingListens: false };
  for (const line of text.split('\n')) {
    const active = /^active (\S+)$/.exec(line.trim());
    if (active && !/not installed/.test(line)) read.active = active[1] as string;
    if (/^listen none$/.test(line.trim())) read.nothingListens = true;
    const user = /^listen .*users:\(\("([^"]+)"/.exec(line);
    if (user) read.listeners.push(user[1] as string);
  }
  return read;
}

// ----- nftables ----------------------------------------------------------------------------------

export interface NftChain {
  table: string;
  name: string;
  hook?: string;
  priority?: string;
  policy?: string;
  rules: string[];
}

export interface NftRuleset {
  chains: NftChain[];
  /** iptables-nft's own tables, left out by the script ("ip filter" …): the iptables check reads those. */
  iptablesTables: string[];
  /** The script reduced (only structure, 10250 and jumps kept) or cut the ruleset to fit. */
  reduced: boolean;
  cut: boolean;
  missing: boolean;
}

export function parseNftRuleset(text: string): NftRuleset {
  const set: NftRuleset = { chains: [], iptablesTables: [], reduced: false, cut: false, missing: /^nft: not installed$/m.test(text) };
  let table = '';
  let chain: NftChain | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if (line === 'TD-NOTE nft reduced') { set.reduced = true; continue; }
    if (line === 'TD-NOTE nft cut') { set.cut = true; continue; }
    if ((m = /^# iptables-nft table (\S+ \S+)$/.exec(line))) { set.iptablesTables.push(m[1] as string); continue; }
    if ((m = /^table (\S+ \S+) \{$/.exec(line))) { table = m[1] as string; continue; }
    if ((m = /^chain (\S+) \{$/.exec(line))) { chain = { table, name: m[1] as string, rules: [] }; set.chains.push(chain); continue; }
    if (!chain) continue;
    if ((m = /^type \S+ hook (\S+) priority ([^;]+);(?: policy (\S+);)?/.exec(line))) {
      chain.hook = m[1] as string;
      chain.priority = (m[2] as string).trim();
      if (m[3]) chain.policy = m[3];
      continue;
    }
    if (line === '}') { chain = undefined; continue; }
    if (line) chain.rules.push(line);
  }
  return set;
}

export interface NftFlow { sourceIp: string; port: number; iif: string }

export interface NftVerdict {
  outcome: 'accept' | 'drop' | 'reject';
  /** Where it was decided: "inet hardening input rule 2" or the chain policy. */
  where: string;
  rule?: string;
  /** Rules that could not be read and might have matched. */
  doubts: string[];
}

const ipNumber = (t: string): number | undefined => {
  const p = t.split('.').map(Number);
  return p.length === 4 && p.every((o) => Number.isInteger(o) && o >= 0 && o <= 255) ? p.reduce((n, o) => n * 256 + o, 0) : undefined;
};

function inPrefix(cidr: string, addr: number): boolean {
  const [base, len] = cidr.split('/');
  const b = ipNumber(base ?? '');
  if (b === undefined) return false;
  const size = 2 ** (32 - Number(len ?? 32));
  return Math.floor(addr / size) === Math.floor(b / size);
}

/** Elements of an nft value: `10250`, `10250-10260`, `{ 10250, 10256 }`. */
function elements(value: string): string[] {
  return value.replace(/[{}]/g, '').split(',').map((x) => x.trim()).filter(Boolean);
}

/** Does a rule match a new TCP connection? true/false, or undefined when a term is not understood. */
function ruleMatches(rule: string, flow: NftFlow): { matches: boolean | undefined; verdict?: string } {
  let rest = rule.replace(/\s+comment "[^"]*"\s*$/, '').trim();
  const src = ipNumber(flow.sourceIp) ?? -1;
  let matches: boolean | undefined = true;
  const take = (re: RegExp) => {
    const m = re.exec(rest);
    if (m) rest = rest.slice(m[0].length).trim();
    return m;
  };
  for (;;) {
    let m: RegExpExecArray | null;
    if ((m = take(/^(?:meta )?(iifname|iif) (!= )?(\{[^}]*\}|"[^"]*"|\S+)/))) {
      const hit = elements(m[3] as string).some((e) => {
        const name = e.replace(/"/g, '');
        return name.endsWith('*') ? flow.iif.startsWith(name.slice(0, -1)) : name === flow.iif;
      });
      if (hit === Boolean(m[2])) matches = false;
      continue;
    }
    if ((m = take(/^ip saddr (!= )?(\{[^}]*\}|\S+)/))) {
      const hit = elements(m[2] as string).some((e) => inPrefix(e, src));
      if (hit === Boolean(m[1])) matches = false;
      continue;
    }
    if ((m = take(/^(?:tcp|th) dport (!= )?(\{[^}]*\}|\S+)/))) {
      const hit = elements(m[2] as string).some((e) => {
        const [a, b] = e.split('-').map(Number);
        return b === undefined ? a === flow.port : flow.port >= (a as number) && flow.port <= b;
      });
      if (hit === Boolean(m[1])) matches = false;
      continue;
    }
    if ((m = take(/^ct state (!= )?(\{[^}]*\}|\S+)/))) {
      // A new connection's first packet is in state "new".
      const hit = elements(m[2] as string).includes('new');
      if (hit === Boolean(m[1])) matches = false;
      continue;
    }
    if (take(/^(meta l4proto (tcp|6)|ip protocol (tcp|6)|counter( packets \d+ bytes \d+)?|log( prefix "[^"]*")?( level \S+)?)(?=\s|$)/)) continue;
    if (take(/^(udp|sctp) dport \S+/) || take(/^meta l4proto (udp|icmp|17|1)\b/) || take(/^ip6 \S+ \S+/)) { matches = false; continue; }
    break;
  }
  const verdict = /^(accept|drop|reject|return|jump \S+|goto \S+)(?:\s|$)/.exec(rest);
  if (!verdict) return { matches: rest === '' ? false : undefined };
  if (rest.slice(verdict[0].length).trim() && !/^with /.test(rest.slice(verdict[0].length).trim())) return { matches: undefined };
  return { matches, verdict: verdict[1] as string };
}

function walkChain(set: NftRuleset, chain: NftChain, flow: NftFlow, doubts: string[], depth = 0): Omit<NftVerdict, 'doubts'> | 'return' {
  if (depth > 16) return 'return';
  for (const [i, rule] of chain.rules.entries()) {
    const { matches, verdict } = ruleMatches(rule, flow);
    const where = `${chain.table} ${chain.name} rule ${i + 1}`;
    if (matches === undefined) {
      if (/\b(drop|reject)\b/.test(rule) && /10250|dport \{|dport \d+-/.test(rule)) doubts.push(`${where} "${rule}"`);
      continue;
    }
    if (!matches || !verdict) continue;
    if (verdict === 'accept' || verdict === 'drop' || verdict === 'reject') return { outcome: verdict, where, rule };
    if (verdict === 'return') return 'return';
    const [kind, target] = verdict.split(' ');
    const next = set.chains.find((c) => c.table === chain.table && c.name === target);
    if (!next) continue;
    const r = walkChain(set, next, flow, doubts, depth + 1);
    if (r !== 'return') return r;
    if (kind === 'goto') return 'return';
  }
  return 'return';
}

/**
 * What the input-hook base chains of the tables outside iptables' view do to a new TCP connection.
 * Every base chain on the hook sees the packet; accept ends only that chain, while drop or reject
 * in any of them is final (nft(8), "VERDICT STATEMENT"; wiki.nftables.org "Netfilter hooks").
 */
export function nftVerdict(set: NftRuleset, flow: NftFlow): NftVerdict {
  const doubts: string[] = [];
  const bases = set.chains.filter((c) => c.hook === 'input' && /^(inet|ip) /.test(c.table));
  for (const base of bases) {
    const r = walkChain(set, base, flow, doubts);
    const v = r === 'return' ? { outcome: (base.policy === 'drop' ? 'drop' : 'accept') as NftVerdict['outcome'], where: `${base.table} ${base.name} policy ${base.policy ?? 'accept'}` } : r;
    if (v.outcome !== 'accept') return { ...v, doubts };
  }
  return { outcome: 'accept', where: 'no input-hook chain stops it', doubts };
}

// ----- iptables -S -------------------------------------------------------------------------------

export const LEGACY_WARNING = 'iptables-legacy tables present';

export interface SpecBlock {
  rule: string;
  outcome: 'drop' | 'reject';
}

/**
 * The first rule of INPUT (as `-S` prints it, filtered to 10250 and INPUT) that decides a new TCP
 * connection to 10250 from `sourceIp` on `iif`: a DROP/REJECT is returned; an ACCEPT or nothing
 * matching returns undefined (a jump into another chain is not followed: the filter hides it).
 */
export function specBlock(lines: string[], flow: NftFlow): SpecBlock | undefined {
  const src = ipNumber(flow.sourceIp) ?? -1;
  for (const line of lines) {
    if (!line.startsWith('-A INPUT ')) continue;
    const tokens = line.split(/\s+/);
    let ok = true;
    let verdict: string | undefined;
    for (let i = 2; i < tokens.length; i++) {
      const neg = tokens[i] === '!';
      const opt = neg ? tokens[++i] : tokens[i];
      const val = tokens[i + 1] ?? '';
      if (opt === '-i') { i++; const hit = val.endsWith('+') ? flow.iif.startsWith(val.slice(0, -1)) : val === flow.iif; if (hit === neg) ok = false; }
      else if (opt === '-s') { i++; if (inPrefix(val.includes('/') ? val : `${val}/32`, src) === neg) ok = false; }
      else if (opt === '-p') { i++; if ((val === 'tcp' || val === 'all') === neg) ok = false; }
      else if (opt === '--dport' || opt === '--dports') {
        i++;
        const hit = val.split(',').some((e) => { const [a, b] = e.split(':').map(Number); return b === undefined ? a === flow.port : flow.port >= (a as number) && flow.port <= b; });
        if (hit === neg) ok = false;
      } else if (opt === '--ctstate' || opt === '--state') { i++; if (val.split(',').includes('NEW') === neg) ok = false; }
      else if (opt === '-j' || opt === '-g') { verdict = val; i++; }
      else if (opt === '-m' || opt === '--comment' || opt === '-d' || opt === '--reject-with') i++;
    }
    if (!ok || !verdict) continue;
    if (verdict === 'DROP') return { rule: line, outcome: 'drop' };
    if (verdict === 'REJECT') return { rule: line, outcome: 'reject' };
    if (verdict === 'ACCEPT') return undefined;
  }
  return undefined;
}

// ----- interfaces the --list form hides ------------------------------------------------------

/** Does an `-i` match (with iptables' `+` wildcard) let traffic arriving on `iif` through? */
function interfaceMatches(spec: string, iif: string): boolean {
  return spec.endsWith('+') ? iif.startsWith(spec.slice(0, -1)) : spec === iif;
}

/**
 * The `-S` twin of rule `ruleNum` of `chain` in a `--list` listing, when both are filtered the way
 * host-firewall filters -S (lines mentioning 10250): the k-th such row of the chain is the k-th
 * such `-A <chain>` line. Undefined when the row does not mention 10250 or -S was cut before it.
 */
export function specTwin(spec: readonly string[], rows: ReadonlyArray<{ num: number; text: string }>, chain: string, ruleNum: number): string | undefined {
  const row = rows.find((r) => r.num === ruleNum);
  if (!row || !row.text.includes('10250')) return undefined;
  const k = rows.filter((r) => r.num <= ruleNum && r.text.includes('10250')).length;
  return spec.filter((l) => l.startsWith(`-A ${chain} `) && l.includes('10250'))[k - 1];
}

/** The input interface a `-S` rule is limited to, when traffic on `iif` does not match it. */
export function excludedByInterface(specLine: string, iif: string = NODE_INTERFACE): string | undefined {
  const m = /(?:^|\s)(! )?-i (\S+)/.exec(specLine);
  if (!m) return undefined;
  const hit = interfaceMatches(m[2] as string, iif);
  return hit === Boolean(m[1]) ? `${m[1] ? '! ' : ''}-i ${m[2]}` : undefined;
}

/**
 * The listing with every 10250 rule that `iptables -S` shows limited to another input interface
 * made inert (target LOG: iptables goes on to the next rule), and one note per such rule. The
 * `--list` form hides `-i`, so without -S such a DROP looks like a block of the tunnel.
 */
export function withoutOtherInterfaceRules<L extends { chains: Record<string, { rules: Array<{ num: number; text: string; target: string }> }> }>(
  listing: L,
  spec: readonly string[],
  iif: string = NODE_INTERFACE,
): { listing: L; notes: string[] } {
  const notes: string[] = [];
  const chains: Record<string, { rules: Array<{ num: number; text: string; target: string }> }> = {};
  for (const [name, chain] of Object.entries(listing.chains)) {
    const rules = chain.rules.map((row) => {
      const twin = specTwin(spec, chain.rules, name, row.num);
      const only = twin ? excludedByInterface(twin, iif) : undefined;
      if (!only || !['DROP', 'REJECT'].includes(row.target)) return row;
      notes.push(`${name} rule ${row.num} (${row.target}) applies only to traffic matching ${only} (iptables -S: "${twin}"); the tunnel arrives on ${iif}, so it does not block it`);
      return { ...row, target: 'LOG' };
    });
    chains[name] = { ...chain, rules };
  }
  return { listing: { ...listing, chains } as L, notes };
}
