import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/scenario/types.js';
import { Estate } from '../../src/sim/estate.js';
import { probeFrom } from '../../src/sim/network-oracle.js';
import { EXAMPLE_IDS, exampleScenario } from '../support/sim.js';

const FQDN = 'aks-prod-eastus-dns-12345678.hcp.eastus.azmk8s.io';

function estateWith(edit: (s: Scenario) => void = () => {}): Estate {
  const s = exampleScenario();
  edit(s);
  return new Estate(s, 0);
}

function addRule(s: Scenario, rule: Record<string, unknown>): void {
  const nsg = s.resources.find((r) => r.id === EXAMPLE_IDS.nsg)!;
  nsg.properties!.securityRules.push({ name: rule.name, properties: { sourcePortRange: '*', destinationPortRange: '*', sourceAddressPrefix: '*', destinationAddressPrefix: '*', protocol: '*', ...rule, name: undefined } });
}

function probe(estate: Estate, fromIndex: number, host: string, port: number, protocol: 'tcp' | 'udp' = 'tcp') {
  return probeFrom(estate, estate.scenario.nodes[fromIndex]!, host, port, protocol);
}

describe('network oracle', () => {
  it('lets node-to-node 10250 through on the healthy example', () => {
    const e = estateWith();
    expect(probe(e, 0, '10.224.0.5', 10250)).toBe('open');
    expect(probe(e, 2, '10.224.0.4', 10250)).toBe('open');
    expect(probe(e, 0, FQDN, 443)).toBe('open');
  });

  it('drops 10250 when the subnet NSG denies it inbound (NSG drops silently: timeout)', () => {
    const e = estateWith((s) => addRule(s, { name: 'deny-kubelet', priority: 200, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', destinationPortRange: '10250' }));
    expect(probe(e, 0, '10.224.0.5', 10250)).toBe('timeout');
    expect(probe(e, 0, '10.224.0.5', 22)).toBe('open');
  });

  it('honours an allow above a deny by priority, and a deny on the outbound side', () => {
    const allowFirst = estateWith((s) => {
      addRule(s, { name: 'allow-vnet-kubelet', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: 'VirtualNetwork', destinationPortRange: '10250' });
      addRule(s, { name: 'deny-kubelet', priority: 200, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', destinationPortRange: '10250' });
    });
    expect(probe(allowFirst, 0, '10.224.0.6', 10250)).toBe('open');
    const outbound = estateWith((s) => addRule(s, { name: 'deny-out', priority: 300, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', destinationAddressPrefix: '10.224.0.6', destinationPortRange: '10250' }));
    expect(probe(outbound, 0, '10.224.0.6', 10250)).toBe('timeout');
    expect(probe(outbound, 0, '10.224.0.5', 10250)).toBe('open');
  });

  it('uses a node inbound override, a stopped target and the host firewall', () => {
    const e = estateWith((s) => {
      s.nodes[1]!.inbound = { '10250/tcp': 'refused' };
      s.nodes[2]!.powerState = 'deallocated';
      s.nodes[0]!.ufw = { enabled: true, defaultIncoming: 'deny', rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }] };
    });
    expect(probe(e, 0, '10.224.0.5', 10250)).toBe('refused');
    expect(probe(e, 0, '10.224.0.6', 10250)).toBe('timeout');
    expect(probe(e, 1, '10.224.0.4', 10250)).toBe('timeout');
    expect(probe(e, 1, '10.224.0.4', 22)).toBe('open');
  });

  it('blocks the tunnel egress: blocked port list, outbound NSG deny to Internet, 0.0.0.0/0 to None', () => {
    const blocked = estateWith((s) => {
      s.egress = { blocked: [{ protocol: 'tcp', port: 9000 }] };
    });
    expect(probe(blocked, 0, FQDN, 9000)).toBe('timeout');
    expect(probe(blocked, 0, FQDN, 443)).toBe('open');
    const nsgDeny = estateWith((s) => addRule(s, { name: 'deny-internet-443', priority: 400, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', destinationAddressPrefix: 'Internet', destinationPortRange: '443' }));
    expect(probe(nsgDeny, 1, FQDN, 443)).toBe('timeout');
    expect(probe(nsgDeny, 1, '10.224.0.4', 443)).toBe('open');
    const blackhole = estateWith((s) => {
      const rt = `${EXAMPLE_IDS.nsg.split('/providers/')[0]}/providers/Microsoft.Network/routeTables/rt`;
      s.resources.push({ id: rt, name: 'rt', type: 'Microsoft.Network/routeTables', properties: { routes: [{ name: 'drop', properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'None' } }] } });
      const vnet = s.resources.find((r) => r.id === EXAMPLE_IDS.vnet)!;
      vnet.properties!.subnets[0].properties.routeTable = { id: rt };
    });
    expect(probe(blackhole, 0, FQDN, 443)).toBe('timeout');
  });
});
