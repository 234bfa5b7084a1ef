import { describe, expect, it } from 'vitest';
import {
  decideEgressTunnelPorts,
  REPRESENTATIVE_API_SERVER_IP,
  type EgressProbe,
  type EgressProbeOutcome,
} from '../../../src/engine/checks/egress-tunnel-ports.js';
import { key, type NetworkView, type NodeView, type NsgView, type RouteView, type SubnetView } from '../../../src/engine/checks/views.js';
import type { SecurityRuleLike } from '../../../src/engine/nsg/evaluate.js';
import { securityRuleFromArm } from '../../../src/engine/nsg/from-arm.js';
import type { TunnelKind } from '../../../src/engine/report.js';

const SUB = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69';
const MC = `${SUB}/resourceGroups/MC_rg-prod_aks-prod-eastus_eastus`;
const NET = `${SUB}/resourceGroups/rg-prod-net`;
const SUBNET_ID = `${NET}/providers/Microsoft.Network/virtualNetworks/vnet-prod/subnets/snet-aks`;
const NSG_ID = `${MC}/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-12345678-nsg`;
const RT_ID = `${NET}/providers/Microsoft.Network/routeTables/rt-aks-egress`;
const VMSS = `${MC}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss`;
const FQDN = 'aks-prod-eastus-dns-12345678.hcp.eastus.azmk8s.io';
const API_IP = '20.62.130.17';
const N = (i: number) => `aks-nodepool1-12345678-vmss00000${i}`;
const AGENTS = [N(0), N(1)];

function nodes(): NodeView[] {
  return [0, 1, 2].map((i) => ({
    computerName: N(i),
    vmssId: VMSS,
    instanceId: String(i),
    pool: 'nodepool1',
    osType: 'Linux',
    powerState: 'running',
    privateIp: `10.50.0.${4 + i}`,
    subnetId: SUBNET_ID,
    asgIds: [],
    isTunnelAgent: i < 2,
  }));
}

function outboundDeny(name: string, priority: number, over: Partial<SecurityRuleLike> = {}): SecurityRuleLike {
  return {
    name,
    priority,
    direction: 'Outbound',
    access: 'Deny',
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '443',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: 'Internet',
    ...over,
  };
}

function network(opts: { rules?: SecurityRuleLike[]; routes?: RouteView[] } = {}): NetworkView {
  const subnet: SubnetView = {
    id: SUBNET_ID,
    name: 'snet-aks',
    addressPrefixes: ['10.50.0.0/22'],
    nsgId: NSG_ID,
    ...(opts.routes ? { routeTableId: RT_ID } : {}),
  };
  const group: NsgView = { id: NSG_ID, name: 'aks-agentpool-12345678-nsg', securityRules: opts.rules ?? [], managedByAks: true };
  return {
    nsgs: new Map([[key(NSG_ID), group]]),
    subnets: new Map([[key(SUBNET_ID), subnet]]),
    routeTables: opts.routes ? new Map([[key(RT_ID), { id: RT_ID, name: 'rt-aks-egress', routes: opts.routes }]]) : new Map(),
    virtualNetworkPrefixes: ['10.50.0.0/16'],
    unreadable: [],
  };
}

const probes = (outcome: EgressProbeOutcome, names = AGENTS): EgressProbe[] => names.map((node) => ({ node, outcome }));
const FIREWALL_ROUTE: RouteView = { name: 'default-to-hub-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.100.0.4' };

function decide(kind: TunnelKind, opts: { net?: NetworkView; probes?: EgressProbe[]; apiServerIp?: string | null } = {}) {
  return decideEgressTunnelPorts({
    tunnel: { kind, apiServerFqdn: FQDN },
    nodes: nodes(),
    network: opts.net ?? network(),
    probes: opts.probes ?? [],
    ...(opts.apiServerIp === null ? {} : { apiServerIp: opts.apiServerIp ?? API_IP }),
  });
}

describe('decideEgressTunnelPorts: by tunnel kind and probe', () => {
  it.each([
    { title: 'konnectivity, probe open', kind: 'konnectivity', outcome: 'open', status: 'pass', nodes: [], port: 'TCP 443' },
    { title: 'konnectivity, probe times out', kind: 'konnectivity', outcome: 'timeout', status: 'fail', nodes: AGENTS, port: 'TCP 443' },
    { title: 'tunnel-front, probe times out', kind: 'tunnel-front', outcome: 'timeout', status: 'fail', nodes: AGENTS, port: 'TCP 9000' },
    { title: 'tunnel-front, probe open', kind: 'tunnel-front', outcome: 'open', status: 'pass', nodes: [], port: 'TCP 9000' },
    { title: 'tunnel-front, connection refused', kind: 'tunnel-front', outcome: 'refused', status: 'fail', nodes: AGENTS, port: 'TCP 9000' },
    { title: 'aks-link, UDP cannot be proven open', kind: 'aks-link', outcome: 'unverifiable-udp', status: 'warn', nodes: AGENTS, port: 'UDP 1194' },
    { title: 'aks-link, ICMP port-unreachable', kind: 'aks-link', outcome: 'refused', status: 'fail', nodes: AGENTS, port: 'UDP 1194' },
    { title: 'no probe could run', kind: 'konnectivity', outcome: 'not-run', status: 'unknown', nodes: [], port: 'TCP 443' },
  ] as const)('$title → $status', ({ kind, outcome, status, nodes: expected, port }) => {
    const result = decide(kind, { probes: probes(outcome) });
    expect(result.status).toBe(status);
    expect(result.nodes).toEqual(expected);
    expect(result.summary).toContain(port);
  });

  it('tunnel kind none is not applicable', () => {
    expect(decide('none').status).toBe('not-applicable');
  });

  it('tunnel kind unknown is unknown, resolved by command invoke rights', () => {
    const result = decide('unknown');
    expect(result.status).toBe('unknown');
    expect(result.unknownReason?.why).toContain('pods could not be listed');
    expect(result.unknownReason?.resolve).toContain('managedClusters/runcommand/action');
    expect(result.unknownReason?.resolve).toContain('Cluster User');
  });

  it('explains what a UDP probe can and cannot show', () => {
    const result = decide('aks-link', { probes: probes('unverifiable-udp') });
    expect(result.summary).toBe(
      'aks-link uses UDP 1194: the probe can only prove that nothing answered with ICMP port-unreachable, not that 1194 is open (2 tunnel-agent nodes)',
    );
  });

  it('one node timing out is enough to fail, and only that node is named', () => {
    const result = decide('konnectivity', { probes: [{ node: N(0), outcome: 'open' }, { node: N(1), outcome: 'timeout' }] });
    expect(result.status).toBe('fail');
    expect(result.nodes).toEqual([N(1)]);
    expect(result.summary).toContain('timed out from 1 of 2 tunnel-agent nodes');
  });

  it('a probe that did not run on one node still passes on the other, and says so', () => {
    const result = decide('konnectivity', { probes: [{ node: N(0), outcome: 'open' }, { node: N(1), outcome: 'not-run', detail: 'run-command busy' }] });
    expect(result.status).toBe('pass');
    expect(result.summary).toContain(`not probed on ${N(1)}`);
  });
});

describe('decideEgressTunnelPorts: outbound NSG rules', () => {
  it('an outbound deny on 443 to Internet fails, naming the rule, with an outbound allow to AzureCloud', () => {
    const net = network({ rules: [outboundDeny('Deny-HTTPS-Outbound', 200)] });
    const result = decide('konnectivity', { net, probes: probes('timeout') });
    expect(result.status).toBe('fail');
    expect(result.nodes).toEqual(AGENTS);
    expect(result.summary).toBe(
      `NSG aks-agentpool-12345678-nsg rule Deny-HTTPS-Outbound (priority 200) denies TCP 443 out of subnet snet-aks to the API server ${FQDN} (konnectivity-agent egress) (2 of 2 tunnel-agent nodes; the probe timed out there too)`,
    );
    expect(result.fixes).toHaveLength(1);
    const [fix] = result.fixes;
    expect(fix).toMatchObject({ kind: 'nsg-allow-egress', target: NSG_ID, risk: 'medium', needsApproval: true });
    const written = securityRuleFromArm(JSON.parse(fix?.change ?? ''));
    expect(written).toMatchObject({
      name: 'AllowTunnelEgressTcp443',
      direction: 'Outbound',
      access: 'Allow',
      protocol: 'Tcp',
      priority: 199,
      destinationPortRange: '443',
      sourceAddressPrefix: '10.50.0.0/22',
      destinationAddressPrefix: 'AzureCloud',
    });
    // With the rule written and the probe then open, the check passes.
    const fixed = network({ rules: [outboundDeny('Deny-HTTPS-Outbound', 200), written] });
    expect(decide('konnectivity', { net: fixed, probes: probes('open') }).status).toBe('pass');
  });

  it('an outbound UDP 1194 deny fails an aks-link cluster even though the probe can only warn', () => {
    const net = network({ rules: [outboundDeny('Deny-OpenVPN-Outbound', 150, { protocol: 'Udp', destinationPortRange: '1194', destinationAddressPrefix: '*' })] });
    const result = decide('aks-link', { net, probes: probes('unverifiable-udp') });
    expect(result.status).toBe('fail');
    expect(result.nodes).toEqual(AGENTS);
    expect(result.summary).toContain('rule Deny-OpenVPN-Outbound (priority 150) denies UDP 1194');
    expect(JSON.parse(result.fixes[0]?.change ?? '').properties).toMatchObject({ protocol: 'Udp', destinationPortRange: '1194', priority: 149 });
  });

  it('a deny on the other tunnels’ ports does not touch konnectivity', () => {
    const net = network({ rules: [outboundDeny('deny-9000', 200, { destinationPortRange: '9000' }), outboundDeny('deny-1194', 210, { protocol: 'Udp', destinationPortRange: '1194' })] });
    expect(decide('konnectivity', { net, probes: probes('open') }).status).toBe('pass');
  });

  it('for a private API server the allow rule targets its address, which AzureCloud does not cover', () => {
    const net = network({ rules: [outboundDeny('deny-all-out', 4000, { destinationAddressPrefix: '*', destinationPortRange: '*', protocol: '*' })] });
    const result = decide('konnectivity', { net, probes: probes('timeout'), apiServerIp: '10.50.4.4' });
    expect(result.status).toBe('fail');
    expect(JSON.parse(result.fixes[0]?.change ?? '').properties.destinationAddressPrefix).toBe('10.50.4.4/32');
  });

  it('an NSG deny the probe contradicts is a warning, not a failure', () => {
    const net = network({ rules: [outboundDeny('Deny-HTTPS-Outbound', 200)] });
    const result = decide('konnectivity', { net, probes: probes('open') });
    expect(result.status).toBe('warn');
    expect(result.summary).toContain('yet the probe got through');
  });

  it('without the API server IP, evaluates a stand-in public address and says so', () => {
    const net = network({ rules: [outboundDeny('Deny-HTTPS-Outbound', 200)] });
    const result = decide('konnectivity', { net, probes: probes('not-run'), apiServerIp: null });
    expect(result.status).toBe('fail');
    expect(result.evidence.some((e) => e.detail.includes(REPRESENTATIVE_API_SERVER_IP) && e.detail.includes('standing in'))).toBe(true);
  });
});

describe('decideEgressTunnelPorts: routes', () => {
  it('0.0.0.0/0 to an appliance with the probe open: warn, naming the appliance', () => {
    const result = decide('konnectivity', { net: network({ routes: [FIREWALL_ROUTE] }), probes: probes('open') });
    expect(result.status).toBe('warn');
    expect(result.nodes).toEqual(AGENTS);
    expect(result.summary).toContain('VirtualAppliance 10.100.0.4 (route table rt-aks-egress, route default-to-hub-firewall 0.0.0.0/0)');
    expect(result.fixes).toEqual([]);
  });

  it('0.0.0.0/0 to an appliance with the probe timing out: fail, and a manual firewall rule', () => {
    const result = decide('tunnel-front', { net: network({ routes: [FIREWALL_ROUTE] }), probes: probes('timeout') });
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('egress goes through appliance 10.100.0.4 which appears to drop TCP 9000');
    expect(result.fixes).toEqual([
      expect.objectContaining({ kind: 'manual', needsApproval: false, target: RT_ID, change: `allow TCP 9000 from 10.50.0.0/22 to ${FQDN}` }),
    ]);
  });

  it('pod-CIDR routes to the nodes (kubenet) are not an egress appliance', () => {
    const kubenet: RouteView[] = [
      { name: 'aks-nodepool1-12345678-vmss000000____102440024', addressPrefix: '10.244.0.0/24', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.50.0.4' },
      { name: 'aks-nodepool1-12345678-vmss000001____102441024', addressPrefix: '10.244.1.0/24', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.50.0.5' },
    ];
    const result = decide('konnectivity', { net: network({ routes: kubenet }), probes: probes('open') });
    expect(result.status).toBe('pass');
    expect(result.evidence.some((e) => e.kind === 'route' && e.detail.includes('Internet') && e.detail.includes('system route'))).toBe(true);
  });

  it('a route that sends the API server to None fails, with a manual fix', () => {
    const blackhole: RouteView = { name: 'drop-internet', addressPrefix: '0.0.0.0/0', nextHopType: 'None' };
    const result = decide('konnectivity', { net: network({ routes: [blackhole] }), probes: probes('not-run') });
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('routes 20.62.130.17 to None');
    expect(result.fixes[0]).toMatchObject({ kind: 'manual', needsApproval: false });
  });
});
