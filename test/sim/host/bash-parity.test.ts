/**
 * The simulator prints what the real script prints. Each case runs the constant script under
 * real bash, with stub nc / ufw / iptables answering exactly what the simulated node's tools
 * would (rendered from the same scenario state, or the sim's own command results), and compares
 * stdout and exit code with runNodeScript's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IptablesRule, ProbeOutcome, ScenarioNode } from '../../../src/scenario/types.js';
import {
  HOST_FIREWALL_SCRIPT, IPTABLES_DELETE_RULE_SCRIPT, IPTABLES_INSERT_ACCEPT_SCRIPT, PROBE_EGRESS_SCRIPT, PROBE_KUBELET_SCRIPT,
  UFW_ALLOW_KUBELET_SCRIPT, UFW_DISABLE_SCRIPT, type NodeScript, type ScriptParameter,
} from '../../../src/engine/node-scripts.js';
import { runNodeScript, type NetworkOracle } from '../../../src/sim/host/run-script.js';
import { ncMessage } from '../../../src/sim/host/nc.js';
import { renderIptablesChain, renderIptablesList, renderUfwStatusVerbose } from '../../../src/sim/host/render.js';
import { iptablesDelete, iptablesInsertAccept, ufwAllow, ufwDisable } from '../../../src/sim/host/commands.js';
import { BashNode } from '../../engine/host/bash-node.js';
import { kubeletActive, legacyWarning, renderIptablesSpec, renderNftRuleset, renderSsListeners } from '../../../src/sim/host/node-reads.js';
import { parseHostFirewall } from '../../../src/engine/host/script-output.js';
import { probeKubeletParameters } from '../../../src/engine/node-scripts.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', '..', 'engine', 'host', 'fixtures');

let bash: BashNode;
beforeEach(() => { bash = new BashNode(); });
afterEach(() => bash.dispose());

function makeNode(extra: Partial<ScenarioNode> = {}): ScenarioNode {
  return {
    vmss: '/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss',
    instanceId: '0', computerName: 'aks-nodepool1-12345678-vmss000000', privateIp: '10.224.0.4', osType: 'Linux', powerState: 'running',
    ...extra,
  };
}

const clone = (n: ScenarioNode): ScenarioNode => JSON.parse(JSON.stringify(n)) as ScenarioNode;

function tableOracle(table: Record<string, ProbeOutcome>): NetworkOracle {
  return { probe: (_from, host, port, protocol) => table[`${host}:${port}/${protocol}`] ?? 'open' };
}

/** The stub nc answers each host:port/protocol the way the sim's nc does. */
function teachNc(table: Record<string, ProbeOutcome>): void {
  for (const [key, outcome] of Object.entries(table)) {
    const m = /^(.*):(\d+)\/(tcp|udp)$/.exec(key);
    if (!m) throw new Error(key);
    const said = ncMessage(m[1] as string, Number(m[2]), m[3] as 'tcp' | 'udp', outcome);
    bash.answer('nc', [m[1] as string, m[2] as string, m[3] as string], { stderr: said.stderr, exitCode: said.exitCode });
  }
}

function teachFirewall(node: ScenarioNode): void {
  bash.answer('ufw', ['status', 'verbose'], { stdout: renderUfwStatusVerbose(node.ufw) });
  bash.answer('iptables', ['--list', '--line-numbers'], { stdout: renderIptablesList(node.iptables) });
  bash.answer('iptables', ['-S'], { stdout: renderIptablesSpec(node.iptables) });
}

async function compare(script: NodeScript, node: ScenarioNode, params: ScriptParameter[], oracle: NetworkOracle): Promise<string> {
  const real = await bash.run(script, params);
  const sim = runNodeScript(node, [...script.lines], params, oracle);
  expect(real.stderr).toBe('');
  expect(sim.stdout).toBe(real.stdout);
  expect(sim.exitCode).toBe(real.exitCode);
  return real.stdout;
}

describe('simulator and bash print the same', () => {
  it('probe-kubelet, including invalid tokens and the elided form', async () => {
    const targets = Array.from({ length: 300 }, (_, i) => `10.224.${Math.floor(i / 200)}.${(i % 200) + 1}`);
    const table: Record<string, ProbeOutcome> = {};
    targets.forEach((ip, i) => { table[`${ip}:10250/tcp`] = (['open', 'timeout', 'refused', 'open'] as const)[i % 4] as ProbeOutcome; });
    teachNc(table);
    const value = [...targets.slice(0, 150), '10.224.9.300', 'näme;$(x)', ...targets.slice(150)].join(',');
    const out = await compare(PROBE_KUBELET_SCRIPT, makeNode(), [{ name: 'PORT', value: '10250' }, { name: 'TARGETS', value }], tableOracle(table));
    expect(out).toContain('TD-OUTCOMES ');
    expect(out).toContain('error n??me???x? invalid-target');
    await compare(PROBE_KUBELET_SCRIPT, makeNode(), [{ name: 'PORT', value: '70000' }, { name: 'TARGETS', value }], tableOracle(table));
  });

  it('host-firewall, small and reduced', async () => {
    const small = makeNode({
      ufw: { enabled: true, defaultIncoming: 'deny', rules: [{ to: '10250/tcp', action: 'DENY', from: 'Anywhere' }, { to: '10250/tcp', action: 'DENY', from: 'Anywhere', v6: true }] },
      iptables: { chains: { INPUT: { policy: 'DROP', rules: [{ target: 'ACCEPT', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:ssh' }] } } },
    });
    teachFirewall(small);
    await compare(HOST_FIREWALL_SCRIPT, small, [], tableOracle({}));

    const filler: IptablesRule[] = Array.from({ length: 70 }, (_, i) => ({ target: 'KUBE-SEP-X', prot: 'tcp', source: `10.${i}.0.0/16`, destination: 'anywhere', match: `/* default/svc-${i}:http */ tcp dpt:${30000 + i}` }));
    const big = makeNode({
      ufw: { enabled: false, rules: [] },
      iptables: { chains: {
        INPUT: { policy: 'ACCEPT', rules: [{ target: 'KUBE-FIREWALL', prot: 'all', source: 'anywhere', destination: 'anywhere' }, { target: 'DROP', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:10250' }] },
        'KUBE-FIREWALL': { rules: [{ target: 'KUBE-MARK', prot: 'all', source: 'anywhere', destination: 'anywhere' }] },
        'KUBE-MARK': { rules: [] },
        'KUBE-SERVICES': { rules: filler },
        'KUBE-SEP-X': { rules: [] },
        OUTPUT: { policy: 'ACCEPT', rules: [{ target: 'KUBE-SERVICES', prot: 'all', source: 'anywhere', destination: 'anywhere' }] },
      } },
    });
    bash.dispose();
    bash = new BashNode();
    teachFirewall(big);
    const out = await compare(HOST_FIREWALL_SCRIPT, big, [], tableOracle({}));
    expect(out).toMatch(/TD-NOTE iptables listing reduced .* full listing \d+ bytes/);
    expect(out).toContain('Chain KUBE-MARK (1 references)');
    expect(out).not.toContain('KUBE-SERVICES');
  });

  it('host-firewall, cut to fit: whole chains dropped in jump order, each named', async () => {
    const rows = (tag: string): IptablesRule[] => Array.from({ length: 14 }, (_, i) => ({ target: 'ACCEPT', prot: 'tcp', source: `10.${i}.0.0/16`, destination: 'anywhere', match: `tcp dpt:${20000 + i} /* ${tag} ${i} */` }));
    const jump = (target: string): IptablesRule => ({ target, prot: 'all', source: 'anywhere', destination: 'anywhere' });
    const node = makeNode({
      ufw: { enabled: true, defaultIncoming: 'deny', rules: [{ to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] },
      iptables: { chains: {
        'CHAIN-A': { rules: rows('a') },
        'CHAIN-B': { rules: rows('b') },
        'CHAIN-C': { rules: [jump('CHAIN-B'), ...rows('c')] },
        INPUT: { policy: 'ACCEPT', rules: [jump('CHAIN-C'), jump('CHAIN-A')] },
      } },
    });
    bash.dispose();
    bash = new BashNode();
    teachFirewall(node);
    const out = await compare(HOST_FIREWALL_SCRIPT, node, [], tableOracle({}));
    expect(out).toContain('TD-NOTE iptables listing cut to fit\nChain INPUT (policy ACCEPT)');
    expect(out).toContain('\nTD-NOTE dropped-chain CHAIN-B\n### kubelet\n');
    expect(Buffer.byteLength(out)).toBeLessThan(4096);

    // A ufw status over the whole budget: even INPUT is dropped.
    const many = Array.from({ length: 55 }, (_, k) => ({ to: `${30000 + k}/tcp`, action: 'ALLOW', from: 'Anywhere' }));
    const crowded = makeNode({ ufw: { enabled: true, defaultIncoming: 'deny', rules: many } });
    bash.dispose();
    bash = new BashNode();
    teachFirewall(crowded);
    expect(await compare(HOST_FIREWALL_SCRIPT, crowded, [], tableOracle({}))).toContain('TD-NOTE dropped-chain INPUT\nTD-NOTE reads cut\n### ufw status verbose\n');
  });

  it('host-firewall reads further: kubelet stopped, nft tables (whole, reduced, cut), iptables -S with the legacy warning', async () => {
    const teachReads = (node: ScenarioNode) => {
      teachFirewall(node);
      bash.answer('systemctl', ['is-active', 'kubelet'], { stdout: `${kubeletActive(node)}\n`, exitCode: kubeletActive(node) === 'active' ? 0 : 3 });
      bash.answer('ss', ['-ltnpH', 'sport = :10250'], { stdout: renderSsListeners(node) });
      bash.answer('nft', ['list', 'ruleset'], { stdout: node.outputs?.['nft list ruleset'] ?? renderNftRuleset(node.nftables) });
      if (node.outputs?.['iptables -S']) bash.answer('iptables', ['-S'], { stdout: node.outputs['iptables -S'] });
      if (node.outputs?.['iptables-legacy -S']) bash.answer('iptables-legacy', ['-S'], { stdout: node.outputs['iptables-legacy -S'] });
    };
    const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
    const ruleset = (n: number) => [{
      family: 'inet' as const, name: 'hardening',
      chains: [{ name: 'input', hook: 'input' as const, priority: -10, rules: ['iifname "eth1" tcp dport 10250 drop', ...Array.from({ length: n }, (_, i) => `ip saddr 10.${i}.0.0/16 tcp dport ${20000 + i} accept comment "service ${i}"`)] }],
    }];
    const cases: ScenarioNode[] = [
      makeNode({ kubelet: { active: 'inactive' }, nftables: ruleset(2) }),
      makeNode({ kubelet: { active: 'failed', listener: 'python3' }, nftables: ruleset(30) }),
      makeNode({ nftables: ruleset(2), outputs: { 'nft list ruleset': fixture('nft-ruleset-inet-drop.txt'), 'iptables -S': fixture('iptables-nft-calico-cilium.S.txt'), 'iptables-legacy -S': fixture('iptables-legacy.S.txt') } }),
      makeNode({ nftables: Array.from({ length: 12 }, (_, t) => ({ ...ruleset(0)[0]!, name: `t${t}`, chains: [{ name: 'input', hook: 'input' as const, rules: Array.from({ length: 6 }, (_, i) => `tcp dport ${10250 + i} jump allow${i}`) }] })) }),
    ];
    for (const node of cases) {
      bash.dispose();
      bash = new BashNode();
      teachReads(node);
      const out = await compare(HOST_FIREWALL_SCRIPT, node, [], tableOracle({}));
      expect(Buffer.byteLength(out)).toBeLessThan(4096);
    }
    const [stopped, http, legacy, crowded] = cases.map((n) => parseHostFirewall(runNodeScript(n, [...HOST_FIREWALL_SCRIPT.lines], [], tableOracle({})).stdout).reads);
    expect(stopped?.kubelet).toBe('active inactive\nlisten none');
    expect(http?.nft).toMatch(/^TD-NOTE nft reduced\n/);
    expect(legacy?.iptablesLegacySpec).toContain('-A INPUT -p tcp -m tcp --dport 10250 -j DROP');
    expect(crowded?.nft).toContain('TD-NOTE nft cut');
  });

  it('host-firewall on an iptables-nft node whose legacy tables hold rules: the warning, then iptables-legacy -S', async () => {
    const node = makeNode({ iptablesLegacy: { chains: { INPUT: { policy: 'ACCEPT', rules: [{ target: 'DROP', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:10250' }] } } } });
    bash.answer('ufw', ['status', 'verbose'], { stdout: renderUfwStatusVerbose(node.ufw) });
    bash.answer('iptables', ['--list', '--line-numbers'], { stdout: `${legacyWarning(node)}${renderIptablesList(node.iptables)}` });
    bash.answer('iptables', ['-S'], { stdout: `${legacyWarning(node)}${renderIptablesSpec(node.iptables)}` });
    bash.answer('iptables-legacy', ['-S'], { stdout: renderIptablesSpec(node.iptablesLegacy) });
    const out = await compare(HOST_FIREWALL_SCRIPT, node, [], tableOracle({}));
    expect(parseHostFirewall(out).reads?.iptablesLegacySpec).toBe('-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 10250 -j DROP');
  });

  it('probe-kubelet: a plain-HTTP listener is not-https', async () => {
    const ips = ['10.224.0.4', '10.224.0.5'];
    const table: Record<string, ProbeOutcome> = { '10.224.0.4:10250/tcp': 'not-https', '10.224.0.5:10250/tcp': 'open' };
    teachNc(table);
    const curl = (scheme: string, ip: string) => [scheme === 'https' ? '-sk' : '-s', '-o', '/dev/null', '-m', '3', '-w', '%{http_code}', `${scheme}://${ip}:10250/healthz`];
    bash.answer('curl', curl('https', '10.224.0.4'), { stdout: '000', exitCode: 35 });
    bash.answer('curl', curl('http', '10.224.0.4'), { stdout: '404' });
    bash.answer('curl', curl('https', '10.224.0.5'), { stdout: '401' });
    expect(await compare(PROBE_KUBELET_SCRIPT, makeNode(), probeKubeletParameters(ips), tableOracle(table))).toContain('not-https 10.224.0.4 http-404\n');
  });

  it('probe-egress over tcp and udp', async () => {
    const host = 'aks-prod-eastus-dns-12345678.hcp.eastus.azmk8s.io';
    const table: Record<string, ProbeOutcome> = {
      [`${host}:443/tcp`]: 'open', [`${host}:9000/tcp`]: 'timeout', [`${host}:8443/tcp`]: 'refused',
      [`${host}:1194/udp`]: 'timeout', [`${host}:1195/udp`]: 'refused',
    };
    teachNc(table);
    for (const [port, proto] of [['443', 'tcp'], ['9000', 'tcp'], ['8443', 'tcp'], ['1194', 'udp'], ['1195', 'udp']]) {
      await compare(PROBE_EGRESS_SCRIPT, makeNode(), [{ name: 'HOST', value: host }, { name: 'PORT', value: port as string }, { name: 'PROTO', value: proto as string }], tableOracle(table));
    }
    await compare(PROBE_EGRESS_SCRIPT, makeNode(), [{ name: 'HOST', value: host }, { name: 'PORT', value: '443' }, { name: 'PROTO', value: 'sctp' }], tableOracle(table));
  });

  it('ufw fixes', async () => {
    const start = makeNode({ ufw: { enabled: true, defaultIncoming: 'deny', rules: [{ to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] } });
    const probe = clone(start);
    bash.answer('ufw', ['allow', '10250/tcp'], { stdout: ufwAllow(probe, '10250/tcp').output });
    bash.answer('ufw', ['status', 'verbose'], { stdout: renderUfwStatusVerbose(probe.ufw) });
    const sim = clone(start);
    await compare(UFW_ALLOW_KUBELET_SCRIPT, sim, [], tableOracle({}));
    expect(sim.ufw).toEqual(probe.ufw);

    const probe2 = clone(start);
    bash.answer('ufw', ['disable'], { stdout: ufwDisable(probe2).output });
    bash.answer('ufw', ['status', 'verbose'], { stdout: renderUfwStatusVerbose(probe2.ufw) });
    await compare(UFW_DISABLE_SCRIPT, clone(start), [], tableOracle({}));
  });

  it('iptables fixes, including the failures', async () => {
    const start = makeNode({ iptables: { chains: { INPUT: { policy: 'ACCEPT', rules: [
      { target: 'ACCEPT', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:ssh' },
      { target: 'DROP', prot: 'tcp', source: 'anywhere', destination: 'anywhere', match: 'tcp dpt:10250' },
    ] } } } });
    const cases: Array<[string, string]> = [['INPUT', '2'], ['INPUT', '5'], ['KUBE-NOPE', '1']];
    for (const [chain, num] of cases) {
      const probe = clone(start);
      const done = iptablesDelete(probe, chain, Number(num));
      bash.answer('iptables', ['--delete', chain, num], { stdout: done.output, exitCode: done.exitCode });
      const listing = renderIptablesChain(probe.iptables, chain);
      bash.answer('iptables', ['--list', chain, '--line-numbers'], listing === undefined
        ? { stdout: 'iptables: No chain/target/match by that name.\n', exitCode: 1 } : { stdout: listing });
      await compare(IPTABLES_DELETE_RULE_SCRIPT, clone(start), [{ name: 'CHAIN', value: chain }, { name: 'RULE_NUMBER', value: num }], tableOracle({}));
    }
    const probe = clone(start);
    iptablesInsertAccept(probe, 'INPUT', '10.224.0.0/16');
    bash.answer('iptables', ['--insert', 'INPUT', '1', '-p', 'tcp', '--dport', '10250', '-s', '10.224.0.0/16', '-j', 'ACCEPT'], { stdout: '' });
    bash.answer('iptables', ['--list', 'INPUT', '--line-numbers'], { stdout: renderIptablesChain(probe.iptables, 'INPUT') as string });
    await compare(IPTABLES_INSERT_ACCEPT_SCRIPT, clone(start), [{ name: 'CHAIN', value: 'INPUT' }, { name: 'SOURCE_CIDR', value: '10.224.0.0/16' }], tableOracle({}));
  });
});
