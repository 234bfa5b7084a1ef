import { describe, expect, it } from 'vitest';
import type { ProbeOutcome, ScenarioNode } from '../../../src/scenario/types.js';
import { runNodeScript, type NetworkOracle } from '../../../src/sim/host/run-script.js';
import { hostFirewallOutcome } from '../../../src/sim/host/firewall.js';
import { renderUfwStatusVerbose } from '../../../src/sim/host/render.js';
import {
  HOST_FIREWALL_BUDGET, HOST_FIREWALL_SCRIPT, IPTABLES_DELETE_RULE_SCRIPT, IPTABLES_INSERT_ACCEPT_SCRIPT, PROBE_EGRESS_SCRIPT, PROBE_KUBELET_SCRIPT,
  UFW_ALLOW_KUBELET_SCRIPT, UFW_DISABLE_SCRIPT, iptablesDeleteRuleParameters, iptablesInsertAcceptParameters, probeEgressParameters,
  probeKubeletParameters,
} from '../../../src/engine/node-scripts.js';
import { parseFixScriptOutput, parseHostFirewall, parseProbeEgress, parseProbeKubelet } from '../../../src/engine/host/script-output.js';
import { iptablesVerdict } from '../../../src/engine/host/iptables-verdict.js';
import { ufwVerdict } from '../../../src/engine/host/ufw.js';

function makeNode(extra: Partial<ScenarioNode> = {}): ScenarioNode {
  return {
    vmss: '/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss',
    instanceId: '0', computerName: 'aks-nodepool1-12345678-vmss000000', privateIp: '10.224.0.4', osType: 'Linux', powerState: 'running',
    ...extra,
  };
}

/** A network where the answer is fixed per host:port/protocol ("open" when not listed). */
function oracle(table: Record<string, ProbeOutcome>): NetworkOracle & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    probe: (_from, host, port, protocol) => { calls.push(`${host}:${port}/${protocol}`); return table[`${host}:${port}/${protocol}`] ?? 'open'; },
  };
}

const lines = (s: { lines: readonly string[] }): string[] => [...s.lines];

describe('runNodeScript: probe-kubelet', () => {
  it('prints only the targets that are not open, then the summary', () => {
    const net = oracle({ '10.224.0.5:10250/tcp': 'timeout', '10.224.0.6:10250/tcp': 'refused' });
    const r = runNodeScript(makeNode(), lines(PROBE_KUBELET_SCRIPT), probeKubeletParameters(['10.224.0.4', '10.224.0.5', '10.224.0.6']), net);
    expect(r).toEqual({
      stdout: 'TD-BEGIN probe-kubelet\ntimeout 10.224.0.5\nrefused 10.224.0.6\nTD-SUMMARY open=1 timeout=1 refused=1 error=0 not-https=0\nTD-END\n',
      stderr: '', exitCode: 0,
    });
    expect(net.calls).toEqual(['10.224.0.4:10250/tcp', '10.224.0.5:10250/tcp', '10.224.0.6:10250/tcp']);
  });

  it('stays under 4096 bytes for 1000 unreachable targets and still says which', () => {
    const targets = Array.from({ length: 1000 }, (_, i) => `10.224.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    const table: Record<string, ProbeOutcome> = {};
    targets.forEach((ip, i) => { table[`${ip}:10250/tcp`] = i % 3 === 0 ? 'open' : i % 3 === 1 ? 'timeout' : 'refused'; });
    const r = runNodeScript(makeNode(), lines(PROBE_KUBELET_SCRIPT), probeKubeletParameters(targets), oracle(table));
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(4096);
    const parsed = parseProbeKubelet(r.stdout, targets);
    expect(parsed.complete).toBe(true);
    expect(parsed.elided).toBeGreaterThan(0);
    targets.forEach((ip) => expect(parsed.byTarget?.[ip]).toBe(table[`${ip}:10250/tcp`]));
  });

  it('answers a bad parameter the way the script does', () => {
    const r = runNodeScript(makeNode(), lines(PROBE_KUBELET_SCRIPT), [{ name: 'PORT', value: '99999' }, { name: 'TARGETS', value: '10.0.0.1' }], oracle({}));
    expect(r).toEqual({ stdout: 'TD-BEGIN probe-kubelet\nTD-ERROR invalid parameter PORT\nTD-END\n', stderr: '', exitCode: 2 });
    const junk = runNodeScript(makeNode(), lines(PROBE_KUBELET_SCRIPT), [{ name: 'PORT', value: '10250' }, { name: 'TARGETS', value: '10.0.0.1,$(reboot)' }], oracle({}));
    expect(junk.stdout).toBe('TD-BEGIN probe-kubelet\nerror ??reboot? invalid-target\nTD-SUMMARY open=1 timeout=0 refused=0 error=1 not-https=0\nTD-END\n');
  });
});

/** What host-firewall reads beyond ufw and iptables on a default simulated node, up to `iptables -S`'s lines. */
const KUBELET_READS = [
  '### kubelet', 'active active', 'listen LISTEN 0      4096               *:10250            *:*    users:(("kubelet",pid=2817,fd=21))',
  '### nft list ruleset', '### iptables -S',
];

describe('runNodeScript: host-firewall', () => {
  const node = makeNode({
    ufw: { enabled: true, defaultIncoming: 'deny', rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }, { to: '22/tcp', action: 'ALLOW', from: 'Anywhere', v6: true }] },
    iptables: { chains: { INPUT: { policy: 'ACCEPT', rules: [{ target: 'DROP', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:10250' }] } } },
  });

  it('prints both commands\' output between the markers', () => {
    const r = runNodeScript(node, lines(HOST_FIREWALL_SCRIPT), [], oracle({}));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe([
      'TD-BEGIN host-firewall',
      '### iptables --list --line-numbers',
      'Chain INPUT (policy ACCEPT)', 'num  target     prot opt source               destination         ',
      '1    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250', '',
      'Chain FORWARD (policy ACCEPT)', 'num  target     prot opt source               destination         ', '',
      'Chain OUTPUT (policy ACCEPT)', 'num  target     prot opt source               destination         ',
      ...KUBELET_READS, '-P INPUT ACCEPT', '-A INPUT -p tcp -m tcp --dport 10250 -j DROP',
      '### ufw status verbose',
      'Status: active', 'Logging: on (low)', 'Default: deny (incoming), allow (outgoing), disabled (routed)', 'New profiles: skip', '',
      'To                         Action      From', '--                         ------      ----',
      '22/tcp                     ALLOW IN    Anywhere                  ',
      '22/tcp (v6)                ALLOW IN    Anywhere (v6)             ',
      'TD-END', '',
    ].join('\n'));
    const parsed = parseHostFirewall(r.stdout);
    expect(ufwVerdict(parsed.ufw!, { sourceIp: '10.224.0.5', port: 10250, protocol: 'tcp' }).outcome).toBe('deny');
    expect(iptablesVerdict(parsed.iptables!, { sourceIp: '10.224.0.5', port: 10250, protocol: 'tcp' })).toMatchObject({ outcome: 'drop', ruleNum: 1 });
  });

  it('uses node.outputs verbatim when the scenario gives them', () => {
    const r = runNodeScript(makeNode({ outputs: { 'ufw status verbose': 'ufw: not installed\n', 'iptables --list --line-numbers': 'Chain INPUT (policy DROP)\n' } }), lines(HOST_FIREWALL_SCRIPT), [], oracle({}));
    expect(r.stdout).toBe(`TD-BEGIN host-firewall\n### iptables --list --line-numbers\nChain INPUT (policy DROP)\n${KUBELET_READS.join('\n')}\n-P INPUT ACCEPT\n### ufw status verbose\nufw: not installed\nTD-END\n`);
  });

  it('reduces a listing too big for run-command to INPUT and what it reaches', () => {
    const filler = Array.from({ length: 60 }, (_, i) => ({ target: 'ACCEPT', prot: 'tcp', source: `10.${i}.0.0/16`, destination: 'anywhere', match: `tcp dpt:${20000 + i} /* service ${i} */` }));
    const big = makeNode({
      iptables: { chains: {
        INPUT: { policy: 'ACCEPT', rules: [{ target: 'KUBE-FIREWALL', prot: 'all', source: 'anywhere', destination: 'anywhere' }] },
        'KUBE-FIREWALL': { rules: [{ target: 'REJECT', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:10250 reject-with icmp-port-unreachable' }] },
        'KUBE-SERVICES': { rules: filler },
        OUTPUT: { policy: 'ACCEPT', rules: [{ target: 'KUBE-SERVICES', prot: 'all', source: 'anywhere', destination: 'anywhere' }] },
      } },
    });
    const r = runNodeScript(big, lines(HOST_FIREWALL_SCRIPT), [], oracle({}));
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(4096);
    const parsed = parseHostFirewall(r.stdout);
    expect(parsed).toMatchObject({ complete: true, iptablesReduced: true });
    expect(parsed.iptables?.order).toEqual(['INPUT', 'KUBE-FIREWALL']);
    expect(iptablesVerdict(parsed.iptables!, { sourceIp: '10.224.0.5', port: 10250, protocol: 'tcp' })).toMatchObject({ outcome: 'reject', chain: 'KUBE-FIREWALL' });
  });

  it('drops whole trailing chains (jump order) when even the reduced listing does not fit; ufw stays whole at the end', () => {
    const rows = (tag: string) => Array.from({ length: 14 }, (_, i) => ({ target: 'ACCEPT', prot: 'tcp', source: `10.${i}.0.0/16`, destination: 'anywhere', match: `tcp dpt:${20000 + i} /* ${tag} ${i} */` }));
    const jump = (target: string) => ({ target, prot: 'all', source: 'anywhere', destination: 'anywhere' });
    const big = makeNode({
      ufw: { enabled: true, defaultIncoming: 'deny', rules: [{ to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] },
      iptables: { chains: {
        // Printed order A, B, C; jump order C (from INPUT), A (from INPUT), B (from C).
        'CHAIN-A': { rules: rows('a') },
        'CHAIN-B': { rules: rows('b') },
        'CHAIN-C': { rules: [jump('CHAIN-B'), ...rows('c')] },
        INPUT: { policy: 'ACCEPT', rules: [jump('CHAIN-C'), jump('CHAIN-A')] },
      } },
    });
    const r = runNodeScript(big, lines(HOST_FIREWALL_SCRIPT), [], oracle({}));
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(4096);
    expect(r.stdout).toMatch(/TD-NOTE iptables listing cut to fit\nChain INPUT /);
    expect(r.stdout).toMatch(/\nTD-NOTE dropped-chain CHAIN-B\n### kubelet\n[^]*### ufw status verbose\nStatus: active\n[^]*TD-END\n$/);
    const parsed = parseHostFirewall(r.stdout);
    expect(parsed).toMatchObject({ complete: true, ufwComplete: true, iptablesComplete: true, iptablesReduced: true, droppedChains: ['CHAIN-B'] });
    expect(parsed.iptables?.order).toEqual(['INPUT', 'CHAIN-C', 'CHAIN-A']);
    // No chain is cut in the middle: every kept chain has all its rows.
    expect(parsed.iptables?.chains['CHAIN-C']?.rules).toHaveLength(15);
    expect(parsed.iptables?.chains['CHAIN-A']?.rules).toHaveLength(14);
    // CHAIN-C jumps into the dropped CHAIN-B first: nothing after that can be known.
    expect(iptablesVerdict(parsed.iptables!, { sourceIp: '10.224.0.5', port: 10250, protocol: 'tcp' })).toMatchObject({
      outcome: 'accept', uncertain: true, undecidedAt: { chain: 'CHAIN-C', ruleNum: 1, target: 'CHAIN-B' },
    });
    expect(parseHostFirewall(r.stdout).ufw?.active).toBe(true);
  });

  it('a ufw status too long for the budget leaves no room for the listing: every chain is dropped, ufw still ends the output', () => {
    const many = Array.from({ length: 55 }, (_, k) => ({ to: `${30000 + k}/tcp`, action: 'ALLOW', from: 'Anywhere' }));
    const node = makeNode({ ufw: { enabled: true, defaultIncoming: 'deny', rules: many } });
    expect(Buffer.byteLength(renderUfwStatusVerbose(node.ufw))).toBeGreaterThan(HOST_FIREWALL_BUDGET);
    const r = runNodeScript(node, lines(HOST_FIREWALL_SCRIPT), [], oracle({}));
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(4096);
    const parsed = parseHostFirewall(r.stdout);
    expect(parsed.droppedChains).toEqual(['INPUT']);
    expect(parsed.iptables?.order).toEqual([]);
    expect(parsed).toMatchObject({ ufwComplete: true });
    expect(parsed.ufw?.rules).toHaveLength(55);
  });
});

describe('runNodeScript: probe-egress', () => {
  const host = 'aks-prod-eastus-dns-12345678.hcp.eastus.azmk8s.io';
  it.each<[number, 'tcp' | 'udp', ProbeOutcome, string, string]>([
    [443, 'tcp', 'open', `Connection to ${host} 443 port [tcp/https] succeeded!`, 'open'],
    [9000, 'tcp', 'timeout', `nc: connect to ${host} port 9000 (tcp) timed out: Operation now in progress`, 'timeout'],
    [443, 'tcp', 'refused', `nc: connect to ${host} port 443 (tcp) failed: Connection refused`, 'refused'],
    [1194, 'udp', 'open', `Connection to ${host} 1194 port [udp/openvpn] succeeded!`, 'unverifiable-udp'],
    [1194, 'udp', 'timeout', `Connection to ${host} 1194 port [udp/openvpn] succeeded!`, 'unverifiable-udp'],
    [1194, 'udp', 'refused', '', 'refused'],
  ])('%d/%s %s', (port, proto, outcome, nc, result) => {
    const r = runNodeScript(makeNode(), lines(PROBE_EGRESS_SCRIPT), probeEgressParameters(host, port, proto), oracle({ [`${host}:${port}/${proto}`]: outcome }));
    expect(r.stdout).toBe(`TD-BEGIN probe-egress\n${nc ? `${nc}\n` : ''}result ${result}\nTD-END\n`);
    expect(parseProbeEgress(r.stdout)).toMatchObject({ complete: true, result });
  });
});

describe('runNodeScript: fix scripts change the node', () => {
  it('ufw allow updates a DENY in place (and its v6 twin) and opens the port', () => {
    const node = makeNode({ ufw: { enabled: true, defaultIncoming: 'deny', rules: [
      { to: '10250/tcp', action: 'DENY', from: 'Anywhere' }, { to: '10250/tcp (v6)', action: 'DENY', from: 'Anywhere (v6)', v6: true },
    ] } });
    expect(hostFirewallOutcome(node, '10.224.0.5', 10250, 'tcp')).toBe('timeout');
    const r = runNodeScript(node, lines(UFW_ALLOW_KUBELET_SCRIPT), [], oracle({}));
    const parsed = parseFixScriptOutput(r.stdout, 'ufw-allow-kubelet');
    expect(parsed).toMatchObject({ complete: true, command: 'ufw allow 10250/tcp', exitCode: 0, output: 'Rule updated\nRule updated (v6)' });
    expect(parsed.after?.text).toMatch(/10250\/tcp +ALLOW IN +Anywhere/);
    expect(node.ufw?.rules.map((x) => x.action)).toEqual(['ALLOW', 'ALLOW']);
    expect(hostFirewallOutcome(node, '10.224.0.5', 10250, 'tcp')).toBe('open');
  });

  it('ufw allow adds the rule pair, then skips it the second time; on inactive ufw it only records', () => {
    const node = makeNode({ ufw: { enabled: true, defaultIncoming: 'deny', rules: [] } });
    expect(parseFixScriptOutput(runNodeScript(node, lines(UFW_ALLOW_KUBELET_SCRIPT), [], oracle({})).stdout, 'ufw-allow-kubelet').output).toBe('Rule added\nRule added (v6)');
    expect(node.ufw?.rules).toEqual([
      { to: '10250/tcp', action: 'ALLOW', from: 'Anywhere' }, { to: '10250/tcp (v6)', action: 'ALLOW', from: 'Anywhere (v6)', v6: true },
    ]);
    expect(parseFixScriptOutput(runNodeScript(node, lines(UFW_ALLOW_KUBELET_SCRIPT), [], oracle({})).stdout, 'ufw-allow-kubelet').output)
      .toBe('Skipping adding existing rule\nSkipping adding existing rule (v6)');
    const off = makeNode();
    expect(parseFixScriptOutput(runNodeScript(off, lines(UFW_ALLOW_KUBELET_SCRIPT), [], oracle({})).stdout, 'ufw-allow-kubelet').output).toBe('Rules updated\nRules updated (v6)');
    expect(off.ufw?.enabled).toBe(false);
  });

  it('ufw disable turns ufw off', () => {
    const node = makeNode({ ufw: { enabled: true, defaultIncoming: 'deny', rules: [] } });
    const r = runNodeScript(node, lines(UFW_DISABLE_SCRIPT), [], oracle({}));
    expect(parseFixScriptOutput(r.stdout, 'ufw-disable')).toMatchObject({ exitCode: 0, output: 'Firewall stopped and disabled on system startup', after: { text: 'Status: inactive' } });
    expect(node.ufw?.enabled).toBe(false);
    expect(hostFirewallOutcome(node, '10.224.0.5', 10250, 'tcp')).toBe('open');
  });

  it('iptables --delete removes the numbered rule, or fails as iptables does', () => {
    const node = makeNode({ iptables: { chains: { INPUT: { policy: 'ACCEPT', rules: [
      { target: 'ACCEPT', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:ssh' },
      { target: 'DROP', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:10250' },
    ] } } } });
    expect(hostFirewallOutcome(node, '10.224.0.5', 10250, 'tcp')).toBe('timeout');
    const tooBig = runNodeScript(node, lines(IPTABLES_DELETE_RULE_SCRIPT), iptablesDeleteRuleParameters('INPUT', 3), oracle({}));
    expect(tooBig.exitCode).toBe(1);
    expect(parseFixScriptOutput(tooBig.stdout, 'iptables-delete-rule')).toMatchObject({ exitCode: 1, output: 'iptables: Index of deletion too big.' });
    const noChain = runNodeScript(node, lines(IPTABLES_DELETE_RULE_SCRIPT), iptablesDeleteRuleParameters('KUBE-NOPE', 1), oracle({}));
    expect(parseFixScriptOutput(noChain.stdout, 'iptables-delete-rule')).toMatchObject({ exitCode: 1, output: 'iptables: No chain/target/match by that name.' });
    const ok = runNodeScript(node, lines(IPTABLES_DELETE_RULE_SCRIPT), iptablesDeleteRuleParameters('INPUT', 2), oracle({}));
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toBe([
      'TD-BEGIN iptables-delete-rule', '$ iptables --delete INPUT 2', 'TD-RESULT exit=0', '### iptables --list INPUT --line-numbers',
      'Chain INPUT (policy ACCEPT)', 'num  target     prot opt source               destination         ',
      '1    ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:ssh', 'TD-END', '',
    ].join('\n'));
    expect(hostFirewallOutcome(node, '10.224.0.5', 10250, 'tcp')).toBe('open');
  });

  it('iptables --insert puts the ACCEPT first, with the source as iptables prints it', () => {
    const node = makeNode({ iptables: { chains: { INPUT: { policy: 'DROP', rules: [] } } } });
    const r = runNodeScript(node, lines(IPTABLES_INSERT_ACCEPT_SCRIPT), iptablesInsertAcceptParameters('INPUT', '10.224.3.7/16'), oracle({}));
    expect(r.exitCode).toBe(0);
    expect(node.iptables?.chains['INPUT']?.rules[0]).toEqual({ target: 'ACCEPT', prot: 'tcp', opt: '--', source: '10.224.0.0/16', destination: 'anywhere', match: 'tcp dpt:10250' });
    expect(hostFirewallOutcome(node, '10.224.0.5', 10250, 'tcp')).toBe('open');
    expect(hostFirewallOutcome(node, '10.225.0.5', 10250, 'tcp')).toBe('timeout');
    runNodeScript(node, lines(IPTABLES_INSERT_ACCEPT_SCRIPT), iptablesInsertAcceptParameters('INPUT', '10.225.0.9'), oracle({}));
    expect(node.iptables?.chains['INPUT']?.rules[0]?.source).toBe('10.225.0.9');
  });
});

describe('runNodeScript: anything else', () => {
  it('unknown scripts and commands fail like bash', () => {
    expect(runNodeScript(makeNode(), ['# tunnel-doctor-script: wipe-disk', 'dd if=/dev/zero of=/dev/sda'], [], oracle({})))
      .toEqual({ stdout: '', stderr: '/var/lib/waagent/run-command/download/0/script.sh: line 2: dd: command not found\n', exitCode: 127 });
    expect(runNodeScript(makeNode(), ['kubectl get pods'], [], oracle({})).exitCode).toBe(127);
  });

  it('understands the single commands of the troubleshooting article', () => {
    const node = makeNode({ ufw: { enabled: false, rules: [] } });
    expect(runNodeScript(node, ['ufw status verbose'], [], oracle({})).stdout).toBe('Status: inactive\n');
    expect(runNodeScript(node, ['iptables --list --line-numbers'], [], oracle({})).stdout).toMatch(/^Chain INPUT \(policy ACCEPT\)\n/);
    expect(runNodeScript(node, ['nc -v -w 2 10.224.0.5 10250'], [], oracle({ '10.224.0.5:10250/tcp': 'timeout' })))
      .toEqual({ stdout: '', stderr: 'nc: connect to 10.224.0.5 port 10250 (tcp) timed out: Operation now in progress\n', exitCode: 1 });
    expect(runNodeScript(node, ['nc -vz -w 2 10.224.0.5 10250'], [], oracle({})))
      .toEqual({ stdout: '', stderr: 'Connection to 10.224.0.5 10250 port [tcp/*] succeeded!\n', exitCode: 0 });
    expect(runNodeScript(makeNode({ outputs: { 'ss -ltn': 'State Recv-Q Send-Q Local Address:Port\n' } }), ['ss -ltn'], [], oracle({})).stdout).toMatch(/^State/);
  });
});
