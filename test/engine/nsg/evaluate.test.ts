import { describe, expect, it } from 'vitest';
import {
  AZURE_DEFAULT_SECURITY_RULES,
  evaluateNsg,
  evaluateNsgPath,
  FlowError,
  NsgRuleError,
  validateSecurityRule,
  type Flow,
  type NsgLike,
  type SecurityRuleLike,
  type TagContext,
} from '../../../src/engine/nsg/evaluate.js';

const NSG_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-nsg';
const ctx: TagContext = { virtualNetworkPrefixes: ['10.224.0.0/12'] };

function rule(overrides: Partial<SecurityRuleLike> & { name: string; priority: number }): SecurityRuleLike {
  return {
    direction: 'Inbound',
    access: 'Deny',
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '10250',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    ...overrides,
  };
}

function nsg(rules: SecurityRuleLike[], extra: Partial<NsgLike> = {}): NsgLike {
  return { id: NSG_ID, name: 'aks-agentpool-nsg', securityRules: rules, ...extra };
}

/** Node 10.224.0.5 reaching the kubelet on node 10.224.0.4. */
const kubeletFlow: Flow = {
  direction: 'Inbound',
  protocol: 'Tcp',
  sourceIp: '10.224.0.5',
  destinationIp: '10.224.0.4',
  destinationPort: 10250,
};

const decide = (rules: SecurityRuleLike[], flow: Flow = kubeletFlow, tags: TagContext = ctx) =>
  evaluateNsg(nsg(rules), flow, tags, 'subnet');

describe('evaluateNsg: priority order and first match', () => {
  it('the lower priority number wins whatever the array order', () => {
    const verdict = decide([
      rule({ name: 'allow-kubelet', priority: 200, access: 'Allow' }),
      rule({ name: 'deny-kubelet', priority: 100, access: 'Deny' }),
    ]);
    expect(verdict).toMatchObject({ access: 'Deny', ruleName: 'deny-kubelet', priority: 100, isDefault: false });
  });

  it('an allow with a lower number than a matching deny wins (deny below the allow)', () => {
    const verdict = decide([
      rule({ name: 'deny-kubelet', priority: 300, access: 'Deny' }),
      rule({ name: 'allow-kubelet', priority: 250, access: 'Allow' }),
    ]);
    expect(verdict).toMatchObject({ access: 'Allow', ruleName: 'allow-kubelet', priority: 250 });
  });

  it('stops at the first match: a later allow does not rescue a deny', () => {
    const verdict = decide([
      rule({ name: 'deny-all-tcp', priority: 400, destinationPortRange: '*' }),
      rule({ name: 'allow-kubelet', priority: 4000, access: 'Allow' }),
    ]);
    expect(verdict).toMatchObject({ access: 'Deny', ruleName: 'deny-all-tcp' });
  });

  it('skips rules of the other direction', () => {
    const verdict = decide([rule({ name: 'deny-out', priority: 100, direction: 'Outbound' })]);
    expect(verdict).toMatchObject({ access: 'Allow', ruleName: 'AllowVnetInBound', isDefault: true });
  });

  it('reports the NSG, level, rule id and name', () => {
    const verdict = evaluateNsg(
      nsg([rule({ name: 'deny-kubelet', priority: 100, id: `${NSG_ID}/securityRules/deny-kubelet` })]),
      kubeletFlow,
      ctx,
      'nic',
    );
    expect(verdict).toEqual({
      nsgId: NSG_ID,
      nsgName: 'aks-agentpool-nsg',
      access: 'Deny',
      ruleName: 'deny-kubelet',
      priority: 100,
      isDefault: false,
      level: 'nic',
      ruleId: `${NSG_ID}/securityRules/deny-kubelet`,
    });
  });
});

describe('evaluateNsg: default rules', () => {
  it.each([
    ['VNet to VNet inbound is allowed by AllowVnetInBound', kubeletFlow, 'Allow', 'AllowVnetInBound', 65000],
    ['Internet to a node inbound is denied by DenyAllInBound', { ...kubeletFlow, sourceIp: '203.0.113.9' }, 'Deny', 'DenyAllInBound', 65500],
    ['private but outside the VNet is Internet: denied', { ...kubeletFlow, sourceIp: '192.168.1.10' }, 'Deny', 'DenyAllInBound', 65500],
    ['node to the internet outbound is allowed by AllowInternetOutBound', { ...kubeletFlow, direction: 'Outbound', sourceIp: '10.224.0.4', destinationIp: '20.81.112.7', destinationPort: 443 }, 'Allow', 'AllowInternetOutBound', 65001],
    ['node to node outbound is allowed by AllowVnetOutBound', { ...kubeletFlow, direction: 'Outbound' }, 'Allow', 'AllowVnetOutBound', 65000],
  ] as const)('%s', (_title, flow, access, ruleName, priority) => {
    const verdict = decide([], flow as Flow);
    expect(verdict).toMatchObject({ access, ruleName, priority, isDefault: true });
  });

  it('exports Azure’s six defaults with their ARM names and priorities', () => {
    expect(AZURE_DEFAULT_SECURITY_RULES.map((r) => [r.name, r.direction, r.access, r.priority])).toEqual([
      ['AllowVnetInBound', 'Inbound', 'Allow', 65000],
      ['AllowAzureLoadBalancerInBound', 'Inbound', 'Allow', 65001],
      ['DenyAllInBound', 'Inbound', 'Deny', 65500],
      ['AllowVnetOutBound', 'Outbound', 'Allow', 65000],
      ['AllowInternetOutBound', 'Outbound', 'Allow', 65001],
      ['DenyAllOutBound', 'Outbound', 'Deny', 65500],
    ]);
    expect(AZURE_DEFAULT_SECURITY_RULES[1]).toMatchObject({ sourceAddressPrefix: 'AzureLoadBalancer', destinationAddressPrefix: '*', protocol: '*' });
    expect(Object.isFrozen(AZURE_DEFAULT_SECURITY_RULES)).toBe(true);
    expect(() => (AZURE_DEFAULT_SECURITY_RULES[0] as { priority: number }).priority = 1).toThrow(TypeError);
  });

  it('AllowAzureLoadBalancerInBound admits the health-probe address to a node outside VirtualNetwork', () => {
    const verdict = evaluateNsg(nsg([]), { ...kubeletFlow, sourceIp: '168.63.129.16' }, { virtualNetworkPrefixes: [] }, 'nic');
    expect(verdict).toMatchObject({ access: 'Allow', ruleName: 'AllowAzureLoadBalancerInBound' });
  });

  it('uses the NSG’s own defaultSecurityRules when present', () => {
    const own = [rule({ name: 'CustomDefaultAllowAll', priority: 65500, access: 'Allow', destinationPortRange: '*', protocol: '*' })];
    const verdict = evaluateNsg(nsg([], { defaultSecurityRules: own }), { ...kubeletFlow, sourceIp: '203.0.113.9' }, ctx, 'subnet');
    expect(verdict).toMatchObject({ access: 'Allow', ruleName: 'CustomDefaultAllowAll', isDefault: true });
  });

  it('denies when the NSG’s own defaults match nothing', () => {
    const own = [rule({ name: 'OnlyUdp', priority: 65500, access: 'Allow', protocol: 'Udp' })];
    const verdict = evaluateNsg(nsg([], { defaultSecurityRules: own }), kubeletFlow, ctx, 'subnet');
    expect(verdict).toMatchObject({ access: 'Deny', ruleName: '(no rule matched)' });
  });
});

describe('evaluateNsg: addresses and service tags', () => {
  it.each([
    ['10.224.0.0/16 contains 10.224.255.255', '10.224.0.0/16', '10.224.255.255', true],
    ['10.224.0.0/16 does not contain 10.225.0.0', '10.224.0.0/16', '10.225.0.0', false],
    ['10.224.0.0/16 contains its first address', '10.224.0.0/16', '10.224.0.0', true],
    ['10.224.0.0/16 does not contain 10.223.255.255', '10.224.0.0/16', '10.223.255.255', false],
    ['a single IP matches itself', '10.224.0.5', '10.224.0.5', true],
    ['a single IP does not match its neighbour', '10.224.0.5', '10.224.0.6', false],
    ['/32 matches only itself', '10.224.0.5/32', '10.224.0.5', true],
    ['host bits are ignored as Azure does', '10.224.7.7/16', '10.224.200.1', true],
    ['0.0.0.0/0 matches everything', '0.0.0.0/0', '10.230.1.1', true],
    ['"*" matches everything', '*', '10.230.1.1', true],
    ['VirtualNetwork matches a VNet address', 'VirtualNetwork', '10.239.0.1', true],
    ['Internet does not match VNet traffic', 'Internet', '10.224.0.5', false],
    ['classic VIRTUAL_NETWORK spelling is accepted', 'VIRTUAL_NETWORK', '10.224.0.5', true],
    ['AzureLoadBalancer does not match a node', 'AzureLoadBalancer', '10.224.0.5', false],
    ['an IPv6 prefix never matches an IPv4 flow', '2001:db8::/32', '10.224.0.5', false],
    ['a private service-tag address is not AzureCloud', 'AzureCloud', '10.224.0.5', false],
  ])('%s', (_title, prefix, sourceIp, matches) => {
    const verdict = decide([rule({ name: 'deny-src', priority: 100, sourceAddressPrefix: prefix })], { ...kubeletFlow, sourceIp });
    expect(verdict.ruleName === 'deny-src').toBe(matches);
  });

  it('plural prefixes match when any entry does', () => {
    const rules = [rule({ name: 'deny-some', priority: 100, sourceAddressPrefix: undefined, sourceAddressPrefixes: ['10.1.0.0/16', '10.224.0.5'] })];
    expect(decide(rules).access).toBe('Deny');
    expect(decide(rules, { ...kubeletFlow, sourceIp: '10.224.0.6' }).access).toBe('Allow');
  });

  it('a deny from Internet does not touch node-to-node traffic but stops the internet', () => {
    const rules = [rule({ name: 'deny-internet', priority: 100, sourceAddressPrefix: 'Internet', destinationPortRange: '*', protocol: '*' })];
    expect(decide(rules)).toMatchObject({ access: 'Allow', ruleName: 'AllowVnetInBound' });
    expect(decide(rules, { ...kubeletFlow, sourceIp: '52.1.2.3' })).toMatchObject({ access: 'Deny', ruleName: 'deny-internet' });
  });

  it('AzureLoadBalancer matches only 168.63.129.16', () => {
    const rules = [rule({ name: 'deny-probe', priority: 100, sourceAddressPrefix: 'AzureLoadBalancer' })];
    expect(decide(rules, { ...kubeletFlow, sourceIp: '168.63.129.16' }).ruleName).toBe('deny-probe');
    expect(decide(rules, { ...kubeletFlow, sourceIp: '168.63.129.17' }).ruleName).not.toBe('deny-probe');
  });

  it('VirtualNetwork follows the prefixes in the tag context (peered ranges)', () => {
    const peered: TagContext = { virtualNetworkPrefixes: ['10.224.0.0/12', '172.20.0.0/16'] };
    const flow = { ...kubeletFlow, sourceIp: '172.20.3.4' };
    expect(decide([], flow, peered).ruleName).toBe('AllowVnetInBound');
    expect(decide([], flow, ctx).ruleName).toBe('DenyAllInBound');
  });

  describe('other service tags', () => {
    const egress: Flow = { direction: 'Outbound', protocol: 'Tcp', sourceIp: '10.224.0.4', destinationIp: '20.50.1.1', destinationPort: 443 };
    const rules = [
      rule({ name: 'allow-azurecloud-443', priority: 100, direction: 'Outbound', access: 'Allow', destinationAddressPrefix: 'AzureCloud.eastus', destinationPortRange: '443' }),
      rule({ name: 'deny-internet', priority: 200, direction: 'Outbound', destinationAddressPrefix: 'Internet', destinationPortRange: '*', protocol: '*' }),
    ];

    it('cover public addresses by assumption, and say so', () => {
      const verdict = decide(rules, egress);
      expect(verdict).toMatchObject({ access: 'Allow', ruleName: 'allow-azurecloud-443' });
      expect(verdict.assumptions?.[0]).toMatch(/AzureCloud\.eastus.*20\.50\.1\.1/);
    });

    it('never cover private addresses outside the VNet', () => {
      // Not AzureCloud, and not Internet either (public address space only, "Virtual network
      // service tags"): only the default DenyAllOutBound matches.
      expect(decide(rules, { ...egress, destinationIp: '192.168.10.10' })).toMatchObject({ access: 'Deny', ruleName: 'DenyAllOutBound' });
    });

    it('use known ranges when the context supplies them, without assumptions', () => {
      const known: TagContext = { ...ctx, serviceTagPrefixes: { 'azurecloud.EASTUS': ['20.0.0.0/8'] } };
      const inside = decide(rules, egress, known);
      expect(inside).toMatchObject({ access: 'Allow', ruleName: 'allow-azurecloud-443' });
      expect(inside.assumptions).toBeUndefined();
      expect(decide(rules, { ...egress, destinationIp: '52.1.1.1' }, known)).toMatchObject({ access: 'Deny', ruleName: 'deny-internet' });
    });

    it('prefer a plain match over an assumed one in the same rule', () => {
      const mixed = [rule({ name: 'allow-mixed', priority: 100, direction: 'Outbound', access: 'Allow', destinationAddressPrefix: undefined, destinationAddressPrefixes: ['Storage', '20.50.0.0/16'], destinationPortRange: '443' })];
      expect(decide(mixed, egress).assumptions).toBeUndefined();
    });
  });
});

describe('evaluateNsg: ports and protocols', () => {
  it.each([
    ['10250 inside 10000-11000', { destinationPortRange: '10000-11000' }, 'Deny'],
    ['10250 at the end of 10000-10250', { destinationPortRange: '10000-10250' }, 'Deny'],
    ['10250 not in 10251-11000', { destinationPortRange: '10251-11000' }, 'Allow'],
    ['10255 does not match 10250', { destinationPortRange: '10255' }, 'Allow'],
    ['"*" matches every port', { destinationPortRange: '*' }, 'Deny'],
    ['a port list with a range', { destinationPortRange: undefined, destinationPortRanges: ['22', '10250-10255'] }, 'Deny'],
    ['a port list without 10250', { destinationPortRange: undefined, destinationPortRanges: ['22', '10251-10255'] }, 'Allow'],
    ['singular and plural together are a union', { destinationPortRange: '22', destinationPortRanges: ['10250'] }, 'Deny'],
    ['a UDP deny does not match TCP', { protocol: 'Udp' }, 'Allow'],
    ['an ICMP deny does not match TCP', { protocol: 'Icmp', destinationPortRange: '*' }, 'Allow'],
    ['an ESP deny does not match TCP', { protocol: 'Esp', destinationPortRange: '*' }, 'Allow'],
    ['an AH deny does not match TCP', { protocol: 'Ah', destinationPortRange: '*' }, 'Allow'],
    ['protocol "*" matches TCP', { protocol: '*' }, 'Deny'],
    ['protocol is case-insensitive', { protocol: 'TCP' }, 'Deny'],
    ['an unknown source port only matches rules covering every source port', { sourcePortRange: '1024-65535' }, 'Allow'],
    ['source port 0-65535 is every source port', { sourcePortRange: '0-65535' }, 'Deny'],
  ] as Array<[string, Partial<SecurityRuleLike>, 'Allow' | 'Deny']>)('%s', (_title, overrides, access) => {
    expect(decide([rule({ name: 'deny-it', priority: 100, ...overrides })]).access).toBe(access);
  });

  it('a known source port is matched against the source range', () => {
    const rules = [rule({ name: 'deny-ephemeral', priority: 100, sourcePortRange: '32768-60999' })];
    expect(decide(rules, { ...kubeletFlow, sourcePort: 40000 }).access).toBe('Deny');
    expect(decide(rules, { ...kubeletFlow, sourcePort: 61000 }).access).toBe('Allow');
  });

  it('a UDP flow meets a UDP rule', () => {
    const rules = [rule({ name: 'deny-aks-link', priority: 100, protocol: 'Udp', destinationPortRange: '1194' })];
    expect(decide(rules, { ...kubeletFlow, protocol: 'Udp', destinationPort: 1194 }).ruleName).toBe('deny-aks-link');
  });

  it('ICMP flows match only rules whose ports cover everything', () => {
    const ping: Flow = { ...kubeletFlow, protocol: 'Icmp', destinationPort: 0 };
    expect(decide([rule({ name: 'deny-any', priority: 100, protocol: '*', destinationPortRange: '*' })], ping).ruleName).toBe('deny-any');
    expect(decide([rule({ name: 'deny-port', priority: 100, protocol: '*', destinationPortRange: '10250' })], ping).ruleName).not.toBe('deny-port');
  });
});

describe('evaluateNsg: application security groups', () => {
  const asg = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/aks-nodes';
  const asgRule = rule({
    name: 'deny-to-nodes-asg',
    priority: 100,
    destinationAddressPrefix: undefined,
    destinationApplicationSecurityGroups: [{ id: asg }],
  });

  it('matches when the flow’s destination NIC is in the ASG (ids case-insensitive)', () => {
    expect(decide([asgRule], { ...kubeletFlow, destinationAsgIds: [asg.toUpperCase()] }).ruleName).toBe('deny-to-nodes-asg');
  });

  it('does not match when the NIC is in another ASG or none', () => {
    expect(decide([asgRule], { ...kubeletFlow, destinationAsgIds: [`${asg}-other`] }).ruleName).toBe('AllowVnetInBound');
    expect(decide([asgRule]).ruleName).toBe('AllowVnetInBound');
  });

  it('matches source ASGs against the source NIC', () => {
    const sourceRule = rule({ name: 'deny-from-asg', priority: 100, sourceAddressPrefix: undefined, sourceApplicationSecurityGroups: [{ id: asg }] });
    expect(decide([sourceRule], { ...kubeletFlow, sourceAsgIds: [asg] }).ruleName).toBe('deny-from-asg');
    expect(decide([sourceRule], { ...kubeletFlow, destinationAsgIds: [asg] }).ruleName).toBe('AllowVnetInBound');
  });
});

describe('evaluateNsg: malformed input is refused, not silently matched', () => {
  it.each([
    ['a /33 prefix', { sourceAddressPrefix: '10.0.0.0/33' }, /10\.0\.0\.0\/33/],
    ['an octet over 255', { sourceAddressPrefix: '10.0.0.256' }, /10\.0\.0\.256/],
    ['three octets', { sourceAddressPrefix: '10.0.0' }, /10\.0\.0/],
    ['"Any" (stored as "*")', { sourceAddressPrefix: 'Any' }, /Any.*"\*"/],
    ['words with spaces', { destinationAddressPrefix: 'my subnet' }, /my subnet/],
    ['a port over 65535', { destinationPortRange: '70000' }, /70000/],
    ['a backwards range', { destinationPortRange: '300-200' }, /backwards/],
    ['an empty plural port entry', { destinationPortRange: undefined, destinationPortRanges: [''] }, /empty port range/],
    ['no destination ports at all', { destinationPortRange: undefined }, /destinationPortRange/],
    ['an unknown protocol', { protocol: 'Http' }, /Http/],
    ['a priority under 100', { priority: 99 }, /99/],
    ['a priority over 4096', { priority: 4097 }, /4097/],
    ['a direction typo', { direction: 'Ingress' as 'Inbound' }, /Ingress/],
    ['prefixes and ASGs together', { sourceApplicationSecurityGroups: [{ id: '/x/asg' }] }, /both source/],
  ])('%s', (_title, overrides, message) => {
    const bad = rule({ name: 'bad-rule', priority: 100, ...overrides });
    const attempt = () => decide([bad]);
    expect(attempt).toThrow(NsgRuleError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/aks-agentpool-nsg rule "bad-rule"/);
  });

  it('refuses two rules with the same priority and direction', () => {
    const attempt = () => decide([rule({ name: 'a', priority: 100 }), rule({ name: 'b', priority: 100, access: 'Allow' })]);
    expect(attempt).toThrow(/same priority \(100\)/);
  });

  it('allows the same priority in different directions', () => {
    expect(() => decide([rule({ name: 'a', priority: 100 }), rule({ name: 'b', priority: 100, direction: 'Outbound' })])).not.toThrow();
  });

  it('defaults a missing source port and address to "*" as the Azure CLI does', () => {
    const loose = rule({ name: 'loose', priority: 100, sourcePortRange: undefined, sourceAddressPrefix: undefined });
    expect(decide([loose]).ruleName).toBe('loose');
  });

  it.each([
    ['a source IP with a prefix length', { sourceIp: '10.224.0.5/32' }],
    ['a hostname', { destinationIp: 'aks-node-0' }],
    ['a port out of range', { destinationPort: 65536 }],
    ['a fractional port', { sourcePort: 1.5 }],
  ])('refuses a flow with %s', (_title, overrides) => {
    expect(() => decide([], { ...kubeletFlow, ...overrides })).toThrow(FlowError);
  });

  it('refuses a malformed VirtualNetwork prefix in the tag context', () => {
    expect(() => decide([], kubeletFlow, { virtualNetworkPrefixes: ['10.224.0.0/40'] })).toThrow(/VirtualNetwork prefix/);
  });
});

describe('evaluateNsgPath', () => {
  const allowAll = (name: string) => nsg([], { id: `${NSG_ID}-${name}`, name });
  const denyKubelet = (name: string, direction: 'Inbound' | 'Outbound' = 'Inbound') =>
    nsg([rule({ name: `deny-${name}`, priority: 100, direction })], { id: `${NSG_ID}-${name}`, name });

  it('inbound checks the subnet NSG, then the NIC NSG; both must allow', () => {
    const result = evaluateNsgPath({ subnetNsg: allowAll('subnet'), nicNsg: denyKubelet('nic') }, kubeletFlow, ctx);
    expect(result.allowed).toBe(false);
    expect(result.deciding).toMatchObject({ level: 'nic', ruleName: 'deny-nic', access: 'Deny' });
    expect(result.steps.map((step) => [step.level, step.access])).toEqual([
      ['subnet', 'Allow'],
      ['nic', 'Deny'],
    ]);
  });

  it('the first deny decides, and later levels are still reported', () => {
    const result = evaluateNsgPath({ subnetNsg: denyKubelet('subnet'), nicNsg: denyKubelet('nic') }, kubeletFlow, ctx);
    expect(result.deciding).toMatchObject({ level: 'subnet', ruleName: 'deny-subnet' });
    expect(result.steps).toHaveLength(2);
  });

  it('outbound checks the NIC NSG first, then the subnet NSG', () => {
    const flow: Flow = { ...kubeletFlow, direction: 'Outbound' };
    const result = evaluateNsgPath({ subnetNsg: denyKubelet('subnet', 'Outbound'), nicNsg: denyKubelet('nic', 'Outbound') }, flow, ctx);
    expect(result.deciding).toMatchObject({ level: 'nic', ruleName: 'deny-nic' });
    expect(result.steps.map((step) => step.level)).toEqual(['nic', 'subnet']);
  });

  it('when all allow, the deciding verdict is the last level traffic passes', () => {
    const inbound = evaluateNsgPath({ subnetNsg: allowAll('subnet'), nicNsg: allowAll('nic') }, kubeletFlow, ctx);
    expect(inbound).toMatchObject({ allowed: true, deciding: { level: 'nic' } });
    const outbound = evaluateNsgPath({ subnetNsg: allowAll('subnet'), nicNsg: allowAll('nic') }, { ...kubeletFlow, direction: 'Outbound' }, ctx);
    expect(outbound).toMatchObject({ allowed: true, deciding: { level: 'subnet' } });
  });

  it('a missing NSG allows at its level', () => {
    expect(evaluateNsgPath({}, kubeletFlow, ctx)).toEqual({ allowed: true, deciding: undefined, steps: [] });
    const nicOnly = evaluateNsgPath({ nicNsg: denyKubelet('nic') }, kubeletFlow, ctx);
    expect(nicOnly).toMatchObject({ allowed: false, deciding: { level: 'nic' } });
    expect(nicOnly.steps).toHaveLength(1);
  });
});

describe('validateSecurityRule', () => {
  it('accepts a well-formed rule', () => {
    expect(validateSecurityRule(rule({ name: 'allow-kubelet_10250', priority: 150, access: 'Allow' }))).toEqual([]);
  });

  it.each([
    ['a name with a space', { name: 'allow kubelet' }, /name/],
    ['a name ending in "-"', { name: 'allow-' }, /name/],
    ['a name over 80 characters', { name: 'a'.repeat(81) }, /name/],
    ['a description over 140 characters', { description: 'x'.repeat(141) }, /description/],
    ['a bad prefix', { sourceAddressPrefix: '300.1.1.1' }, /300\.1\.1\.1/],
  ])('reports %s', (_title, overrides, message) => {
    const problems = validateSecurityRule(rule({ name: 'ok', priority: 150, ...overrides }));
    expect(problems.join('\n')).toMatch(message);
  });
});
