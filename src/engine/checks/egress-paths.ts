/**
 * What egress-tunnel-ports reads on each source node's way to the API server, before it decides:
 * the outbound NSG rules on the node's path (subnet and NIC level), grouped by the rule that
 * denies, and the route each source subnet takes towards the API server's address.
 */
import type { Flow, NsgVerdict } from '../nsg/evaluate.js';
import { lastSegment, nodePath, safeEvaluatePath, tagContextOf, type NodePath, type Unreadable } from '../nsg/node-path.js';
import type { Evidence } from '../report.js';
import { nextHopFor, type NextHop } from '../routes/effective-route.js';
import { key, type NetworkView, type NodeView, type NsgView, type SubnetView } from './views.js';

export interface SubnetRoute {
  subnet: SubnetView;
  routeTable?: { id: string; name: string };
  hop: NextHop;
  nodes: string[];
}

export interface DenyGroup {
  nsg: NsgView;
  verdict: NsgVerdict;
  nodes: Set<string>;
  subnets: Set<string>;
  flows: Flow[];
}

export function hopText(route: SubnetRoute): string {
  const via = route.hop.nextHopIpAddress ? ` ${route.hop.nextHopIpAddress}` : '';
  const where = route.routeTable ? ` (route table ${route.routeTable.name}, route ${route.hop.routeName ?? route.hop.prefix} ${route.hop.prefix})` : '';
  return `${route.hop.nextHopType}${via}${where}`;
}

export interface OutboundNsgReading {
  /** Deny verdicts, by NSG and rule, with the nodes and subnets they stop. */
  denyGroups: Map<string, DenyGroup>;
  nsgDenied: Set<string>;
  unreadable: Unreadable[];
  /** "nsg rule (priority)" of each allowing rule, for the evidence. */
  allowTexts: Set<string>;
  paths: Map<string, NodePath>;
}

/** Evaluates each source's outbound path towards the API server; notes assumptions in `evidence`. */
export function readOutboundNsgs(
  input: { sources: NodeView[]; nodes: NodeView[]; network: NetworkView; protocol: 'Tcp' | 'Udp'; destinationIp: string; port: number },
  evidence: Evidence[],
): OutboundNsgReading {
  const { sources, nodes, network, protocol, destinationIp } = input;
  const ctx = tagContextOf(network, nodes);
  const denyGroups = new Map<string, DenyGroup>();
  const nsgDenied = new Set<string>();
  const unreadable: Unreadable[] = [];
  const allowTexts = new Set<string>();
  const paths = new Map<string, NodePath>();
  for (const source of sources) {
    const path = nodePath(source, network);
    paths.set(source.computerName, path);
    unreadable.push(...path.missing);
    if (!source.privateIp) {
      unreadable.push({ resource: source.computerName, why: `no IP address is known for ${source.computerName}`, resolve: "Grant the bot's identity Microsoft.Network/networkInterfaces/read on the node resource group." });
      continue;
    }
    if (!path.subnetNsg && !path.nicNsg) continue;
    const flow: Flow = {
      direction: 'Outbound',
      protocol,
      sourceIp: source.privateIp,
      destinationIp,
      destinationPort: input.port,
      sourceAsgIds: source.asgIds,
    };
    const { result, problem } = safeEvaluatePath(
      { ...(path.subnetNsg ? { subnetNsg: path.subnetNsg } : {}), ...(path.nicNsg ? { nicNsg: path.nicNsg } : {}) },
      flow,
      ctx,
    );
    if (problem) {
      unreadable.push(problem);
      continue;
    }
    for (const step of result?.steps ?? []) {
      const nsg = step.level === 'nic' ? path.nicNsg : path.subnetNsg;
      if (!nsg) continue;
      for (const a of step.assumptions ?? []) evidence.push({ kind: 'note', detail: `Assumption: ${a}.` });
      if (step.access === 'Allow') {
        allowTexts.add(`${nsg.name ?? lastSegment(nsg.id)} ${step.ruleName} (${step.priority})`);
        continue;
      }
      nsgDenied.add(source.computerName);
      const k = `${key(nsg.id)}|${step.ruleName}`;
      const group = denyGroups.get(k) ?? { nsg, verdict: step, nodes: new Set<string>(), subnets: new Set<string>(), flows: [] };
      group.nodes.add(source.computerName);
      if (path.subnet) group.subnets.add(path.subnet.name);
      group.flows.push(flow);
      denyGroups.set(k, group);
    }
  }
  return { denyGroups, nsgDenied, unreadable, allowTexts, paths };
}

/** The next hop each source subnet uses towards `destinationIp`; unreadable tables are noted in `evidence`. */
export function readEgressRoutes(sources: NodeView[], paths: Map<string, NodePath>, network: NetworkView, destinationIp: string, evidence: Evidence[]): Map<string, SubnetRoute> {
  const routes = new Map<string, SubnetRoute>();
  for (const source of sources) {
    const subnet = paths.get(source.computerName)?.subnet;
    if (!subnet) continue;
    const existing = routes.get(key(subnet.id));
    if (existing) {
      existing.nodes.push(source.computerName);
      continue;
    }
    const table = subnet.routeTableId ? network.routeTables.get(key(subnet.routeTableId)) : undefined;
    if (subnet.routeTableId && !table) {
      const known = network.unreadable.find((u) => key(u.resource) === key(subnet.routeTableId as string));
      evidence.push({
        kind: 'note',
        resource: subnet.routeTableId,
        detail: `Route table ${lastSegment(subnet.routeTableId)} of subnet ${subnet.name} could not be read${known ? ` (${known.why})` : ''}: the egress route is unknown.`,
      });
      continue;
    }
    let hop: NextHop;
    try {
      hop = nextHopFor(table?.routes ?? [], destinationIp, { virtualNetworkPrefixes: network.virtualNetworkPrefixes });
    } catch (error) {
      evidence.push({ kind: 'note', resource: table?.id, detail: `The routes of ${table?.name ?? subnet.name} could not be evaluated: ${(error as Error).message}` });
      continue;
    }
    routes.set(key(subnet.id), { subnet, ...(table ? { routeTable: { id: table.id, name: table.name } } : {}), hop, nodes: [source.computerName] });
  }
  return routes;
}
