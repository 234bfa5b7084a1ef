/**
 * The simulated node beyond ufw and iptables: the kubelet's service state and listener, nftables
 * tables outside iptables' view, and `iptables -S`. Renders what the real tools print (formats
 * captured from systemd's `systemctl is-active`, iproute2's `ss -ltnpH`, nftables 1.0's
 * `nft list ruleset` and iptables 1.8's `-S`; see test/engine/host/fixtures/README.md) and decides,
 * as ground truth, what a new TCP connection to the node meets there. Written apart from the
 * engine's parsers (src/engine/host), so comparing them checks two readings.
 */
import type { IptablesRule, IptablesState, NftTable, ProbeOutcome, ScenarioNode } from '../../scenario/types.js';
import { withBuiltIns } from './render.js';

const KUBELET_PORT = 10250;
/** The interface tunnel traffic arrives on: an AKS node's one NIC is eth0. */
const NODE_INTERFACE = 'eth0';

// ----- kubelet ---------------------------------------------------------------------------------

export function kubeletActive(node: ScenarioNode): string {
  return node.kubelet?.active ?? 'active';
}

/** `ss -ltnpH 'sport = :10250'`: one line per listening socket (none: no output). */
export function renderSsListeners(node: ScenarioNode): string {
  const k = node.kubelet;
  const line = (proc: string, pid: number, fd: number) => `LISTEN 0      4096               *:10250            *:*    users:(("${proc}",pid=${pid},fd=${fd}))\n`;
  if (k?.listener) return line(k.listener, 4242, 3);
  if (kubeletActive(node) === 'active' && k?.listening !== false) return line('kubelet', 2817, 21);
  return '';
}

/** What answers a TCP connection to 10250 once the firewalls let it through. */
export function listenerOutcome(node: ScenarioNode, port: number, protocol: 'tcp' | 'udp'): ProbeOutcome {
  if (protocol !== 'tcp' || port !== KUBELET_PORT) return 'open';
  if (node.kubelet?.listener) return 'not-https';
  // Nothing listening: the kernel answers a SYN with a RST (nc: "Connection refused").
  return renderSsListeners(node) === '' ? 'refused' : 'open';
}

// ----- nftables --------------------------------------------------------------------------------

/** `nft list ruleset`: tables in order, a tab per level, base chains with their type line. */
export function renderNftRuleset(tables: NftTable[] | undefined): string {
  const out: string[] = [];
  for (const t of tables ?? []) {
    out.push(`table ${t.family} ${t.name} {`);
    t.chains.forEach((c, i) => {
      if (i > 0) out.push('');
      out.push(`\tchain ${c.name} {`);
      if (c.hook) out.push(`\t\ttype filter hook ${c.hook} priority ${priorityText(c.priority ?? 0)}; policy ${c.policy ?? 'accept'};`);
      for (const r of c.rules) out.push(`\t\t${r}`);
      out.push('\t}');
    });
    out.push('}');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** nft prints the standard priorities by name: filter is 0 ("filter - 10" for -10). */
function priorityText(p: number): string {
  return p === 0 ? 'filter' : p < 0 ? `filter - ${-p}` : `filter + ${p}`;
}

interface Packet { src: number; port: number; iif: string }

function ip(text: string): number {
  return text.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inCidr(cidr: string, addr: number): boolean {
  const [base, len] = cidr.split('/');
  const bits = len === undefined ? 32 : Number(len);
  const size = 2 ** (32 - bits);
  return Math.floor(addr / size) === Math.floor(ip(base ?? '0.0.0.0') / size);
}

/** One rule against a new TCP connection: its verdict, or undefined when it does not match. */
function nftRule(rule: string, p: Packet): string | undefined {
  let rest = rule.replace(/\s+comment "[^"]*"/, '').trim();
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (m) rest = rest.slice(m[0].length).trim();
    return m;
  };
  for (;;) {
    let m = take(/^(iifname|iif) (!= )?"?([^"\s]+)"?/);
    if (m) { if ((m[3] === p.iif) === Boolean(m[2])) return undefined; continue; }
    m = take(/^ip saddr (!= )?(\S+)/);
    if (m) { if (inCidr(m[2] as string, p.src) === Boolean(m[1])) return undefined; continue; }
    m = take(/^tcp dport (!= )?(\{[^}]*\}|\d+-\d+|\d+)/);
    if (m) {
      const spec = (m[2] as string).replace(/[{}]/g, '');
      const hit = spec.split(',').map((x) => x.trim()).some((x) => {
        const [a, b] = x.split('-').map(Number);
        return b === undefined ? a === p.port : p.port >= (a as number) && p.port <= b;
      });
      if (hit === Boolean(m[1])) return undefined;
      continue;
    }
    m = take(/^ct state (\S+)/);
    if (m) { if (!(m[1] as string).split(',').includes('new')) return undefined; continue; }
    if (take(/^(meta l4proto tcp|ip protocol tcp|counter( packets \d+ bytes \d+)?|log( prefix "[^"]*")?)/)) continue;
    break;
  }
  const verdict = /^(accept|drop|reject|return|jump \S+|goto \S+)/.exec(rest);
  return verdict ? (verdict[1] as string) : undefined;
}

function nftChain(table: NftTable, name: string, p: Packet, depth = 0): 'accept' | 'drop' | 'reject' | 'return' {
  const chain = table.chains.find((c) => c.name === name);
  if (!chain || depth > 16) return 'return';
  for (const rule of chain.rules) {
    const v = nftRule(rule, p);
    if (v === undefined) continue;
    if (v === 'accept' || v === 'drop' || v === 'reject' || v === 'return') return v;
    const [kind, target] = v.split(' ');
    const r = nftChain(table, target as string, p, depth + 1);
    if (r !== 'return' || kind === 'goto') return r === 'return' ? 'return' : r;
  }
  return 'return';
}

/**
 * Every base chain on the input hook sees the packet (in priority order); an accept ends only its
 * own chain, a drop or reject anywhere is final (nft(8), "VERDICT STATEMENT").
 */
export function nftOutcome(node: ScenarioNode, sourceIp: string, port: number, protocol: 'tcp' | 'udp'): ProbeOutcome | 'pass' {
  if (protocol !== 'tcp') return 'pass';
  const p: Packet = { src: ip(sourceIp), port, iif: NODE_INTERFACE };
  const bases = (node.nftables ?? [])
    .filter((t) => t.family === 'inet' || t.family === 'ip')
    .flatMap((t) => t.chains.filter((c) => c.hook === 'input').map((c) => ({ t, c })))
    .sort((a, b) => (a.c.priority ?? 0) - (b.c.priority ?? 0));
  for (const { t, c } of bases) {
    let v = nftChain(t, c.name, p);
    if (v === 'return') v = c.policy === 'drop' ? 'drop' : 'accept';
    if (v === 'drop') return 'timeout';
    if (v === 'reject') return 'refused';
  }
  return 'pass';
}

// ----- iptables -S -----------------------------------------------------------------------------

const NUMERIC_PORTS: Readonly<Record<string, string>> = { ssh: '22', http: '80', https: '443' };

function address(flag: string, value: string): string {
  if (value === 'anywhere' || value === '0.0.0.0/0') return '';
  const neg = value.startsWith('!');
  const bare = neg ? value.slice(1) : value;
  const cidr = bare.includes('/') ? bare : `${bare}/32`;
  return neg ? ` ! ${flag} ${cidr}` : ` ${flag} ${cidr}`;
}

/** One rule as `iptables -S` prints it, for the match texts the scenarios use. */
function specRule(chain: string, r: IptablesRule): string {
  let text = `-A ${chain}${address('-s', r.source)}${address('-d', r.destination)}`;
  if (r.in) text += r.in.startsWith('!') ? ` ! -i ${r.in.slice(1)}` : ` -i ${r.in}`;
  if (r.prot !== 'all' && r.prot !== '0') text += ` -p ${r.prot}`;
  let match = (r.match ?? '').trim();
  let targetExtra = '';
  const rejectWith = /\s*reject-with (\S+)$/.exec(match);
  if (rejectWith) { targetExtra = ` --reject-with ${rejectWith[1]}`; match = match.slice(0, rejectWith.index).trim(); }
  const port = (v: string) => NUMERIC_PORTS[v] ?? v;
  for (const part of match.split(/(?=\b(?:tcp|udp) dpts?:|\bmultiport |\bctstate )/)) {
    const t = part.trim();
    let m: RegExpExecArray | null;
    if (!t) continue;
    if ((m = /^(tcp|udp) dpts?:(\S+)$/.exec(t))) text += ` -m ${m[1]} --dport ${(m[2] as string).split(':').map(port).join(':')}`;
    else if ((m = /^multiport dports (\S+)$/.exec(t))) text += ` -m multiport --dports ${m[1]}`;
    else if ((m = /^ctstate (\S+)$/.exec(t))) text += ` -m conntrack --ctstate ${m[1]}`;
    else text += ` -m comment --comment "${t}"`;
  }
  return `${text} -j ${r.target}${targetExtra}\n`;
}

/** `iptables -S` (filter table): policies, user chains, then each chain's rules. */
export function renderIptablesSpec(ipt: IptablesState | undefined): string {
  const chains = withBuiltIns(ipt);
  const names = Object.keys(chains);
  const lines: string[] = [];
  for (const n of names) if (chains[n]?.policy) lines.push(`-P ${n} ${chains[n]?.policy}\n`);
  for (const n of names) if (!chains[n]?.policy) lines.push(`-N ${n}\n`);
  for (const n of names) for (const r of chains[n]?.rules ?? []) lines.push(specRule(n, r));
  return lines.join('');
}

// ----- the host-firewall script's further reads, line for line -----------------------------------

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
/** `$(…)` drops every trailing newline. */
const captured = (s: string): string => s.replace(/\n+$/, '');
const linesOf = (s: string): string[] => (s === '' ? [] : captured(s).split('\n'));
/** `head -c n | sed '$d'`: the first n bytes, without their last (possibly partial) line. */
function headBytesDropLast(text: string, n: number): string {
  const cut = Buffer.from(text, 'utf8').subarray(0, n).toString('utf8');
  const lines = cut.split('\n');
  if (cut.endsWith('\n')) lines.pop();
  lines.pop();
  return captured(lines.join('\n'));
}
/** `grep -E … | head -n k | cut -c1-w` over a command's output. */
const pick = (text: string, keep: RegExp, k: number, w: number): string => captured(linesOf(text).filter((l) => keep.test(l)).slice(0, k).map((l) => l.slice(0, w)).join('\n'));

const IPTABLES_NFT_TABLE = /^table (ip|ip6) (filter|nat|mangle|raw|security) [{]/;
const NFT_REDUCED = /^table |^[ \t]*chain |hook |^[ \t]*[}]|10250|jump|goto|^#/;
const LEGACY_WARNING = 'iptables-legacy tables present';

/** What iptables-nft 1.8 prints (on stderr, first) when legacy tables hold rules (fixtures/iptables-nft-calico-cilium.S.txt). */
export function legacyWarning(node: ScenarioNode): string {
  return node.iptablesLegacy ? '# Warning: iptables-legacy tables present, use iptables-legacy to see them\n' : '';
}
const EMPTY_LEGACY = '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n';

/** The `td_extra` text of the host-firewall script for this node (budgets from the script). */
export function renderNodeReads(node: ScenarioNode, budgets: { reads: number; nft: number }): string {
  const extra = ['### kubelet', `active ${kubeletActive(node).split('\n')[0]?.slice(0, 60) ?? ''}`];
  const ss = pick(renderSsListeners(node), /.*/, 3, 160);
  extra.push(ss ? ss.split('\n').map((l) => `listen ${l}`).join('\n') : 'listen none');
  extra.push('### nft list ruleset');
  const raw = node.outputs?.['nft list ruleset'] ?? renderNftRuleset(node.nftables);
  const kept: string[] = [];
  let skip = false;
  for (const line of linesOf(raw)) {
    const m = IPTABLES_NFT_TABLE.exec(line);
    if (m) { kept.push(`# iptables-nft table ${m[1]} ${m[2]}`); skip = true; continue; }
    if (skip) { if (line.startsWith('}')) skip = false; continue; }
    kept.push(line);
  }
  let nft = captured(kept.join('\n'));
  if (bytes(`${nft}\n`) > budgets.nft) {
    nft = captured(linesOf(nft).filter((l) => NFT_REDUCED.test(l)).join('\n'));
    extra.push('TD-NOTE nft reduced');
    if (bytes(`${nft}\n`) > budgets.nft) {
      nft = headBytesDropLast(`${nft}\n`, budgets.nft);
      extra.push('TD-NOTE nft cut');
    }
  }
  if (nft) extra.push(nft);
  extra.push('### iptables -S');
  const spec = pick(node.outputs?.['iptables -S'] ?? `${legacyWarning(node)}${renderIptablesSpec(node.iptables)}`, /^-P INPUT|10250|^# Warning/, 6, 160);
  if (spec) extra.push(spec);
  if (spec.includes(LEGACY_WARNING)) {
    extra.push('### iptables-legacy -S');
    const legacy = pick(node.outputs?.['iptables-legacy -S'] ?? (node.iptablesLegacy ? renderIptablesSpec(node.iptablesLegacy) : EMPTY_LEGACY), /^-P INPUT|^-A INPUT|10250/, 6, 160);
    if (legacy) extra.push(legacy);
  }
  const text = extra.join('\n');
  return bytes(`${text}\n`) > budgets.reads ? `${headBytesDropLast(`${text}\n`, budgets.reads)}\nTD-NOTE reads cut` : text;
}
