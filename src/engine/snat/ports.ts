/**
 * SNAT port arithmetic for an AKS cluster whose outbound type is loadBalancer.
 *
 * Platform rules this module follows (Microsoft Learn):
 * - "When a public IP address is added as a frontend IP to a load balancer, 64,000 ports are
 *   eligible for SNAT" (Load Balancer, "Source Network Address Translation (SNAT) for outbound
 *   connections").
 * - allocatedOutboundPorts: "Allowed values are in the range of 0 to 64000 (inclusive). The
 *   default value is 0 which results in Azure dynamically allocating ports"
 *   (ManagedClusterLoadBalancerProfile); "The value for outbound ports must be a multiple of 8",
 *   and the ports must cover maxCount plus maxSurge nodes: 64,000 ports per IP / ports per node
 *   × outbound IPs = maximum nodes (AKS, "Configure a public standard load balancer",
 *   "Calculate and verify outbound ports and IPs needed").
 * - Managed outbound IPs: "Allowed values must be in the range of 1 to 100" for an AKS load
 *   balancer (ManagedClusterLoadBalancerProfileManagedOutboundIPs.count). 16 is NAT gateway's
 *   limit of public IPs, not the load balancer's.
 * - With allocatedOutboundPorts 0, ports come from the default table by backend pool size, per
 *   frontend IP, "up to a maximum of 1024 ports" (Load Balancer, "Default port allocation table").
 */

export const SNAT_PORTS_PER_FRONTEND_IP = 64_000;
export const MAX_ALLOCATED_OUTBOUND_PORTS = 64_000;
export const ALLOCATED_PORTS_MULTIPLE = 8;
export const AKS_MAX_MANAGED_OUTBOUND_IPS = 100;
export const DEFAULT_TARGET_PORTS_PER_NODE = 1024;
/** Default allocation never gives more than this per instance, however many frontend IPs. */
export const DEFAULT_ALLOCATION_MAX_PORTS = 1024;
/** Used/allocated at or above this is a warning (exhaustion is near). */
export const SNAT_WARN_RATIO = 0.8;

/** Default SNAT ports per instance for one frontend IP, by backend pool size (VM instances). */
export const DEFAULT_PORT_ALLOCATION_TABLE: ReadonlyArray<{ minVms: number; maxVms: number; ports: number }> = [
  { minVms: 1, maxVms: 50, ports: 1024 },
  { minVms: 51, maxVms: 100, ports: 512 },
  { minVms: 101, maxVms: 200, ports: 256 },
  { minVms: 201, maxVms: 400, ports: 128 },
  { minVms: 401, maxVms: 800, ports: 64 },
  { minVms: 801, maxVms: 1000, ports: 32 },
];

export class SnatInputError extends Error {
  readonly userMessage: string;
  constructor(message: string) {
    super(message);
    this.name = 'SnatInputError';
    this.userMessage = message;
  }
}

function requireInteger(value: number, label: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new SnatInputError(`${label} must be a whole number ≥ ${min} (got ${value})`);
}

const fmt = (value: number): string => value.toLocaleString('en-US');

/**
 * Ports each instance gets when allocatedOutboundPorts is 0: the table's value for the pool
 * size times the frontend IPs, capped at 1024. Undefined beyond 1000 instances, which the
 * table does not cover.
 */
export function defaultSnatPortsPerInstance(poolSize: number, frontendIps = 1): number | undefined {
  requireInteger(poolSize, 'backend pool size', 1);
  requireInteger(frontendIps, 'frontend IP count', 1);
  const row = DEFAULT_PORT_ALLOCATION_TABLE.find((entry) => poolSize >= entry.minVms && poolSize <= entry.maxVms);
  return row ? Math.min(row.ports * frontendIps, DEFAULT_ALLOCATION_MAX_PORTS) : undefined;
}

export interface SnatFigures {
  portsPerIp: number;
  outboundIps: number;
  totalPorts: number;
  maxNodes: number;
  surgeNodes: number;
  nodesToCover: number;
  /** floor(totalPorts / nodesToCover). */
  portsPerNodeExact: number;
  /** portsPerNodeExact rounded down to a multiple of 8. */
  portsPerNodeRounded: number;
  /** True when the 64,000 per-node maximum lowered the value. */
  capped: boolean;
}

export interface SnatRecommendation {
  /** The value to set; undefined when not even 8 ports per node fit (0 would mean "default
   * allocation", so it is never recommended). */
  allocatedOutboundPorts?: number;
  figures: SnatFigures;
  /** The calculation in one line, for the card. */
  arithmetic: string;
  targetPortsPerNode: number;
  /** Outbound IPs needed so every node gets targetPortsPerNode; only when the current IPs fall short. */
  ipsNeededForTarget?: number;
  /** The current allocation, when currentPorts was given. */
  current?: {
    allocatedOutboundPorts: number;
    /** Ports each node really gets (the default table when allocatedOutboundPorts is 0). */
    effectivePortsPerNode?: number;
    /** Whether allocatedOutboundPorts × nodes fits in the frontend IPs' ports. */
    fits: boolean;
  };
  notes: string[];
}

/**
 * The largest multiple of 8 such that ports × (maxNodes + surgeNodes) ≤ 64,000 × outboundIps,
 * capped at 64,000, with the figures behind it and notes on the current setting and on how many
 * IPs a `targetPortsPerNode` (default 1024) would need.
 */
export function recommendAllocatedOutboundPorts(input: {
  outboundIps: number;
  maxNodes: number;
  surgeNodes: number;
  currentPorts?: number;
  targetPortsPerNode?: number;
}): SnatRecommendation {
  const { outboundIps, maxNodes, surgeNodes } = input;
  requireInteger(outboundIps, 'outbound IP count', 1);
  requireInteger(maxNodes, 'maximum node count', 1);
  requireInteger(surgeNodes, 'surge node count', 0);
  const targetPortsPerNode = input.targetPortsPerNode ?? DEFAULT_TARGET_PORTS_PER_NODE;
  requireInteger(targetPortsPerNode, 'target ports per node', ALLOCATED_PORTS_MULTIPLE);

  const totalPorts = SNAT_PORTS_PER_FRONTEND_IP * outboundIps;
  const nodesToCover = maxNodes + surgeNodes;
  const portsPerNodeExact = Math.floor(totalPorts / nodesToCover);
  const portsPerNodeRounded = portsPerNodeExact - (portsPerNodeExact % ALLOCATED_PORTS_MULTIPLE);
  const capped = portsPerNodeRounded > MAX_ALLOCATED_OUTBOUND_PORTS;
  const ports = Math.min(portsPerNodeRounded, MAX_ALLOCATED_OUTBOUND_PORTS);
  const figures: SnatFigures = {
    portsPerIp: SNAT_PORTS_PER_FRONTEND_IP,
    outboundIps,
    totalPorts,
    maxNodes,
    surgeNodes,
    nodesToCover,
    portsPerNodeExact,
    portsPerNodeRounded,
    capped,
  };
  const arithmetic =
    `${fmt(SNAT_PORTS_PER_FRONTEND_IP)} ports × ${outboundIps} IP${outboundIps === 1 ? '' : 's'} = ${fmt(totalPorts)} ports; ` +
    `÷ (${fmt(maxNodes)} nodes + ${fmt(surgeNodes)} surge) = ${fmt(portsPerNodeExact)} per node; ` +
    `multiple of 8 → ${fmt(portsPerNodeRounded)}` +
    (capped ? `; capped at the ${fmt(MAX_ALLOCATED_OUTBOUND_PORTS)} maximum → ${fmt(ports)}` : '');

  const notes: string[] = [];
  const recommendation: SnatRecommendation = { figures, arithmetic, targetPortsPerNode, notes };
  if (ports >= ALLOCATED_PORTS_MULTIPLE) {
    recommendation.allocatedOutboundPorts = ports;
  } else {
    notes.push(`${fmt(nodesToCover)} nodes cannot each get even ${ALLOCATED_PORTS_MULTIPLE} ports from ${outboundIps} outbound IP${outboundIps === 1 ? '' : 's'}.`);
  }

  if (ports < targetPortsPerNode) {
    const ipsNeeded = Math.ceil((targetPortsPerNode * nodesToCover) / SNAT_PORTS_PER_FRONTEND_IP);
    recommendation.ipsNeededForTarget = ipsNeeded;
    if (ipsNeeded <= AKS_MAX_MANAGED_OUTBOUND_IPS) {
      notes.push(
        `For ${fmt(targetPortsPerNode)} ports per node, ${fmt(nodesToCover)} nodes need ${ipsNeeded} outbound IPs ` +
          `(${fmt(targetPortsPerNode)} × ${fmt(nodesToCover)} = ${fmt(targetPortsPerNode * nodesToCover)} ≤ ${fmt(SNAT_PORTS_PER_FRONTEND_IP)} × ${ipsNeeded}).`,
      );
    } else {
      notes.push(
        `For ${fmt(targetPortsPerNode)} ports per node, ${fmt(nodesToCover)} nodes would need ${ipsNeeded} outbound IPs, more than ` +
          `the ${AKS_MAX_MANAGED_OUTBOUND_IPS} an AKS load balancer allows; consider outbound type managedNATGateway, which allocates ports on demand.`,
      );
    }
  }

  if (input.currentPorts !== undefined) {
    recommendation.current = assessCurrentPorts(input.currentPorts, figures, notes);
  }
  return recommendation;
}

function assessCurrentPorts(currentPorts: number, figures: SnatFigures, notes: string[]): NonNullable<SnatRecommendation['current']> {
  requireInteger(currentPorts, 'current allocatedOutboundPorts', 0);
  if (currentPorts === 0) {
    const effective = defaultSnatPortsPerInstance(Math.max(figures.nodesToCover, 1), figures.outboundIps);
    notes.push(
      effective === undefined
        ? `allocatedOutboundPorts is 0 (default allocation), which the default table does not cover beyond 1,000 instances.`
        : `allocatedOutboundPorts is 0 (default allocation): at ${fmt(figures.nodesToCover)} nodes each gets ${fmt(effective)} ports, ` +
            `and fewer each time the pool crosses 50, 100, 200 … nodes; AKS recommends an explicit value.`,
    );
    return { allocatedOutboundPorts: 0, ...(effective !== undefined ? { effectivePortsPerNode: effective } : {}), fits: true };
  }
  if (currentPorts % ALLOCATED_PORTS_MULTIPLE !== 0 || currentPorts > MAX_ALLOCATED_OUTBOUND_PORTS) {
    notes.push(`allocatedOutboundPorts ${fmt(currentPorts)} is not valid: it must be a multiple of 8 between 8 and 64,000.`);
  }
  const needed = currentPorts * figures.nodesToCover;
  const fits = needed <= figures.totalPorts;
  if (!fits) {
    notes.push(
      `The current ${fmt(currentPorts)} ports × ${fmt(figures.nodesToCover)} nodes = ${fmt(needed)} ports is more than the ` +
        `${fmt(figures.totalPorts)} the outbound IPs provide: scaling out or upgrading (surge nodes) will fail to get SNAT ports.`,
    );
  }
  return { allocatedOutboundPorts: currentPorts, effectivePortsPerNode: currentPorts, fits };
}

export interface SnatUsageVerdict {
  status: 'pass' | 'warn' | 'fail';
  /** Highest used/allocated ratio over the samples with allocated > 0; 0 when there are none. */
  worstRatio: number;
  /** Samples that had allocated ports (the ratio's basis). */
  samples: number;
  reason: string;
}

/**
 * Reads the load balancer's SNAT metrics: any failed SNAT connection (SnatConnectionCount with
 * ConnectionState=Failed) is exhaustion; used/allocated at or above 0.8 on any sample (per
 * backend instance or per time grain, index-aligned) is a warning.
 */
export function evaluateSnatUsage(input: { failedConnections: number; usedPorts: number[]; allocatedPorts: number[] }): SnatUsageVerdict {
  const { failedConnections, usedPorts, allocatedPorts } = input;
  if (!Number.isFinite(failedConnections) || failedConnections < 0) {
    throw new SnatInputError(`failed SNAT connections must be a number ≥ 0 (got ${failedConnections})`);
  }
  if (usedPorts.length !== allocatedPorts.length) {
    throw new SnatInputError(`used and allocated SNAT port series differ in length (${usedPorts.length} vs ${allocatedPorts.length})`);
  }
  let worstRatio = 0;
  let samples = 0;
  usedPorts.forEach((used, index) => {
    const allocated = allocatedPorts[index] ?? 0;
    if (!Number.isFinite(used) || used < 0 || !Number.isFinite(allocated) || allocated < 0) {
      throw new SnatInputError(`SNAT port sample ${index} is not a pair of numbers ≥ 0 (used ${used}, allocated ${allocated})`);
    }
    if (allocated === 0) return;
    samples += 1;
    worstRatio = Math.max(worstRatio, used / allocated);
  });
  const percent = `${Math.round(worstRatio * 100)}%`;
  if (failedConnections > 0) {
    return {
      status: 'fail',
      worstRatio,
      samples,
      reason: `${fmt(failedConnections)} outbound connection${failedConnections === 1 ? '' : 's'} failed for lack of SNAT ports` +
        (samples > 0 ? `; peak use ${percent} of allocated ports` : ''),
    };
  }
  if (worstRatio >= SNAT_WARN_RATIO) {
    return { status: 'warn', worstRatio, samples, reason: `SNAT port use peaked at ${percent} of allocated ports (warning at ${SNAT_WARN_RATIO * 100}%)` };
  }
  return {
    status: 'pass',
    worstRatio,
    samples,
    reason: samples > 0 ? `no failed SNAT connections; peak use ${percent} of allocated ports` : 'no failed SNAT connections; no port usage samples',
  };
}
