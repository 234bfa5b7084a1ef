import { describe, expect, it } from 'vitest';
import {
  decideSnatExhaustion,
  PRIVATE_CLUSTER_QUOTE,
  SnatCheckError,
  surgeNodesFor,
  type SnatExhaustionInput,
} from '../../../src/engine/checks/snat-exhaustion.js';
import type { NodeView } from '../../../src/engine/checks/views.js';

const SUB = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69';
const CLUSTER_ID = `${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-eastus`;
const MC = `${SUB}/resourceGroups/MC_rg-prod_aks-prod-eastus_eastus`;
const LB_ID = `${MC}/providers/Microsoft.Network/loadBalancers/kubernetes`;
const NAT_ID = `${MC}/providers/Microsoft.Network/natGateways/aks-natgw`;
const VMSS = `${MC}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss`;
const N = (i: number) => `aks-nodepool1-12345678-vmss00000${i}`;

const nodes: NodeView[] = [0, 1, 2].map((i) => ({
  computerName: N(i),
  vmssId: VMSS,
  instanceId: String(i),
  osType: 'Linux',
  powerState: 'running',
  privateIp: `10.224.0.${4 + i}`,
  subnetId: `${MC}/providers/Microsoft.Network/virtualNetworks/aks-vnet-12345678/subnets/aks-subnet`,
  asgIds: [],
  isTunnelAgent: i < 2,
}));

const backends = (used: number[], allocated = 1024) => used.map((u, i) => ({ backendIp: `10.224.0.${4 + i}`, usedPorts: u, allocatedPorts: allocated }));

function lbInput(over: Partial<SnatExhaustionInput> = {}): SnatExhaustionInput {
  return {
    private: false,
    outboundType: 'loadBalancer',
    cluster: { id: CLUSTER_ID, name: 'aks-prod-eastus' },
    loadBalancer: { id: LB_ID, name: 'kubernetes', allocatedOutboundPorts: 0, outboundIpCount: 1 },
    metrics: { failedConnections: 0, usedPorts: [], allocatedPorts: [], backends: backends([35, 36, 40]) },
    pools: [{ name: 'nodepool1', count: 3 }],
    nodes,
    ...over,
  };
}

describe('decideSnatExhaustion: applicability', () => {
  it('a private cluster is not applicable, quoting the article', () => {
    const result = decideSnatExhaustion(lbInput({ private: true, metrics: { failedConnections: 500, usedPorts: [1024], allocatedPorts: [1024] } }));
    expect(result.status).toBe('not-applicable');
    expect(result.evidence[0]?.detail).toContain(PRIVATE_CLUSTER_QUOTE);
    expect(PRIVATE_CLUSTER_QUOTE).toContain("doesn't apply to private AKS clusters");
  });

  it.each([
    ['userDefinedRouting', 'not-applicable', 'your own firewall'],
    ['none', 'unknown', "Azure's default outbound access"],
  ])('outbound type %s → %s', (outboundType, status, words) => {
    const result = decideSnatExhaustion(lbInput({ outboundType }));
    expect(result.status).toBe(status);
    expect(result.summary).toContain(words);
  });

  it('outbound type none still SNATs (default outbound access): its metrics cannot be read, and the API server is not called private', () => {
    const result = decideSnatExhaustion(lbInput({ outboundType: 'none' }));
    expect(result.unknownReason?.why).toContain('publishes no SNAT metrics');
    expect(JSON.stringify(result)).not.toMatch(/private/i);
  });

  it('unreadable metrics are unknown, with why and resolve', () => {
    const result = decideSnatExhaustion(lbInput({ metrics: { unreadable: { why: '403 AuthorizationFailed on Microsoft.Insights/metrics/read', resolve: 'Grant Monitoring Reader on the load balancer.' } } }));
    expect(result.status).toBe('unknown');
    expect(result.unknownReason).toEqual({ why: '403 AuthorizationFailed on Microsoft.Insights/metrics/read', resolve: 'Grant Monitoring Reader on the load balancer.' });
  });

  it('metrics not read at all are unknown', () => {
    const { metrics: _none, ...rest } = lbInput();
    const result = decideSnatExhaustion(rest);
    expect(result.status).toBe('unknown');
    expect(result.unknownReason?.resolve).toContain('Microsoft.Insights/metrics/read');
  });

  it('a user-assigned NAT gateway that was not found is unknown, not a pass', () => {
    const result = decideSnatExhaustion(lbInput({ outboundType: 'userAssignedNATGateway', loadBalancer: undefined, metrics: undefined }));
    expect(result.status).toBe('unknown');
    expect(result.unknownReason?.why).toContain('NAT gateway');
  });
});

describe('decideSnatExhaustion: verdicts', () => {
  it.each([
    { title: 'low use, no failures', failed: 0, used: [35, 36, 40], status: 'pass', nodes: [] },
    { title: '79 % on one backend', failed: 0, used: [35, 809, 40], status: 'pass', nodes: [] },
    { title: 'exactly 80 % on one backend', failed: 0, used: [28, 800, 32], allocated: 1000, status: 'warn', nodes: [N(1)] },
    { title: '84 % and 100 %', failed: 0, used: [860, 1024, 40], status: 'warn', nodes: [N(0), N(1)] },
    { title: 'failed connections', failed: 149, used: [35, 1024, 40], status: 'fail', nodes: [N(1)] },
    { title: 'failed connections without a hot backend', failed: 3, used: [35, 36, 40], status: 'fail', nodes: [] },
  ] as Array<{ title: string; failed: number; used: number[]; allocated?: number; status: string; nodes: string[] }>)('$title → $status', ({ failed, used, allocated, status, nodes: expected }) => {
    const result = decideSnatExhaustion(lbInput({ metrics: { failedConnections: failed, usedPorts: [], allocatedPorts: [], backends: backends([...used], allocated) } }));
    expect(result.status).toBe(status);
    expect(result.nodes).toEqual(expected);
    if (status === 'pass') expect(result.fixes).toEqual([]);
    else {
      expect(result.fixes.map((f) => f.kind)).toEqual(['lb-allocated-outbound-ports', 'lb-outbound-ips', 'nat-gateway']);
      expect(result.evidence.some((e) => e.kind === 'advice' && e.detail.includes('connection pooling'))).toBe(true);
    }
  });

  it('index-aligned samples without backends count too', () => {
    const result = decideSnatExhaustion(lbInput({ metrics: { failedConnections: 0, usedPorts: [100, 900], allocatedPorts: [1024, 1024] } }));
    expect(result.status).toBe('warn');
  });
});

describe('decideSnatExhaustion: computed fixes', () => {
  it('gives the exact command and property change, with the arithmetic in evidence', () => {
    // 3 nodes, maxCount 5, maxSurge 1 → 6 nodes to cover; 64,000 / 6 = 10,666 → 10,664 (multiple of 8).
    const result = decideSnatExhaustion(
      lbInput({ pools: [{ name: 'nodepool1', count: 3, maxCount: 5, maxSurge: '1' }], metrics: { failedConnections: 12, usedPorts: [1024], allocatedPorts: [1024] } }),
    );
    expect(result.status).toBe('fail');
    const ports = result.fixes.find((f) => f.kind === 'lb-allocated-outbound-ports');
    expect(ports).toMatchObject({ target: CLUSTER_ID, risk: 'high', needsApproval: true });
    expect(ports?.change).toBe(
      'az aks update -g rg-prod -n aks-prod-eastus --load-balancer-outbound-ports 10664\nnetworkProfile.loadBalancerProfile.allocatedOutboundPorts: 0 → 10664',
    );
    const calc = result.evidence.find((e) => e.kind === 'calculation');
    expect(calc?.detail).toContain('64,000 ports × 1 IP = 64,000 ports; ÷ (5 nodes + 1 surge) = 10,666 per node; multiple of 8 → 10,664');
    // More IPs: 2 × 1,024 = 2,048 per node × 6 nodes = 12,288 → 1 IP; at least one more than today → 2.
    const ips = result.fixes.find((f) => f.kind === 'lb-outbound-ips');
    expect(ips?.change).toBe(
      'az aks update -g rg-prod -n aks-prod-eastus --load-balancer-managed-outbound-ip-count 2 --load-balancer-outbound-ports 21328\n' +
        'networkProfile.loadBalancerProfile.managedOutboundIPs.count: 1 → 2\n' +
        'networkProfile.loadBalancerProfile.allocatedOutboundPorts: 0 → 21328',
    );
    const nat = result.fixes.find((f) => f.kind === 'nat-gateway');
    expect(nat).toMatchObject({ needsApproval: false });
    expect(nat?.change).toContain('--outbound-type managedNATGateway');
  });

  it('says so when Azure Monitor returned as many per-backend series as top allowed (some may be missing)', () => {
    const cut = decideSnatExhaustion(lbInput({ metrics: { failedConnections: 0, usedPorts: [], allocatedPorts: [], backends: backends([35, 36, 40]), backendsCut: { top: 3 } } }));
    expect(cut.evidence.some((e) => e.kind === 'note' && /returned 3 per-backend series/.test(e.detail))).toBe(true);
    expect(decideSnatExhaustion(lbInput()).evidence.some((e) => /per-backend series/.test(e.detail))).toBe(false);
  });

  it('a bring-your-own VNet cluster is never told to migrate to managedNATGateway (Azure refuses it there): userAssignedNATGateway instead', () => {
    const input = lbInput({ byoVnet: true, metrics: { failedConnections: 120, usedPorts: [1024], allocatedPorts: [1024] } });
    const nat = decideSnatExhaustion(input).fixes.find((f) => f.kind === 'nat-gateway');
    expect(nat?.change).toContain('--outbound-type userAssignedNATGateway');
    expect(nat?.change).toContain('az network vnet subnet update');
    expect(nat?.change).not.toContain('managedNATGateway --');
    expect(nat?.title).toContain('userAssignedNATGateway');
  });

  it.each<{ pools: SnatExhaustionInput['pools']; ips: number; current: number }>([
    { pools: [{ name: 'np1', count: 3 }], ips: 1, current: 0 },
    { pools: [{ name: 'np1', count: 10, maxCount: 37, maxSurge: '33%' }], ips: 1, current: 0 },
    { pools: [{ name: 'sys', count: 3, maxCount: 5 }, { name: 'apps', count: 20, maxCount: 113, maxSurge: '3' }], ips: 3, current: 0 },
    { pools: [{ name: 'np1', count: 250, maxCount: 400, maxSurge: '10%' }], ips: 4, current: 512 },
    { pools: [{ name: 'np1', count: 7 }], ips: 2, current: 1000 },
  ])('allocated ports are a multiple of 8 and fit every node: %j', ({ pools, ips, current }) => {
    const result = decideSnatExhaustion(
      lbInput({
        pools,
        loadBalancer: { id: LB_ID, name: 'kubernetes', allocatedOutboundPorts: current, outboundIpCount: ips },
        metrics: { failedConnections: 5, usedPorts: [], allocatedPorts: [] },
      }),
    );
    const nodesToCover = pools.reduce((n, p) => {
      const max = p.maxCount ?? p.count;
      return n + max + surgeNodesFor(p.maxSurge, max);
    }, 0);
    const changes = result.fixes.filter((f) => f.kind.startsWith('lb-')).map((f) => f.change);
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) {
      const ports = Number(/--load-balancer-outbound-ports (\d+)/.exec(change)?.[1]);
      const ipCount = Number(/--load-balancer-managed-outbound-ip-count (\d+)/.exec(change)?.[1] ?? ips);
      expect(ports % 8).toBe(0);
      expect(ports).toBeGreaterThan(0);
      expect(ports * nodesToCover).toBeLessThanOrEqual(64_000 * ipCount);
      // One more node than planned would not fit in the next multiple of 8: the value is the largest.
      expect((ports + 8) * nodesToCover).toBeGreaterThan(64_000 * ipCount);
    }
  });

  it('no allocated-ports fix when the current IPs cannot give more than today', () => {
    // 100 nodes + 10 surge on one IP: 64,000 / 110 = 581 → 576, less than today's explicit 1,000.
    const result = decideSnatExhaustion(
      lbInput({
        pools: [{ name: 'np1', count: 100 }],
        loadBalancer: { id: LB_ID, name: 'kubernetes', allocatedOutboundPorts: 1000, outboundIpCount: 1 },
        metrics: { failedConnections: 9, usedPorts: [], allocatedPorts: [] },
      }),
    );
    expect(result.fixes.map((f) => f.kind)).toEqual(['lb-outbound-ips', 'nat-gateway']);
    // 2,000 ports × 110 nodes = 220,000 → 4 IPs.
    expect(result.fixes[0]?.change).toContain('--load-balancer-managed-outbound-ip-count 4 ');
  });

  it('a cluster name unsafe for a command line gets no command fixes', () => {
    const result = decideSnatExhaustion(lbInput({ cluster: { id: CLUSTER_ID, name: 'aks; rm -rf /' }, metrics: { failedConnections: 1, usedPorts: [], allocatedPorts: [] } }));
    expect(result.status).toBe('fail');
    expect(result.fixes).toEqual([]);
    expect(result.evidence.some((e) => e.detail.includes('not safe'))).toBe(true);
  });
});

describe('decideSnatExhaustion: NAT gateway', () => {
  const natInput = (failed: number, publicIpCount = 1): SnatExhaustionInput =>
    lbInput({
      outboundType: 'managedNATGateway',
      loadBalancer: undefined,
      natGateway: { id: NAT_ID, name: 'aks-natgw', publicIpCount },
      metrics: { failedConnections: failed, usedPorts: [], allocatedPorts: [] },
    });

  it('failed connections fail every node behind it, with a computed IP count', () => {
    const result = decideSnatExhaustion(natInput(696));
    expect(result.status).toBe('fail');
    expect(result.nodes).toEqual([N(0), N(1), N(2)]);
    expect(result.summary).toContain('NAT gateway aks-natgw');
    expect(result.fixes).toEqual([
      expect.objectContaining({
        kind: 'nat-gateway-outbound-ips',
        change: 'az aks update -g rg-prod -n aks-prod-eastus --nat-gateway-managed-outbound-ip-count 2\nnetworkProfile.natGatewayProfile.managedOutboundIPProfile.count: 1 → 2',
      }),
    ]);
  });

  it('no failures: pass', () => {
    expect(decideSnatExhaustion(natInput(0)).status).toBe('pass');
  });

  it('at 16 IPs there is no IP to add', () => {
    const result = decideSnatExhaustion(natInput(10, 16));
    expect(result.fixes).toEqual([]);
    expect(result.evidence.some((e) => e.detail.includes('the maximum'))).toBe(true);
  });
});

describe('surgeNodesFor', () => {
  it.each([
    [undefined, 3, 1],
    [undefined, 25, 3],
    ['33%', 10, 4],
    ['100%', 7, 7],
    ['1', 50, 1],
    ['0', 5, 0],
  ])('maxSurge %s on %i nodes → %i', (maxSurge, pool, expected) => {
    expect(surgeNodesFor(maxSurge, pool)).toBe(expected);
  });

  it('refuses what is neither a count nor a percentage', () => {
    expect(() => surgeNodesFor('ten', 3)).toThrow(SnatCheckError);
  });
});
