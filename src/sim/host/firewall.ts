/**
 * Ground truth for the simulator: what a node's host firewall does to a new connection, computed
 * from the scenario's structured ufw / iptables state. Deliberately written apart from the
 * engine's parsers (src/engine/host), so a test that compares them checks two readings.
 *
 * On a real node ufw is itself a set of iptables chains; the scenario keeps the two separate, so
 * ufw is evaluated first (first matching incoming IPv4 rule, else its default incoming policy),
 * then the iptables INPUT chain with its jumps. DROP/deny give "timeout", REJECT/reject give
 * "refused" (ufw rejects TCP with a reset), anything else lets the connection through: "open".
 */
import type { IptablesChain, IptablesRule, ProbeOutcome, ScenarioNode, UfwRule } from '../../scenario/types.js';
import { portFromText } from './services.js';
import { withBuiltIns } from './render.js';

export function hostFirewallOutcome(node: ScenarioNode, sourceIp: string, port: number, protocol: 'tcp' | 'udp'): ProbeOutcome {
  const packet: Packet = { src: ipNumber(sourceIp), dst: ipNumber(node.privateIp), port, protocol };
  const ufw = ufwDecision(node, packet);
  if (ufw !== 'pass') return ufw;
  const nft = iptablesDecision(node.iptables, packet);
  // iptables-nft and iptables-legacy rules both filter the packet (two sets of netfilter hooks):
  // whichever drops it first wins (iptables-nft(8), "LEGACY TABLES").
  return nft !== 'open' || !node.iptablesLegacy ? nft : iptablesDecision(node.iptablesLegacy, packet);
}

interface Packet {
  src: number | undefined;
  dst: number | undefined;
  port: number;
  protocol: 'tcp' | 'udp';
}

// ----- ufw -----------------------------------------------------------------------------------

function ufwDecision(node: ScenarioNode, p: Packet): ProbeOutcome | 'pass' {
  const ufw = node.ufw;
  if (!ufw?.enabled) return 'pass';
  for (const rule of ufw.rules) {
    if (rule.v6) continue;
    const words = rule.action.trim().toUpperCase().split(/\s+/);
    if (words[1] === 'OUT' || words[1] === 'FWD') continue;
    if (!ufwRuleMatches(rule, p)) continue;
    if (words[0] === 'DENY') return 'timeout';
    if (words[0] === 'REJECT') return 'refused';
    return 'pass'; // ALLOW, LIMIT
  }
  const policy = ufw.defaultIncoming ?? 'deny';
  return policy === 'allow' ? 'pass' : policy === 'reject' ? 'refused' : 'timeout';
}

function ufwRuleMatches(rule: UfwRule, p: Packet): boolean {
  // `ufw allow in on eth1 …` is an iptables `-i eth1` rule (ufw(8), "allow in on"): other interfaces pass it by.
  const on = /\s+on\s+(\S+)$/.exec(rule.to.replace(/\s*\(v6\)/g, ''))?.[1];
  if (on !== undefined && on !== NODE_INTERFACE) return false;
  const to = ufwCell(rule.to);
  const from = ufwCell(rule.from);
  if (!to || !from) return false;
  const proto = to.proto ?? from.proto;
  if (proto && proto !== p.protocol) return false;
  if (to.ports && !inRanges(to.ports, p.port)) return false;
  if (from.ports) return false; // a fixed source port: the tunnel's source port is ephemeral
  if (from.net && !inNet(from.net, p.src)) return false;
  if (to.net && !inNet(to.net, p.dst)) return false;
  return true;
}

interface UfwCell { net?: [number, number]; ports?: Array<[number, number]>; proto?: string }

function ufwCell(text: string): UfwCell | undefined {
  const t = text.replace(/\(v6\)/g, '').replace(/\s+on\s+\S+$/, '').replace(/\s+\([^()]*\)$/, '').trim();
  if (t === 'Anywhere') return {};
  if (/^Anywhere\/\w+$/.test(t)) return { proto: t.split('/')[1] as string };
  if (t === 'OpenSSH') return { ports: [[22, 22]], proto: 'tcp' };
  const cell: UfwCell = {};
  for (const part of t.split(/\s+/)) {
    const addr = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?(?:\/([a-z]+))?$/.exec(part);
    if (addr) {
      const base = ipNumber(addr[1] as string);
      if (base === undefined) return undefined;
      cell.net = [base, Number(addr[2] ?? 32)];
      if (addr[3]) cell.proto = addr[3];
      continue;
    }
    const ports = /^([0-9,:]+)(?:\/([a-z]+))?$/.exec(part);
    if (!ports) return undefined;
    const ranges = portList(ports[1] as string);
    if (!ranges) return undefined;
    cell.ports = ranges;
    if (ports[2]) cell.proto = ports[2];
  }
  return cell;
}

// ----- iptables ------------------------------------------------------------------------------

function iptablesDecision(state: ScenarioNode['iptables'], p: Packet): ProbeOutcome {
  const chains = withBuiltIns(state);
  const verdict = walk(chains, 'INPUT', p, 0);
  const final = verdict ?? (chains['INPUT']?.policy === 'DROP' ? 'DROP' : 'ACCEPT');
  return final === 'DROP' ? 'timeout' : final === 'REJECT' ? 'refused' : 'open';
}

/** ACCEPT / DROP / REJECT when decided inside `name`, undefined when the chain runs out or RETURNs. */
function walk(chains: Record<string, IptablesChain>, name: string, p: Packet, depth: number): string | undefined {
  const chain = chains[name];
  if (!chain || depth > 32) return undefined;
  for (const rule of chain.rules) {
    if (!ruleMatches(rule, p)) continue;
    const target = rule.target;
    if (target === 'ACCEPT' || target === 'DROP' || target === 'REJECT') return target;
    if (target === 'RETURN') return undefined;
    if (chains[target]) {
      const inner = walk(chains, target, p, depth + 1);
      if (inner) return inner;
      if (/\[goto\]/.test(rule.match ?? '')) return undefined; // goto: no coming back here
    }
    // LOG and other non-terminating targets: carry on with the next rule.
  }
  return undefined;
}

/** Tunnel traffic reaches an AKS node on its one NIC, eth0. */
const NODE_INTERFACE = 'eth0';

/** iptables `-i` (`!` negates, a trailing `+` is a prefix), as iptables(8) defines it. */
function interfaceMatches(spec: string | undefined): boolean {
  if (!spec) return true;
  const neg = spec.startsWith('!');
  const name = neg ? spec.slice(1) : spec;
  const hit = name.endsWith('+') ? NODE_INTERFACE.startsWith(name.slice(0, -1)) : name === NODE_INTERFACE;
  return hit !== neg;
}

function ruleMatches(rule: IptablesRule, p: Packet): boolean {
  if (!interfaceMatches(rule.in)) return false;
  if (!protoMatches(rule.prot, p.protocol)) return false;
  if (!addressMatches(rule.source, p.src)) return false;
  if (!addressMatches(rule.destination, p.dst)) return false;
  return matchTextMatches(rule.match ?? '', rule.target, p);
}

function protoMatches(prot: string, protocol: 'tcp' | 'udp'): boolean {
  const neg = prot.startsWith('!');
  const name = neg ? prot.slice(1) : prot;
  const hit = name === 'all' || name === '0' || name === protocol || (protocol === 'tcp' ? name === '6' : name === '17');
  return neg ? !hit : hit;
}

function addressMatches(column: string, ip: number | undefined): boolean {
  const neg = column.startsWith('!');
  const text = neg ? column.slice(1) : column;
  let hit: boolean;
  if (text === 'anywhere' || text === '0.0.0.0/0') hit = true;
  else {
    const [addr = '', len] = text.split('/');
    const base = addr === 'localhost' ? ipNumber('127.0.0.1') : ipNumber(addr);
    hit = base !== undefined && inNet([base, len === undefined ? 32 : Number(len)], ip);
  }
  return neg ? !hit : hit;
}

/**
 * The matches of one rule for the SYN of a new connection from another machine: state NEW,
 * no mark, destination type LOCAL. Target options (reject-with, LOG …) and comments are
 * skipped. A match this code does not know means "does not match".
 */
function matchTextMatches(match: string, target: string, p: Packet): boolean {
  let text = match.replace(/\/\*.*?\*\//g, ' ').replace(/\[goto\]/g, ' ');
  if (target === 'REJECT') text = text.replace(/reject-with \S+/, ' ');
  if (target === 'LOG') text = text.replace(/LOG (flags \d+ )?level .*$/, ' ');
  const t = text.trim().split(/\s+/).filter(Boolean);
  let i = 0;
  while (i < t.length) {
    let neg = false;
    if (t[i] === '!') { neg = true; i++; }
    const word = t[i++];
    let ok: boolean;
    if (word === 'tcp' || word === 'udp') {
      ok = true;
      while (i < t.length && /^(dpts?|spts?):/.test(t[i] as string)) {
        const [, kind = '', bang, range = ''] = /^(\w+):(!?)(.*)$/.exec(t[i++] as string) ?? [];
        if (kind.startsWith('s')) { ok = false; continue; }
        const r = portList(range);
        const hit = r !== undefined && inRanges(r, p.port);
        if (bang ? hit : !hit) ok = false;
      }
    } else if (word === 'multiport') {
      const kind = t[i++];
      let list = t[i++] ?? '';
      let bang = false;
      if (list === '!') { bang = true; list = t[i++] ?? ''; }
      const r = portList(list);
      const hit = kind !== 'sports' && r !== undefined && inRanges(r, p.port);
      ok = bang ? !hit : hit;
    } else if (word === 'ctstate' || word === 'state') {
      ok = (t[i++] ?? '').split(',').includes('NEW');
    } else if (word === 'ADDRTYPE' && t[i] === 'match') {
      i++;
      ok = true;
      while (t[i] === 'src-type' || t[i] === 'dst-type') {
        const which = t[i++];
        const types = (t[i++] ?? '').split(',');
        if (!types.includes(which === 'dst-type' ? 'LOCAL' : 'UNICAST')) ok = false;
      }
    } else if (word === 'mark' && t[i] === 'match') {
      i++;
      let v = t[i++] ?? '';
      let bang = false;
      if (v === '!') { bang = true; v = t[i++] ?? ''; }
      const [value = '0', mask = '0xffffffff'] = v.split('/');
      const hit = (0 & Number(mask)) === Number(value);
      ok = bang ? !hit : hit;
    } else {
      return false;
    }
    if (neg ? ok : !ok) return false;
  }
  return true;
}

// ----- small numeric helpers ------------------------------------------------------------------

function ipNumber(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return (((o[0] as number) * 256 + (o[1] as number)) * 256 + (o[2] as number)) * 256 + (o[3] as number);
}

function inNet([base, len]: [number, number], ip: number | undefined): boolean {
  if (ip === undefined || len < 0 || len > 32) return false;
  const size = 2 ** (32 - len);
  const net = Math.floor(base / size) * size;
  return ip >= net && ip < net + size;
}

function portList(text: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (const item of text.split(',')) {
    const [a = '', b] = item.split(':');
    const lo = portFromText(a);
    const hi = b === undefined ? lo : portFromText(b);
    if (lo === undefined || hi === undefined) return undefined;
    out.push([lo, hi]);
  }
  return out;
}

function inRanges(ranges: Array<[number, number]>, port: number): boolean {
  return ranges.some(([lo, hi]) => port >= lo && port <= hi);
}
