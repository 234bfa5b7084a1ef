/**
 * kubelet-reachability, fed what the bot gets: the constant node scripts run by the simulator on
 * structured node states, cut to run-command's last 4096 bytes and parsed by the engine. The
 * network is a table per target (what the probe sees); the other checks' verdicts are given.
 */
import { describe, expect, it } from 'vitest';
import { decideKubeletReachability, type OtherCheck } from '../../../src/engine/checks/kubelet-reachability.js';
import type { NetworkView, NodeView } from '../../../src/engine/checks/views.js';
import { parseHostFirewall, parseProbeKubelet } from '../../../src/engine/host/script-output.js';
import { NODE_SCRIPTS, probeKubeletParameters } from '../../../src/engine/node-scripts.js';
import type { FirewallRun, ProbeRun } from '../../../src/engine/probe-plan.js';
import type { ProbeOutcome, ScenarioNode } from '../../../src/scenario/types.js';
import { runNodeScript, type NetworkOracle } from '../../../src/sim/host/index.js';
import { lastBytes } from '../../../src/sim/run-command-envelope.js';

const VMSS = '/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-1-vmss';
const SUBNET_A = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/a';
const SUBNET_B = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/b';

function node(i: number, extra: Partial<ScenarioNode> = {}): ScenarioNode {
  return { vmss: VMSS, instanceId: String(i), computerName: `aks-nodepool1-1-vmss00000${i}`, privateIp: `10.224.0.${4 + i}`, osType: 'Linux', powerState: 'running', ...extra };
}

function view(n: ScenarioNode, agent: boolean, subnetId = SUBNET_A): NodeView {
  return { computerName: n.computerName, vmssId: n.vmss, instanceId: n.instanceId, osType: n.osType, powerState: n.powerState, privateIp: n.privateIp, subnetId, asgIds: [], isTunnelAgent: agent };
}

/** Probes from nodes 0 and 1 (the agents); each target answers as `inbound` says (default open). */
function gather(nodes: ScenarioNode[], views: NodeView[]): { probes: ProbeRun[]; firewalls: FirewallRun[] } {
  const oracle: NetworkOracle = { probe: (_from, host) => (nodes.find((n) => n.privateIp === host)?.inbound?.['10250/tcp'] ?? 'open') as ProbeOutcome };
  const targets = nodes.map((n) => n.privateIp);
  const probes: ProbeRun[] = views.filter((v) => v.isTunnelAgent).map((v) => {
    const from = nodes.find((n) => n.computerName === v.computerName)!;
    const out = runNodeScript(from, [...NODE_SCRIPTS['probe-kubelet'].lines], probeKubeletParameters(targets), oracle);
    return { agent: v.computerName, sourceIp: v.privateIp!, result: parseProbeKubelet(lastBytes(out.stdout), targets) };
  });
  const firewalls: FirewallRun[] = nodes.filter((n) => n.inbound?.['10250/tcp'] && n.inbound['10250/tcp'] !== 'open' && n.osType === 'Linux').map((n) => {
    const out = runNodeScript(n, [...NODE_SCRIPTS['host-firewall'].lines], [], oracle);
    return { node: n.computerName, nodeIp: n.privateIp, result: parseHostFirewall(lastBytes(out.stdout)) };
  });
  return { probes, firewalls };
}

function decide(nodes: ScenarioNode[], opts: { others?: OtherCheck[]; network?: Pick<NetworkView, 'subnets' | 'routeTables' | 'virtualNetworkPrefixes'>; subnets?: string[] } = {}) {
  const views = nodes.map((n, i) => view(n, i < 2, opts.subnets?.[i]));
  return decideKubeletReachability({ nodes: views, ...gather(nodes, views), others: opts.others ?? [], ...(opts.network ? { network: opts.network } : {}) });
}

describe('kubelet-reachability', () => {
  it('passes when every kubelet answers', () => {
    const r = decide([node(0), node(1), node(2)]);
    expect(r).toMatchObject({ status: 'pass', nodes: [] });
    expect(r.summary).toContain('Every running node (3) answers on TCP 10250');
  });

  it('fails for a node that times out with nothing else wrong, naming it and what to read next', () => {
    const r = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'timeout' } })]);
    expect(r.status).toBe('fail');
    expect(r.nodes).toEqual(['aks-nodepool1-1-vmss000002']);
    expect(r.summary).toMatch(/^aks-nodepool1-1-vmss000002 does not answer on TCP 10250 from the tunnel agents and none of the known causes explains it — read next: /);
  });

  it('passes when another failing check explains every node that does not answer, and says which', () => {
    const r = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'timeout' } })], { others: [{ id: 'nsg-10250', status: 'fail', nodes: ['aks-nodepool1-1-vmss000002'] }] });
    expect(r.status).toBe('pass');
    expect(r.summary).toContain('explained by nsg-10250');
    // A warn or a pass of that check explains nothing.
    expect(decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'timeout' } })], { others: [{ id: 'ufw-10250', status: 'warn', nodes: ['aks-nodepool1-1-vmss000002'] }] }).status).toBe('fail');
  });

  it('refused: names a stopped kubelet, and a kubelet that runs but does not listen', () => {
    const stopped = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'refused' }, kubelet: { active: 'inactive' } })]);
    expect(stopped.summary).toContain('the kubelet is not running on aks-nodepool1-1-vmss000002 (systemctl is-active kubelet: inactive)');
    const deaf = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'refused' }, kubelet: { listening: false } })]);
    expect(deaf.summary).toContain('the kubelet runs on aks-nodepool1-1-vmss000002 but nothing listens on 10250');
    // The kubelet listens, yet the connection is refused: a REJECT somewhere, not named.
    const rejected = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'refused' } })]);
    expect(rejected.summary).toContain('none of the known causes explains it — read next: the kubelet listens on 10250, so something REJECTs');
  });

  it('not-https: names the article\'s third symptom and the process listening', () => {
    const r = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'not-https' }, kubelet: { active: 'failed', listener: 'python3' } })]);
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('something other than the kubelet answers on TCP 10250');
    expect(r.summary).toContain('listening: python3');
    expect(r.summary).toContain('http: server gave HTTP response to HTTPS client');
  });

  it('an nftables table outside iptables\' view: named when its input hook drops 10250, not when the rule is for eth1', () => {
    const table = (rule: string) => [{ family: 'inet' as const, name: 'hardening', chains: [{ name: 'input', hook: 'input' as const, rules: [rule] }] }];
    const dropped = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'timeout' }, nftables: table('tcp dport 10250 counter packets 0 bytes 0 drop') })]);
    expect(dropped.summary).toContain('an nftables rule outside iptables\' view drops TCP 10250 on aks-nodepool1-1-vmss000002: inet hardening input rule 1');
    const eth1 = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'timeout' }, nftables: table('iifname "eth1" tcp dport 10250 drop') })]);
    expect(eth1.summary).toContain('none of the known causes explains it');
  });

  it('a route table that sends the reply through an appliance explains a timeout', () => {
    const rt = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-b';
    const network = {
      subnets: new Map([
        [SUBNET_A.toLowerCase(), { id: SUBNET_A, name: 'a', addressPrefixes: ['10.224.0.0/24'] }],
        [SUBNET_B.toLowerCase(), { id: SUBNET_B, name: 'b', addressPrefixes: ['10.224.1.0/24'], routeTableId: rt }],
      ]),
      routeTables: new Map([[rt.toLowerCase(), { id: rt, name: 'rt-b', routes: [{ name: 'vnet-via-fw', addressPrefix: '10.224.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.100.0.4' }] }]]),
      virtualNetworkPrefixes: ['10.224.0.0/16'],
    };
    const r = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'timeout' } })], { network, subnets: [SUBNET_A, SUBNET_A, SUBNET_B] });
    expect(r.summary).toContain('route table rt-b sends traffic between the tunnel agents and aks-nodepool1-1-vmss000002 to the appliance 10.100.0.4 (route vnet-via-fw, 10.224.0.0/16)');
    expect(r.evidence.some((e) => e.kind === 'route' && e.detail.includes('aks-nodepool1-1-vmss000002 → aks-nodepool1-1-vmss000000'))).toBe(true);
    // Something on the node that explains the timeout comes first; the route is still in the evidence.
    const both = decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'timeout' }, nftables: [{ family: 'inet', name: 'h', chains: [{ name: 'input', hook: 'input', rules: ['tcp dport 10250 drop'] }] }] })], { network, subnets: [SUBNET_A, SUBNET_A, SUBNET_B] });
    expect(both.summary).toContain('an nftables rule outside iptables\' view drops TCP 10250');
    expect(both.evidence.some((e) => e.kind === 'route')).toBe(true);
    // A more specific system route is not overridden by a user route for a shorter prefix.
    network.routeTables.get(rt.toLowerCase())!.routes = [{ name: 'default-via-fw', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.100.0.4' }];
    expect(decide([node(0), node(1), node(2, { inbound: { '10250/tcp': 'timeout' } })], { network, subnets: [SUBNET_A, SUBNET_A, SUBNET_B] }).summary).toContain('none of the known causes');
  });

  it('a Windows node that does not answer is unexplained until its firewall is read', () => {
    const r = decide([node(0), node(1), node(2, { osType: 'Windows', inbound: { '10250/tcp': 'timeout' } })]);
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('Get-NetFirewallPortFilter');
  });

  it('is unknown, not pass, when no probe could run', () => {
    const nodes = [node(0), node(1), node(2)];
    const views = nodes.map((n, i) => view(n, i < 2));
    const probes: ProbeRun[] = views.slice(0, 2).map((v) => ({ agent: v.computerName, sourceIp: v.privateIp!, result: { failed: { why: `another run-command kept ${v.computerName} busy`, resolve: 'wait' } } }));
    const r = decideKubeletReachability({ nodes: views, probes, firewalls: [], others: [] });
    expect(r.status).toBe('unknown');
    expect(r.unknownReason?.why).toContain('busy');
  });
});
