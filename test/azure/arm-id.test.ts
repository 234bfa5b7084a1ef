import { describe, expect, it } from 'vitest';
import { expectArmType, formatArmId, parseArmId } from '../../src/azure/arm-id.js';
import { AzureError } from '../../src/azure/errors.js';
import { EXAMPLE_IDS } from '../support/sim.js';

describe('parseArmId', () => {
  it('parses a top-level resource and a child resource', () => {
    expect(parseArmId(EXAMPLE_IDS.cluster)).toEqual({
      subscriptionId: EXAMPLE_IDS.subscriptionId,
      resourceGroup: 'rg-prod',
      provider: 'Microsoft.ContainerService',
      type: 'managedClusters',
      name: 'aks-prod-eastus',
      children: [],
    });
    const subnet = parseArmId(EXAMPLE_IDS.subnet);
    expect(subnet.children).toEqual([{ type: 'subnets', name: 'aks-subnet' }]);
    expect(formatArmId(subnet)).toBe(EXAMPLE_IDS.subnet);
  });

  it('accepts any case for the fixed segments and checks the full type', () => {
    const lower = EXAMPLE_IDS.nsg.replace('/resourceGroups/', '/resourcegroups/');
    expect(expectArmType(lower, 'microsoft.network/NETWORKSECURITYGROUPS').name).toBe('aks-agentpool-12345678-nsg');
    expect(() => expectArmType(EXAMPLE_IDS.nsg, 'Microsoft.Compute/virtualMachineScaleSets')).toThrow(/expected a Microsoft.Compute\/virtualMachineScaleSets id/);
  });

  it.each([
    ['', 'empty'],
    ['aks-prod', 'expected /subscriptions'],
    ['/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n', 'not a GUID'],
    [`/subscriptions/${EXAMPLE_IDS.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/../x`, 'bad resource name'],
    [`/subscriptions/${EXAMPLE_IDS.subscriptionId}/resourceGroups/rg;rm -rf/providers/Microsoft.Network/networkSecurityGroups/n`, 'bad resource group'],
    [`/subscriptions/${EXAMPLE_IDS.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n?x=1`, 'bad resource name'],
    [`/subscriptions/${EXAMPLE_IDS.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n/securityRules`, 'no name'],
  ])('rejects %j (%s)', (id, why) => {
    try {
      parseArmId(id);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(AzureError);
      expect((e as AzureError).code).toBe('InvalidResourceId');
      expect((e as AzureError).message).toContain(why);
      expect((e as AzureError).userMessage).toContain('not a valid Azure resource id');
    }
  });
});
