import { describe, expect, it } from 'vitest';
import { parseCommand, stripTeamsMarkup } from '../../src/app/parse-command.js';

const ID = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-eastus';

describe('parseCommand: phrasings', () => {
  it.each([
    ['diagnose cluster aks-prod', { by: 'name', name: 'aks-prod' }],
    ['diagnose aks-prod', { by: 'name', name: 'aks-prod' }],
    ['  DIAGNOSE   Cluster   aks-prod  ', { by: 'name', name: 'aks-prod' }],
    ['Diagnose aks_prod_2', { by: 'name', name: 'aks_prod_2' }],
    ['diagnose cluster aks-prod in resource group rg-prod', { by: 'name', name: 'aks-prod', resourceGroup: 'rg-prod' }],
    ['diagnose cluster aks-prod in resourcegroup rg-prod', { by: 'name', name: 'aks-prod', resourceGroup: 'rg-prod' }],
    ['diagnose aks-prod in rg MC_rg(1).x', { by: 'name', name: 'aks-prod', resourceGroup: 'MC_rg(1).x' }],
    ['diagnose cluster aks-prod in subscription contoso-prod', { by: 'name', name: 'aks-prod', subscription: 'contoso-prod' }],
    ['diagnose cluster aks-prod in subscription Contoso Prod', { by: 'name', name: 'aks-prod', subscription: 'Contoso Prod' }],
    [
      'diagnose cluster aks-prod in subscription 3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69 in resource group rg-prod',
      { by: 'name', name: 'aks-prod', resourceGroup: 'rg-prod', subscription: '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69' },
    ],
    ['<at>Tunnel Doctor</at> diagnose cluster aks-prod', { by: 'name', name: 'aks-prod' }],
    ['<at>Tunnel Doctor</at>&nbsp;diagnose&nbsp;aks-prod', { by: 'name', name: 'aks-prod' }],
    ['<p><at>Tunnel Doctor</at> diagnose aks-prod</p>', { by: 'name', name: 'aks-prod' }],
    [`diagnose ${ID}`, { by: 'id', id: ID, subscriptionId: '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69', resourceGroup: 'rg-prod', name: 'aks-prod-eastus' }],
    [`diagnose cluster ${ID.toLowerCase()}`.replace('diagnose cluster /', 'diagnose /'), { by: 'id', name: 'aks-prod-eastus' }],
  ])('%s', (text, target) => {
    const cmd = parseCommand(text);
    expect(cmd.kind).toBe('diagnose');
    if (cmd.kind === 'diagnose') expect(cmd.target).toMatchObject(target);
  });

  it.each(['help', 'HELP', '?', '<at>Tunnel Doctor</at> help', '', '   '])('"%s" is help', (text) => {
    expect(parseCommand(text).kind).toBe('help');
  });

  it.each([
    ['audit', { kind: 'audit' }],
    ['AUDIT', { kind: 'audit' }],
    ['<at>Tunnel Doctor</at> audit cluster aks-prod', { kind: 'audit', cluster: 'aks-prod' }],
    ['audit aks-prod', { kind: 'audit', cluster: 'aks-prod' }],
    [`audit ${ID}`, { kind: 'audit', cluster: ID }],
  ])('%s is the audit command', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each(['audit aks;prod', 'audit cluster a in rg b', 'audit $(id)'])('%s is refused', (text) => {
    expect(parseCommand(text).kind).toBe('refused');
  });

  it.each(['hello there', 'what is wrong with aks-prod', 'diagnosis please'])('"%s" is not a command', (text) => {
    expect(parseCommand(text)).toEqual({ kind: 'unrecognised', text });
  });

  it.each(['hi', 'Hello!', 'hey', 'good morning', '你好', '您好！'])('"%s" is a greeting (a short answer, not the help card)', (text) => {
    expect(parseCommand(text)).toEqual({ kind: 'greeting' });
  });
});

describe('parseCommand: hostile or malformed input is refused with a reason', () => {
  it.each([
    ['diagnose aks-prod; rm -rf /', /";"|not one cluster/],
    ['diagnose $(curl evil)', /"\$"/],
    ['diagnose `id`', /"`"/],
    ['diagnose "aks-prod"', /'"'|"\""/],
    ["diagnose aks-prod' OR 1=1", /not one cluster|"'"/],
    ['diagnose aks|prod', /"\|"/],
    ['diagnose aks-prod in resource group rg;ls', /resource group.*";"/],
    ['diagnose аks-prod', /U\+0430/], // Cyrillic a
    ['diagnose aks‐prod', /U\+2010/], // Unicode hyphen
    ['diagnose ａｋｓ', /U\+FF41/], // full-width
    ['diagnose -aks', /not a valid cluster name/],
    [`diagnose ${'a'.repeat(64)}`, /not a valid cluster name/],
    ['diagnose', /Which cluster/],
    ['diagnose cluster', /Which cluster|not a valid/],
    ['diagnose /subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm', /not a managed cluster resource id/],
    ['diagnose aks in rg a in rg b', /named twice/],
    [`diagnose ${'x'.repeat(10_000)}`, /characters long/],
    ['diagnose aks\u0000prod', /U\+0000|not one|not a valid/],
  ])('%s', (text, reason) => {
    const cmd = parseCommand(text);
    expect(cmd.kind).toBe('refused');
    if (cmd.kind === 'refused') {
      expect(cmd.reason).toMatch(reason);
      expect(cmd.hint.length).toBeGreaterThan(10);
    }
  });

  it('strips Teams mentions and entities', () => {
    expect(stripTeamsMarkup('<at>Tunnel Doctor</at>&nbsp; help ')).toBe('help');
  });
});
