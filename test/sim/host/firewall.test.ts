import { describe, expect, it } from 'vitest';
import type { IptablesRule, IptablesState, ProbeOutcome, ScenarioNode, UfwRule, UfwState } from '../../../src/scenario/types.js';
import { hostFirewallOutcome } from '../../../src/sim/host/firewall.js';
import { renderIptablesList, renderUfwStatusVerbose } from '../../../src/sim/host/render.js';
import { parseIptablesList } from '../../../src/engine/host/iptables.js';
import { iptablesVerdict } from '../../../src/engine/host/iptables-verdict.js';
import { parseUfwStatusVerbose, ufwVerdict } from '../../../src/engine/host/ufw.js';

function node(ufw?: UfwState, iptables?: IptablesState): ScenarioNode {
  const n: ScenarioNode = {
    vmss: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss',
    instanceId: '1', computerName: 'aks-nodepool1-12345678-vmss000001', privateIp: '10.224.0.5', osType: 'Linux', powerState: 'running',
  };
  if (ufw) n.ufw = ufw;
  if (iptables) n.iptables = iptables;
  return n;
}

const rule = (target: string, prot: string, source: string, match?: string, destination = 'anywhere'): IptablesRule =>
  match === undefined ? { target, prot, source, destination } : { target, prot, source, destination, match };
const input = (policy: 'ACCEPT' | 'DROP', rules: IptablesRule[], extra: IptablesState['chains'] = {}): IptablesState =>
  ({ chains: { INPUT: { policy, rules }, ...extra } });

describe('hostFirewallOutcome (ground truth from the scenario state)', () => {
  it.each<[string, UfwState | undefined, IptablesState | undefined, ProbeOutcome]>([
    ['nothing configured', undefined, undefined, 'open'],
    ['ufw disabled with a deny rule', { enabled: false, rules: [{ to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] }, undefined, 'open'],
    ['ufw enabled, default deny, only ssh allowed', { enabled: true, defaultIncoming: 'deny', rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }] }, undefined, 'timeout'],
    ['ufw enabled, default reject', { enabled: true, defaultIncoming: 'reject', rules: [] }, undefined, 'refused'],
    ['ufw enabled, 10250 allowed', { enabled: true, defaultIncoming: 'deny', rules: [{ to: '10250/tcp', action: 'ALLOW', from: 'Anywhere' }] }, undefined, 'open'],
    ['ufw allows but iptables drops', { enabled: true, defaultIncoming: 'allow', rules: [] }, input('ACCEPT', [rule('DROP', 'tcp', 'anywhere', 'tcp dpt:10250')]), 'timeout'],
    ['iptables REJECT', undefined, input('ACCEPT', [rule('REJECT', 'tcp', 'anywhere', 'tcp dpt:10250 reject-with icmp-port-unreachable')]), 'refused'],
    ['iptables DROP for 10255 only', undefined, input('ACCEPT', [rule('DROP', 'tcp', 'anywhere', 'tcp dpt:10255')]), 'open'],
    ['iptables policy DROP', undefined, input('DROP', [rule('ACCEPT', 'tcp', 'anywhere', 'tcp dpt:ssh')]), 'timeout'],
    ['iptables policy DROP with ACCEPT 10250', undefined, input('DROP', [rule('ACCEPT', 'tcp', 'anywhere', 'tcp dpt:10250')]), 'open'],
    ['jump to a chain that drops', undefined, input('ACCEPT', [rule('BLOCK', 'all', 'anywhere')], { BLOCK: { rules: [rule('DROP', 'tcp', '10.224.0.0/16', 'multiport dports 10250,10255')] } }), 'timeout'],
    ['DROP for another source only', undefined, input('ACCEPT', [rule('DROP', 'tcp', '10.224.0.99', 'tcp dpt:10250')]), 'open'],
    ['DROP for another destination only', undefined, input('ACCEPT', [rule('DROP', 'tcp', 'anywhere', 'tcp dpt:10250', '10.224.0.6')]), 'open'],
  ])('%s', (_name, ufw, ipt, expected) => {
    expect(hostFirewallOutcome(node(ufw, ipt), '10.224.0.4', 10250, 'tcp')).toBe(expected);
  });
});

describe('engine parsers agree with the ground truth on rendered output', () => {
  const ufwRules: UfwRule[] = [
    { to: '10250/tcp', action: 'DENY', from: 'Anywhere' },
    { to: '10250/tcp', action: 'ALLOW', from: '10.224.0.0/16' },
    { to: '10250', action: 'REJECT', from: 'Anywhere' },
    { to: '10240:10260/tcp', action: 'DENY', from: 'Anywhere' },
    { to: '22/tcp', action: 'ALLOW', from: 'Anywhere' },
    { to: 'Anywhere', action: 'DENY', from: '10.224.0.4' },
    { to: '10250/tcp', action: 'ALLOW', from: 'Anywhere', v6: true },
    { to: '10.224.0.5 10250/tcp', action: 'ALLOW', from: 'Anywhere' },
    { to: '10250/udp', action: 'DENY', from: 'Anywhere' },
  ];
  const iptRules: IptablesRule[] = [
    rule('DROP', 'tcp', 'anywhere', 'tcp dpt:10250'),
    rule('DROP', 'tcp', 'anywhere', 'tcp dpt:10255'),
    rule('REJECT', 'tcp', '10.224.0.0/16', 'tcp dpts:10240:10260 reject-with icmp-port-unreachable'),
    rule('DROP', 'tcp', '!10.224.0.0/16', 'tcp dpt:10250'),
    rule('ACCEPT', 'tcp', 'anywhere', 'tcp dpt:10250'),
    rule('LOG', 'tcp', 'anywhere', 'tcp dpt:10250 LOG level warning prefix "k: "'),
    rule('ACCEPT', 'all', 'anywhere', 'ctstate RELATED,ESTABLISHED'),
    rule('DROP', 'tcp', 'anywhere', 'multiport dports 10250,10255'),
    rule('DROP', 'udp', 'anywhere', 'udp dpt:10250'),
    rule('CHECK', 'all', 'anywhere'),
    rule('RETURN', 'all', '10.224.0.4'),
    rule('DROP', 'tcp', 'anywhere', 'ctstate NEW tcp dpt:10250'),
    rule('ACCEPT', '6', '10.224.0.4', 'tcp dpt:10250'),
    rule('DROP', 'tcp', 'anywhere', 'tcp dpts:webmin:11000'),
  ];

  it('over 600 generated nodes and flows', () => {
    let seed = 42;
    const next = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    let certain = 0;
    let blocked = 0;
    for (let k = 0; k < 600; k++) {
      const ufw: UfwState = {
        enabled: next(3) > 0, defaultIncoming: (['deny', 'allow', 'reject'] as const)[next(3)] as 'deny' | 'allow' | 'reject',
        rules: Array.from({ length: next(4) }, () => ufwRules[next(ufwRules.length)] as UfwRule),
      };
      const ipt: IptablesState = {
        chains: {
          INPUT: { policy: next(4) === 0 ? 'DROP' : 'ACCEPT', rules: Array.from({ length: next(5) }, () => iptRules[next(iptRules.length)] as IptablesRule) },
          CHECK: { rules: Array.from({ length: next(3) }, () => iptRules[next(iptRules.length)] as IptablesRule).filter((r) => r.target !== 'CHECK') },
        },
      };
      const n = node(ufw, ipt);
      const source = ['10.224.0.4', '10.225.1.1', '10.224.3.3'][next(3)] as string;
      const port = [10250, 10255, 22][next(3)] as number;
      const truth = hostFirewallOutcome(n, source, port, 'tcp');
      const flow = { sourceIp: source, port, protocol: 'tcp' as const, destinationIp: n.privateIp };
      const u = ufwVerdict(parseUfwStatusVerbose(renderUfwStatusVerbose(n.ufw)), flow);
      let engine: ProbeOutcome;
      let uncertain = u.notes.length > 0;
      if (u.outcome === 'deny') engine = 'timeout';
      else if (u.outcome === 'reject') engine = 'refused';
      else {
        const v = iptablesVerdict(parseIptablesList(renderIptablesList(n.iptables)), flow);
        uncertain ||= v.uncertain;
        engine = v.outcome === 'drop' ? 'timeout' : v.outcome === 'reject' ? 'refused' : 'open';
      }
      if (uncertain) continue;
      certain++;
      if (truth !== 'open') blocked++;
      expect(engine, JSON.stringify({ ufw, ipt, source, port })).toBe(truth);
    }
    expect(certain).toBeGreaterThan(500);
    expect(blocked).toBeGreaterThan(100);
  });
});
