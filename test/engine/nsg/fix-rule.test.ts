import { describe, expect, it } from 'vitest';
import { evaluateNsg, type Flow, type NsgLike, type SecurityRuleLike } from '../../../src/engine/nsg/evaluate.js';
import { findFreePriority, FixRuleError, kubeletAllowRule } from '../../../src/engine/nsg/fix-rule.js';

function rule(name: string, priority: number, direction: 'Inbound' | 'Outbound' = 'Inbound', access: 'Allow' | 'Deny' = 'Deny'): SecurityRuleLike {
  return {
    name,
    priority,
    direction,
    access,
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '10250',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
  };
}

const nsgWith = (...rules: SecurityRuleLike[]): NsgLike => ({ id: '/nsg', name: 'nsg', securityRules: rules });

describe('findFreePriority', () => {
  it.each([
    ['the number just below the deny when free', nsgWith(rule('deny', 200)), 200, 199],
    ['skips taken priorities', nsgWith(rule('deny', 200), rule('a', 199), rule('b', 198)), 200, 197],
    ['nothing is free below a deny at 100', nsgWith(rule('deny', 100)), 100, undefined],
    ['100 itself is usable', nsgWith(rule('deny', 101)), 101, 100],
    ['every number from 100 up is taken', nsgWith(rule('deny', 103), rule('a', 100), rule('b', 101), rule('c', 102)), 103, undefined],
    ['a default deny (65500) starts from 4096, the custom maximum', nsgWith(), 65500, 4096],
    ['4096 taken under a default deny', nsgWith(rule('top', 4096)), 65500, 4095],
    ['rules of the other direction do not count', nsgWith(rule('deny', 200), rule('out', 199, 'Outbound')), 200, 199],
    ['an NSG without rules', { id: '/nsg' }, 300, 299],
  ] as const)('%s', (_title, nsg, below, expected) => {
    expect(findFreePriority(nsg, 'Inbound', below)).toBe(expected);
  });

  it('looks at the requested direction only', () => {
    const nsg = nsgWith(rule('out-deny', 200, 'Outbound'), rule('out-a', 199, 'Outbound'), rule('in', 198));
    expect(findFreePriority(nsg, 'Outbound', 200)).toBe(198);
  });
});

describe('kubeletAllowRule', () => {
  it('is an inbound TCP allow to port 10250 from any source port', () => {
    expect(kubeletAllowRule({ priority: 199, sourcePrefixes: ['10.224.0.0/16'], destinationPrefixes: ['10.224.0.0/16'] })).toEqual({
      name: 'tunnel-doctor-allow-kubelet-10250',
      description: expect.stringContaining('10250'),
      priority: 199,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: '10250',
      sourceAddressPrefix: '10.224.0.0/16',
      destinationAddressPrefix: '10.224.0.0/16',
    });
  });

  it('uses the plural fields for several prefixes, never both forms', () => {
    const rule = kubeletAllowRule({ name: 'allow-10250', priority: 300, sourcePrefixes: ['10.224.0.0/16', '10.244.0.0/16'], destinationPrefixes: ['VirtualNetwork'] });
    expect(rule.sourceAddressPrefixes).toEqual(['10.224.0.0/16', '10.244.0.0/16']);
    expect(rule.sourceAddressPrefix).toBeUndefined();
    expect(rule.destinationAddressPrefix).toBe('VirtualNetwork');
    expect(rule.destinationAddressPrefixes).toBeUndefined();
  });

  it.each([
    ['a malformed source prefix', { sourcePrefixes: ['10.224.0.0/33'] }, /source prefix.*10\.224\.0\.0\/33/],
    ['no destination prefix', { destinationPrefixes: [] }, /at least one destination/],
    ['a priority under 100', { priority: 50 }, /priority 50/],
    ['a priority over 4096', { priority: 5000 }, /priority 5000/],
    ['a name Azure refuses', { name: 'allow kubelet!' }, /name/],
  ])('refuses %s', (_title, overrides, message) => {
    const attempt = () => kubeletAllowRule({ priority: 199, sourcePrefixes: ['10.224.0.0/16'], destinationPrefixes: ['10.224.0.0/16'], ...overrides });
    expect(attempt).toThrow(FixRuleError);
    expect(attempt).toThrow(message);
  });

  it('placed at findFreePriority, it lets kubelet traffic past the deny and nothing else', () => {
    const deny: SecurityRuleLike = { ...rule('deny-node-traffic', 200), destinationPortRange: '*', sourceAddressPrefix: 'VirtualNetwork' };
    const unrelated: SecurityRuleLike = { ...rule('allow-8080', 199, 'Inbound', 'Allow'), destinationPortRange: '8080' };
    const nsg = nsgWith(deny, unrelated);
    const ctx = { virtualNetworkPrefixes: ['10.224.0.0/12'] };
    const kubelet: Flow = { direction: 'Inbound', protocol: 'Tcp', sourceIp: '10.224.0.5', destinationIp: '10.224.0.4', destinationPort: 10250 };
    expect(evaluateNsg(nsg, kubelet, ctx, 'subnet')).toMatchObject({ access: 'Deny', ruleName: 'deny-node-traffic' });

    const priority = findFreePriority(nsg, 'Inbound', deny.priority);
    expect(priority).toBe(198);
    const allow = kubeletAllowRule({ priority: priority ?? 0, sourcePrefixes: ['10.224.0.0/16'], destinationPrefixes: ['10.224.0.0/16'] });
    const fixed = nsgWith(deny, unrelated, allow);

    expect(evaluateNsg(fixed, kubelet, ctx, 'subnet')).toMatchObject({ access: 'Allow', ruleName: 'tunnel-doctor-allow-kubelet-10250', priority: 198 });
    expect(evaluateNsg(fixed, { ...kubelet, destinationPort: 22 }, ctx, 'subnet')).toMatchObject({ access: 'Deny', ruleName: 'deny-node-traffic' });
    expect(evaluateNsg(fixed, { ...kubelet, sourceIp: '10.225.0.9' }, ctx, 'subnet')).toMatchObject({ access: 'Deny', ruleName: 'deny-node-traffic' });
  });
});
