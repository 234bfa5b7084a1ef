/**
 * The NSG path of a node as the checks read it (nsg-10250 and egress-tunnel-ports): the VirtualNetwork
 * tag as far as the bot knows it, the subnet and NIC NSGs in front of a node, which of them could not
 * be read and what would resolve it, and NSG evaluation that turns malformed rules into such a note.
 */
import { evaluateNsgPath, NsgRuleError, FlowError, type Flow, type NsgLike, type TagContext } from './evaluate.js';
import { tryParseIpv4Block } from './ipv4.js';
import { key, type NetworkView, type NodeView, type NsgView, type SubnetView } from '../checks/views.js';

export const NSG_READ_ACTION = 'Microsoft.Network/networkSecurityGroups/read';
export const NIC_READ_RESOLVE = "Grant the bot's identity Microsoft.Network/networkInterfaces/read on the node resource group (the Reader role has it), then diagnose again.";

export interface Unreadable {
  resource: string;
  why: string;
  resolve: string;
}

export const isRunning = (node: NodeView) => node.powerState.toLowerCase() === 'running';
export const sortedUnique = (names: Iterable<string>) => [...new Set(names)].sort();
export const lastSegment = (id: string) => id.split('/').filter(Boolean).pop() ?? id;
export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/**
 * The VirtualNetwork tag as far as we know it: the VNets' address spaces, plus every node subnet's
 * prefixes and every node IP. The last two are inside the VNet by definition, so adding them is
 * always right and keeps AllowVnetInBound matching when the VNet itself could not be read (without
 * it, a default DenyAllInBound would be reported as the cause). Azure also puts the prefixes of
 * user-defined routes in the tag ("Virtual network service tags", VirtualNetwork: "… and address
 * prefixes used on user-defined routes. This tag might also contain default routes."), so the
 * routes of the node subnets' route tables join it — a 0.0.0.0/0 route makes it cover everything.
 */
export function tagContextOf(network: NetworkView, nodes: NodeView[]): TagContext {
  const prefixes = new Set(network.virtualNetworkPrefixes);
  for (const subnet of network.subnets.values()) for (const prefix of subnet.addressPrefixes) prefixes.add(prefix);
  for (const node of nodes) if (node.privateIp) prefixes.add(`${node.privateIp}/32`);
  for (const table of network.routeTables.values()) {
    for (const route of table.routes) if (tryParseIpv4Block(route.addressPrefix)) prefixes.add(route.addressPrefix);
  }
  return { virtualNetworkPrefixes: [...prefixes] };
}

function unreadableEntry(network: NetworkView, id: string, action: string, what: string): Unreadable {
  const known = network.unreadable.find((u) => key(u.resource) === key(id));
  const defaultResolve = `Grant the bot's identity ${action} on ${id} (the Reader role has it), then diagnose again.`;
  if (!known) return { resource: id, why: `${what} ${lastSegment(id)} was not read`, resolve: defaultResolve };
  // Name the RBAC action even when the gathering step phrased the resolution without it.
  const resolve = known.resolve.includes(action) ? known.resolve : `${known.resolve} (RBAC action ${action})`;
  return { resource: id, why: known.why, resolve };
}

export interface NodePath {
  subnet?: SubnetView;
  subnetNsg?: NsgView;
  nicNsg?: NsgView;
  /** NSGs (or the subnet) on this node's path that could not be read. */
  missing: Unreadable[];
}

/** The NSGs that filter traffic into or out of this node: its subnet's and its NIC's. */
export function nodePath(node: NodeView, network: NetworkView): NodePath {
  const missing: Unreadable[] = [];
  let subnet: SubnetView | undefined;
  let subnetNsg: NsgView | undefined;
  let nicNsg: NsgView | undefined;
  if (!node.subnetId) {
    missing.push({
      resource: node.computerName,
      why: `the network interface of ${node.computerName} was not read, so its subnet is unknown`,
      resolve: NIC_READ_RESOLVE,
    });
  } else {
    subnet = network.subnets.get(key(node.subnetId));
    if (!subnet) missing.push(unreadableEntry(network, node.subnetId, 'Microsoft.Network/virtualNetworks/subnets/read', 'subnet'));
    else if (subnet.nsgId) {
      subnetNsg = network.nsgs.get(key(subnet.nsgId));
      if (!subnetNsg) missing.push(unreadableEntry(network, subnet.nsgId, NSG_READ_ACTION, 'network security group'));
    }
  }
  if (node.nicNsgId) {
    nicNsg = network.nsgs.get(key(node.nicNsgId));
    if (!nicNsg) missing.push(unreadableEntry(network, node.nicNsgId, NSG_READ_ACTION, 'network security group'));
  }
  return { ...(subnet ? { subnet } : {}), ...(subnetNsg ? { subnetNsg } : {}), ...(nicNsg ? { nicNsg } : {}), missing };
}

/** evaluateNsgPath, with malformed rules turned into an "unreadable" note instead of an exception. */
export function safeEvaluatePath(
  path: { subnetNsg?: NsgLike; nicNsg?: NsgLike },
  flow: Flow,
  ctx: TagContext,
): { result?: ReturnType<typeof evaluateNsgPath>; problem?: Unreadable } {
  try {
    return { result: evaluateNsgPath(path, flow, ctx) };
  } catch (error) {
    if (error instanceof NsgRuleError) {
      return { problem: { resource: error.nsgId, why: error.userMessage, resolve: 'Correct the rule in the NSG (Azure would refuse it as written), then diagnose again.' } };
    }
    if (error instanceof FlowError) {
      return { problem: { resource: flow.sourceIp, why: error.message, resolve: 'Check the node IP addresses read from the NICs.' } };
    }
    throw error;
  }
}

export function dedupeUnreadable(list: Unreadable[]): Unreadable[] {
  const seen = new Map<string, Unreadable>();
  for (const entry of list) if (!seen.has(key(entry.resource))) seen.set(key(entry.resource), entry);
  return [...seen.values()];
}

/** Subnet prefixes of these nodes (their IPs as /32 where the subnet is unknown). */
export function subnetPrefixesOf(nodes: NodeView[], network: NetworkView): string[] {
  const prefixes = new Set<string>();
  for (const node of nodes) {
    const subnet = node.subnetId ? network.subnets.get(key(node.subnetId)) : undefined;
    const ipv4 = (subnet?.addressPrefixes ?? []).filter((prefix) => tryParseIpv4Block(prefix) !== undefined);
    if (ipv4.length > 0) for (const prefix of ipv4) prefixes.add(prefix);
    else if (node.privateIp) prefixes.add(`${node.privateIp}/32`);
  }
  return [...prefixes];
}
