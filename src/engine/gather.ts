/**
 * Gathering: the ARM reads a diagnosis needs, each done once, in parallel where independent, turned
 * into the views the pure check functions decide from. No run-commands here (see probe-plan.ts).
 */
import type { AzureLayer } from '../azure/clients.js';
import { listScaleSetInstances } from '../azure/compute.js';
import {
  getNetworkSecurityGroup,
  getRouteTable,
  getSubnet,
  getVirtualNetwork,
  listScaleSetNetworkInterfaces,
} from '../azure/network.js';
import { isAzureError } from '../azure/errors.js';
import { userMessageOf } from '../user-message.js';
import { nsgFromSdk, type SdkNsgShape } from './nsg/from-arm.js';
import type { NodePoolFacts } from './report.js';
import type { PodSummary } from './kube-pods.js';
import { key, type NetworkView, type NodeView, type NsgView, type SubnetView } from './checks/views.js';

const lower = (s: string | undefined) => (s ?? '').toLowerCase();

/** Flags the nodes that run a Running tunnel agent pod (pods come from kubectl, nodes from ARM). */
export function markTunnelAgents(nodes: NodeView[], agentPods: PodSummary[]): NodeView[] {
  const agentNodes = new Set(agentPods.filter((p) => p.phase === 'Running').map((p) => lower(p.node)));
  return nodes.map((n) => ({ ...n, isTunnelAgent: agentNodes.has(lower(n.computerName)) }));
}

/** Every node of every pool: instance view (power state, name) joined with its NIC (IP, subnet, NSG, ASGs). */
export async function gatherNodes(layer: AzureLayer, pools: NodePoolFacts[], agentPods: PodSummary[]): Promise<NodeView[]> {
  const agentNodes = new Set(agentPods.filter((p) => p.phase === 'Running').map((p) => lower(p.node)));
  const perPool = await Promise.all(
    pools
      .filter((p): p is NodePoolFacts & { vmss: string } => p.vmss !== undefined)
      .map(async (pool) => {
        const [instances, nics] = await Promise.all([listScaleSetInstances(layer, pool.vmss), listScaleSetNetworkInterfaces(layer, pool.vmss)]);
        const nicByInstance = new Map<string, (typeof nics)[number]>();
        for (const nic of nics) {
          // A scale-set NIC points at its VM: …/virtualMachineScaleSets/<vmss>/virtualMachines/<instanceId>.
          const instanceId = /\/virtualMachines\/([^/]+)$/i.exec(nic.virtualMachine?.id ?? '')?.[1];
          if (instanceId !== undefined) nicByInstance.set(instanceId, nic);
        }
        return instances.map((inst): NodeView => {
          const nic = nicByInstance.get(inst.instanceId);
          const ipConfig = nic?.ipConfigurations?.find((c) => c.primary) ?? nic?.ipConfigurations?.[0];
          return {
            computerName: inst.computerName,
            vmssId: pool.vmss,
            instanceId: inst.instanceId,
            pool: pool.name,
            osType: inst.osType === 'Windows' ? 'Windows' : pool.osType,
            powerState: inst.powerState,
            ...(ipConfig?.privateIPAddress ? { privateIp: ipConfig.privateIPAddress } : {}),
            ...(ipConfig?.subnet?.id ? { subnetId: ipConfig.subnet.id } : {}),
            ...(nic?.networkSecurityGroup?.id ? { nicNsgId: nic.networkSecurityGroup.id } : {}),
            asgIds: (ipConfig?.applicationSecurityGroups ?? []).map((a) => a.id ?? '').filter(Boolean),
            isTunnelAgent: agentNodes.has(lower(inst.computerName)),
          };
        });
      }),
  );
  return perPool.flat().sort((a, b) => a.computerName.localeCompare(b.computerName));
}

function vnetIdOf(subnetId: string): string {
  return subnetId.replace(/\/subnets\/[^/]+$/i, '');
}

/** Subnets, their NSGs and route tables, the NIC-level NSGs, and the VNets' address spaces. */
export async function gatherNetwork(layer: AzureLayer, nodes: NodeView[], nodeResourceGroup?: string): Promise<NetworkView> {
  const unreadable: NetworkView['unreadable'] = [];
  const note = (resource: string, err: unknown, action: string) => {
    const rbac = isAzureError(err) && err.rbacAction ? err.rbacAction : action;
    unreadable.push({ resource, why: userMessageOf(err), resolve: `Grant the bot's identity ${rbac} on it (the Reader role has it).` });
  };

  const subnetIds = [...new Map(nodes.filter((n) => n.subnetId).map((n) => [key(n.subnetId!), n.subnetId!])).values()];
  const vnetIds = [...new Map(subnetIds.map((s) => [key(vnetIdOf(s)), vnetIdOf(s)])).values()];
  const [subnetResults, vnetResults] = await Promise.all([
    Promise.all(subnetIds.map((id) => getSubnet(layer, id).then((s) => ({ id, s }), (err) => (note(id, err, 'Microsoft.Network/virtualNetworks/subnets/read'), undefined)))),
    Promise.all(vnetIds.map((id) => getVirtualNetwork(layer, id).then((v) => v, (err) => (note(id, err, 'Microsoft.Network/virtualNetworks/read'), undefined)))),
  ]);

  const subnets = new Map<string, SubnetView>();
  for (const r of subnetResults) {
    if (!r) continue;
    const prefixes = [r.s.addressPrefix, ...(r.s.addressPrefixes ?? [])].filter((p): p is string => Boolean(p));
    subnets.set(key(r.id), {
      id: r.id,
      name: r.s.name ?? r.id.split('/').pop() ?? r.id,
      addressPrefixes: [...new Set(prefixes)],
      ...(r.s.networkSecurityGroup?.id ? { nsgId: r.s.networkSecurityGroup.id } : {}),
      ...(r.s.routeTable?.id ? { routeTableId: r.s.routeTable.id } : {}),
      ...(r.s.natGateway?.id ? { natGatewayId: r.s.natGateway.id } : {}),
    });
  }
  const virtualNetworkPrefixes = [
    ...new Set(
      vnetResults.flatMap((v) => [
        ...(v?.addressSpace?.addressPrefixes ?? []),
        ...(v?.virtualNetworkPeerings ?? []).flatMap((p) => p.remoteAddressSpace?.addressPrefixes ?? []),
      ]),
    ),
  ];

  const nsgIds = [
    ...new Map(
      [...[...subnets.values()].map((s) => s.nsgId), ...nodes.map((n) => n.nicNsgId)]
        .filter((id): id is string => Boolean(id))
        .map((id) => [key(id), id]),
    ).values(),
  ];
  const routeTableIds = [...new Map([...subnets.values()].filter((s) => s.routeTableId).map((s) => [key(s.routeTableId!), s.routeTableId!])).values()];
  const nodeRg = lower(nodeResourceGroup);
  const [nsgResults, rtResults] = await Promise.all([
    Promise.all(
      nsgIds.map((id) =>
        getNetworkSecurityGroup(layer, id).then(
          (g): NsgView => ({
            // The SDK types direction/protocol as plain strings; nsgFromSdk validates them.
            ...nsgFromSdk(g as SdkNsgShape),
            managedByAks: nodeRg !== '' && lower(id).includes(`/resourcegroups/${nodeRg}/`),
            ...(g.etag ? { etag: g.etag } : {}),
          }),
          (err) => (note(id, err, 'Microsoft.Network/networkSecurityGroups/read'), undefined),
        ),
      ),
    ),
    Promise.all(routeTableIds.map((id) => getRouteTable(layer, id).then((t) => ({ id, t }), (err) => (note(id, err, 'Microsoft.Network/routeTables/read'), undefined)))),
  ]);
  const nsgs = new Map<string, NsgView>();
  for (const g of nsgResults) if (g) nsgs.set(key(g.id), g);
  const routeTables: NetworkView['routeTables'] = new Map();
  for (const r of rtResults) {
    if (!r) continue;
    routeTables.set(key(r.id), {
      id: r.id,
      name: r.t.name ?? r.id.split('/').pop() ?? r.id,
      routes: (r.t.routes ?? []).map((route) => ({
        name: route.name ?? '',
        addressPrefix: route.addressPrefix ?? '',
        nextHopType: route.nextHopType ?? '',
        ...(route.nextHopIpAddress ? { nextHopIpAddress: route.nextHopIpAddress } : {}),
      })),
    });
  }
  return { nsgs, subnets, routeTables, virtualNetworkPrefixes, unreadable };
}
