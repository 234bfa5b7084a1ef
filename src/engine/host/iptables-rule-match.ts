/**
 * Does one row of `iptables --list --line-numbers` match the first packet (the SYN) of a new
 * connection to the node? The rule reading behind iptablesVerdict (iptables-verdict.ts): protocol,
 * addresses and the match text (ports, multiport, state, addrtype, mark, limit, iprange).
 * Conservative where the text does not say enough: a match this module does not understand is
 * 'unknown', named in the notes, and counts as NOT matching.
 */
import type { IptablesRow } from './iptables.js';
import { cidrContains, ipv4ToNumber, parseIpv4Cidr, type Ipv4Cidr } from './ipv4.js';
import { portFromText } from './ports.js';

export interface IptablesFlow {
  sourceIp: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** The node's own address. Without it, rules naming a destination are assumed to match. */
  destinationIp?: string;
  /** Usually unknown (ephemeral); rules on the source port then count as not matching. */
  sourcePort?: number;
}

export type Tri = boolean | 'unknown';

const PROTO_NUMBERS: Readonly<Record<string, number>> = { all: 0, icmp: 1, tcp: 6, udp: 17, sctp: 132, udplite: 136, esp: 50, ah: 51, gre: 47, icmpv6: 58 };
const KNOWN_HOSTS: Readonly<Record<string, string>> = { localhost: '127.0.0.1', 'link-local': '169.254.0.0', 'ip6-localhost': '::1' };

export interface MatchContext {
  flow: IptablesFlow;
  resolveHost: ((name: string) => string | undefined) | undefined;
  notes: string[];
}

/** Does the rule match the SYN of a new flow? 'unknown' = cannot tell (noted, not matching). */
export function ruleMatches(rule: IptablesRow, ctx: MatchContext): Tri {
  const where = `rule ${rule.num} "${rule.text}"`;
  const parts: Array<[string, Tri]> = [
    ['protocol', protoMatches(rule.prot, ctx.flow.protocol)],
    ['source', addressMatches(rule.source, ctx.flow.sourceIp, ctx)],
    ['destination', destinationMatches(rule.destination, ctx)],
  ];
  if (parts.some(([, v]) => v === false)) return false;
  const matchResult = matchesText(rule, ctx);
  if (matchResult === false) return false;
  const unknown = parts.filter(([, v]) => v === 'unknown').map(([k]) => k);
  if (unknown.length > 0) {
    ctx.notes.push(`${where}: cannot read its ${unknown.join(' and ')}; treated as not matching`);
    return 'unknown';
  }
  if (matchResult === 'unknown') return 'unknown';
  if (rule.target === 'ACCEPT' && looksUnconditional(rule)) {
    // `iptables --list` without -v hides -i/-o: "ACCEPT all -- anywhere anywhere" is nearly
    // always `-i lo -j ACCEPT` (ufw's before-input starts so, as do most hand-written sets).
    ctx.notes.push(`${where}: shows no condition, but the listing hides interfaces; taken to be the loopback rule (-i lo), not matching`);
    return 'unknown';
  }
  return true;
}

function looksUnconditional(rule: IptablesRow): boolean {
  const rest = rule.match.replace(/\/\*.*?\*\//g, '').trim();
  return (rule.prot === 'all' || rule.prot === '0') && rule.source === 'anywhere' && rule.destination === 'anywhere' && rest === '';
}

function protoMatches(prot: string, protocol: 'tcp' | 'udp'): Tri {
  const negated = prot.startsWith('!');
  const name = negated ? prot.slice(1) : prot;
  const num = /^\d+$/.test(name) ? Number(name) : PROTO_NUMBERS[name];
  if (num === undefined) return 'unknown';
  const hit = num === 0 || num === PROTO_NUMBERS[protocol];
  return negated ? !hit : hit;
}

function readAddress(text: string, ctx: MatchContext): Ipv4Cidr | 'any' | undefined {
  if (text === 'anywhere' || text === '0.0.0.0/0') return 'any';
  const direct = parseIpv4Cidr(text);
  if (direct) return direct;
  const [name, mask] = text.split('/');
  if (name === undefined) return undefined;
  const ip = ctx.resolveHost?.(name) ?? KNOWN_HOSTS[name];
  if (ip === undefined) return undefined;
  return parseIpv4Cidr(mask === undefined ? ip : `${ip}/${mask}`);
}

function addressMatches(column: string, ip: string, ctx: MatchContext): Tri {
  const negated = column.startsWith('!');
  const cidr = readAddress(negated ? column.slice(1) : column, ctx);
  if (cidr === undefined) return 'unknown';
  const value = ipv4ToNumber(ip);
  if (value === undefined) return 'unknown';
  const hit = cidr === 'any' || cidrContains(cidr, value);
  return negated ? !hit : hit;
}

function destinationMatches(column: string, ctx: MatchContext): Tri {
  if (ctx.flow.destinationIp !== undefined) return addressMatches(column, ctx.flow.destinationIp, ctx);
  const negated = column.startsWith('!');
  const cidr = readAddress(negated ? column.slice(1) : column, ctx);
  if (cidr === 'any') return !negated;
  // Traffic to the node's address is never loopback, whatever that address is.
  if (cidr && cidr.length >= 8 && cidr.network >>> 24 === 127) return negated;
  ctx.notes.push(`destination "${column}" assumed to include the node's address`);
  return true;
}

// ----- the match text ----------------------------------------------------------------------

const TARGET_OPTIONS: ReadonlyArray<RegExp> = [
  /\s*reject-with \S+$/,
  /(?:^|\s+)LOG (?:flags \d+ )?(?:level|UNKNOWN level) .*$/,
  /(?:^|\s+)nflog-(?:prefix|group|range|size|threshold)\b.*$/,
  /(?:^|\s+)(?:MARK|CONNMARK) (?:set|xset|and|or|xor|save|restore)\b.*$/,
  /(?:^|\s+)TCPMSS (?:clamp|set)\b.*$/,
];

function matchesText(rule: IptablesRow, ctx: MatchContext): Tri {
  let text = rule.match.replace(/\/\*.*?\*\//g, ' ').replace(/\[goto\]/g, ' ');
  for (const re of TARGET_OPTIONS) text = text.replace(re, '');
  const tokens = text.trim().split(/\s+/).filter((t) => t.length > 0);
  const where = `rule ${rule.num} "${rule.text}"`;
  let result: Tri = true;
  let negate = false;
  let i = 0;
  const take = (): string | undefined => tokens[i++];
  const combine = (v: Tri): void => {
    const value: Tri = v === 'unknown' ? 'unknown' : negate ? !v : v;
    negate = false;
    if (value === false) result = false;
    else if (value === 'unknown' && result !== false) result = 'unknown';
  };
  while (i < tokens.length) {
    const t = take() as string;
    if (t === '!') { negate = !negate; continue; }
    if (t === 'tcp' || t === 'udp') {
      while (i < tokens.length && /^(spts?|dpts?|flags|option)[:=]/.test(tokens[i] as string)) combine(portOption(take() as string, ctx, where));
      continue;
    }
    if (t === 'multiport') {
      const kind = take();
      let inv = false;
      let list = take();
      if (list === '!') { inv = true; list = take(); } else if (list?.startsWith('!')) { inv = true; list = list.slice(1); }
      combine(multiport(kind, list, inv, ctx, where));
      continue;
    }
    if (t === 'ctstate' || t === 'state') { combine(connState(take(), ctx, where)); continue; }
    if (t === 'ADDRTYPE' || t === 'addrtype') {
      if (tokens[i] === 'match') i++;
      while (i < tokens.length && /^(src-type|dst-type|limit-in|limit-out)$/.test(tokens[i] as string)) {
        const which = take() as string;
        if (which.startsWith('limit')) continue;
        let types = take();
        let inv = false;
        if (types === '!') { inv = true; types = take(); } else if (types?.startsWith('!')) { inv = true; types = types.slice(1); }
        const v = addrType(which, types);
        combine(v === 'unknown' ? 'unknown' : inv ? !v : v);
      }
      continue;
    }
    if (t === 'mark' && tokens[i] === 'match') {
      i++;
      let value = take();
      let inv = false;
      if (value === '!') { inv = true; value = take(); }
      const m = /^0x([0-9a-f]+)(?:\/0x([0-9a-f]+))?$/i.exec(value ?? '');
      if (!m) { ctx.notes.push(`${where}: cannot read mark "${value}"`); combine('unknown'); continue; }
      // A new connection from another node carries no mark.
      const hit = (0 & parseInt(m[2] ?? 'ffffffff', 16)) === parseInt(m[1] as string, 16);
      combine(inv ? !hit : hit);
      continue;
    }
    if (t === 'limit:') {
      while (i < tokens.length && /^(avg|burst|up|to|\d+(\/\w+)?)$/.test(tokens[i] as string)) i++;
      ctx.notes.push(`${where}: rate limit assumed not yet reached`);
      combine(true);
      continue;
    }
    if ((t === 'source' || t === 'destination') && tokens[i] === 'IP' && tokens[i + 1] === 'range') {
      i += 2;
      let range = take();
      let inv = false;
      if (range === '!') { inv = true; range = take(); }
      const ip = t === 'source' ? ctx.flow.sourceIp : ctx.flow.destinationIp;
      const v = ipRange(range, ip);
      combine(v === 'unknown' ? 'unknown' : inv ? !v : v);
      continue;
    }
    ctx.notes.push(`${where}: does not understand "${tokens.slice(i - 1).join(' ')}"; treated as not matching`);
    combine('unknown');
    break;
  }
  return result;
}

function portRange(text: string): [number, number] | undefined {
  const [a, b] = text.split(':');
  const lo = a === undefined ? undefined : portFromText(a);
  const hi = b === undefined ? lo : portFromText(b);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

function portOption(option: string, ctx: MatchContext, where: string): Tri {
  const m = /^(spts?|dpts?):(!?)(.+)$/.exec(option);
  if (m) {
    const range = portRange(m[3] as string);
    if (!range) { ctx.notes.push(`${where}: unknown service name in "${option}"`); return 'unknown'; }
    const port = (m[1] as string).startsWith('d') ? ctx.flow.port : ctx.flow.sourcePort;
    if (port === undefined) { ctx.notes.push(`${where}: depends on the source port`); return 'unknown'; }
    const hit = port >= range[0] && port <= range[1];
    return m[2] === '!' ? !hit : hit;
  }
  const f = /^flags:(!?)([A-Z,]+)\/([A-Z,]+|NONE)$/.exec(option);
  if (f) {
    // The first packet of a connection carries SYN only: (flags & mask) == comp.
    const all = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];
    const set = (list: string): string[] => (list === 'NONE' ? [] : list.split(',').flatMap((x) => (x === 'ALL' ? all : [x])));
    const mask = set(f[2] as string);
    const comp = set(f[3] as string);
    const masked = mask.includes('SYN') ? ['SYN'] : [];
    const hit = comp.length === masked.length && comp.every((x) => masked.includes(x));
    return f[1] === '!' ? !hit : hit;
  }
  ctx.notes.push(`${where}: does not understand "${option}"`);
  return 'unknown';
}

function multiport(kind: string | undefined, list: string | undefined, inv: boolean, ctx: MatchContext, where: string): Tri {
  if (!list || (kind !== 'dports' && kind !== 'sports' && kind !== 'ports')) {
    ctx.notes.push(`${where}: cannot read multiport "${kind ?? ''} ${list ?? ''}"`);
    return 'unknown';
  }
  const ranges = list.split(',').map(portRange);
  if (ranges.some((r) => r === undefined)) { ctx.notes.push(`${where}: unknown service name in "${list}"`); return 'unknown'; }
  const inList = (p: number): boolean => ranges.some((r) => r !== undefined && p >= r[0] && p <= r[1]);
  if (kind === 'sports') {
    if (ctx.flow.sourcePort === undefined) { ctx.notes.push(`${where}: depends on the source port`); return 'unknown'; }
    return inList(ctx.flow.sourcePort) !== inv;
  }
  if (kind === 'ports' && ctx.flow.sourcePort === undefined && !inList(ctx.flow.port)) {
    ctx.notes.push(`${where}: "ports" also matches source ports; the source port is taken as outside the list`);
  }
  const hit = inList(ctx.flow.port) || (kind === 'ports' && ctx.flow.sourcePort !== undefined && inList(ctx.flow.sourcePort));
  return hit !== inv;
}

function connState(list: string | undefined, ctx: MatchContext, where: string): Tri {
  if (!list) { ctx.notes.push(`${where}: empty state list`); return 'unknown'; }
  // The SYN of a new connection straight to the node: state NEW, not DNAT/SNAT.
  const known = new Set(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED', 'SNAT', 'DNAT']);
  const states = list.split(',');
  if (states.some((s) => !known.has(s))) { ctx.notes.push(`${where}: unknown state in "${list}"`); return 'unknown'; }
  return states.includes('NEW');
}

function addrType(which: string, types: string | undefined): Tri {
  if (!types) return 'unknown';
  // Destination: the node's own unicast address (LOCAL). Source: another node (UNICAST).
  const own = which === 'dst-type' ? ['LOCAL', 'UNICAST'] : ['UNICAST'];
  const list = types.split(',');
  const known = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];
  if (list.some((t) => !known.includes(t))) return 'unknown';
  return list.some((t) => own.includes(t));
}

function ipRange(range: string | undefined, ip: string | undefined): Tri {
  const m = /^([0-9.]+)-([0-9.]+)$/.exec(range ?? '');
  const value = ip === undefined ? undefined : ipv4ToNumber(ip);
  if (!m || value === undefined) return 'unknown';
  const lo = ipv4ToNumber(m[1] as string);
  const hi = ipv4ToNumber(m[2] as string);
  if (lo === undefined || hi === undefined) return 'unknown';
  return value >= lo && value <= hi;
}
