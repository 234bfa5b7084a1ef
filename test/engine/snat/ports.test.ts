import { describe, expect, it } from 'vitest';
import {
  defaultSnatPortsPerInstance,
  evaluateSnatUsage,
  recommendAllocatedOutboundPorts,
  SnatInputError,
} from '../../../src/engine/snat/ports.js';

describe('recommendAllocatedOutboundPorts', () => {
  it('divides 64,000 per IP over max + surge nodes and rounds down to a multiple of 8', () => {
    const result = recommendAllocatedOutboundPorts({ outboundIps: 1, maxNodes: 10, surgeNodes: 1 });
    // 64,000 / 11 = 5,818.18 → 5,818 → 5,816
    expect(result.allocatedOutboundPorts).toBe(5816);
    expect(result.figures).toEqual({
      portsPerIp: 64000,
      outboundIps: 1,
      totalPorts: 64000,
      maxNodes: 10,
      surgeNodes: 1,
      nodesToCover: 11,
      portsPerNodeExact: 5818,
      portsPerNodeRounded: 5816,
      capped: false,
    });
    expect(result.arithmetic).toBe('64,000 ports × 1 IP = 64,000 ports; ÷ (10 nodes + 1 surge) = 5,818 per node; multiple of 8 → 5,816');
    expect(result.ipsNeededForTarget).toBeUndefined();
    expect(result.notes).toEqual([]);
  });

  it('matches the AKS documentation example: 7 IPs, 100 nodes, max surge 2', () => {
    // 448,000 / 102 = 4,392.2 → 4,392; 4,392 × 102 = 447,984 ≤ 448,000
    expect(recommendAllocatedOutboundPorts({ outboundIps: 7, maxNodes: 100, surgeNodes: 2 }).allocatedOutboundPorts).toBe(4392);
  });

  it('caps at the 64,000 per-node maximum', () => {
    const result = recommendAllocatedOutboundPorts({ outboundIps: 3, maxNodes: 1, surgeNodes: 1 });
    expect(result.figures.portsPerNodeRounded).toBe(96000);
    expect(result.figures.capped).toBe(true);
    expect(result.allocatedOutboundPorts).toBe(64000);
    expect(result.arithmetic).toMatch(/capped at the 64,000 maximum → 64,000$/);
  });

  it('always returns the largest multiple of 8 that fits', () => {
    for (const outboundIps of [1, 2, 3, 7, 16, 100]) {
      for (const maxNodes of [1, 3, 7, 49, 50, 51, 250, 999, 1000, 5000]) {
        for (const surgeNodes of [0, 1, 3, 10]) {
          const { allocatedOutboundPorts: ports } = recommendAllocatedOutboundPorts({ outboundIps, maxNodes, surgeNodes });
          const nodes = maxNodes + surgeNodes;
          const total = 64000 * outboundIps;
          if (ports === undefined) {
            expect(8 * nodes).toBeGreaterThan(total);
            continue;
          }
          expect(ports % 8).toBe(0);
          expect(ports).toBeGreaterThanOrEqual(8);
          expect(ports).toBeLessThanOrEqual(64000);
          expect(ports * nodes).toBeLessThanOrEqual(total);
          if (ports < 64000) expect((ports + 8) * nodes).toBeGreaterThan(total);
        }
      }
    }
  });

  it('says how many IPs give each node 1,024 ports when fewer fit', () => {
    const result = recommendAllocatedOutboundPorts({ outboundIps: 1, maxNodes: 100, surgeNodes: 1 });
    // 64,000 / 101 = 633 → 632 < 1,024; 1,024 × 101 = 103,424 → 2 IPs
    expect(result.allocatedOutboundPorts).toBe(632);
    expect(result.ipsNeededForTarget).toBe(2);
    expect(result.notes.join(' ')).toMatch(/need 2 outbound IPs/);
  });

  it('honours another target', () => {
    const result = recommendAllocatedOutboundPorts({ outboundIps: 1, maxNodes: 10, surgeNodes: 0, targetPortsPerNode: 8000 });
    // 6,400 per node < 8,000; 8,000 × 10 = 80,000 → 2 IPs
    expect(result.ipsNeededForTarget).toBe(2);
  });

  it('recommends nothing (never 0, which means default allocation) when not even 8 ports fit', () => {
    const result = recommendAllocatedOutboundPorts({ outboundIps: 1, maxNodes: 8000, surgeNodes: 1 });
    expect(result.allocatedOutboundPorts).toBeUndefined();
    expect(result.figures.portsPerNodeRounded).toBe(0);
    // 1,024 × 8,001 / 64,000 = 128.02 → 129 IPs, over the AKS limit of 100
    expect(result.ipsNeededForTarget).toBe(129);
    expect(result.notes.join(' ')).toMatch(/cannot each get even 8 ports/);
    expect(result.notes.join(' ')).toMatch(/more than the 100 an AKS load balancer allows.*NAT/);
  });

  describe('the current setting', () => {
    it('0 means the default table: 1,024 ports up to 50 nodes', () => {
      const result = recommendAllocatedOutboundPorts({ outboundIps: 1, maxNodes: 10, surgeNodes: 1, currentPorts: 0 });
      expect(result.current).toEqual({ allocatedOutboundPorts: 0, effectivePortsPerNode: 1024, fits: true });
      expect(result.notes.join(' ')).toMatch(/default allocation.*1,024 ports/);
    });

    it('0 at 60 nodes gives 512 per node with one IP, 1,024 with two', () => {
      expect(recommendAllocatedOutboundPorts({ outboundIps: 1, maxNodes: 59, surgeNodes: 1, currentPorts: 0 }).current?.effectivePortsPerNode).toBe(512);
      expect(recommendAllocatedOutboundPorts({ outboundIps: 2, maxNodes: 59, surgeNodes: 1, currentPorts: 0 }).current?.effectivePortsPerNode).toBe(1024);
    });

    it('flags a value the IPs cannot back for every node', () => {
      const result = recommendAllocatedOutboundPorts({ outboundIps: 1, maxNodes: 10, surgeNodes: 1, currentPorts: 8000 });
      expect(result.current).toMatchObject({ allocatedOutboundPorts: 8000, fits: false });
      expect(result.notes.join(' ')).toMatch(/8,000 ports × 11 nodes = 88,000 ports is more than the 64,000/);
    });

    it('accepts a value that fits', () => {
      expect(recommendAllocatedOutboundPorts({ outboundIps: 1, maxNodes: 10, surgeNodes: 1, currentPorts: 4000 }).current?.fits).toBe(true);
    });

    it('flags a value that is not a multiple of 8', () => {
      const result = recommendAllocatedOutboundPorts({ outboundIps: 2, maxNodes: 10, surgeNodes: 1, currentPorts: 1000 + 4 });
      expect(result.notes.join(' ')).toMatch(/1,004 is not valid: it must be a multiple of 8/);
    });
  });

  it.each([
    ['no outbound IPs', { outboundIps: 0, maxNodes: 3, surgeNodes: 1 }, /outbound IP count/],
    ['a fractional node count', { outboundIps: 1, maxNodes: 1.5, surgeNodes: 1 }, /maximum node count/],
    ['negative surge', { outboundIps: 1, maxNodes: 3, surgeNodes: -1 }, /surge node count/],
    ['negative current ports', { outboundIps: 1, maxNodes: 3, surgeNodes: 1, currentPorts: -8 }, /current allocatedOutboundPorts/],
  ])('refuses %s', (_title, input, message) => {
    expect(() => recommendAllocatedOutboundPorts(input)).toThrow(SnatInputError);
    expect(() => recommendAllocatedOutboundPorts(input)).toThrow(message);
  });
});

describe('defaultSnatPortsPerInstance', () => {
  it.each([
    [1, 1024],
    [50, 1024],
    [51, 512],
    [100, 512],
    [101, 256],
    [200, 256],
    [201, 128],
    [400, 128],
    [401, 64],
    [800, 64],
    [801, 32],
    [1000, 32],
    [1001, undefined],
  ])('a pool of %i instances gets %s ports per frontend IP', (poolSize, ports) => {
    expect(defaultSnatPortsPerInstance(poolSize)).toBe(ports);
  });

  it('multiplies by frontend IPs up to 1,024', () => {
    expect(defaultSnatPortsPerInstance(150, 3)).toBe(768);
    expect(defaultSnatPortsPerInstance(150, 5)).toBe(1024);
    expect(defaultSnatPortsPerInstance(10, 4)).toBe(1024);
  });

  it('refuses an empty pool', () => {
    expect(() => defaultSnatPortsPerInstance(0)).toThrow(SnatInputError);
  });
});

describe('evaluateSnatUsage', () => {
  it('any failed SNAT connection is a failure', () => {
    const verdict = evaluateSnatUsage({ failedConnections: 41, usedPorts: [300, 1000], allocatedPorts: [1024, 1024] });
    expect(verdict.status).toBe('fail');
    expect(verdict.worstRatio).toBeCloseTo(1000 / 1024);
    expect(verdict.reason).toMatch(/41 outbound connections failed/);
  });

  it.each([
    ['exactly 80% is a warning', [819.2], [1024], 'warn'],
    ['just under 80% passes', [818], [1024], 'pass'],
    ['the worst sample decides', [100, 900, 200], [1024, 1024, 1024], 'warn'],
    ['all low passes', [100, 200], [1024, 1024], 'pass'],
  ])('%s', (_title, usedPorts, allocatedPorts, status) => {
    expect(evaluateSnatUsage({ failedConnections: 0, usedPorts, allocatedPorts }).status).toBe(status);
  });

  it('reports the worst ratio and sample count, skipping samples with nothing allocated', () => {
    const verdict = evaluateSnatUsage({ failedConnections: 0, usedPorts: [5, 512, 0], allocatedPorts: [0, 1024, 256] });
    expect(verdict).toMatchObject({ status: 'pass', worstRatio: 0.5, samples: 2 });
    expect(verdict.reason).toMatch(/50%/);
  });

  it('passes with no samples and says so', () => {
    expect(evaluateSnatUsage({ failedConnections: 0, usedPorts: [], allocatedPorts: [] })).toEqual({
      status: 'pass',
      worstRatio: 0,
      samples: 0,
      reason: 'no failed SNAT connections; no port usage samples',
    });
  });

  it('refuses series of different lengths and negative numbers', () => {
    expect(() => evaluateSnatUsage({ failedConnections: 0, usedPorts: [1, 2], allocatedPorts: [8] })).toThrow(/differ in length/);
    expect(() => evaluateSnatUsage({ failedConnections: -1, usedPorts: [], allocatedPorts: [] })).toThrow(SnatInputError);
    expect(() => evaluateSnatUsage({ failedConnections: 0, usedPorts: [-1], allocatedPorts: [8] })).toThrow(/sample 0/);
  });
});
