/**
 * The parsers and judgements of the further node reads, on output captured from the real tools
 * (fixtures/README.md says how each was made): nft list ruleset, iptables -S from iptables-nft
 * with legacy tables present, iptables-legacy -S, iptables --list with Calico/Cilium/KUBE chains,
 * ufw with LIMIT, `on eth1` and (v6) rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LEGACY_WARNING,
  excludedByInterface,
  nftVerdict,
  parseKubeletRead,
  parseNftRuleset,
  specBlock,
  withoutOtherInterfaceRules,
} from '../../../src/engine/host/node-reads.js';
import { parseIptablesList } from '../../../src/engine/host/iptables.js';
import { iptablesVerdict } from '../../../src/engine/host/iptables-verdict.js';
import { parseUfwStatusVerbose, ufwVerdict } from '../../../src/engine/host/ufw.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const lines = (text: string) => text.split('\n').filter(Boolean);

describe('nft list ruleset (real nftables 1.0 output)', () => {
  const set = parseNftRuleset(fixture('nft-ruleset-inet-drop.txt'));

  it('reads tables, base chains with hook, priority and policy, and rules', () => {
    const input = set.chains.find((c) => c.table === 'inet hardening' && c.name === 'input');
    expect(input).toMatchObject({ hook: 'input', priority: 'filter - 10', policy: 'accept' });
    expect(input?.rules).toHaveLength(4);
    expect(set.chains.map((c) => `${c.table} ${c.name}`)).toEqual(['inet hardening input', 'ip filter INPUT']);
  });

  it('judges a new connection on eth0: the set { 10250, 10256 } rejects it; on eth1 the iifname rule drops it first', () => {
    expect(nftVerdict(set, { sourceIp: '10.224.0.5', port: 10250, iif: 'eth0' })).toMatchObject({ outcome: 'reject', where: 'inet hardening input rule 4' });
    expect(nftVerdict(set, { sourceIp: '10.224.0.5', port: 10250, iif: 'eth1' })).toMatchObject({ outcome: 'drop', where: 'inet hardening input rule 2' });
    expect(nftVerdict(set, { sourceIp: '10.224.0.5', port: 10255, iif: 'eth0' }).outcome).toBe('accept');
  });

  it('reads the script\'s notes: iptables-nft tables named, reduced, cut', () => {
    const s = parseNftRuleset('# iptables-nft table ip filter\nTD-NOTE nft reduced\nTD-NOTE nft cut\ntable inet t {\n\tchain c {\n');
    expect(s).toMatchObject({ iptablesTables: ['ip filter'], reduced: true, cut: true, missing: false });
    expect(parseNftRuleset('nft: not installed').missing).toBe(true);
  });
});

describe('iptables -S (real iptables 1.8.9 output)', () => {
  const nftSpec = lines(fixture('iptables-nft-calico-cilium.S.txt'));

  it('carries the legacy-tables warning iptables-nft prints', () => {
    expect(nftSpec[0]).toContain(LEGACY_WARNING);
  });

  it('a DROP limited to -i eth1 does not block eth0; a negated source REJECT matches only outside it', () => {
    expect(specBlock(nftSpec, { sourceIp: '10.224.0.5', port: 10250, iif: 'eth0' })).toBeUndefined();
    expect(specBlock(nftSpec, { sourceIp: '10.9.0.5', port: 10250, iif: 'eth0' })).toMatchObject({ outcome: 'reject' });
    expect(specBlock(nftSpec, { sourceIp: '10.224.0.5', port: 10250, iif: 'eth1' })).toMatchObject({ outcome: 'drop', rule: '-A INPUT -i eth1 -p tcp -m tcp --dport 10250 -j DROP' });
  });

  it('the legacy tables hold the DROP the nft listing does not show', () => {
    expect(specBlock(lines(fixture('iptables-legacy.S.txt')), { sourceIp: '10.224.0.5', port: 10250, iif: 'eth0' })).toEqual({ outcome: 'drop', rule: '-A INPUT -p tcp -m tcp --dport 10250 -j DROP' });
  });

  it('names the interface a rule is limited to, negation included', () => {
    expect(excludedByInterface('-A INPUT -i eth1 -p tcp -j DROP')).toBe('-i eth1');
    expect(excludedByInterface('-A INPUT ! -i eth0 -p tcp -j DROP')).toBe('! -i eth0');
    expect(excludedByInterface('-A INPUT -i eth+ -p tcp -j DROP')).toBeUndefined();
    expect(excludedByInterface('-A INPUT -p tcp -j DROP')).toBeUndefined();
  });
});

describe('iptables --list with Calico, Cilium and KUBE chains (real iptables-nft output)', () => {
  // The captured text starts with the command line and the legacy warning (stderr, merged first).
  const listing = parseIptablesList(lines(fixture('iptables-nft-calico-cilium.list.txt')).slice(1).join('\n'));

  it('parses every chain and keeps the warning as an unparsed line', () => {
    expect(listing.order).toEqual(['INPUT', 'FORWARD', 'OUTPUT', 'CILIUM_INPUT', 'KUBE-FIREWALL', 'KUBE-NODEPORTS', 'cali-INPUT', 'cali-wl-to-host']);
    expect(listing.unparsed.some((l) => l.includes(LEGACY_WARNING))).toBe(true);
  });

  it('--list alone takes the eth1 DROP for a block; with -S it is set aside and the negated REJECT decides', () => {
    const flow = (sourceIp: string) => ({ sourceIp, port: 10250, protocol: 'tcp' as const });
    expect(iptablesVerdict(listing, flow('10.224.0.5'))).toMatchObject({ outcome: 'drop', chain: 'INPUT', ruleNum: 6 });
    const { listing: fixed, notes } = withoutOtherInterfaceRules(listing, lines(fixture('iptables-nft-calico-cilium.S.txt')));
    expect(notes).toEqual([expect.stringContaining('INPUT rule 6 (DROP) applies only to traffic matching -i eth1')]);
    expect(iptablesVerdict(fixed, flow('10.224.0.5')).outcome).toBe('accept');
    expect(iptablesVerdict(fixed, flow('10.9.0.5'))).toMatchObject({ outcome: 'reject', chain: 'INPUT', ruleNum: 8 });
  });
});

describe('ufw status verbose with LIMIT, on eth1 and (v6) rows (real ufw 0.36.2 output)', () => {
  const status = parseUfwStatusVerbose(fixture('ufw-limit-on-eth1-v6.txt'));

  it('reads the v6 twins as v6 and the LIMIT row as what decides 10250', () => {
    expect(status.rules.filter((r) => r.v6)).toHaveLength(3);
    const v = ufwVerdict(status, { sourceIp: '10.224.0.5', port: 10250, protocol: 'tcp', interface: 'eth0' });
    expect(status.rules[v.rule!.index]?.action).toBe('LIMIT IN');
  });

  it('a rule "on eth1" does not match traffic arriving on eth0', () => {
    const withoutLimit = parseUfwStatusVerbose(fixture('ufw-limit-on-eth1-v6.txt').split('\n').filter((l) => !l.includes('LIMIT')).join('\n'));
    expect(ufwVerdict(withoutLimit, { sourceIp: '10.224.0.5', port: 10250, protocol: 'tcp', interface: 'eth0' })).toMatchObject({ outcome: 'deny' });
    expect(ufwVerdict(withoutLimit, { sourceIp: '10.224.0.5', port: 10250, protocol: 'tcp', interface: 'eth1' })).toMatchObject({ outcome: 'allow' });
  });
});

describe('the kubelet read', () => {
  it('reads systemctl and ss as host-firewall prints them (ss line as in fixtures/plain-http-listener.txt)', () => {
    const ss = fixture('plain-http-listener.txt').split('\n').find((l) => l.startsWith('LISTEN'))!;
    expect(parseKubeletRead(`active failed\nlisten ${ss}`)).toEqual({ active: 'failed', listeners: ['python3'], nothingListens: false });
    expect(parseKubeletRead('active inactive\nlisten none')).toEqual({ active: 'inactive', listeners: [], nothingListens: true });
    expect(parseKubeletRead('active systemctl: not installed\nlisten ss: not installed').active).toBeUndefined();
  });
});
