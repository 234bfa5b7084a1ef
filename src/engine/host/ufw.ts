/**
 * `ufw status verbose` as ufw 0.36 prints it (Ubuntu 20.04/22.04, the AKS node images), and
 * what it means for one incoming connection.
 *
 * ufw 0.36 backend_iptables.get_status builds each row as
 *   "%-26s %-12s%-26s%s%s" % (To, "ACTION DIR", From, " (log)", " # comment")
 * with all IPv4 rules first, then their "(v6)" twins; incoming rules, then a blank line and the
 * outgoing ones, then routed ones. Columns overflow rather than truncate, so rows are split on
 * the action word, not on fixed offsets.
 */
import { cidrContains, ipv4ToNumber, parseIpv4Cidr } from './ipv4.js';
import { portFromText } from './ports.js';

export type UfwPolicy = 'allow' | 'deny' | 'reject' | 'disabled';

export interface UfwStatusRule {
  /** Zero-based row index in the listing (all sections, in printed order). */
  index: number;
  /** The row as printed, trimmed. */
  text: string;
  to: string;
  /** "ALLOW IN", "DENY IN", "REJECT OUT", "LIMIT IN", "ALLOW FWD" … */
  action: string;
  direction: 'in' | 'out' | 'fwd';
  from: string;
  v6: boolean;
  comment?: string;
  /** "log" or "log-all" when the rule logs. */
  log?: string;
}

export interface UfwStatus {
  installed: boolean;
  active: boolean;
  logging?: string;
  defaultIncoming?: UfwPolicy;
  defaultOutgoing?: UfwPolicy;
  defaultRouted?: UfwPolicy;
  newProfiles?: string;
  rules: UfwStatusRule[];
  /** Lines that were not understood (kept so a caller can show them). */
  unparsed: string[];
}

const ROW = /^(.*?)\s+((?:ALLOW|DENY|REJECT|LIMIT)(?: (?:IN|OUT|FWD))?)(?:\s+(.*))?$/;

export function parseUfwStatusVerbose(text: string): UfwStatus {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const status: UfwStatus = { installed: true, active: false, rules: [], unparsed: [] };
  const body = lines.map((l) => l.replace(/\s+$/, '')).filter((l) => l.length > 0);
  if (body.some((l) => /ufw: not installed|ufw: command not found|command not found: ufw/.test(l))) {
    return { ...status, installed: false };
  }
  let inTable = false;
  for (const line of body) {
    if (/^Status: active$/.test(line)) { status.active = true; continue; }
    if (/^Status: inactive$/.test(line)) { status.active = false; continue; }
    let m = /^Logging: (.*)$/.exec(line);
    if (m) { status.logging = m[1] as string; continue; }
    m = /^Default: (\w+) \(incoming\), (\w+) \(outgoing\), (\w+) \(routed\)$/.exec(line);
    if (m) {
      status.defaultIncoming = policyOf(m[1] as string);
      status.defaultOutgoing = policyOf(m[2] as string);
      status.defaultRouted = policyOf(m[3] as string);
      continue;
    }
    m = /^New profiles: (.*)$/.exec(line);
    if (m) { status.newProfiles = m[1] as string; continue; }
    if (/^To\s+Action\s+From$/.test(line)) { inTable = true; continue; }
    if (/^--\s+------\s+----$/.test(line)) continue;
    if (inTable) {
      const rule = parseRow(line, status.rules.length);
      if (rule) { status.rules.push(rule); continue; }
    }
    status.unparsed.push(line);
  }
  return status;
}

function policyOf(word: string): UfwPolicy | undefined {
  return word === 'allow' || word === 'deny' || word === 'reject' || word === 'disabled' ? word : undefined;
}

function parseRow(line: string, index: number): UfwStatusRule | undefined {
  const m = ROW.exec(line.trim());
  if (!m) return undefined;
  const to = (m[1] as string).trim();
  const action = m[2] as string;
  let rest = (m[3] ?? '').trim();
  let comment: string | undefined;
  const hash = rest.indexOf(' # ');
  if (hash >= 0) { comment = rest.slice(hash + 3); rest = rest.slice(0, hash).trim(); }
  else if (rest.startsWith('# ')) { comment = rest.slice(2); rest = ''; }
  let log: string | undefined;
  const attrib = /\s*\(((?:log|log-all)(?:, out)?|out)\)$/.exec(rest);
  if (attrib) {
    const parts = (attrib[1] as string).split(', ');
    log = parts.find((p) => p.startsWith('log'));
    rest = rest.slice(0, attrib.index).trim();
  }
  const dirWord = action.split(' ')[1];
  const direction = dirWord === 'OUT' ? 'out' : dirWord === 'FWD' ? 'fwd' : 'in';
  const rule: UfwStatusRule = {
    index, text: line.trim(), to, action: dirWord ? action : `${action} IN`, direction, from: rest,
    v6: /\(v6\)/.test(to) || /\(v6\)/.test(rest),
  };
  if (comment !== undefined) rule.comment = comment;
  if (log !== undefined) rule.log = log;
  return rule;
}

// ---------------------------------------------------------------------------------------------
// Verdict

export interface UfwFlow {
  sourceIp: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** The node's own address; rules naming another destination then do not apply. */
  destinationIp?: string;
  /** The interface the connection arrives on (eth0 on AKS nodes); rules `on <other>` then do not apply. */
  interface?: string;
}

export interface UfwVerdict {
  outcome: 'allow' | 'deny' | 'reject';
  /** The deciding row; absent when the default policy (or an inactive ufw) decided. */
  rule?: { index: number; text: string };
  reason: string;
  /** Rows that could not be evaluated exactly (treated as not matching), and assumptions. */
  notes: string[];
  /**
   * Incoming rows that could not be read (or need a fixed source port) and are not ruled out by
   * what could be read: had one of them matched, the outcome might differ. Lets a caller tell
   * "allowed" from "allowed, unless a row we could not read says otherwise".
   */
  unreadableRows: Array<{ index: number; text: string; action: string }>;
}

/** Application profiles shipped with Ubuntu packages, as `ufw status` names them. */
const APP_PROFILES: Readonly<Record<string, { ports: string; proto?: string }>> = {
  OpenSSH: { ports: '22', proto: 'tcp' },
  'Nginx Full': { ports: '80,443', proto: 'tcp' },
  'Nginx HTTP': { ports: '80', proto: 'tcp' },
  'Nginx HTTPS': { ports: '443', proto: 'tcp' },
  Apache: { ports: '80', proto: 'tcp' },
  'Apache Full': { ports: '80,443', proto: 'tcp' },
  'Apache Secure': { ports: '443', proto: 'tcp' },
};

interface Endpoint {
  /** undefined = Anywhere */
  cidr?: { network: number; length: number };
  /** undefined = any port */
  ports?: Array<[number, number]>;
  proto?: string;
  iface?: string;
  /** Set when the text could not be read. */
  unreadable?: string;
}

/**
 * ufw's verdict for one incoming connection, as its user chains decide it: the first incoming
 * IPv4 row that matches wins, else the default incoming policy. Inactive (or absent) ufw allows.
 * Rows that cannot be read exactly count as not matching and are named in `notes`.
 */
export function ufwVerdict(parsed: UfwStatus, flow: UfwFlow): UfwVerdict {
  const notes: string[] = [];
  const unreadableRows: UfwVerdict['unreadableRows'] = [];
  if (!parsed.installed) return { outcome: 'allow', reason: 'ufw is not installed', notes, unreadableRows };
  if (!parsed.active) return { outcome: 'allow', reason: 'ufw is inactive', notes, unreadableRows };
  const src = ipv4ToNumber(flow.sourceIp);
  const dst = flow.destinationIp === undefined ? undefined : ipv4ToNumber(flow.destinationIp);
  for (const rule of parsed.rules) {
    if (rule.direction !== 'in' || rule.v6) continue;
    const to = readEndpoint(rule.to);
    const from = readEndpoint(rule.from);
    const unreadable = to.unreadable ?? from.unreadable;
    if (unreadable) {
      notes.push(`row ${rule.index + 1} "${rule.text}": ${unreadable}; treated as not matching`);
      if (!excludesFlow(to, flow, dst) && !excludesFlow(from, flow, src)) unreadableRows.push({ index: rule.index, text: rule.text, action: rule.action });
      continue;
    }
    const proto = to.proto ?? from.proto;
    if (proto !== undefined && proto !== flow.protocol) continue;
    if (to.ports && !to.ports.some(([lo, hi]) => flow.port >= lo && flow.port <= hi)) continue;
    if (from.ports) {
      notes.push(`row ${rule.index + 1} "${rule.text}" needs a fixed source port; treated as not matching`);
      // The To side and the protocol already match here; only the source address can rule it out.
      if (!(from.cidr && src !== undefined && !cidrContains(from.cidr, src))) unreadableRows.push({ index: rule.index, text: rule.text, action: rule.action });
      continue;
    }
    if (from.cidr && (src === undefined || !cidrContains(from.cidr, src))) continue;
    if (to.cidr) {
      if (dst === undefined) notes.push(`row ${rule.index + 1} names destination ${rule.to}; assumed to be this node`);
      else if (!cidrContains(to.cidr, dst)) continue;
    }
    if (to.iface && flow.interface !== undefined && to.iface !== flow.interface) {
      // `ufw allow in on eth1 …` is `-i eth1`: traffic arriving on another interface passes it by.
      notes.push(`row ${rule.index + 1} "${rule.text}" applies only on ${to.iface}; the connection arrives on ${flow.interface}, so it does not match`);
      continue;
    }
    if (to.iface && flow.interface === undefined) notes.push(`row ${rule.index + 1} applies on interface ${to.iface}; assumed to be the node's interface`);
    const word = rule.action.split(' ')[0];
    const outcome = word === 'DENY' ? 'deny' : word === 'REJECT' ? 'reject' : 'allow';
    if (word === 'LIMIT') notes.push(`row ${rule.index + 1} is LIMIT: allowed until 6 connections in 30 s from one address`);
    return { outcome, rule: { index: rule.index, text: rule.text }, reason: `ufw rule "${rule.text}" ${outcome === 'allow' ? 'allows' : outcome === 'deny' ? 'denies' : 'rejects'} it`, notes, unreadableRows };
  }
  const policy = parsed.defaultIncoming;
  if (policy === undefined) {
    notes.push('default incoming policy not shown; ufw installs with deny');
    return { outcome: 'deny', reason: 'no ufw rule matches and the default incoming policy is deny', notes, unreadableRows };
  }
  const outcome = policy === 'allow' ? 'allow' : policy === 'reject' ? 'reject' : 'deny';
  return { outcome, reason: `no ufw rule matches, so the default incoming policy (${policy}) applies`, notes, unreadableRows };
}

/** True when the readable part of a cell already rules the flow out (so the row cannot match). */
function excludesFlow(ep: Endpoint, flow: UfwFlow, address: number | undefined): boolean {
  if (ep.unreadable) return false;
  if (ep.proto !== undefined && ep.proto !== flow.protocol) return true;
  if (ep.ports && !ep.ports.some(([lo, hi]) => flow.port >= lo && flow.port <= hi)) return true;
  return ep.cidr !== undefined && address !== undefined && !cidrContains(ep.cidr, address);
}

/** Reads a To/From cell: "Anywhere", "10.0.0.0/8", "10250/tcp", "10.0.0.5 10250:10260/tcp",
 * "22/tcp (OpenSSH)", "OpenSSH", "Anywhere on eth0", "10.0.0.0/8/tcp", "Anywhere/tcp". */
function readEndpoint(cell: string): Endpoint {
  let text = cell.replace(/\s*\(v6\)/g, '').trim();
  const ep: Endpoint = {};
  const on = /\s+on\s+(\S+)$/.exec(text);
  if (on) { ep.iface = on[1] as string; text = text.slice(0, on.index).trim(); }
  const app = /\s+\(([^()]+)\)$/.exec(text);
  if (app) text = text.slice(0, app.index).trim(); // verbose form: ports are printed before the name
  if (text === 'Anywhere') return ep;
  const anyProto = /^Anywhere\/(\w+)$/.exec(text);
  if (anyProto) { ep.proto = anyProto[1] as string; return ep; }
  const profile = APP_PROFILES[text];
  if (profile) return { ...ep, ...portsOf(profile.ports), ...(profile.proto ? { proto: profile.proto } : {}) };
  const tokens = text.split(/\s+/);
  let addr: string | undefined;
  let ports: string | undefined;
  if (tokens.length === 2) [addr, ports] = tokens;
  else if (tokens.length === 1) {
    const t = tokens[0] as string;
    if (/^[0-9.]+(\/\d+)?(\/[a-z]+)?$/.test(t) && t.includes('.')) addr = t;
    else ports = t;
  } else return { unreadable: `cannot read "${cell}"` };
  if (addr !== undefined) {
    const am = /^([0-9.]+(?:\/\d+)?)(?:\/([a-z]+))?$/.exec(addr);
    const cidr = am ? parseIpv4Cidr(am[1] as string) : undefined;
    if (!am || !cidr) return { unreadable: `"${addr}" is not an IPv4 address or block` };
    ep.cidr = cidr;
    if (am[2]) ep.proto = am[2];
  }
  if (ports !== undefined) {
    const pm = /^([0-9,:]+)(?:\/([a-z0-9]+))?$/.exec(ports);
    if (!pm) {
      return { unreadable: APP_PROFILES[ports] === undefined && !/^[\d,:/a-z]+$/.test(ports)
        ? `application profile "${ports}" is not known here` : `cannot read port "${ports}"` };
    }
    const read = portsOf(pm[1] as string);
    if (!read.ports) return { unreadable: `cannot read port "${ports}"` };
    ep.ports = read.ports;
    if (pm[2]) ep.proto = pm[2];
  }
  return ep;
}

function portsOf(list: string): { ports?: Array<[number, number]> } {
  const out: Array<[number, number]> = [];
  for (const item of list.split(',')) {
    const [a, b] = item.split(':');
    const lo = a === undefined ? undefined : portFromText(a);
    const hi = b === undefined ? lo : portFromText(b);
    if (lo === undefined || hi === undefined || lo > hi) return {};
    out.push([lo, hi]);
  }
  return { ports: out };
}
