/**
 * Building blocks for simulated Azure estates (tunnel-doctor-scenario/v1): one AKS cluster with its
 * node resource group, scale sets, network, outbound path, nodes, kube-system pods and metrics.
 * scripts/make-scenarios.ts builds the corpus from them and bench/estate.ts the big bench cluster,
 * so every scenario is consistent by construction (node IPs inside their subnet, references that
 * resolve, names as AKS makes them).
 *
 * Shapes follow ARM GET output (see /work/shared/example-healthy.json) and AKS naming:
 * - node resource group `MC_<rg>_<cluster>_<region>`, one 8-digit number per cluster shared by
 *   every pool (`aks-<pool>-<8 digits>-vmss`, `aks-agentpool-<8 digits>-nsg`, `aks-vnet-<8 digits>`);
 * - computer names `<vmss name><instance id in base 36, 6 chars>` (instance 10 → vmss00000a);
 * - Azure keeps the first four addresses of a subnet, so nodes start at .4;
 * - with a managed VNet AKS puts its NSG on the subnet; with a custom (BYO) subnet it cannot touch
 *   the customer's subnet and puts it on the scale sets' NICs instead.
 */
import type {
  ArmResource,
  IptablesChain,
  IptablesRule,
  IptablesState,
  MetricSeries,
  Scenario,
  ScenarioNode,
  ScenarioPod,
  UfwRule,
  UfwState,
} from '../src/scenario/types.js';
import { SCENARIO_FORMAT } from '../src/scenario/types.js';

// ---------------------------------------------------------------------------------------------
// Fixed demo identities

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const SUBSCRIPTIONS = {
  prod: { subscriptionId: '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69', displayName: 'contoso-prod' },
  dev: { subscriptionId: '8d4e2f1c-5b3a-4c6d-9e7f-0a1b2c3d4e5f', displayName: 'contoso-dev' },
} as const;
export type SubscriptionKey = keyof typeof SUBSCRIPTIONS;

/** Realistic speeds (the tests scale them down). */
export const REALISTIC_LATENCY = { armMs: 30, runCommandMs: 20000, kubectlMs: 8000 };

/** The metric samples every series carries: three one-minute points ending at 10:00. */
export const METRIC_TIMES = ['2026-11-25T09:58:00Z', '2026-11-25T09:59:00Z', '2026-11-25T10:00:00Z'] as const;

/** cluster-proportional-autoscaler ladder AKS ships for konnectivity-agent (docs/checks.md). */
export const DEFAULT_LADDER: Array<[number, number]> = [
  [1, 2],
  [100, 3],
  [250, 4],
  [500, 5],
  [1000, 6],
  [5000, 10],
];

/** Replicas of the last ladder step whose node count ≤ nodes (cluster-proportional-autoscaler "ladder" mode). */
export function ladderReplicas(ladder: ReadonlyArray<readonly [number, number]>, nodes: number): number {
  let replicas = 0;
  for (const [atLeast, count] of ladder) if (nodes >= atLeast) replicas = count;
  return replicas;
}

// ---------------------------------------------------------------------------------------------
// Deterministic names

/** A small seeded generator (FNV-1a seed, mulberry32 steps): the same scenario always gets the same names. */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let state = h;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Kubernetes' SafeEncodeString alphabet (no vowels, no 0/1/3): pod-template hashes and pod suffixes. */
const KUBE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function kubeToken(rand: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KUBE_ALPHABET[Math.floor(rand() * KUBE_ALPHABET.length)];
  return out;
}

function hexToken(rand: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += '0123456789abcdef'[Math.floor(rand() * 16)];
  return out;
}

function guid(rand: () => number): string {
  return `${hexToken(rand, 8)}-${hexToken(rand, 4)}-4${hexToken(rand, 3)}-${'89ab'[Math.floor(rand() * 4)]}${hexToken(rand, 3)}-${hexToken(rand, 12)}`;
}

/** VMSS computer name suffix: the instance id in base 36, zero-padded to six characters. */
export function instanceSuffix(instanceId: number): string {
  return instanceId.toString(36).padStart(6, '0');
}

// ---------------------------------------------------------------------------------------------
// IPv4

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The address `offset` hosts into a prefix ("10.224.0.0/16", 4 → 10.224.0.4); throws past its end. */
export function addressInPrefix(prefix: string, offset: number): string {
  const [base, bits] = prefix.split('/');
  const size = 2 ** (32 - Number(bits));
  if (offset < 0 || offset >= size - 1) throw new Error(`offset ${offset} is outside ${prefix}`);
  return intToIp((ipToInt(base!) + offset) >>> 0);
}

// ---------------------------------------------------------------------------------------------
// The estate

export type TunnelKind = 'konnectivity' | 'tunnel-front' | 'aks-link';
export type OutboundType = 'loadBalancer' | 'managedNATGateway' | 'userDefinedRouting';

export interface PoolSpec {
  name: string;
  count: number;
  mode?: 'System' | 'User';
  osType?: 'Linux' | 'Windows';
  vmSize?: string;
  /** Custom network only: the subnet (by name) the pool's nodes sit in. */
  subnet?: string;
  /** Power state per instance index; absent = "running". */
  powerStates?: Record<number, string>;
  /** Extra scale-set instances beyond `count` (deallocated by scale-down mode Deallocate). */
  deallocatedExtra?: number;
}

export interface CustomNetworkSpec {
  /** Address space of the customer VNet, e.g. "10.20.0.0/16". */
  addressPrefix: string;
  subnets: Array<{ name: string; prefix: string }>;
}

export interface EstateSpec {
  /** Short name: resource group `rg-<short>`, custom network in `rg-<short>-net`. */
  short: string;
  cluster: string;
  subscription?: SubscriptionKey;
  location?: string;
  kubernetesVersion?: string;
  tunnel?: TunnelKind;
  private?: boolean;
  outboundType?: OutboundType;
  /** Absent: AKS-managed VNet in the node resource group. */
  customNetwork?: CustomNetworkSpec;
  /** "overlay" (Azure CNI overlay, default), "kubenet" (route table per node), "azure" (flat Azure CNI). */
  plugin?: 'overlay' | 'kubenet' | 'azure';
  pools: PoolSpec[];
  /** Tunnel agent replicas; default: the ladder for konnectivity, 1 tunnelfront, 2 aks-link. */
  agentReplicas?: number;
  /** Computer names of the nodes the agents run on, in order; default: the first running Linux nodes. */
  agentNodes?: string[];
  /** konnectivity ladder written to the autoscaler configmap; null = no configmap (AKS defaults apply). */
  ladder?: Array<[number, number]> | null;
  /** Add the per-node DaemonSet pods (kube-proxy); default true. */
  daemonSetPods?: boolean;
  /** Used ports on every backend, as a share of its allocation (0..1); default ~4 %. */
  snatUsedShare?: number;
}

export interface PoolInfo {
  spec: PoolSpec;
  vmssId: string;
  vmssName: string;
  nicConfigName: string;
  subnetId: string;
  nodes: ScenarioNode[];
}

export interface SnatBackend {
  allocated: number;
  /** One value per METRIC_TIMES point. */
  used: number[];
}

export interface Estate {
  spec: EstateSpec;
  rand: () => number;
  subscriptionId: string;
  location: string;
  digits: string;
  rg: string;
  netRg?: string;
  nodeRg: string;
  clusterId: string;
  vnetId: string;
  subnetIds: Record<string, string>;
  aksNsgId: string;
  lbId?: string;
  natGatewayId?: string;
  pools: PoolInfo[];
  resources: ArmResource[];
  byId: Map<string, ArmResource>;
  nodes: ScenarioNode[];
  byName: Map<string, ScenarioNode>;
  pods: ScenarioPod[];
  tunnelPods: ScenarioPod[];
  configMaps: Array<Record<string, any>>;
  events: Array<Record<string, any>>;
  egressBlocked: Array<{ protocol: 'tcp' | 'udp'; port: number; destination?: string }>;
  /** LB SNAT state per backend IP, rendered into metrics at the end. */
  snat: { backends: Map<string, SnatBackend>; failed: number[]; successful: number[] };
  /** NAT gateway counters per METRIC_TIMES point. */
  nat: { attempted: number[]; failed: number[]; total: number[]; dropped: number[] };
  faults: NonNullable<Scenario['faults']>;
  /** Next free host offset per subnet id. */
  hostOffsets: Map<string, number>;
  podNames: Set<string>;
}

const sub = (subscriptionId: string) => `/subscriptions/${subscriptionId}`;

export function resourceId(subscriptionId: string, rg: string, type: string, name: string): string {
  return `${sub(subscriptionId)}/resourceGroups/${rg}/providers/${type}/${name}`;
}

function etag(rand: () => number): string {
  return `W/"${guid(rand)}"`;
}

export function addResource(est: Estate, resource: ArmResource): ArmResource {
  const key = resource.id.toLowerCase();
  if (est.byId.has(key)) throw new Error(`duplicate resource id ${resource.id}`);
  est.resources.push(resource);
  est.byId.set(key, resource);
  return resource;
}

export function getResource(est: Estate, id: string): ArmResource {
  const found = est.byId.get(id.toLowerCase());
  if (!found) throw new Error(`no resource ${id}`);
  return found;
}

export function nodeNamed(est: Estate, computerName: string): ScenarioNode {
  const node = est.byName.get(computerName);
  if (!node) throw new Error(`no node ${computerName} in ${est.spec.cluster}`);
  return node;
}

export function pool(est: Estate, name: string): PoolInfo {
  const found = est.pools.find((p) => p.spec.name === name);
  if (!found) throw new Error(`no pool ${name} in ${est.spec.cluster}`);
  return found;
}

/** Computer name of instance `index` of a pool. */
export function nodeOf(est: Estate, poolName: string, index: number): string {
  const node = pool(est, poolName).nodes[index];
  if (!node) throw new Error(`pool ${poolName} has no instance ${index}`);
  return node.computerName;
}

export function linuxRunningNodes(est: Estate): ScenarioNode[] {
  return est.nodes.filter((n) => n.osType === 'Linux' && n.powerState === 'running');
}

/** Computer names of the nodes that run a tunnel agent pod (sorted, unique). */
export function agentNodeNames(est: Estate): string[] {
  return [...new Set(est.tunnelPods.map((p) => p.node).filter((n): n is string => !!n))].sort();
}

export function allNodeNames(est: Estate, filter: (n: ScenarioNode) => boolean = () => true): string[] {
  return est.nodes.filter(filter).map((n) => n.computerName).sort();
}

// ---------------------------------------------------------------------------------------------
// Building the estate

export function buildEstate(spec: EstateSpec): Estate {
  const rand = seededRandom(`${spec.short}/${spec.cluster}`);
  const subscriptionId = SUBSCRIPTIONS[spec.subscription ?? 'prod'].subscriptionId;
  const location = spec.location ?? 'eastus';
  const digits = String(10000000 + Math.floor(rand() * 89999999));
  const rg = `rg-${spec.short}`;
  const nodeRg = `MC_${rg}_${spec.cluster}_${location}`;
  const est: Estate = {
    spec,
    rand,
    subscriptionId,
    location,
    digits,
    rg,
    nodeRg,
    clusterId: resourceId(subscriptionId, rg, 'Microsoft.ContainerService/managedClusters', spec.cluster),
    vnetId: '',
    subnetIds: {},
    aksNsgId: resourceId(subscriptionId, nodeRg, 'Microsoft.Network/networkSecurityGroups', `aks-agentpool-${digits}-nsg`),
    pools: [],
    resources: [],
    byId: new Map(),
    nodes: [],
    byName: new Map(),
    pods: [],
    tunnelPods: [],
    configMaps: [],
    events: [],
    egressBlocked: [],
    snat: { backends: new Map(), failed: [0, 0, 0], successful: [1830, 1904, 1876] },
    nat: { attempted: [0, 0, 0], failed: [0, 0, 0], total: [0, 0, 0], dropped: [0, 0, 0] },
    faults: [],
    hostOffsets: new Map(),
    podNames: new Set(),
  };
  if (spec.customNetwork) est.netRg = `${rg}-net`;

  addResource(est, { id: est.clusterId, name: spec.cluster, type: 'Microsoft.ContainerService/ManagedClusters', location });
  buildNetwork(est);
  buildOutbound(est);
  for (const p of spec.pools) buildPool(est, p);
  if (spec.plugin === 'kubenet') buildKubenetRoutes(est);
  buildCluster(est);
  buildPods(est);
  buildSnatBaseline(est);
  return est;
}

function buildNetwork(est: Estate): void {
  const { spec, subscriptionId, location, rand } = est;
  const aksNsg: ArmResource = {
    id: est.aksNsgId,
    name: `aks-agentpool-${est.digits}-nsg`,
    type: 'Microsoft.Network/networkSecurityGroups',
    location,
    etag: etag(rand),
    properties: { provisioningState: 'Succeeded', resourceGuid: guid(rand), securityRules: [] },
  };
  addResource(est, aksNsg);

  if (!spec.customNetwork) {
    est.vnetId = resourceId(subscriptionId, est.nodeRg, 'Microsoft.Network/virtualNetworks', `aks-vnet-${est.digits}`);
    addResource(est, {
      id: est.vnetId,
      name: `aks-vnet-${est.digits}`,
      type: 'Microsoft.Network/virtualNetworks',
      location,
      etag: etag(rand),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: guid(rand),
        addressSpace: { addressPrefixes: ['10.224.0.0/12'] },
        subnets: [subnetBody(est, 'aks-subnet', '10.224.0.0/16')],
        virtualNetworkPeerings: [],
        enableDdosProtection: false,
      },
    });
    est.subnetIds['aks-subnet'] = `${est.vnetId}/subnets/aks-subnet`;
    attachNsgToSubnet(est, est.aksNsgId, est.subnetIds['aks-subnet']!);
    return;
  }

  const netRg = est.netRg!;
  const name = `vnet-${spec.short}`;
  est.vnetId = resourceId(subscriptionId, netRg, 'Microsoft.Network/virtualNetworks', name);
  addResource(est, {
    id: est.vnetId,
    name,
    type: 'Microsoft.Network/virtualNetworks',
    location,
    etag: etag(rand),
    tags: { owner: 'platform-network', costCenter: 'cc-4711' },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(rand),
      addressSpace: { addressPrefixes: [spec.customNetwork.addressPrefix] },
      subnets: spec.customNetwork.subnets.map((s) => subnetBody(est, s.name, s.prefix)),
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
    },
  });
  for (const s of spec.customNetwork.subnets) est.subnetIds[s.name] = `${est.vnetId}/subnets/${s.name}`;
}

function subnetBody(est: Estate, name: string, prefix: string): Record<string, any> {
  return {
    id: `${est.vnetId}/subnets/${name}`,
    name,
    etag: etag(est.rand),
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: {
      provisioningState: 'Succeeded',
      addressPrefix: prefix,
      delegations: [],
      privateEndpointNetworkPolicies: 'Disabled',
      privateLinkServiceNetworkPolicies: 'Enabled',
    },
  };
}

/** The subnet object inside its VNet resource. */
export function subnetOf(est: Estate, subnetId: string): Record<string, any> {
  const vnetId = subnetId.slice(0, subnetId.toLowerCase().indexOf('/subnets/'));
  const vnet = getResource(est, vnetId);
  const subnet = (vnet.properties!.subnets as Array<Record<string, any>>).find((s) => s.id.toLowerCase() === subnetId.toLowerCase());
  if (!subnet) throw new Error(`no subnet ${subnetId}`);
  return subnet;
}

function buildOutbound(est: Estate): void {
  const { subscriptionId, nodeRg, location, rand } = est;
  const outbound = est.spec.outboundType ?? 'loadBalancer';
  if (outbound === 'userDefinedRouting') return;
  const pipName = guid(rand);
  const pipId = resourceId(subscriptionId, nodeRg, 'Microsoft.Network/publicIPAddresses', pipName);
  addResource(est, {
    id: pipId,
    name: pipName,
    type: 'Microsoft.Network/publicIPAddresses',
    location,
    etag: etag(rand),
    tags: { 'aks-managed-cluster-name': est.spec.cluster, 'aks-managed-cluster-rg': est.rg, 'aks-managed-type': 'aks-slb-managed-outbound-ip' },
    sku: { name: 'Standard', tier: 'Regional' },
    zones: ['1', '2', '3'],
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(rand),
      ipAddress: `20.${81 + Math.floor(rand() * 40)}.${Math.floor(rand() * 250)}.${1 + Math.floor(rand() * 250)}`,
      publicIPAddressVersion: 'IPv4',
      publicIPAllocationMethod: 'Static',
      idleTimeoutInMinutes: 4,
      ipTags: [],
    },
  });

  if (outbound === 'managedNATGateway') {
    est.natGatewayId = resourceId(subscriptionId, nodeRg, 'Microsoft.Network/natGateways', 'aks-natgw');
    addResource(est, {
      id: est.natGatewayId,
      name: 'aks-natgw',
      type: 'Microsoft.Network/natGateways',
      location,
      etag: etag(rand),
      sku: { name: 'Standard' },
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: guid(rand),
        idleTimeoutInMinutes: 4,
        publicIpAddresses: [{ id: pipId }],
        subnets: [],
      },
    });
    for (const subnetId of Object.values(est.subnetIds)) attachNatGatewayToSubnet(est, subnetId);
    return;
  }

  est.lbId = resourceId(subscriptionId, nodeRg, 'Microsoft.Network/loadBalancers', 'kubernetes');
  const feName = guid(rand);
  const feId = `${est.lbId}/frontendIPConfigurations/${feName}`;
  const poolId = `${est.lbId}/backendAddressPools/aksOutboundBackendPool`;
  addResource(est, {
    id: est.lbId,
    name: 'kubernetes',
    type: 'Microsoft.Network/loadBalancers',
    location,
    etag: etag(rand),
    sku: { name: 'Standard', tier: 'Regional' },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(rand),
      frontendIPConfigurations: [
        {
          id: feId,
          name: feName,
          etag: etag(rand),
          type: 'Microsoft.Network/loadBalancers/frontendIPConfigurations',
          properties: { provisioningState: 'Succeeded', privateIPAllocationMethod: 'Dynamic', publicIPAddress: { id: pipId }, outboundRules: [{ id: `${est.lbId}/outboundRules/aksOutboundRule` }] },
        },
      ],
      backendAddressPools: [
        {
          id: poolId,
          name: 'aksOutboundBackendPool',
          etag: etag(rand),
          type: 'Microsoft.Network/loadBalancers/backendAddressPools',
          properties: { provisioningState: 'Succeeded', outboundRules: [{ id: `${est.lbId}/outboundRules/aksOutboundRule` }] },
        },
      ],
      loadBalancingRules: [],
      probes: [],
      inboundNatRules: [],
      outboundRules: [
        {
          id: `${est.lbId}/outboundRules/aksOutboundRule`,
          name: 'aksOutboundRule',
          etag: etag(rand),
          type: 'Microsoft.Network/loadBalancers/outboundRules',
          properties: {
            provisioningState: 'Succeeded',
            allocatedOutboundPorts: 0,
            protocol: 'All',
            enableTcpReset: true,
            idleTimeoutInMinutes: 30,
            frontendIPConfigurations: [{ id: feId }],
            backendAddressPool: { id: poolId },
          },
        },
      ],
    },
  });
}

export function attachNatGatewayToSubnet(est: Estate, subnetId: string): void {
  const nat = getResource(est, est.natGatewayId!);
  subnetOf(est, subnetId).properties.natGateway = { id: nat.id };
  (nat.properties!.subnets as Array<{ id: string }>).push({ id: subnetId });
}

function buildPool(est: Estate, p: PoolSpec): void {
  const windows = p.osType === 'Windows';
  // Windows computer names are limited to 15 characters, so AKS names Windows scale sets "aks<pool>".
  const vmssName = windows ? `aks${p.name}` : `aks-${p.name}-${est.digits}-vmss`;
  const vmssId = resourceId(est.subscriptionId, est.nodeRg, 'Microsoft.Compute/virtualMachineScaleSets', vmssName);
  const subnetName = est.spec.customNetwork ? (p.subnet ?? est.spec.customNetwork.subnets[0]!.name) : 'aks-subnet';
  const subnetId = est.subnetIds[subnetName];
  if (!subnetId) throw new Error(`pool ${p.name}: no subnet ${subnetName}`);
  const instances = p.count + (p.deallocatedExtra ?? 0);
  const ipConfig: Record<string, any> = {
    primary: true,
    subnet: { id: subnetId },
    privateIPAddressVersion: 'IPv4',
  };
  if (est.lbId) ipConfig.loadBalancerBackendAddressPools = [{ id: `${est.lbId}/backendAddressPools/aksOutboundBackendPool` }];
  const nicConfig: Record<string, any> = {
    primary: true,
    enableAcceleratedNetworking: !windows,
    enableIPForwarding: true,
    ipConfigurations: [{ name: 'ipconfig1', properties: ipConfig }],
  };
  // BYO subnet: AKS may not change the customer's subnet, so its NSG goes on the NICs.
  if (est.spec.customNetwork) nicConfig.networkSecurityGroup = { id: est.aksNsgId };

  const vmss: ArmResource = {
    id: vmssId,
    name: vmssName,
    type: 'Microsoft.Compute/virtualMachineScaleSets',
    location: est.location,
    sku: { name: p.vmSize ?? (windows ? 'Standard_D4s_v5' : 'Standard_D4ds_v5'), tier: 'Standard', capacity: instances },
    tags: {
      'aks-managed-poolName': p.name,
      'aks-managed-orchestrator': `Kubernetes:${est.spec.kubernetesVersion ?? '1.31.2'}`,
      'aks-managed-createOperationID': guid(est.rand),
    },
    properties: {
      singlePlacementGroup: false,
      orchestrationMode: 'Uniform',
      upgradePolicy: { mode: 'Manual' },
      provisioningState: 'Succeeded',
      uniqueId: guid(est.rand),
      virtualMachineProfile: {
        osProfile: windows
          ? { computerNamePrefix: vmssName, adminUsername: 'azureuser', windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: false } }
          : { computerNamePrefix: vmssName, adminUsername: 'azureuser', linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true } },
        storageProfile: { osDisk: { osType: windows ? 'Windows' : 'Linux', createOption: 'FromImage', caching: 'ReadOnly', diffDiskSettings: { option: 'Local' } } },
        networkProfile: { networkInterfaceConfigurations: [{ name: vmssName, properties: nicConfig }] },
      },
    },
  };
  addResource(est, vmss);

  const info: PoolInfo = { spec: p, vmssId, vmssName, nicConfigName: vmssName, subnetId, nodes: [] };
  const prefix = subnetOf(est, subnetId).properties.addressPrefix as string;
  for (let i = 0; i < instances; i++) {
    const node: ScenarioNode = {
      vmss: vmssId,
      instanceId: String(i),
      computerName: `${vmssName}${instanceSuffix(i)}`,
      privateIp: addressInPrefix(prefix, nextHostOffset(est, subnetId)),
      osType: windows ? 'Windows' : 'Linux',
      powerState: i >= p.count ? 'deallocated' : (p.powerStates?.[i] ?? 'running'),
    };
    if (!windows) {
      node.ufw = { enabled: false, defaultIncoming: 'deny', rules: [] };
      node.iptables = { chains: { INPUT: { policy: 'ACCEPT', rules: [] } } };
    }
    info.nodes.push(node);
    est.nodes.push(node);
    est.byName.set(node.computerName, node);
  }
  est.pools.push(info);
  if (est.spec.customNetwork) listNicsOnNsg(est, est.aksNsgId, info);
}

function nextHostOffset(est: Estate, subnetId: string): number {
  const next = est.hostOffsets.get(subnetId) ?? 4; // Azure reserves .0–.3 of every subnet
  est.hostOffsets.set(subnetId, next + 1);
  return next;
}

/** kubenet: AKS keeps one route per node (its pod /24 → the node) in a table on the node subnet. */
function buildKubenetRoutes(est: Estate): void {
  const name = `aks-agentpool-${est.digits}-routetable`;
  const id = resourceId(est.subscriptionId, est.nodeRg, 'Microsoft.Network/routeTables', name);
  const routes = est.nodes
    .filter((n) => n.powerState === 'running')
    .map((n, i) => {
      const podCidr = `10.244.${i}.0/24`;
      return { name: `${n.computerName}____${podCidr.replace(/[./]/g, '')}`, addressPrefix: podCidr, nextHopType: 'VirtualAppliance', nextHopIpAddress: n.privateIp };
    });
  addRouteTable(est, { id, name, routes, disableBgpRoutePropagation: false }, Object.values(est.subnetIds));
}

export function addRouteTable(
  est: Estate,
  table: { id: string; name: string; routes: Array<{ name: string; addressPrefix: string; nextHopType: string; nextHopIpAddress?: string }>; disableBgpRoutePropagation?: boolean },
  subnetIds: string[],
): string {
  addResource(est, {
    id: table.id,
    name: table.name,
    type: 'Microsoft.Network/routeTables',
    location: est.location,
    etag: etag(est.rand),
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(est.rand),
      disableBgpRoutePropagation: table.disableBgpRoutePropagation ?? false,
      routes: table.routes.map((r) => ({
        id: `${table.id}/routes/${r.name}`,
        name: r.name,
        etag: etag(est.rand),
        type: 'Microsoft.Network/routeTables/routes',
        properties: { provisioningState: 'Succeeded', addressPrefix: r.addressPrefix, nextHopType: r.nextHopType, ...(r.nextHopIpAddress ? { nextHopIpAddress: r.nextHopIpAddress } : {}), hasBgpOverride: false },
      })),
      subnets: subnetIds.map((id) => ({ id })),
    },
  });
  for (const subnetId of subnetIds) subnetOf(est, subnetId).properties.routeTable = { id: table.id };
  return table.id;
}

function buildCluster(est: Estate): void {
  const { spec, rand } = est;
  const version = spec.kubernetesVersion ?? '1.31.2';
  const plugin = spec.plugin ?? 'overlay';
  const hasWindows = spec.pools.some((p) => p.osType === 'Windows');
  const dnsPrefix = `${spec.cluster}-dns`;
  const hcpId = hexToken(rand, 8);
  const networkProfile: Record<string, any> = {
    networkPlugin: plugin === 'kubenet' ? 'kubenet' : 'azure',
    ...(plugin === 'overlay' ? { networkPluginMode: 'overlay' } : {}),
    networkPolicy: 'none',
    ...(plugin === 'azure' ? {} : { podCidr: '10.244.0.0/16', podCidrs: ['10.244.0.0/16'] }),
    serviceCidr: '10.0.0.0/16',
    serviceCidrs: ['10.0.0.0/16'],
    dnsServiceIP: '10.0.0.10',
    outboundType: spec.outboundType ?? 'loadBalancer',
    loadBalancerSku: 'standard',
    ipFamilies: ['IPv4'],
  };
  if (est.lbId) {
    const lb = getResource(est, est.lbId);
    const pipId = lb.properties!.frontendIPConfigurations[0].properties.publicIPAddress.id as string;
    networkProfile.loadBalancerProfile = {
      managedOutboundIPs: { count: 1 },
      allocatedOutboundPorts: 0,
      idleTimeoutInMinutes: 30,
      effectiveOutboundIPs: [{ id: pipId }],
      backendPoolType: 'nodeIPConfiguration',
    };
  }
  if (est.natGatewayId) {
    const nat = getResource(est, est.natGatewayId);
    networkProfile.natGatewayProfile = {
      managedOutboundIPProfile: { count: 1 },
      idleTimeoutInMinutes: 4,
      effectiveOutboundIPs: nat.properties!.publicIpAddresses,
    };
  }
  const apiServerAccessProfile: Record<string, any> = { enablePrivateCluster: spec.private === true };
  if (spec.private) Object.assign(apiServerAccessProfile, { privateDNSZone: 'system', enablePrivateClusterPublicFQDN: false });
  const legacy = spec.tunnel === 'tunnel-front' || spec.tunnel === 'aks-link';

  const cluster = getResource(est, est.clusterId);
  Object.assign(cluster, {
    // aks-link ran on clusters with the paid uptime SLA, whose tier ARM called "Paid" then.
    sku: { name: 'Base', tier: spec.tunnel === 'aks-link' ? 'Paid' : legacy ? 'Free' : 'Standard' },
    identity: { type: 'SystemAssigned', principalId: guid(rand), tenantId: TENANT_ID },
    properties: {
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      kubernetesVersion: version,
      currentKubernetesVersion: version,
      dnsPrefix,
      ...(spec.private
        ? { privateFQDN: `${dnsPrefix}-${hcpId}.${guid(rand)}.privatelink.${est.location}.azmk8s.io` }
        : { fqdn: `${dnsPrefix}-${hcpId}.hcp.${est.location}.azmk8s.io` }),
      azurePortalFQDN: `${dnsPrefix}-${hcpId}.portal.hcp.${est.location}.azmk8s.io`,
      agentPoolProfiles: est.pools.map((p) => agentPoolProfile(est, p, version)),
      ...(hasWindows ? { windowsProfile: { adminUsername: 'azureuser', enableCSIProxy: true } } : {}),
      linuxProfile: { adminUsername: 'azureuser', ssh: { publicKeys: [{ keyData: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 demo@contoso' }] } },
      servicePrincipalProfile: { clientId: 'msi' },
      nodeResourceGroup: est.nodeRg,
      enableRBAC: true,
      supportPlan: 'KubernetesOfficial',
      networkProfile,
      apiServerAccessProfile,
      maxAgentPools: 100,
      disableLocalAccounts: false,
      identityProfile: {
        kubeletidentity: {
          resourceId: resourceId(est.subscriptionId, est.nodeRg, 'Microsoft.ManagedIdentity/userAssignedIdentities', `${spec.cluster}-agentpool`),
          clientId: guid(rand),
          objectId: guid(rand),
        },
      },
    },
  });
}

function agentPoolProfile(est: Estate, p: PoolInfo, version: string): Record<string, any> {
  const windows = p.spec.osType === 'Windows';
  return {
    name: p.spec.name,
    count: p.spec.count,
    vmSize: (getResource(est, p.vmssId).sku as { name: string }).name,
    osDiskSizeGB: 128,
    osDiskType: 'Ephemeral',
    kubeletDiskType: 'OS',
    ...(est.spec.customNetwork ? { vnetSubnetID: p.subnetId } : {}),
    maxPods: est.spec.plugin === 'azure' ? 30 : 250,
    type: 'VirtualMachineScaleSets',
    enableAutoScaling: false,
    ...(p.spec.deallocatedExtra ? { scaleDownMode: 'Deallocate' } : { scaleDownMode: 'Delete' }),
    provisioningState: 'Succeeded',
    powerState: { code: 'Running' },
    orchestratorVersion: version,
    currentOrchestratorVersion: version,
    mode: p.spec.mode ?? 'User',
    osType: windows ? 'Windows' : 'Linux',
    osSKU: windows ? 'Windows2022' : 'Ubuntu',
    nodeImageVersion: windows ? 'AKSWindows-2022-containerd-20348.2849.241113' : 'AKSUbuntu-2204gen2containerd-202411.12.0',
    enableFIPS: false,
    enableNodePublicIP: false,
  };
}

// ---------------------------------------------------------------------------------------------
// Pods and Kubernetes objects

const CREATED = '2026-11-20T08:14:05Z';

/** `<prefix>-<5 chars>`, unique in the estate (random suffixes can collide on big clusters). */
function podName(est: Estate, prefix: string): string {
  for (;;) {
    const name = `${prefix}-${kubeToken(est.rand, 5)}`;
    if (!est.podNames.has(name)) {
      est.podNames.add(name);
      return name;
    }
  }
}

function buildPods(est: Estate): void {
  const { spec, rand } = est;
  const linux = linuxRunningNodes(est);
  if (linux.length === 0) throw new Error(`${spec.cluster}: a cluster needs a running Linux node`);
  const tunnel = spec.tunnel ?? 'konnectivity';
  const nodeCount = spec.pools.reduce((n, p) => n + p.count, 0);
  const ladder = spec.ladder ?? DEFAULT_LADDER;
  const replicas =
    spec.agentReplicas ?? (tunnel === 'konnectivity' ? ladderReplicas(ladder, nodeCount) : tunnel === 'aks-link' ? 2 : 1);
  const placement = spec.agentNodes ?? linux.map((n) => n.computerName);

  const agent: { prefix: string; labels: Record<string, string>; memory: string } = {
    konnectivity: { prefix: 'konnectivity-agent', labels: { app: 'konnectivity-agent' }, memory: '1Gi' },
    'tunnel-front': { prefix: 'tunnelfront', labels: { component: 'tunnel' }, memory: '500Mi' },
    'aks-link': { prefix: 'aks-link', labels: { app: 'aks-link' }, memory: '256Mi' },
  }[tunnel];
  const rs = kubeToken(rand, 10);
  for (let i = 0; i < replicas; i++) {
    const node = placement[i % placement.length]!;
    const pod: ScenarioPod = {
      namespace: 'kube-system',
      name: podName(est, `${agent.prefix}-${rs}`),
      labels: { ...agent.labels, 'pod-template-hash': rs },
      node,
      phase: 'Running',
      restarts: 0,
      lastTermination: null,
      resources: { limits: { memory: agent.memory }, requests: { cpu: '20m', memory: '30Mi' } },
    };
    est.pods.push(pod);
    est.tunnelPods.push(pod);
  }

  const deployment = (prefix: string, labels: Record<string, string>, count: number, memory: string) => {
    const hash = kubeToken(rand, 10);
    for (let i = 0; i < count; i++) {
      est.pods.push({
        namespace: 'kube-system',
        name: podName(est, `${prefix}-${hash}`),
        labels: { ...labels, 'pod-template-hash': hash },
        node: linux[(i + 1) % linux.length]!.computerName,
        phase: 'Running',
        restarts: 0,
        lastTermination: null,
        resources: { limits: { memory } },
      });
    }
  };
  deployment('coredns', { 'k8s-app': 'kube-dns' }, 2, '500Mi');
  deployment('metrics-server', { 'k8s-app': 'metrics-server' }, 2, '400Mi');
  if (tunnel === 'konnectivity') {
    // Not a tunnel agent, although its name starts with "konnectivity-agent-": selection is by label.
    deployment('konnectivity-agent-autoscaler', { 'k8s-app': 'konnectivity-agent-autoscaler' }, 1, '100Mi');
    if (spec.ladder !== null) est.configMaps.push(ladderConfigMap(est, ladder));
  }
  if (spec.daemonSetPods !== false) {
    const hash = kubeToken(rand, 5);
    for (const node of linux) {
      est.pods.push({
        namespace: 'kube-system',
        name: podName(est, 'kube-proxy'),
        labels: { component: 'kube-proxy', tier: 'node', 'controller-revision-hash': hash },
        node: node.computerName,
        phase: 'Running',
        restarts: 0,
        lastTermination: null,
      });
    }
  }
}

/**
 * One kube-system DaemonSet: a pod on every running Linux node (`<name>-<5 chars>`, as the
 * DaemonSet controller names them). A real cluster runs several (kube-proxy, cloud-node-manager,
 * the CSI node drivers, azure-ip-masq-agent, azure-cns, the monitoring agent …).
 */
export function addDaemonSetPods(est: Estate, name: string, labels: Record<string, string>): void {
  const hash = kubeToken(est.rand, 10);
  for (const node of linuxRunningNodes(est)) {
    est.pods.push({
      namespace: 'kube-system',
      name: podName(est, name),
      labels: { ...labels, 'controller-revision-hash': hash, 'pod-template-generation': '1' },
      node: node.computerName,
      phase: 'Running',
      restarts: 0,
      lastTermination: null,
    });
  }
}

/** kube-system/konnectivity-agent-autoscaler as the API returns it (cluster-proportional-autoscaler "ladder" mode). */
export function ladderConfigMap(est: Estate, ladder: Array<[number, number]>): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'konnectivity-agent-autoscaler',
      namespace: 'kube-system',
      uid: guid(est.rand),
      resourceVersion: String(1000 + Math.floor(est.rand() * 9000)),
      creationTimestamp: CREATED,
      // EnsureExists: the addon manager creates it but leaves later edits alone (a customised ladder stays).
      labels: { 'addonmanager.kubernetes.io/mode': 'EnsureExists' },
    },
    data: { ladder: JSON.stringify({ coresToReplicas: [], nodesToReplicas: ladder }) },
  };
}

/** node-problem-detector's kernel-monitor event for an OOM kill on a node (namespace "default", as for every Node event). */
export function oomKillingEvent(est: Estate, nodeName: string, process: string, pid: number, at: string): Record<string, any> {
  const seq = hexToken(est.rand, 16);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${nodeName}.${seq}`, namespace: 'default', uid: guid(est.rand), resourceVersion: String(40000 + pid), creationTimestamp: at },
    involvedObject: { kind: 'Node', name: nodeName, uid: nodeName, apiVersion: 'v1' },
    reason: 'OOMKilling',
    message: `Memory cgroup out of memory: Killed process ${pid} (${process}) total-vm:1298764kB, anon-rss:1046828kB, file-rss:31320kB, shmem-rss:0kB, UID:0 pgtables:2284kB oom_score_adj:999`,
    source: { component: 'kernel-monitor', host: nodeName },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type: 'Warning',
    eventTime: null,
    reportingComponent: 'kernel-monitor',
    reportingInstance: nodeName,
  };
}

// ---------------------------------------------------------------------------------------------
// NSGs and ASGs

export interface RuleSpec {
  name: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: 'Tcp' | 'Udp' | 'Icmp' | '*';
  source?: string;
  sources?: string[];
  destination?: string;
  destinations?: string[];
  destinationPort?: string;
  destinationPorts?: string[];
  destinationAsgs?: string[];
  sourceAsgs?: string[];
  description?: string;
}

/** A security rule as ARM returns it: singular and plural fields both present, the unused one empty. */
export function securityRule(est: Estate, nsgId: string, r: RuleSpec): Record<string, any> {
  const props: Record<string, any> = {
    provisioningState: 'Succeeded',
    ...(r.description ? { description: r.description } : {}),
    protocol: r.protocol,
    sourcePortRange: '*',
    ...(r.destinationPorts ? {} : { destinationPortRange: r.destinationPort ?? '*' }),
    ...(r.sourceAsgs || r.sources ? {} : { sourceAddressPrefix: r.source ?? '*' }),
    ...(r.destinationAsgs || r.destinations ? {} : { destinationAddressPrefix: r.destination ?? '*' }),
    access: r.access,
    priority: r.priority,
    direction: r.direction,
    sourcePortRanges: [],
    destinationPortRanges: r.destinationPorts ?? [],
    sourceAddressPrefixes: r.sources ?? [],
    destinationAddressPrefixes: r.destinations ?? [],
  };
  if (r.sourceAsgs) props.sourceApplicationSecurityGroups = r.sourceAsgs.map((id) => ({ id }));
  if (r.destinationAsgs) props.destinationApplicationSecurityGroups = r.destinationAsgs.map((id) => ({ id }));
  return {
    id: `${nsgId}/securityRules/${r.name}`,
    name: r.name,
    etag: etag(est.rand),
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties: props,
  };
}

export function addSecurityRules(est: Estate, nsgId: string, rules: RuleSpec[]): void {
  const nsg = getResource(est, nsgId);
  const list = nsg.properties!.securityRules as Array<Record<string, any>>;
  for (const r of rules) list.push(securityRule(est, nsgId, r));
}

/** A customer NSG (in `rg`, default the cluster's resource group). */
export function addNsg(est: Estate, name: string, rules: RuleSpec[], rg = est.rg): string {
  const id = resourceId(est.subscriptionId, rg, 'Microsoft.Network/networkSecurityGroups', name);
  addResource(est, {
    id,
    name,
    type: 'Microsoft.Network/networkSecurityGroups',
    location: est.location,
    etag: etag(est.rand),
    tags: { owner: 'secops' },
    properties: { provisioningState: 'Succeeded', resourceGuid: guid(est.rand), securityRules: [] },
  });
  addSecurityRules(est, id, rules);
  return id;
}

export function attachNsgToSubnet(est: Estate, nsgId: string, subnetId: string): void {
  subnetOf(est, subnetId).properties.networkSecurityGroup = { id: nsgId };
  const nsg = getResource(est, nsgId);
  ((nsg.properties!.subnets ??= []) as Array<{ id: string }>).push({ id: subnetId });
}

/** An NSG on a pool's NICs: set in the scale-set model, listed by the NSG against every instance's NIC. */
export function attachNsgToPool(est: Estate, nsgId: string, poolName: string): void {
  const p = pool(est, poolName);
  const vmss = getResource(est, p.vmssId);
  vmss.properties!.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].properties.networkSecurityGroup = { id: nsgId };
  listNicsOnNsg(est, nsgId, p);
}

/** ARM lists, on an NSG, every NIC it is attached to: for a scale set, each instance's NIC. */
function listNicsOnNsg(est: Estate, nsgId: string, p: PoolInfo): void {
  const nsg = getResource(est, nsgId);
  const nics = (nsg.properties!.networkInterfaces ??= []) as Array<{ id: string }>;
  for (const node of p.nodes) nics.push({ id: `${p.vmssId}/virtualMachines/${node.instanceId}/networkInterfaces/${p.nicConfigName}` });
}

/** An application security group the pool's NICs join (AKS: agentPoolProfiles[].networkProfile.applicationSecurityGroups). */
export function addAsgToPool(est: Estate, name: string, poolName: string, rg = est.rg): string {
  const id = resourceId(est.subscriptionId, rg, 'Microsoft.Network/applicationSecurityGroups', name);
  addResource(est, {
    id,
    name,
    type: 'Microsoft.Network/applicationSecurityGroups',
    location: est.location,
    etag: etag(est.rand),
    properties: { provisioningState: 'Succeeded', resourceGuid: guid(est.rand) },
  });
  const p = pool(est, poolName);
  const vmss = getResource(est, p.vmssId);
  const ipConfig = vmss.properties!.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].properties.ipConfigurations[0].properties;
  ((ipConfig.applicationSecurityGroups ??= []) as Array<{ id: string }>).push({ id });
  const profile = (getResource(est, est.clusterId).properties!.agentPoolProfiles as Array<Record<string, any>>).find((a) => a.name === poolName)!;
  ((profile.networkProfile ??= {}).applicationSecurityGroups ??= []).push(id);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Host firewalls

const SSH_ONLY: UfwRule[] = [
  { to: '22/tcp', action: 'ALLOW', from: 'Anywhere' },
  { to: '22/tcp', action: 'ALLOW', from: 'Anywhere', v6: true },
];

/** `ufw enable` after `ufw allow 22/tcp`, the usual hardening step that cuts the tunnel. */
export function enableUfw(node: ScenarioNode, state: Partial<UfwState> = {}): void {
  if (node.osType !== 'Linux') throw new Error(`${node.computerName}: ufw is a Linux tool`);
  node.ufw = { enabled: true, defaultIncoming: 'deny', defaultOutgoing: 'allow', rules: SSH_ONLY.map((r) => ({ ...r })), ...state };
}

export function iptablesRule(target: string, prot: string, match?: string, source = 'anywhere', destination = 'anywhere'): IptablesRule {
  return { target, prot, opt: '--', source, destination, ...(match ? { match } : {}) };
}

function iptables(node: ScenarioNode): IptablesState {
  if (!node.iptables) throw new Error(`${node.computerName}: no iptables state (Windows?)`);
  return node.iptables;
}

/** Insert (1-based position, default append) a rule into a chain, creating a user chain if needed. */
export function addIptablesRule(node: ScenarioNode, chain: string, rule: IptablesRule, position?: number): void {
  const chains = iptables(node).chains;
  const target = (chains[chain] ??= { rules: [] });
  if (position === undefined) target.rules.push(rule);
  else target.rules.splice(position - 1, 0, rule);
}

export function setIptablesChain(node: ScenarioNode, name: string, chain: IptablesChain): void {
  iptables(node).chains[name] = chain;
}

/**
 * The filter table an AKS node really has (kube-proxy in iptables mode): INPUT jumps through the
 * KUBE-* chains, KUBE-FIREWALL drops only traffic to 127.0.0.0/8, KUBE-FORWARD drops only INVALID
 * forwarded packets. Nothing here stops TCP 10250 from other nodes.
 */
export function aksKubeProxyChains(): IptablesState {
  return {
    chains: {
      INPUT: {
        policy: 'ACCEPT',
        rules: [
          iptablesRule('KUBE-PROXY-FIREWALL', 'all', 'ctstate NEW /* kubernetes load balancer firewall */'),
          iptablesRule('KUBE-NODEPORTS', 'all', '/* kubernetes health check service ports */'),
          iptablesRule('KUBE-EXTERNAL-SERVICES', 'all', 'ctstate NEW /* kubernetes externally-visible service portals */'),
          iptablesRule('KUBE-FIREWALL', 'all'),
        ],
      },
      FORWARD: {
        policy: 'ACCEPT',
        rules: [
          iptablesRule('KUBE-PROXY-FIREWALL', 'all', 'ctstate NEW /* kubernetes load balancer firewall */'),
          iptablesRule('KUBE-FORWARD', 'all', '/* kubernetes forwarding rules */'),
          iptablesRule('KUBE-SERVICES', 'all', 'ctstate NEW /* kubernetes service portals */'),
          iptablesRule('KUBE-EXTERNAL-SERVICES', 'all', 'ctstate NEW /* kubernetes externally-visible service portals */'),
        ],
      },
      OUTPUT: {
        policy: 'ACCEPT',
        rules: [
          iptablesRule('KUBE-PROXY-FIREWALL', 'all', 'ctstate NEW /* kubernetes load balancer firewall */'),
          iptablesRule('KUBE-SERVICES', 'all', 'ctstate NEW /* kubernetes service portals */'),
          iptablesRule('KUBE-FIREWALL', 'all'),
        ],
      },
      'KUBE-EXTERNAL-SERVICES': { rules: [] },
      'KUBE-FIREWALL': {
        rules: [
          iptablesRule('DROP', 'all', '/* block incoming localnet connections */ ! ctstate RELATED,ESTABLISHED,DNAT', '!127.0.0.0/8', '127.0.0.0/8'),
        ],
      },
      'KUBE-FORWARD': {
        rules: [
          iptablesRule('DROP', 'all', 'ctstate INVALID'),
          iptablesRule('ACCEPT', 'all', '/* kubernetes forwarding rules */ mark match 0x4000/0x4000'),
          iptablesRule('ACCEPT', 'all', '/* kubernetes forwarding conntrack rule */ ctstate RELATED,ESTABLISHED'),
        ],
      },
      'KUBE-KUBELET-CANARY': { rules: [] },
      'KUBE-NODEPORTS': { rules: [] },
      'KUBE-PROXY-FIREWALL': { rules: [] },
      'KUBE-SERVICES': { rules: [] },
    },
  };
}

/**
 * `iptables --list --line-numbers` as iptables 1.8 prints it: built-in chains first, then user
 * chains by name; columns num %-4u, target %-9s, prot %-5s with an inversion mark, opt, source and
 * destination %-19s each behind an inversion mark, then the match text; "(N references)" on user chains.
 */
export function renderIptablesList(state: IptablesState): string {
  const builtins = ['INPUT', 'FORWARD', 'OUTPUT'].filter((c) => c in state.chains);
  const users = Object.keys(state.chains)
    .filter((c) => !builtins.includes(c))
    .sort();
  const references = (name: string) =>
    Object.values(state.chains).reduce((n, chain) => n + chain.rules.filter((r) => r.target === name).length, 0);
  const inverted = (text: string) => (text.startsWith('!') ? ['!', text.slice(1)] : [' ', text]) as [string, string];
  const blocks = [...builtins, ...users].map((name) => {
    const chain = state.chains[name]!;
    const lines = [
      chain.policy ? `Chain ${name} (policy ${chain.policy})` : `Chain ${name} (${references(name)} references)`,
      `${'num'.padEnd(4)} ${'target'.padEnd(9)}  prot opt source               destination         `,
    ];
    chain.rules.forEach((r, i) => {
      const [protInv, prot] = inverted(r.prot);
      const [srcInv, src] = inverted(r.source);
      const [dstInv, dst] = inverted(r.destination);
      lines.push(
        `${String(i + 1).padEnd(4)} ${r.target.padEnd(9)} ${protInv}${prot.padEnd(5)}${r.opt ?? '--'} ${srcInv}${src.padEnd(19)} ${dstInv}${dst.padEnd(19)}` +
          // "%-19s " after the destination, then each match prints with a leading space.
          (r.match ? `  ${r.match}` : ' '),
      );
    });
    return lines.join('\n') + '\n';
  });
  return blocks.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Outbound SNAT metrics

/**
 * Default SNAT ports per backend instance when allocatedOutboundPorts is 0, by backend pool size
 * (Azure Load Balancer "Default port allocation" table, one frontend IP).
 */
export function defaultSnatPorts(backendInstances: number): number {
  if (backendInstances <= 50) return 1024;
  if (backendInstances <= 100) return 512;
  if (backendInstances <= 200) return 256;
  if (backendInstances <= 400) return 128;
  if (backendInstances <= 800) return 64;
  return 32;
}

function buildSnatBaseline(est: Estate): void {
  if (est.lbId) {
    const running = est.nodes.filter((n) => n.powerState === 'running');
    const allocated = defaultSnatPorts(est.nodes.length);
    const share = est.spec.snatUsedShare ?? 0.04;
    for (const node of running) {
      const used = Math.max(1, Math.round(allocated * share * (0.8 + est.rand() * 0.4)));
      est.snat.backends.set(node.privateIp, { allocated, used: [Math.max(1, used - 3), used, Math.max(1, used - 1)] });
    }
  }
  if (est.natGatewayId) {
    est.nat = { attempted: [1410, 1522, 1468], failed: [0, 0, 0], total: [2210, 2304, 2281], dropped: [0, 0, 0] };
  }
}

/** Used SNAT ports of one node: every point ≤ `max`, the latest at `max` - 2 %, so max/average/latest agree on a threshold. */
export function setSnatUsed(est: Estate, computerName: string, max: number): void {
  const node = nodeNamed(est, computerName);
  const backend = est.snat.backends.get(node.privateIp);
  if (!backend) throw new Error(`${computerName} is not an LB backend with metrics`);
  const lower = Math.max(0, Math.round(max - backend.allocated * 0.01));
  backend.used = [lower, max, lower];
}

function points(values: number[], field: 'total' | 'average'): MetricSeries['data'] {
  return METRIC_TIMES.map((timeStamp, i) => ({ timeStamp, [field]: values[i] ?? 0 }));
}

function renderMetrics(est: Estate): NonNullable<Scenario['metrics']> {
  const metrics: NonNullable<Scenario['metrics']> = {};
  if (est.lbId) {
    const backends = [...est.snat.backends.entries()];
    metrics[est.lbId] = {
      SnatConnectionCount: [
        { dimensions: { ConnectionState: 'Successful' }, data: points(est.snat.successful, 'total') },
        { dimensions: { ConnectionState: 'Failed' }, data: points(est.snat.failed, 'total') },
      ],
      AllocatedSnatPorts: backends.map(([ip, b]) => ({ dimensions: { BackendIPAddress: ip }, data: points([b.allocated, b.allocated, b.allocated], 'average') })),
      UsedSnatPorts: backends.map(([ip, b]) => ({ dimensions: { BackendIPAddress: ip }, data: points(b.used, 'average') })),
    };
  }
  if (est.natGatewayId) {
    // Microsoft.Network/natGateways metrics: SNATConnectionCount (ConnectionState Attempted/Failed),
    // TotalConnectionCount, PacketDropCount (portal name "Dropped Packets").
    metrics[est.natGatewayId] = {
      SNATConnectionCount: [
        { dimensions: { ConnectionState: 'Attempted' }, data: points(est.nat.attempted, 'total') },
        { dimensions: { ConnectionState: 'Failed' }, data: points(est.nat.failed, 'total') },
      ],
      TotalConnectionCount: [{ data: points(est.nat.total, 'total') }],
      PacketDropCount: [{ data: points(est.nat.dropped, 'total') }],
    };
  }
  return metrics;
}

// ---------------------------------------------------------------------------------------------
// Expected verdicts and the final scenario

export const CHECK_IDS = ['nsg-10250', 'ufw-10250', 'iptables-10250', 'egress-tunnel-ports', 'snat-exhaustion', 'tunnel-agent-health', 'kubelet-reachability'] as const;
export type CheckIdText = (typeof CHECK_IDS)[number];
export type Verdict = { status: 'pass' | 'fail' | 'warn' | 'not-applicable' | 'unknown'; nodes?: string[] };

export const pass = (): Verdict => ({ status: 'pass' });
export const fail = (nodes: string[]): Verdict => ({ status: 'fail', nodes: [...new Set(nodes)].sort() });
export const warn = (nodes: string[]): Verdict => ({ status: 'warn', nodes: [...new Set(nodes)].sort() });
export const notApplicable = (): Verdict => ({ status: 'not-applicable' });
export const unknown = (): Verdict => ({ status: 'unknown' });

/** All six verdicts: pass unless overridden. */
export function verdicts(overrides: Partial<Record<CheckIdText, Verdict>>): Record<CheckIdText, Verdict> {
  return Object.fromEntries(CHECK_IDS.map((id) => [id, overrides[id] ?? pass()])) as Record<CheckIdText, Verdict>;
}

export type CorpusScenario = Scenario & { description: string; expected: Record<CheckIdText, Verdict> };

export function finishScenario(
  est: Estate,
  text: { title: string; description: string },
  expected: Record<CheckIdText, Verdict>,
): CorpusScenario {
  const subscriptionKey = est.spec.subscription ?? 'prod';
  return {
    format: SCENARIO_FORMAT,
    title: text.title,
    description: text.description,
    tenantId: TENANT_ID,
    subscriptions: [{ ...SUBSCRIPTIONS[subscriptionKey] }],
    resources: est.resources,
    nodes: est.nodes,
    pods: est.pods,
    configMaps: est.configMaps,
    events: est.events,
    egress: { blocked: est.egressBlocked },
    metrics: renderMetrics(est),
    latency: { ...REALISTIC_LATENCY },
    faults: est.faults,
    expected,
  };
}
