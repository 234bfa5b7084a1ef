/**
 * Differential test: the engine's NSG evaluator (src/engine/nsg/evaluate.ts) against the
 * simulator's own, independently written one (src/sim/nsg-rules.ts), over generated NSG pairs
 * (subnet + NIC) with random priorities, port ranges, prefixes, service tags and ASGs, and
 * generated flows. They must agree on every flow; a disagreement fails with the whole case printed
 * (and fast-check's shrunk counterexample and seed, to replay it).
 */
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateNsgPath } from '../../src/engine/nsg/evaluate.js';
import { nsgFromArm } from '../../src/engine/nsg/from-arm.js';
import { nsgForRead } from '../../src/sim/nsg-shape.js';
import { nsgPathAllows, simTags } from '../../src/sim/nsg-rules.js';

const VNET = ['10.224.0.0/16'];
/** A user-defined route's prefix: part of the VirtualNetwork tag ("Virtual network service tags"). */
const UDR_PREFIX = '172.20.0.0/16';
const ASGS = ['asg-web', 'asg-nodes', 'asg-db'].map((n) => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/${n}`);

/** Addresses that sit on every boundary the tags draw: in the VNet, in a UDR prefix, private
 * outside the VNet, public, the host's virtual IP. */
const ADDRESSES = ['10.224.0.4', '10.224.0.5', '10.224.3.9', '172.20.0.5', '192.168.1.5', '10.9.0.1', '20.81.100.10', '8.8.8.8', '168.63.129.16', '100.64.0.1'];
const PREFIXES = ['*', '10.224.0.0/16', '10.224.0.4', '10.224.0.0/24', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '20.81.0.0/16', '0.0.0.0/0', '8.8.8.8/32', 'VirtualNetwork', 'Internet', 'AzureLoadBalancer', 'AzureCloud', 'Storage.EastUS', '2001:db8::/32'];
const PORTS = [22, 443, 9000, 10250, 10255, 1194, 53, 49152, 65535, 0];

const portText = fc.oneof(
  fc.constant('*'),
  fc.constantFrom(...PORTS).map(String),
  fc.tuple(fc.constantFrom(...PORTS), fc.constantFrom(...PORTS)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
);

type Side = { prefix?: string; prefixes?: string[]; asgs?: string[] };
const side: fc.Arbitrary<Side> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PREFIXES).map((prefix) => ({ prefix })) },
  { weight: 2, arbitrary: fc.uniqueArray(fc.constantFrom(...PREFIXES), { minLength: 1, maxLength: 3 }).map((prefixes) => ({ prefixes })) },
  { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...ASGS), { minLength: 1, maxLength: 2 }).map((asgs) => ({ asgs })) },
);

function sideFields(name: 'source' | 'destination', s: Side): Record<string, unknown> {
  if (s.asgs) return { [`${name}ApplicationSecurityGroups`]: s.asgs.map((id) => ({ id })) };
  if (s.prefixes) return { [`${name}AddressPrefixes`]: s.prefixes };
  return { [`${name}AddressPrefix`]: s.prefix };
}

const rule = fc.record({
  direction: fc.constantFrom('Inbound', 'Outbound'),
  access: fc.constantFrom('Allow', 'Deny'),
  protocol: fc.constantFrom('Tcp', 'Udp', '*', 'Icmp'),
  source: side,
  destination: side,
  sourcePorts: fc.oneof({ weight: 4, arbitrary: fc.constant(['*']) }, { weight: 1, arbitrary: fc.array(portText, { minLength: 1, maxLength: 2 }) }),
  destinationPorts: fc.array(portText, { minLength: 1, maxLength: 3 }),
});

/** An NSG in ARM's wire shape; priorities unique per direction, as ARM requires. */
const nsg = (name: string) =>
  fc.array(fc.tuple(rule, fc.integer({ min: 100, max: 4096 })), { maxLength: 8 }).map((rules) => {
    const seen = new Set<string>();
    const securityRules = rules
      .filter(([r, priority]) => !seen.has(`${r.direction}${priority}`) && seen.add(`${r.direction}${priority}`))
      .map(([r, priority], i) => ({
        name: `rule-${i}`,
        properties: {
          priority,
          direction: r.direction,
          access: r.access,
          protocol: r.protocol,
          ...(r.sourcePorts.length === 1 ? { sourcePortRange: r.sourcePorts[0] } : { sourcePortRanges: r.sourcePorts }),
          ...(r.destinationPorts.length === 1 ? { destinationPortRange: r.destinationPorts[0] } : { destinationPortRanges: r.destinationPorts }),
          ...sideFields('source', r.source),
          ...sideFields('destination', r.destination),
        },
      }));
    const id = `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/${name}`;
    return nsgForRead({ id, name, type: 'Microsoft.Network/networkSecurityGroups', location: 'eastus', properties: { securityRules } });
  });

const flow = fc.record({
  direction: fc.constantFrom('Inbound' as const, 'Outbound' as const),
  protocol: fc.constantFrom('tcp' as const, 'udp' as const),
  sourceIp: fc.constantFrom(...ADDRESSES),
  destinationIp: fc.constantFrom(...ADDRESSES),
  sourcePort: fc.constantFrom(49152, 22, 443),
  destinationPort: fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 65535 })),
  sourceAsgIds: fc.subarray(ASGS),
  destinationAsgIds: fc.subarray(ASGS),
});

const testCase = fc.record({
  subnetNsg: fc.option(nsg('subnet-nsg'), { nil: undefined }),
  nicNsg: fc.option(nsg('nic-nsg'), { nil: undefined }),
  // No UDR, a UDR to another private range, or a default route (which widens VirtualNetwork to everything).
  udrPrefixes: fc.constantFrom([] as string[], [UDR_PREFIX], ['0.0.0.0/0']),
  flow,
});

describe('NSG evaluation: engine and simulator agree', () => {
  it('on generated NSG sets and flows (any disagreement prints the case)', () => {
    fc.assert(
      fc.property(testCase, (c) => {
        const vnetPrefixes = [...VNET, ...c.udrPrefixes];
        const engine = evaluateNsgPath(
          { ...(c.subnetNsg ? { subnetNsg: nsgFromArm(c.subnetNsg) } : {}), ...(c.nicNsg ? { nicNsg: nsgFromArm(c.nicNsg) } : {}) },
          { ...c.flow, protocol: c.flow.protocol === 'tcp' ? 'Tcp' : 'Udp' },
          { virtualNetworkPrefixes: vnetPrefixes },
        ).allowed;
        const sim = nsgPathAllows({ ...(c.subnetNsg ? { subnetNsg: c.subnetNsg } : {}), ...(c.nicNsg ? { nicNsg: c.nicNsg } : {}) }, c.flow, simTags(vnetPrefixes));
        if (engine !== sim) {
          const rules = (n: typeof c.subnetNsg) => n?.properties?.securityRules.map((r: { name: string; properties: unknown }) => ({ name: r.name, ...(r.properties as object) }));
          throw new Error(
            `engine says ${engine ? 'allow' : 'deny'}, simulator says ${sim ? 'allow' : 'deny'}\n` +
              JSON.stringify({ virtualNetworkPrefixes: vnetPrefixes, flow: c.flow, subnetNsgRules: rules(c.subnetNsg), nicNsgRules: rules(c.nicNsg) }, null, 2),
          );
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('hand-picked cases the generator must cover: the Internet tag and a UDR prefix', () => {
    const denyInternet = nsgForRead({
      id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n',
      name: 'n',
      type: 'Microsoft.Network/networkSecurityGroups',
      properties: { securityRules: [{ name: 'deny-internet', properties: { priority: 100, direction: 'Outbound', access: 'Deny', protocol: '*', sourcePortRange: '*', destinationPortRange: '*', sourceAddressPrefix: '*', destinationAddressPrefix: 'Internet' } }] },
    });
    const defaultsOnly = nsgForRead({ ...denyInternet, properties: { securityRules: [] } });
    const out = (destinationIp: string, prefixes: string[], nicNsg = denyInternet) => {
      const f = { direction: 'Outbound' as const, sourceIp: '10.224.0.4', sourcePort: 49152, destinationIp, destinationPort: 443, sourceAsgIds: [], destinationAsgIds: [] };
      return {
        engine: evaluateNsgPath({ nicNsg: nsgFromArm(nicNsg) }, { ...f, protocol: 'Tcp' }, { virtualNetworkPrefixes: prefixes }).allowed,
        sim: nsgPathAllows({ nicNsg }, { ...f, protocol: 'tcp' }, simTags(prefixes)),
      };
    };
    // A private address outside the VNet is not Internet: with the defaults alone, neither
    // AllowVnetOutBound nor AllowInternetOutBound matches it, so DenyAllOutBound drops it.
    expect(out('192.168.1.5', VNET, defaultsOnly)).toEqual({ engine: false, sim: false });
    // A public address is Internet: denied by the rule.
    expect(out('20.81.100.10', VNET)).toEqual({ engine: false, sim: false });
    // A UDR prefix joins VirtualNetwork: AllowVnetOutBound lets 172.20.0.5 through.
    expect(out('172.20.0.5', [...VNET, UDR_PREFIX])).toEqual({ engine: true, sim: true });
  });
});

describe('the simulator is an independent oracle', () => {
  it('imports nothing from src/engine', () => {
    const root = join(import.meta.dirname, '../../src/sim');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts') && /from\s+['"][./]*(\.\.\/)+engine\//.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
