import { describe, expect, it } from 'vitest';
import { evaluateNsg, type Flow } from '../../../src/engine/nsg/evaluate.js';
import {
  azureDefaultSecurityRulesArm,
  nsgFromArm,
  nsgFromSdk,
  securityRuleFromArm,
  securityRuleToArm,
} from '../../../src/engine/nsg/from-arm.js';

const NSG_ID =
  '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/MC_rg-prod_aks-prod-eastus_eastus/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-12345678-nsg';
const ASG_ID = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/nodes';

/** As ARM GET returns it (trimmed): rule fields nest under `properties`. */
const armNsg = {
  id: NSG_ID,
  name: 'aks-agentpool-12345678-nsg',
  type: 'Microsoft.Network/networkSecurityGroups',
  location: 'eastus',
  etag: 'W/"1"',
  properties: {
    provisioningState: 'Succeeded',
    securityRules: [
      {
        id: `${NSG_ID}/securityRules/deny-kubelet`,
        name: 'deny-kubelet',
        etag: 'W/"1"',
        type: 'Microsoft.Network/networkSecurityGroups/securityRules',
        properties: {
          provisioningState: 'Succeeded',
          protocol: 'Tcp',
          sourcePortRange: '*',
          destinationPortRange: '10250',
          sourceAddressPrefix: 'VirtualNetwork',
          destinationAddressPrefix: '*',
          access: 'Deny',
          priority: 200,
          direction: 'Inbound',
          sourcePortRanges: [],
          destinationPortRanges: [],
          sourceAddressPrefixes: [],
          destinationAddressPrefixes: [],
        },
      },
      {
        id: `${NSG_ID}/securityRules/allow-asg`,
        name: 'allow-asg',
        properties: {
          protocol: '*',
          sourcePortRange: '*',
          destinationPortRanges: ['22', '10250-10255'],
          sourceApplicationSecurityGroups: [{ id: ASG_ID, location: 'eastus', properties: { provisioningState: 'Succeeded' } }],
          destinationAddressPrefix: '*',
          access: 'Allow',
          priority: 150,
          direction: 'Inbound',
        },
      },
    ],
    subnets: [{ id: '/subscriptions/…/subnets/aks-subnet' }],
  },
};

const kubelet: Flow = { direction: 'Inbound', protocol: 'Tcp', sourceIp: '10.224.0.5', destinationIp: '10.224.0.4', destinationPort: 10250 };
const ctx = { virtualNetworkPrefixes: ['10.224.0.0/12'] };

describe('nsgFromArm', () => {
  it('flattens rule properties, keeping only rule fields', () => {
    const nsg = nsgFromArm(armNsg);
    expect(nsg.id).toBe(NSG_ID);
    expect(nsg.name).toBe('aks-agentpool-12345678-nsg');
    expect(nsg.securityRules?.[0]).toEqual({
      id: `${NSG_ID}/securityRules/deny-kubelet`,
      name: 'deny-kubelet',
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: '10250',
      sourceAddressPrefix: 'VirtualNetwork',
      destinationAddressPrefix: '*',
      access: 'Deny',
      priority: 200,
      direction: 'Inbound',
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    });
    expect(nsg.securityRules?.[1]?.sourceApplicationSecurityGroups).toEqual([{ id: ASG_ID }]);
    expect(nsg.defaultSecurityRules).toBeUndefined();
  });

  it('produces an NSG the evaluator reads: the deny decides for nodes outside the ASG', () => {
    const nsg = nsgFromArm(armNsg);
    expect(evaluateNsg(nsg, kubelet, ctx, 'subnet')).toMatchObject({ access: 'Deny', ruleName: 'deny-kubelet', ruleId: `${NSG_ID}/securityRules/deny-kubelet` });
    expect(evaluateNsg(nsg, { ...kubelet, sourceAsgIds: [ASG_ID] }, ctx, 'subnet')).toMatchObject({ access: 'Allow', ruleName: 'allow-asg' });
  });

  it('keeps defaultSecurityRules when the resource has them', () => {
    const withDefaults = {
      ...armNsg,
      properties: { ...armNsg.properties, securityRules: [], defaultSecurityRules: azureDefaultSecurityRulesArm(NSG_ID) },
    };
    const nsg = nsgFromArm(withDefaults);
    expect(nsg.defaultSecurityRules?.map((rule) => rule.name)).toEqual([
      'AllowVnetInBound',
      'AllowAzureLoadBalancerInBound',
      'DenyAllInBound',
      'AllowVnetOutBound',
      'AllowInternetOutBound',
      'DenyAllOutBound',
    ]);
    expect(evaluateNsg(nsg, { ...kubelet, sourceIp: '203.0.113.1' }, ctx, 'nic')).toMatchObject({
      ruleName: 'DenyAllInBound',
      ruleId: `${NSG_ID}/defaultSecurityRules/DenyAllInBound`,
      isDefault: true,
    });
  });

  it('accepts an NSG without properties (no rules)', () => {
    expect(nsgFromArm({ id: NSG_ID, name: 'empty' })).toEqual({ id: NSG_ID, name: 'empty', securityRules: [] });
  });

  it('reads a rule written already flattened', () => {
    const rule = securityRuleFromArm({ name: 'flat', priority: 300, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', destinationPortRange: '10250' });
    expect(rule).toMatchObject({ name: 'flat', priority: 300, destinationPortRange: '10250' });
  });
});

describe('securityRuleToArm', () => {
  it('nests fields under properties with the id ARM would give', () => {
    const flat = nsgFromArm(armNsg).securityRules?.[0];
    if (!flat) throw new Error('fixture has no rule');
    const arm = securityRuleToArm(flat, NSG_ID);
    expect(arm.id).toBe(`${NSG_ID}/securityRules/deny-kubelet`);
    expect(arm.type).toBe('Microsoft.Network/networkSecurityGroups/securityRules');
    expect(arm.properties).toMatchObject({ priority: 200, access: 'Deny', destinationPortRange: '10250', provisioningState: 'Succeeded' });
    expect(arm.properties).not.toHaveProperty('name');
    expect(securityRuleFromArm(arm)).toEqual(flat);
  });

  it('gives the defaults ids under defaultSecurityRules', () => {
    const defaults = azureDefaultSecurityRulesArm(NSG_ID);
    expect(defaults).toHaveLength(6);
    expect(defaults[2]).toMatchObject({
      id: `${NSG_ID}/defaultSecurityRules/DenyAllInBound`,
      type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
      properties: { priority: 65500, access: 'Deny', direction: 'Inbound', sourceAddressPrefix: '*' },
    });
  });
});

describe('nsgFromSdk', () => {
  it('reads the SDK’s flattened NetworkSecurityGroup', () => {
    const nsg = nsgFromSdk({
      id: NSG_ID,
      name: 'n',
      securityRules: [{ name: 'deny-kubelet', priority: 100, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', sourceAddressPrefix: '*', destinationAddressPrefix: '*', sourcePortRange: '*', destinationPortRange: '10250' }],
    });
    expect(evaluateNsg(nsg, kubelet, ctx, 'subnet')).toMatchObject({ access: 'Deny', ruleName: 'deny-kubelet' });
  });

  it('refuses a group without an id', () => {
    expect(() => nsgFromSdk({ name: 'orphan' })).toThrow(/orphan has no id/);
  });
});
