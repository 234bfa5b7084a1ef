import { describe, expect, it } from 'vitest';
import { parseIptablesList } from '../../../src/engine/host/iptables.js';
import { iptablesVerdict, type IptablesFlow } from '../../../src/engine/host/iptables-verdict.js';
import { AKS_DEFAULT, AKS_DROP_10250, FORMS, UFW_NODE } from './iptables-samples.js';

const HEADER = 'num  target     prot opt source               destination         ';

describe('parseIptablesList', () => {
  it('reads chains, policies, references and every column of an AKS node listing', () => {
    const l = parseIptablesList(AKS_DEFAULT);
    expect(l.order).toEqual([
      'INPUT', 'FORWARD', 'OUTPUT', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD',
      'KUBE-KUBELET-CANARY', 'KUBE-NODEPORTS', 'KUBE-PROXY-CANARY', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES',
    ]);
    expect(l.unparsed).toEqual([]);
    expect(l.chains['INPUT']).toMatchObject({ policy: 'ACCEPT' });
    expect(l.chains['INPUT']?.references).toBeUndefined();
    expect(l.chains['KUBE-PROXY-FIREWALL']).toMatchObject({ references: 3, rules: [] });
    expect(l.chains['INPUT']?.rules[0]).toEqual({
      num: 1, target: 'KUBE-PROXY-FIREWALL', prot: 'all', opt: '--', source: 'anywhere', destination: 'anywhere',
      match: 'ctstate NEW /* kubernetes load balancer firewall */',
      text: '1    KUBE-PROXY-FIREWALL  all  --  anywhere             anywhere             ctstate NEW /* kubernetes load balancer firewall */',
    });
    expect(l.chains['INPUT']?.rules[3]).toMatchObject({ num: 4, target: 'KUBE-FIREWALL', match: '' });
    expect(l.chains['KUBE-FIREWALL']?.rules[0]).toMatchObject({
      target: 'DROP', source: '!localhost/8', destination: 'localhost/8',
      match: '/* block incoming localnet connections */ ! ctstate RELATED,ESTABLISHED,DNAT',
    });
  });

  it('reads the match forms: ranges, multiport, names, negation, host names, numeric protocols, no target', () => {
    const rules = parseIptablesList(FORMS).chains['INPUT']?.rules ?? [];
    expect(rules.map((r) => [r.num, r.target, r.prot, r.source, r.match])).toEqual([
      [1, 'ACCEPT', 'all', 'anywhere', 'ctstate RELATED,ESTABLISHED'],
      [2, 'LOG', 'tcp', 'anywhere', 'tcp dpt:10250 LOG level warning prefix "kubelet-in: "'],
      [3, 'REJECT', 'tcp', '10.0.0.0/8', 'tcp dpts:10240:10260 reject-with icmp-port-unreachable'],
      [4, 'DROP', 'tcp', 'anywhere', 'multiport dports 10250,10255'],
      [5, 'DROP', 'tcp', 'anywhere', 'multiport dports webmin:11000'],
      [6, 'DROP', 'tcp', '!10.224.0.0/16', 'tcp dpt:10250'],
      [7, 'DROP', 'tcp', 'aks-nodepool1-12345678-vmss000002.internal.cloudapp.net', 'tcp dpt:10250'],
      [8, 'ACCEPT', '6', 'anywhere', 'tcp dpt:ssh'],
      [9, 'ACCEPT', '17', 'anywhere', 'udp dpt:domain'],
      [10, 'DROP', '0', '192.168.1.1', ''],
      [11, 'KUBE-FIREWALL', 'all', 'anywhere', ''],
      [12, '', 'all', 'anywhere', '/* counting only */'],
      [13, 'REJECT', 'tcp', 'anywhere', 'tcp flags:FIN,SYN,RST,ACK/SYN reject-with tcp-reset'],
    ]);
  });

  it('reads -v style policies, listings without line numbers, and keeps what it cannot read', () => {
    const l = parseIptablesList([
      '# Warning: iptables-legacy tables present, use iptables-legacy to see them',
      'Chain INPUT (policy DROP 120 packets, 7200 bytes)',
      'target     prot opt source               destination         ',
      'ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:ssh',
      'DROP       tcp  --  anywhere             anywhere             tcp dpt:10250',
    ].join('\n'));
    expect(l.chains['INPUT']?.policy).toBe('DROP');
    expect(l.chains['INPUT']?.rules.map((r) => [r.num, r.target])).toEqual([[1, 'ACCEPT'], [2, 'DROP']]);
    expect(l.unparsed).toEqual(['# Warning: iptables-legacy tables present, use iptables-legacy to see them']);
  });
});

const flow = (sourceIp = '10.224.0.4', port = 10250): IptablesFlow => ({ sourceIp, port, protocol: 'tcp', destinationIp: '10.224.0.5' });

function input(policy: string, rows: string[], more: string[] = []): string {
  return [`Chain INPUT (policy ${policy})`, HEADER, ...rows, '', 'Chain FORWARD (policy ACCEPT)', HEADER, '', 'Chain OUTPUT (policy ACCEPT)', HEADER, ...more].join('\n');
}

describe('iptablesVerdict', () => {
  it.each([
    ['DROP on dpt:10250', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250']), 'drop', 'INPUT', 1],
    ['DROP on dpt:10255 only', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             tcp dpt:10255']), 'accept', 'INPUT', undefined],
    ['dpts range covering 10250', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             tcp dpts:10240:10260']), 'drop', 'INPUT', 1],
    ['dpts range not covering 10250', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             tcp dpts:10251:10260']), 'accept', 'INPUT', undefined],
    ['dpts range starting at a service name', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             tcp dpts:webmin:11000']), 'drop', 'INPUT', 1],
    ['negated port', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             tcp dpt:!10250']), 'accept', 'INPUT', undefined],
    ['multiport list', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             multiport dports 10250,10255']), 'drop', 'INPUT', 1],
    ['multiport range', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             multiport dports 10000:11000']), 'drop', 'INPUT', 1],
    ['multiport negated', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             multiport dports  !10250,10255']), 'accept', 'INPUT', undefined],
    ['REJECT', input('ACCEPT', ['1    REJECT     tcp  --  anywhere             anywhere             tcp dpt:10250 reject-with icmp-port-unreachable']), 'reject', 'INPUT', 1],
    ['udp DROP does not touch tcp', input('ACCEPT', ['1    DROP       udp  --  anywhere             anywhere             udp dpt:10250']), 'accept', 'INPUT', undefined],
    ['numeric protocol 6', input('ACCEPT', ['1    DROP       6    --  anywhere             anywhere             tcp dpt:10250']), 'drop', 'INPUT', 1],
    ['numeric protocol 17', input('ACCEPT', ['1    DROP       17   --  anywhere             anywhere             udp dpt:10250']), 'accept', 'INPUT', undefined],
    ['protocol 0 is all', input('ACCEPT', ['1    DROP       0    --  10.224.0.4           anywhere            ']), 'drop', 'INPUT', 1],
    ['custom chain jumped from INPUT', input('ACCEPT', ['1    BLOCK-KUBELET  all  --  anywhere             anywhere            '],
      ['', 'Chain BLOCK-KUBELET (1 references)', HEADER, '1    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250']), 'drop', 'BLOCK-KUBELET', 1],
    ['custom chain that RETURNs first', input('ACCEPT', ['1    BLOCK-KUBELET  all  --  anywhere             anywhere            '],
      ['', 'Chain BLOCK-KUBELET (1 references)', HEADER, '1    RETURN     all  --  10.224.0.0/16        anywhere            ',
        '2    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250']), 'accept', 'INPUT', undefined],
    ['policy DROP with an ACCEPT for 10250', input('DROP', ['1    ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:10250']), 'accept', 'INPUT', 1],
    ['policy DROP without one', input('DROP', ['1    ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:ssh']), 'drop', 'INPUT', undefined],
    ['negated source excluding the node subnet', input('ACCEPT', ['1    DROP       tcp  -- !10.224.0.0/16        anywhere             tcp dpt:10250']), 'accept', 'INPUT', undefined],
    ['negated source including the tunnel node', input('ACCEPT', ['1    DROP       tcp  -- !192.168.0.0/16       anywhere             tcp dpt:10250']), 'drop', 'INPUT', 1],
    ['LOG then DROP', input('ACCEPT', [
      '1    LOG        tcp  --  anywhere             anywhere             tcp dpt:10250 LOG level warning prefix "kubelet: "',
      '2    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250']), 'drop', 'INPUT', 2],
    ['source-specific DROP for another address', input('ACCEPT', ['1    DROP       tcp  --  10.224.0.99          anywhere             tcp dpt:10250']), 'accept', 'INPUT', undefined],
    ['source-specific DROP for the tunnel node', input('ACCEPT', ['1    DROP       tcp  --  10.224.0.4           anywhere             tcp dpt:10250']), 'drop', 'INPUT', 1],
    ['destination of another node', input('ACCEPT', ['1    DROP       tcp  --  anywhere             10.224.0.6           tcp dpt:10250']), 'accept', 'INPUT', undefined],
    ['established-only accept does not cover a new connection', input('DROP', ['1    ACCEPT     all  --  anywhere             anywhere             ctstate RELATED,ESTABLISHED']), 'drop', 'INPUT', undefined],
    ['ctstate NEW drop', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             ctstate NEW tcp dpt:10250']), 'drop', 'INPUT', 1],
    ['state NEW drop', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             state NEW tcp dpt:10250']), 'drop', 'INPUT', 1],
    ['SYN-only REJECT matches the first packet', input('ACCEPT', ['1    REJECT     tcp  --  anywhere             anywhere             tcp dpt:10250 flags:FIN,SYN,RST,ACK/SYN reject-with tcp-reset']), 'reject', 'INPUT', 1],
    ['ACK-only DROP does not', input('ACCEPT', ['1    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250 flags:SYN,ACK/ACK']), 'accept', 'INPUT', undefined],
    ['marked-packet DROP (kube-proxy) does not match unmarked traffic', input('ACCEPT', ['1    DROP       all  --  anywhere             anywhere             /* kubernetes firewall for dropping marked packets */ mark match 0x8000/0x8000']), 'accept', 'INPUT', undefined],
    ['goto a chain that runs out skips the rest of INPUT', input('DROP', [
      '1    ALLOW-SOME  all  --  anywhere             anywhere            [goto] ',
      '2    ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:10250'],
    ['', 'Chain ALLOW-SOME (1 references)', HEADER, '1    ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:ssh']), 'drop', 'INPUT', undefined],
  ])('%s', (_name, text, outcome, chain, ruleNum) => {
    const v = iptablesVerdict(parseIptablesList(text), flow());
    expect(v.outcome).toBe(outcome);
    expect(v.chain).toBe(chain);
    expect(v.ruleNum).toBe(ruleNum);
  });

  it('a default AKS node accepts the tunnel; the added DROP is found with its text', () => {
    const ok = iptablesVerdict(parseIptablesList(AKS_DEFAULT), flow());
    expect(ok).toMatchObject({ outcome: 'accept', ruleText: 'policy ACCEPT', uncertain: false });
    expect(ok.path.map((s) => `${s.chain}:${s.ruleNum}`)).toEqual(['INPUT:1', 'INPUT:2', 'INPUT:3', 'INPUT:4']);
    const bad = iptablesVerdict(parseIptablesList(AKS_DROP_10250), flow());
    expect(bad).toMatchObject({ outcome: 'drop', chain: 'INPUT', ruleNum: 1, ruleText: '1    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250' });
    expect(bad.reason).toMatch(/INPUT rule 1 \(DROP tcp dpt:10250\) drops TCP 10250 from 10.224.0.4/);
  });

  it('walks ufw-made chains to the user DROP, not taking the hidden `-i lo` ACCEPT for "accept all"', () => {
    const v = iptablesVerdict(parseIptablesList(UFW_NODE), flow());
    expect(v).toMatchObject({ outcome: 'drop', chain: 'ufw-user-input', ruleNum: 2 });
    expect(v.notes.join('\n')).toMatch(/loopback/);
    expect(v.uncertain).toBe(true);
    const ssh = iptablesVerdict(parseIptablesList(UFW_NODE), flow('10.224.0.4', 22));
    expect(ssh).toMatchObject({ outcome: 'accept', chain: 'ufw-user-input', ruleNum: 1 });
  });

  it('host names: resolved when the caller knows them, else noted and not matching', () => {
    const text = input('ACCEPT', ['1    DROP       tcp  --  aks-nodepool1-12345678-vmss000002.internal.cloudapp.net  anywhere             tcp dpt:10250']);
    const unknown = iptablesVerdict(parseIptablesList(text), flow('10.224.0.6'));
    expect(unknown.outcome).toBe('accept');
    expect(unknown.uncertain).toBe(true);
    expect(unknown.notes[0]).toMatch(/cannot read its source/);
    const resolved = iptablesVerdict(parseIptablesList(text), flow('10.224.0.6'), {
      resolveHost: (name) => (name === 'aks-nodepool1-12345678-vmss000002.internal.cloudapp.net' ? '10.224.0.6' : undefined),
    });
    expect(resolved).toMatchObject({ outcome: 'drop', ruleNum: 1 });
  });

  it('a match it does not understand counts as not matching, with a note', () => {
    const v = iptablesVerdict(parseIptablesList(input('ACCEPT', [
      '1    DROP       tcp  --  anywhere             anywhere             match-set blocked-nodes src tcp dpt:10250',
    ])), flow());
    expect(v.outcome).toBe('accept');
    expect(v.uncertain).toBe(true);
    expect(v.notes[0]).toMatch(/match-set blocked-nodes src/);
  });

  it('no INPUT chain (cut or error output) is accept-but-uncertain', () => {
    const v = iptablesVerdict(parseIptablesList('iptables: Permission denied (you must be root).'), flow());
    expect(v).toMatchObject({ outcome: 'accept', uncertain: true });
  });

  it('KUBE-FIREWALL\'s localnet rule never matches traffic to the node address, even without it', () => {
    const v = iptablesVerdict(parseIptablesList(AKS_DEFAULT), { ...flow(), destinationIp: undefined });
    expect(v).toMatchObject({ outcome: 'accept', uncertain: false, notes: [] });
  });

  it('reads the forms listing in order: service-name ports and numeric protocols', () => {
    const v = iptablesVerdict(parseIptablesList(FORMS), flow('10.224.0.4', 22));
    expect(v).toMatchObject({ outcome: 'accept', ruleNum: 8 });
    expect(iptablesVerdict(parseIptablesList(FORMS), flow('10.224.0.4', 10250))).toMatchObject({ outcome: 'reject', ruleNum: 3 });
    expect(iptablesVerdict(parseIptablesList(FORMS), flow('172.16.0.1', 10255))).toMatchObject({ outcome: 'drop', ruleNum: 4 });
    expect(iptablesVerdict(parseIptablesList(FORMS), flow('172.16.0.1', 10999))).toMatchObject({ outcome: 'drop', ruleNum: 5 });
  });
});

describe('iptablesVerdict with chains dropped from the listing', () => {
  const H = 'num  target     prot opt source               destination         ';
  const listing = (rows: string[], dropped: string[]) => ({
    ...parseIptablesList(['Chain INPUT (policy DROP)', H, ...rows].join('\n')),
    droppedChains: dropped,
  });
  const flow: IptablesFlow = { sourceIp: '10.224.0.5', port: 10250, protocol: 'tcp' };

  it('a matching jump into a dropped chain leaves the outcome undecided (uncertain, never a drop)', () => {
    const v = iptablesVerdict(listing(['1    KUBE-X     all  --  anywhere             anywhere            '], ['KUBE-X']), flow);
    expect(v).toMatchObject({ outcome: 'accept', uncertain: true, undecidedAt: { chain: 'INPUT', ruleNum: 1, target: 'KUBE-X' } });
    expect(v.unreadableRules.map((r) => r.target)).toEqual(['KUBE-X']);
    expect(v.notes.join('\n')).toMatch(/KUBE-X, which the listing left out/);
  });

  it('a jump that cannot match, or comes after the deciding rule, does not matter', () => {
    const v = iptablesVerdict(listing([
      '1    KUBE-X     udp  --  anywhere             anywhere            ',
      '2    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250',
      '3    KUBE-Y     all  --  anywhere             anywhere            ',
    ], ['KUBE-X', 'KUBE-Y']), flow);
    expect(v).toMatchObject({ outcome: 'drop', ruleNum: 2, uncertain: false });
    expect(v.undecidedAt).toBeUndefined();
  });

  it('without droppedChains an unknown target is still passed over as before', () => {
    const v = iptablesVerdict(listing(['1    KUBE-X     all  --  anywhere             anywhere            '], []), flow);
    expect(v).toMatchObject({ outcome: 'drop', uncertain: true });
    expect(v.undecidedAt).toBeUndefined();
  });
});
