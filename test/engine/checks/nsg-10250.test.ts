import { describe, expect, it } from 'vitest';
import { decideNsg10250 } from '../../../src/engine/checks/nsg-10250.js';
import { AKS_MANAGED_NSG_WARNING } from '../../../src/engine/nsg/plan-opening.js';
import { tagContextOf } from '../../../src/engine/nsg/node-path.js';
import { portRangesWithout } from '../../../src/engine/nsg/rule-text.js';
import { key, type NetworkView, type NodeView, type NsgView, type SubnetView } from '../../../src/engine/checks/views.js';
import type { SecurityRuleLike } from '../../../src/engine/nsg/evaluate.js';
import { securityRuleFromArm } from '../../../src/engine/nsg/from-arm.js';
import type { FixProposal } from '../../../src/engine/report.js';

// An estate shaped like /work/shared/example-healthy.json: a system pool in the AKS-managed VNet
// (two tunnel agents), plus a user pool in a second subnet.
const SUB = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69';
const MC = `${SUB}/resourceGroups/MC_rg-prod_aks-prod-eastus_eastus`;
const NET = `${SUB}/resourceGroups/rg-prod-net`;
const VNET = `${MC}/providers/Microsoft.Network/virtualNetworks/aks-vnet-12345678`;
const SUBNET_ID = `${VNET}/subnets/aks-subnet`;
const USER_SUBNET_ID = `${VNET}/subnets/aks-user-subnet`;
const AKS_NSG_ID = `${MC}/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-12345678-nsg`;
const USER_NIC_NSG_ID = `${NET}/providers/Microsoft.Network/networkSecurityGroups/nsg-user-nic`;
const AGENT_NIC_NSG_ID = `${NET}/providers/Microsoft.Network/networkSecurityGroups/nsg-system-nic`;
const GPU_ASG_ID = `${NET}/providers/Microsoft.Network/applicationSecurityGroups/asg-gpu`;
const SYSTEM_VMSS = `${MC}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss`;
const USER_VMSS = `${MC}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-user-12345678-vmss`;

const SYS = (i: number) => `aks-nodepool1-12345678-vmss00000${i}`;
const USR = (i: number) => `aks-user-12345678-vmss00000${i}`;
const ALL_SYSTEM = [SYS(0), SYS(1), SYS(2)];
const ALL_USER = [USR(0), USR(1)];

function node(name: string, ip: string, over: Partial<NodeView> = {}): NodeView {
  const user = name.startsWith('aks-user');
  return {
    computerName: name,
    vmssId: user ? USER_VMSS : SYSTEM_VMSS,
    instanceId: name.slice(-1),
    pool: user ? 'user' : 'nodepool1',
    osType: 'Linux',
    powerState: 'running',
    privateIp: ip,
    subnetId: user ? USER_SUBNET_ID : SUBNET_ID,
    asgIds: [],
    isTunnelAgent: false,
    ...over,
  };
}

function systemNodes(): NodeView[] {
  return [
    node(SYS(0), '10.224.0.4', { isTunnelAgent: true }),
    node(SYS(1), '10.224.0.5', { isTunnelAgent: true }),
    node(SYS(2), '10.224.0.6'),
  ];
}

function userNodes(over: Partial<NodeView> = {}): NodeView[] {
  return [node(USR(0), '10.225.0.4', over), node(USR(1), '10.225.0.5', over)];
}

function rule(name: string, priority: number, over: Partial<SecurityRuleLike> = {}): SecurityRuleLike {
  return {
    name,
    priority,
    direction: 'Inbound',
    access: 'Deny',
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '10250',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    ...over,
  };
}

function nsg(id: string, rules: SecurityRuleLike[], managedByAks = id.includes('/MC_')): NsgView {
  return { id, name: id.split('/').pop() as string, securityRules: rules, managedByAks };
}

function network(opts: { aksRules?: SecurityRuleLike[]; extra?: NsgView[]; unreadable?: NetworkView['unreadable']; dropAksNsg?: boolean } = {}): NetworkView {
  const subnets: SubnetView[] = [
    { id: SUBNET_ID, name: 'aks-subnet', addressPrefixes: ['10.224.0.0/16'], nsgId: AKS_NSG_ID },
    { id: USER_SUBNET_ID, name: 'aks-user-subnet', addressPrefixes: ['10.225.0.0/16'], nsgId: AKS_NSG_ID },
  ];
  const nsgs = [...(opts.dropAksNsg ? [] : [nsg(AKS_NSG_ID, opts.aksRules ?? [])]), ...(opts.extra ?? [])];
  return {
    nsgs: new Map(nsgs.map((g) => [key(g.id), g])),
    subnets: new Map(subnets.map((s) => [key(s.id), s])),
    routeTables: new Map(),
    virtualNetworkPrefixes: ['10.224.0.0/12'],
    unreadable: opts.unreadable ?? [],
  };
}

/** Applies fixes the way the fix executor would (PUT the rule / DELETE it), on a copy. */
function applyFixes(net: NetworkView, fixes: FixProposal[]): NetworkView {
  const nsgs = new Map([...net.nsgs].map(([k, g]) => [k, { ...g, securityRules: [...(g.securityRules ?? [])] }]));
  for (const fix of fixes) {
    if (fix.kind === 'nsg-delete-deny') {
      const ruleId = fix.change.replace(/^DELETE /, '');
      const nsgId = ruleId.replace(/\/securityRules\/[^/]+$/, '');
      const group = nsgs.get(key(nsgId));
      if (!group) throw new Error(`no NSG ${nsgId}`);
      group.securityRules = group.securityRules.filter((r) => r.name !== ruleId.split('/').pop());
      continue;
    }
    const group = nsgs.get(key(fix.target));
    if (!group) throw new Error(`no NSG ${fix.target}`);
    const written = securityRuleFromArm(JSON.parse(fix.change));
    group.securityRules = [...group.securityRules.filter((r) => r.name !== written.name), written];
  }
  return { ...net, nsgs };
}

describe('decideNsg10250: verdicts', () => {
  it.each([
    {
      title: 'no custom rules: AllowVnetInBound decides',
      nodes: systemNodes(),
      net: network(),
      status: 'pass',
      affected: [],
    },
    {
      title: 'subnet NSG denies TCP 10250 from anywhere',
      nodes: [...systemNodes(), ...userNodes()],
      net: network({ aksRules: [rule('deny-kubelet', 200)] }),
      status: 'fail',
      affected: [...ALL_SYSTEM, ...ALL_USER],
    },
    {
      title: 'NIC-level NSG on the user pool denies 10250',
      nodes: [...systemNodes(), ...userNodes({ nicNsgId: USER_NIC_NSG_ID })],
      net: network({ extra: [nsg(USER_NIC_NSG_ID, [rule('Deny-Kubelet-Inbound', 300)])] }),
      status: 'fail',
      affected: ALL_USER,
    },
    {
      title: 'deny to an ASG only the user nodes belong to',
      nodes: [...systemNodes(), ...userNodes({ asgIds: [GPU_ASG_ID] })],
      net: network({ aksRules: [rule('Deny-Kubelet-To-GPU', 200, { destinationAddressPrefix: undefined, destinationApplicationSecurityGroups: [{ id: GPU_ASG_ID }] })] }),
      status: 'fail',
      affected: ALL_USER,
    },
    {
      title: 'deny from Internet only: the agents are inside the VNet',
      nodes: systemNodes(),
      net: network({ aksRules: [rule('deny-internet-kubelet', 200, { sourceAddressPrefix: 'Internet' })] }),
      status: 'pass',
      affected: [],
    },
    {
      title: 'deny on UDP 10250: the kubelet is TCP',
      nodes: systemNodes(),
      net: network({ aksRules: [rule('deny-udp', 200, { protocol: 'Udp' })] }),
      status: 'pass',
      affected: [],
    },
    {
      title: 'deny below a matching allow: first match wins',
      nodes: systemNodes(),
      net: network({ aksRules: [rule('allow-kubelet', 150, { access: 'Allow', sourceAddressPrefix: 'VirtualNetwork' }), rule('deny-kubelet', 200)] }),
      status: 'pass',
      affected: [],
    },
    {
      title: 'deny on 10255 and 10251-10249 misses 10250',
      nodes: systemNodes(),
      net: network({ aksRules: [rule('deny-ro-port', 200, { destinationPortRange: undefined, destinationPortRanges: ['10255', '10240-10249'] })] }),
      status: 'pass',
      affected: [],
    },
    {
      title: 'deny covering a port range and an address list',
      nodes: systemNodes(),
      net: network({
        aksRules: [rule('Deny-Mgmt-Ports', 180, { destinationPortRange: '10000-11000', sourceAddressPrefix: undefined, sourceAddressPrefixes: ['10.224.0.0/24', '10.99.0.0/16'] })],
      }),
      status: 'fail',
      affected: ALL_SYSTEM,
    },
    {
      title: 'outbound deny on the agents’ NIC stops 10250 to every other node',
      nodes: [
        ...systemNodes().map((n) => (n.isTunnelAgent ? { ...n, nicNsgId: AGENT_NIC_NSG_ID } : n)),
        ...userNodes(),
      ],
      net: network({ extra: [nsg(AGENT_NIC_NSG_ID, [rule('Deny-Kubelet-Outbound', 200, { direction: 'Outbound', destinationAddressPrefix: 'VirtualNetwork' })])] }),
      status: 'fail',
      // Each agent reaches itself without the NSG, but not the other agent.
      affected: [...ALL_SYSTEM, ...ALL_USER],
    },
  ])('$title → $status', ({ nodes, net, status, affected }) => {
    const outcome = decideNsg10250({ nodes, network: net });
    expect(outcome.status).toBe(status);
    expect(outcome.nodes).toEqual([...affected].sort());
    if (status === 'fail') {
      expect(outcome.fixes.length).toBeGreaterThan(0);
      // Every proposed change, once applied, makes the check pass: the fixes are verified, not guessed.
      const after = decideNsg10250({ nodes, network: applyFixes(net, outcome.fixes) });
      expect(after.status).toBe('pass');
    } else {
      expect(outcome.fixes).toEqual([]);
    }
  });
});

describe('decideNsg10250: summary, evidence and fixes', () => {
  it('names the rule, NSG, level and subnet, and proposes an allow just above the deny', () => {
    const outcome = decideNsg10250({ nodes: systemNodes(), network: network({ aksRules: [rule('deny-kubelet', 200)] }) });
    expect(outcome.summary).toBe('NSG aks-agentpool-12345678-nsg rule deny-kubelet (priority 200) denies TCP 10250 into subnet aks-subnet (3 of 3 nodes)');
    expect(outcome.evidence[0]).toMatchObject({
      kind: 'nsg-rule',
      resource: `${AKS_NSG_ID}/securityRules/deny-kubelet`,
      detail: expect.stringContaining('priority 200, Inbound, Deny, Tcp, source *, destination *, ports 10250'),
    });
    expect(outcome.fixes).toHaveLength(1);
    const [fix] = outcome.fixes;
    expect(fix).toMatchObject({ kind: 'nsg-allow-10250', target: AKS_NSG_ID, risk: 'medium', needsApproval: true, warnings: [AKS_MANAGED_NSG_WARNING] });
    expect(JSON.parse(fix?.change ?? '')).toEqual({
      name: 'AllowTunnelKubelet10250',
      properties: {
        description: expect.stringContaining('10250'),
        protocol: 'Tcp',
        sourcePortRange: '*',
        destinationPortRange: '10250',
        sourceAddressPrefix: 'VirtualNetwork',
        destinationAddressPrefix: '10.224.0.0/16',
        access: 'Allow',
        priority: 199,
        direction: 'Inbound',
      },
    });
  });

  it('covers every affected subnet in one rule, skips taken priorities and takes a free name', () => {
    const taken = rule('AllowTunnelKubelet10250', 199, { access: 'Allow', destinationPortRange: '22', sourceAddressPrefix: '10.0.0.0/8' });
    const net = network({ aksRules: [rule('deny-kubelet', 200), taken, rule('allow-https', 198, { access: 'Allow', destinationPortRange: '443' })] });
    const outcome = decideNsg10250({ nodes: [...systemNodes(), ...userNodes()], network: net });
    expect(outcome.summary).toContain('into subnet aks-subnet, aks-user-subnet (5 of 5 nodes)');
    expect(outcome.fixes).toHaveLength(1);
    const props = JSON.parse(outcome.fixes[0]?.change ?? '') as { name: string; properties: Record<string, unknown> };
    expect(props.name).toBe('AllowTunnelKubelet10250-2');
    expect(props.properties['priority']).toBe(197);
    expect(props.properties['destinationAddressPrefixes']).toEqual(['10.224.0.0/16', '10.225.0.0/16']);
  });

  it('a NIC NSG outside the node resource group carries no AKS warning; the summary names the NICs', () => {
    const nodes = [...systemNodes(), ...userNodes({ nicNsgId: USER_NIC_NSG_ID })];
    const outcome = decideNsg10250({ nodes, network: network({ extra: [nsg(USER_NIC_NSG_ID, [rule('Deny-Kubelet-Inbound', 300)])] }) });
    expect(outcome.summary).toBe('NSG nsg-user-nic rule Deny-Kubelet-Inbound (priority 300) denies TCP 10250 into the NICs of 2 nodes (2 of 5 nodes)');
    expect(outcome.fixes[0]?.target).toBe(USER_NIC_NSG_ID);
    expect(outcome.fixes[0]?.warnings).toBeUndefined();
    expect(JSON.parse(outcome.fixes[0]?.change ?? '').properties.destinationAddressPrefix).toBe('10.225.0.0/16');
  });

  it('an outbound deny at the source gets an outbound allow in the same NSG', () => {
    const nodes = systemNodes().map((n) => (n.isTunnelAgent ? { ...n, nicNsgId: AGENT_NIC_NSG_ID } : n));
    const net = network({ extra: [nsg(AGENT_NIC_NSG_ID, [rule('Deny-Kubelet-Outbound', 200, { direction: 'Outbound', destinationAddressPrefix: 'VirtualNetwork' })])] });
    const outcome = decideNsg10250({ nodes, network: net });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe('NSG nsg-system-nic rule Deny-Kubelet-Outbound (priority 200) denies TCP 10250 out of the NICs of 2 tunnel-agent nodes (3 of 3 nodes)');
    expect(outcome.fixes).toHaveLength(1);
    expect(outcome.fixes[0]).toMatchObject({ kind: 'nsg-allow-10250', target: AGENT_NIC_NSG_ID });
    expect(JSON.parse(outcome.fixes[0]?.change ?? '').properties).toMatchObject({ direction: 'Outbound', priority: 199, access: 'Allow', destinationPortRange: '10250' });
  });

  it('a deny at priority 100 over a port range is edited: 10250 cut out of its ports', () => {
    const net = network({ aksRules: [rule('Deny-Mgmt', 100, { destinationPortRange: '10000-11000' })] });
    const outcome = decideNsg10250({ nodes: systemNodes(), network: net });
    expect(outcome.fixes).toHaveLength(1);
    const [fix] = outcome.fixes;
    expect(fix).toMatchObject({ kind: 'nsg-edit-deny', risk: 'high', needsApproval: true, target: AKS_NSG_ID });
    const edited = JSON.parse(fix?.change ?? '') as { name: string; properties: Record<string, unknown> };
    expect(edited.name).toBe('Deny-Mgmt');
    expect(edited.properties).toMatchObject({ access: 'Deny', priority: 100, destinationPortRanges: ['10000-10249', '10251-11000'] });
    expect(edited.properties['destinationPortRange']).toBeUndefined();
    expect(fix?.title).toContain('ports 10000-11000 → 10000-10249, 10251-11000');
    expect(fix?.warnings).toContain(AKS_MANAGED_NSG_WARNING);
  });

  it('a deny-all at 100 is split around 10250, with a warning about protocol Any', () => {
    const net = network({ aksRules: [rule('DenyAll', 100, { protocol: '*', destinationPortRange: '*' })] });
    const outcome = decideNsg10250({ nodes: systemNodes(), network: net });
    const edited = JSON.parse(outcome.fixes[0]?.change ?? '');
    expect(edited.properties.destinationPortRanges).toEqual(['0-10249', '10251-65535']);
    expect(outcome.fixes[0]?.warnings?.some((w) => w.includes('protocol is Any'))).toBe(true);
  });

  it('a 10250-only deny from * at 100 is narrowed to the Internet tag', () => {
    const outcome = decideNsg10250({ nodes: systemNodes(), network: network({ aksRules: [rule('Deny-Kubelet-Hardening', 100)] }) });
    expect(outcome.fixes).toHaveLength(1);
    expect(outcome.fixes[0]?.kind).toBe('nsg-edit-deny');
    expect(JSON.parse(outcome.fixes[0]?.change ?? '').properties).toMatchObject({ sourceAddressPrefix: 'Internet', destinationPortRange: '10250', access: 'Deny', priority: 100 });
  });

  it('a 10250-only deny from VirtualNetwork at 100 is deleted', () => {
    const deny = rule('Deny-Kubelet-Hardening', 100, { sourceAddressPrefix: 'VirtualNetwork', id: `${AKS_NSG_ID}/securityRules/Deny-Kubelet-Hardening` });
    const outcome = decideNsg10250({ nodes: systemNodes(), network: network({ aksRules: [deny] }) });
    expect(outcome.fixes).toEqual([
      expect.objectContaining({ kind: 'nsg-delete-deny', target: AKS_NSG_ID, change: `DELETE ${AKS_NSG_ID}/securityRules/Deny-Kubelet-Hardening`, risk: 'high', needsApproval: true }),
    ]);
  });

  it('finds a deny hidden behind the first one and fixes both', () => {
    const net = network({ aksRules: [rule('Deny-Mgmt', 100, { destinationPortRange: '10000-11000' }), rule('deny-kubelet', 300)] });
    const outcome = decideNsg10250({ nodes: systemNodes(), network: net });
    expect(outcome.fixes.map((f) => f.kind)).toEqual(['nsg-edit-deny', 'nsg-allow-10250']);
    expect(JSON.parse(outcome.fixes[1]?.change ?? '').properties.priority).toBe(299);
    expect(outcome.evidence.some((e) => e.detail.startsWith('Behind the first deny') && e.detail.includes('deny-kubelet'))).toBe(true);
  });

  it('a pass names the rule that allowed', () => {
    const outcome = decideNsg10250({ nodes: systemNodes(), network: network() });
    expect(outcome.summary).toContain('aks-agentpool-12345678-nsg AllowVnetInBound (65000, inbound)');
    expect(outcome.evidence.some((e) => e.resource === `${AKS_NSG_ID}/defaultSecurityRules/AllowVnetInBound` && e.detail.includes('priority 65000'))).toBe(true);
  });
});

describe('decideNsg10250: what could not be read or evaluated', () => {
  const forbidden = { resource: AKS_NSG_ID, why: 'AuthorizationFailed: the client does not have authorization to perform action Microsoft.Network/networkSecurityGroups/read', resolve: "Grant the bot's identity Microsoft.Network/networkSecurityGroups/read on it (the Reader role has it)." };

  it('an NSG behind a 403 makes the check unknown, naming the RBAC action', () => {
    const outcome = decideNsg10250({ nodes: systemNodes(), network: network({ dropAksNsg: true, unreadable: [forbidden] }) });
    expect(outcome.status).toBe('unknown');
    expect(outcome.unknownReason?.why).toContain('AuthorizationFailed');
    expect(outcome.unknownReason?.resolve).toContain('Microsoft.Network/networkSecurityGroups/read');
    expect(outcome.nodes).toEqual([]);
  });

  it('an NSG missing without an explanation still names the action', () => {
    const outcome = decideNsg10250({ nodes: systemNodes(), network: network({ dropAksNsg: true }) });
    expect(outcome.status).toBe('unknown');
    expect(outcome.unknownReason?.resolve).toContain('Microsoft.Network/networkSecurityGroups/read');
  });

  it('a deny found in a readable NSG still fails while another NSG is unreadable', () => {
    const nodes = [...systemNodes(), ...userNodes({ nicNsgId: USER_NIC_NSG_ID })];
    const net = network({ dropAksNsg: true, unreadable: [forbidden], extra: [nsg(USER_NIC_NSG_ID, [rule('Deny-Kubelet-Inbound', 300)])] });
    const outcome = decideNsg10250({ nodes, network: net });
    expect(outcome.status).toBe('fail');
    expect(outcome.nodes).toEqual(ALL_USER);
    expect(outcome.evidence.some((e) => e.detail.startsWith('Not determined for aks-nodepool1'))).toBe(true);
  });

  it('skips deallocated nodes and says so', () => {
    const nodes = [...systemNodes(), node(SYS(3), '10.224.0.7', { powerState: 'deallocated' })];
    const outcome = decideNsg10250({ nodes, network: network({ aksRules: [rule('deny-kubelet', 200)] }) });
    expect(outcome.nodes).toEqual(ALL_SYSTEM);
    expect(outcome.evidence.some((e) => e.detail.includes(`${SYS(3)} (deallocated)`))).toBe(true);
    expect(outcome.summary).toContain('(3 of 3 nodes)');
  });

  it('without agents, evaluates from every running node and says why', () => {
    const nodes = systemNodes().map((n) => ({ ...n, isTunnelAgent: false }));
    const outcome = decideNsg10250({ nodes, network: network({ aksRules: [rule('deny-kubelet', 200)] }) });
    expect(outcome.status).toBe('fail');
    expect(outcome.nodes).toEqual(ALL_SYSTEM);
    expect(outcome.evidence.some((e) => e.detail.includes('No running node carries a tunnel agent pod'))).toBe(true);
  });

  it('a node whose NIC could not be read keeps a clean estate from passing', () => {
    const nodes = [...systemNodes(), node(SYS(3), '', { privateIp: undefined, subnetId: undefined })];
    const outcome = decideNsg10250({ nodes, network: network() });
    expect(outcome.status).toBe('unknown');
    expect(outcome.summary).toContain(SYS(3));
    expect(outcome.unknownReason?.resolve).toContain('networkInterfaces/read');
  });

  it('only one agent and nothing else: nothing to filter, pass', () => {
    const outcome = decideNsg10250({ nodes: [node(SYS(0), '10.224.0.4', { isTunnelAgent: true })], network: network({ aksRules: [rule('deny-kubelet', 200)] }) });
    expect(outcome.status).toBe('pass');
  });

  it('no running node at all: unknown', () => {
    const outcome = decideNsg10250({ nodes: systemNodes().map((n) => ({ ...n, powerState: 'deallocated' })), network: network() });
    expect(outcome.status).toBe('unknown');
    expect(outcome.unknownReason?.why).toBe('no node is running');
  });
});

describe('portRangesWithout', () => {
  it.each([
    [[{ from: 0, to: 65535 }], ['0-10249', '10251-65535']],
    [[{ from: 10250, to: 10250 }], []],
    [[{ from: 10250, to: 10255 }], ['10251-10255']],
    [[{ from: 10000, to: 10250 }, { from: 22, to: 22 }], ['22', '10000-10249']],
    [[{ from: 10249, to: 10249 }, { from: 10250, to: 10251 }], ['10249', '10251']],
    [[{ from: 80, to: 80 }], ['80']],
  ])('%j without 10250 → %j', (spans, expected) => {
    expect(portRangesWithout(spans, 10250)).toEqual(expected);
  });
});

describe('tagContextOf: the VirtualNetwork tag as Azure defines it', () => {
  it('holds the prefixes of user-defined routes on the node subnets ("Virtual network service tags")', () => {
    const net = network();
    net.routeTables.set(key('/rt/onprem'), { id: '/rt/onprem', name: 'onprem', routes: [{ name: 'to-onprem', addressPrefix: '192.168.0.0/16', nextHopType: 'VirtualNetworkGateway' }, { name: 'tagged', addressPrefix: 'AzureCloud', nextHopType: 'Internet' }] });
    const ctx = tagContextOf(net, []);
    expect(ctx.virtualNetworkPrefixes).toContain('192.168.0.0/16');
    // A service-tag route prefix is no address range; it is left out.
    expect(ctx.virtualNetworkPrefixes).not.toContain('AzureCloud');
  });
});
