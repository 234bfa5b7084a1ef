import { describe, expect, it } from 'vitest';
import type { IptablesRule, IptablesState, UfwState } from '../../../src/scenario/types.js';
import { renderIptablesChain, renderIptablesList, renderUfwStatusVerbose } from '../../../src/sim/host/render.js';
import { parseIptablesList } from '../../../src/engine/host/iptables.js';
import { parseUfwStatusVerbose } from '../../../src/engine/host/ufw.js';
import { AKS_DEFAULT, FORMS, UFW_NODE } from '../../engine/host/iptables-samples.js';

const r = (target: string, prot: string, source: string, destination: string, match?: string): IptablesRule =>
  match === undefined ? { target, prot, opt: '--', source, destination } : { target, prot, opt: '--', source, destination, match };

const AKS_STATE: IptablesState = {
  chains: {
    INPUT: { policy: 'ACCEPT', rules: [
      r('KUBE-PROXY-FIREWALL', 'all', 'anywhere', 'anywhere', 'ctstate NEW /* kubernetes load balancer firewall */'),
      r('KUBE-NODEPORTS', 'all', 'anywhere', 'anywhere', '/* kubernetes health check service ports */'),
      r('KUBE-EXTERNAL-SERVICES', 'all', 'anywhere', 'anywhere', 'ctstate NEW /* kubernetes externally-visible service portals */'),
      r('KUBE-FIREWALL', 'all', 'anywhere', 'anywhere'),
    ] },
    FORWARD: { policy: 'ACCEPT', rules: [
      r('KUBE-PROXY-FIREWALL', 'all', 'anywhere', 'anywhere', 'ctstate NEW /* kubernetes load balancer firewall */'),
      r('KUBE-FORWARD', 'all', 'anywhere', 'anywhere', '/* kubernetes forwarding rules */'),
      r('KUBE-SERVICES', 'all', 'anywhere', 'anywhere', 'ctstate NEW /* kubernetes service portals */'),
      r('KUBE-EXTERNAL-SERVICES', 'all', 'anywhere', 'anywhere', 'ctstate NEW /* kubernetes externally-visible service portals */'),
    ] },
    OUTPUT: { policy: 'ACCEPT', rules: [
      r('KUBE-PROXY-FIREWALL', 'all', 'anywhere', 'anywhere', 'ctstate NEW /* kubernetes load balancer firewall */'),
      r('KUBE-SERVICES', 'all', 'anywhere', 'anywhere', 'ctstate NEW /* kubernetes service portals */'),
      r('KUBE-FIREWALL', 'all', 'anywhere', 'anywhere'),
    ] },
    // Insertion order differs from the printed order on purpose: libiptc sorts user chains.
    'KUBE-SERVICES': { rules: [] },
    'KUBE-FIREWALL': { rules: [r('DROP', 'all', '!localhost/8', 'localhost/8', '/* block incoming localnet connections */ ! ctstate RELATED,ESTABLISHED,DNAT')] },
    'KUBE-FORWARD': { rules: [
      r('DROP', 'all', 'anywhere', 'anywhere', 'ctstate INVALID'),
      r('ACCEPT', 'all', 'anywhere', 'anywhere', '/* kubernetes forwarding rules */ mark match 0x4000/0x4000'),
      r('ACCEPT', 'all', 'anywhere', 'anywhere', '/* kubernetes forwarding conntrack rule */ ctstate RELATED,ESTABLISHED'),
    ] },
    'KUBE-EXTERNAL-SERVICES': { rules: [] },
    'KUBE-KUBELET-CANARY': { rules: [] },
    'KUBE-NODEPORTS': { rules: [] },
    'KUBE-PROXY-CANARY': { rules: [] },
    'KUBE-PROXY-FIREWALL': { rules: [] },
  },
};

describe('renderIptablesList', () => {
  it('prints an AKS node exactly as iptables 1.8 does (columns, references, chain order)', () => {
    expect(renderIptablesList(AKS_STATE)).toBe(`${AKS_DEFAULT.replace(/\n+$/, '')}\n`);
  });

  it('prints ufw-made chains, service names, empty targets and numeric protocols as in the samples', () => {
    const state = stateFromListing(UFW_NODE);
    expect(renderIptablesList(state)).toBe(`${UFW_NODE.replace(/\n+$/, '')}\n`);
    const forms = stateFromListing(FORMS);
    const [inputBlock, kubeBlock] = FORMS.split('\n\n');
    expect(renderIptablesList(forms)).toBe(`${[
      inputBlock, `Chain FORWARD (policy ACCEPT)\n${HEADER}`, `Chain OUTPUT (policy ACCEPT)\n${HEADER}`, kubeBlock?.trimEnd(),
    ].join('\n\n')}\n`);
  });

  it('always has INPUT, FORWARD and OUTPUT, even for an empty or missing state', () => {
    const text = renderIptablesList(undefined);
    expect(text).toBe([
      'Chain INPUT (policy ACCEPT)', HEADER, '', 'Chain FORWARD (policy ACCEPT)', HEADER, '', 'Chain OUTPUT (policy ACCEPT)', HEADER, '',
    ].join('\n'));
  });

  it('prints one chain for `iptables --list CHAIN --line-numbers`, or nothing for an unknown chain', () => {
    expect(renderIptablesChain(AKS_STATE, 'KUBE-FIREWALL')).toBe([
      'Chain KUBE-FIREWALL (2 references)', HEADER,
      '1    DROP       all  -- !localhost/8          localhost/8          /* block incoming localnet connections */ ! ctstate RELATED,ESTABLISHED,DNAT', '',
    ].join('\n'));
    expect(renderIptablesChain(AKS_STATE, 'NOPE')).toBeUndefined();
  });
});

const HEADER = 'num  target     prot opt source               destination         ';

/** The state a parsed listing describes (used to check render(state) reproduces the sample). */
function stateFromListing(text: string): IptablesState {
  const parsed = parseIptablesList(text);
  const chains: IptablesState['chains'] = {};
  for (const name of parsed.order) {
    const c = parsed.chains[name];
    if (!c) continue;
    chains[name] = {
      ...(c.policy ? { policy: c.policy as 'ACCEPT' | 'DROP' } : {}),
      rules: c.rules.map((x) => (x.match ? { target: x.target, prot: x.prot, opt: x.opt, source: x.source, destination: x.destination, match: x.match }
        : { target: x.target, prot: x.prot, opt: x.opt, source: x.source, destination: x.destination })),
    };
  }
  return { chains };
}

describe('render → parse round trip (simulator and parser agree)', () => {
  const targets = ['ACCEPT', 'DROP', 'REJECT', 'LOG', 'RETURN', 'KUBE-FIREWALL', 'A-VERY-LONG-CHAIN-NAME-X', ''];
  const prots = ['all', 'tcp', 'udp', '!tcp', '0', '6', '17', 'icmp'];
  const addrs = ['anywhere', '10.224.0.0/16', '!10.0.0.0/8', '10.224.0.4', 'localhost/8', 'aks-nodepool1-12345678-vmss000002.internal.cloudapp.net', '192.168.100.200/32'];
  const matches = [undefined, 'tcp dpt:10250', 'tcp dpts:10240:10260', 'multiport dports 10250,10255', 'multiport dports  !10250',
    'ctstate RELATED,ESTABLISHED', '/* a comment with  two spaces */ tcp dpt:ssh', 'reject-with icmp-port-unreachable',
    'LOG level warning prefix "[UFW BLOCK] "', 'limit: avg 3/min burst 10', 'ADDRTYPE match dst-type LOCAL', 'udp spt:bootps dpt:bootpc'];

  it('keeps every column of 400 generated rules across chains', () => {
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return xs[seed % xs.length] as T; };
    for (let round = 0; round < 20; round++) {
      const state: IptablesState = {
        chains: {
          INPUT: { policy: pick(['ACCEPT', 'DROP'] as const), rules: [] },
          'KUBE-FIREWALL': { rules: [] },
          'A-VERY-LONG-CHAIN-NAME-X': { rules: [] },
        },
      };
      for (let k = 0; k < 20; k++) {
        const chain = pick(['INPUT', 'INPUT', 'KUBE-FIREWALL', 'A-VERY-LONG-CHAIN-NAME-X']);
        const rule: IptablesRule = { target: pick(targets), prot: pick(prots), opt: pick(['--', '-f', '!f']), source: pick(addrs), destination: pick(addrs) };
        const m = pick(matches);
        if (m !== undefined) rule.match = m;
        state.chains[chain]?.rules.push(rule);
      }
      const parsed = parseIptablesList(renderIptablesList(state));
      expect(parsed.unparsed).toEqual([]);
      for (const [name, chain] of Object.entries(state.chains)) {
        const got = parsed.chains[name];
        expect(got, name).toBeDefined();
        expect(got?.policy).toBe(chain.policy);
        const refs = Object.values(state.chains).flatMap((c) => c.rules).filter((x) => x.target === name).length;
        if (!chain.policy) expect(got?.references).toBe(refs);
        expect(got?.rules.map((x) => ({ target: x.target, prot: x.prot, opt: x.opt, source: x.source, destination: x.destination, match: x.match })))
          .toEqual(chain.rules.map((x) => ({ ...x, opt: x.opt ?? '--', match: x.match ?? '' })));
      }
    }
  });

  it('ufw: rows, directions, v6 twins and defaults survive', () => {
    const states: UfwState[] = [
      { enabled: false, rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }] },
      { enabled: true, rules: [] },
      { enabled: true, defaultIncoming: 'reject', defaultOutgoing: 'deny', rules: [{ to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] },
      {
        enabled: true, defaultIncoming: 'deny', rules: [
          { to: '10250/tcp', action: 'ALLOW', from: '10.224.0.0/16' },
          { to: '10250/tcp', action: 'DENY', from: 'Anywhere', v6: true },
          { to: '22/tcp', action: 'LIMIT IN', from: 'Anywhere' },
          { to: 'Anywhere', action: 'DENY IN', from: '10.0.0.0/8' },
          { to: '53', action: 'ALLOW OUT', from: 'Anywhere' },
          { to: '10.224.0.5 10240:10260/tcp', action: 'REJECT', from: '10.224.128.0/17' },
          { to: '80,443/tcp', action: 'ALLOW', from: 'Anywhere' },
        ],
      },
    ];
    for (const state of states) {
      const parsed = parseUfwStatusVerbose(renderUfwStatusVerbose(state));
      expect(parsed.unparsed).toEqual([]);
      expect(parsed.active).toBe(state.enabled);
      if (!state.enabled) { expect(parsed.rules).toEqual([]); continue; }
      expect(parsed.defaultIncoming).toBe(state.defaultIncoming ?? 'deny');
      expect(parsed.defaultOutgoing).toBe(state.defaultOutgoing ?? 'allow');
      // ufw prints IPv4 rules before IPv6 ones and incoming before outgoing.
      const order = [...state.rules].sort((a, b) => dirRank(a.action) - dirRank(b.action) || Number(a.v6 === true) - Number(b.v6 === true));
      expect(parsed.rules.map((x) => [x.to.replace(' (v6)', ''), x.action, x.from.replace(' (v6)', ''), x.v6]))
        .toEqual(order.map((x) => [x.to, /\s/.test(x.action) ? x.action : `${x.action} IN`, x.from, x.v6 === true]));
    }
  });
});

function dirRank(action: string): number {
  return action.includes('OUT') ? 1 : action.includes('FWD') ? 2 : 0;
}

describe('renderUfwStatusVerbose', () => {
  it('prints ufw 0.36 layout: padded columns, IPv4 before v6, a blank line before outgoing, final empty line', () => {
    const text = renderUfwStatusVerbose({
      enabled: true, defaultIncoming: 'deny', rules: [
        { to: '22/tcp', action: 'ALLOW', from: 'Anywhere' },
        { to: '22/tcp', action: 'ALLOW', from: 'Anywhere', v6: true },
        { to: '10250/tcp', action: 'DENY', from: 'Anywhere' },
        { to: '53', action: 'ALLOW OUT', from: 'Anywhere' },
      ],
    });
    expect(text).toBe([
      'Status: active',
      'Logging: on (low)',
      'Default: deny (incoming), allow (outgoing), disabled (routed)',
      'New profiles: skip',
      '',
      'To                         Action      From',
      '--                         ------      ----',
      '22/tcp                     ALLOW IN    Anywhere                  ',
      '10250/tcp                  DENY IN     Anywhere                  ',
      '22/tcp (v6)                ALLOW IN    Anywhere (v6)             ',
      '',
      '53                         ALLOW OUT   Anywhere                  ',
      '',
      '',
    ].join('\n'));
    expect(renderUfwStatusVerbose(undefined)).toBe('Status: inactive\n');
    expect(renderUfwStatusVerbose({ enabled: false, rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }] })).toBe('Status: inactive\n');
  });
});
