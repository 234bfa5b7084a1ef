/**
 * Which Azure RBAC actions the bot needs, per Azure SDK operation the Azure layer calls, and which
 * of the two custom roles (infra/roles/tunnel-doctor-{diagnose,remediate}.json) carries each one.
 *
 * Two uses at runtime and in tests:
 * - `SDK_OPERATIONS`: the table test/deploy/role-coverage.test.ts checks the code and the roles
 *   against (every `.group.method(` call in src/azure/*.ts must be here; every action here must be
 *   in the role it names). The primary action is the one the module's own `RBAC` constant names on
 *   a 403; the test holds the two equal. (Literal strings here, not imports: errors.ts uses this
 *   module, and the area modules import errors.ts.)
 * - `armActionOf(method, path)`: the action ARM checks for one HTTP request, derived from the
 *   request the way ARM derives it (provider namespace + resource types along the path + read /
 *   write / delete / <name>/action, https://learn.microsoft.com/azure/role-based-access-control/resource-provider-operations).
 *   toAzureError uses it to name the exact action a 403 refused (e.g. the LRO status poll, which no
 *   module knows it makes).
 */
export type RoleName = 'diagnose' | 'remediate';

export interface OperationPermission {
  /** The SDK client the operation group belongs to (package name). */
  client: '@azure/arm-containerservice' | '@azure/arm-compute' | '@azure/arm-network' | '@azure/arm-monitor' | '@azure/arm-resources-subscriptions' | '@azure/arm-resourcegraph';
  /** The first request the operation sends, as ARM's REST reference writes it. */
  request: string;
  /** The action ARM checks for that request (the module's RBAC constant, named on a 403). */
  action: string;
  /**
   * Further actions the operation's follow-up requests need: long-running-operation status
   * (Azure-AsyncOperation) and result (Location) polls, and the final GET of a PUT.
   * https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations
   */
  followUps: readonly string[];
  /** diagnose: reads and the diagnosis' run-commands; remediate: what only the fix executors need. */
  role: RoleName;
  /** Who calls it and why, for the role's reviewer. */
  why: string;
}

const SUB = '/subscriptions/{subscriptionId}';
const RG = `${SUB}/resourceGroups/{resourceGroupName}`;

// Status polls ARM's long-running operations send, per provider namespace (the URLs are under
// /subscriptions/{id}/providers/{namespace}/locations/{location}/…, not under the resource).
const POLLS = {
  containerService: ['Microsoft.ContainerService/locations/operations/read', 'Microsoft.ContainerService/locations/operationresults/read'],
  compute: ['Microsoft.Compute/locations/operations/read'],
  network: ['Microsoft.Network/locations/operations/read', 'Microsoft.Network/locations/operationResults/read'],
} as const;

/** Keyed by `<operationGroup>.<method>` exactly as called in src/azure/*.ts. */
export const SDK_OPERATIONS = {
  'subscriptions.list': {
    client: '@azure/arm-resources-subscriptions',
    request: 'GET /subscriptions',
    action: 'Microsoft.Resources/subscriptions/read',
    followUps: [],
    role: 'diagnose',
    why: 'listSubscriptions: where to search for a named cluster when AZURE_SUBSCRIPTION_IDS is empty.',
  },
  'subscriptions.get': {
    client: '@azure/arm-resources-subscriptions',
    request: `GET ${SUB}`,
    action: 'Microsoft.Resources/subscriptions/read',
    followUps: [],
    role: 'diagnose',
    why: 'getSubscriptionName: the display name of the subscription a Resource Graph query found the cluster in.',
  },
  // ResourceGraphClient.resources is a method of the client itself; the layer exposes the client as
  // `layer.resourceGraph`, so the call reads `resourceGraph.resources(`.
  'resourceGraph.resources': {
    client: '@azure/arm-resourcegraph',
    request: 'POST /providers/Microsoft.ResourceGraph/resources',
    action: 'Microsoft.ResourceGraph/resources/read',
    followUps: [],
    role: 'diagnose',
    why: 'findClustersByName: one query finds a named cluster across every subscription (instead of one list per subscription).',
  },
  'managedClusters.list': {
    client: '@azure/arm-containerservice',
    request: `GET ${SUB}/providers/Microsoft.ContainerService/managedClusters`,
    action: 'Microsoft.ContainerService/managedClusters/read',
    followUps: [],
    role: 'diagnose',
    why: 'listClusters: resolve "diagnose cluster <name>" to one cluster.',
  },
  'managedClusters.get': {
    client: '@azure/arm-containerservice',
    request: `GET ${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}`,
    action: 'Microsoft.ContainerService/managedClusters/read',
    followUps: [],
    role: 'diagnose',
    why: 'getCluster: node resource group, network profile, outbound type, tunnel kind.',
  },
  'managedClusters.runCommand': {
    client: '@azure/arm-containerservice',
    request: `POST ${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}/runCommand`,
    action: 'Microsoft.ContainerService/managedClusters/runcommand/action',
    // AKS answers 202 with a Location under …/commandResults/{commandId}; the status may also come
    // from the namespace's locations/operations URLs.
    followUps: ['Microsoft.ContainerService/managedClusters/commandResults/read', ...POLLS.containerService],
    role: 'diagnose',
    why: 'runKubectl (AKS command invoke): kubectl get pods/configmap/events and kubectl logs while the tunnel is down; the recreate-tunnel-pods fix deletes a pod the same way.',
  },
  'managedClusters.createOrUpdate': {
    client: '@azure/arm-containerservice',
    request: `PUT ${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}`,
    action: 'Microsoft.ContainerService/managedClusters/write',
    followUps: [...POLLS.containerService],
    role: 'remediate',
    why: 'updateCluster: the SNAT fixes (loadBalancerProfile.allocatedOutboundPorts, managedOutboundIPs.count).',
  },
  'virtualMachineScaleSets.list': {
    client: '@azure/arm-compute',
    request: `GET ${RG}/providers/Microsoft.Compute/virtualMachineScaleSets`,
    action: 'Microsoft.Compute/virtualMachineScaleSets/read',
    followUps: [],
    role: 'diagnose',
    why: 'listScaleSets: the node pools in the node resource group.',
  },
  'virtualMachineScaleSetVMs.list': {
    client: '@azure/arm-compute',
    request: `GET ${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}/virtualMachines`,
    action: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read',
    followUps: [],
    role: 'diagnose',
    why: 'listScaleSetInstances: nodes with power state ($expand=instanceView).',
  },
  'virtualMachineScaleSetVMs.runCommand': {
    client: '@azure/arm-compute',
    request: `POST ${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}/virtualMachines/{instanceId}/runCommand`,
    action: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action',
    followUps: [...POLLS.compute],
    role: 'diagnose',
    why: 'runShellScript: the constant probe-kubelet / host-firewall / egress scripts; the ufw and iptables fixes run their constant scripts the same way.',
  },
  'networkSecurityGroups.get': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}`,
    action: 'Microsoft.Network/networkSecurityGroups/read',
    followUps: [],
    role: 'diagnose',
    why: 'getNetworkSecurityGroup: subnet and NIC NSG rules (and the etag a fix is conditional on).',
  },
  'virtualNetworks.get': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}`,
    action: 'Microsoft.Network/virtualNetworks/read',
    followUps: [],
    role: 'diagnose',
    why: 'getVirtualNetwork: address space and peerings (the VirtualNetwork service tag).',
  },
  'subnets.get': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}`,
    action: 'Microsoft.Network/virtualNetworks/subnets/read',
    followUps: [],
    role: 'diagnose',
    why: 'getSubnet: the subnet NSG, route table and NAT gateway.',
  },
  'networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{virtualMachineScaleSetName}/networkInterfaces`,
    action: 'Microsoft.Compute/virtualMachineScaleSets/networkInterfaces/read',
    followUps: [],
    role: 'diagnose',
    why: 'listScaleSetNetworkInterfaces: node IPs, NIC NSGs and ASGs.',
  },
  'loadBalancers.get': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Network/loadBalancers/{loadBalancerName}`,
    action: 'Microsoft.Network/loadBalancers/read',
    followUps: [],
    role: 'diagnose',
    why: 'getLoadBalancer: outbound rules and frontends for the SNAT check.',
  },
  'publicIPAddresses.get': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Network/publicIPAddresses/{publicIpAddressName}`,
    action: 'Microsoft.Network/publicIPAddresses/read',
    followUps: [],
    role: 'diagnose',
    why: 'getPublicIpAddress: outbound IPs of the load balancer.',
  },
  'routeTables.get': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Network/routeTables/{routeTableName}`,
    action: 'Microsoft.Network/routeTables/read',
    followUps: [],
    role: 'diagnose',
    why: 'getRouteTable: user-defined routes that send tunnel egress to an appliance (kubenet routes too).',
  },
  'natGateways.get': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Network/natGateways/{natGatewayName}`,
    action: 'Microsoft.Network/natGateways/read',
    followUps: [],
    role: 'diagnose',
    why: 'getNatGateway: SNAT on a NAT gateway instead of the load balancer.',
  },
  'applicationSecurityGroups.get': {
    client: '@azure/arm-network',
    request: `GET ${RG}/providers/Microsoft.Network/applicationSecurityGroups/{applicationSecurityGroupName}`,
    action: 'Microsoft.Network/applicationSecurityGroups/read',
    followUps: [],
    role: 'diagnose',
    why: 'getApplicationSecurityGroup: NSG rules that name ASGs.',
  },
  'networkSecurityGroups.beginCreateOrUpdateAndWait': {
    client: '@azure/arm-network',
    request: `PUT ${RG}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}`,
    action: 'Microsoft.Network/networkSecurityGroups/write',
    // The poller ends with a GET of the NSG it wrote (final-state-via the original URI).
    followUps: ['Microsoft.Network/networkSecurityGroups/read', ...POLLS.network],
    role: 'remediate',
    why: 'putNetworkSecurityGroup: the NSG fixes (allow 10250, allow tunnel egress, narrow or delete a deny) write the whole NSG under If-Match with the diagnosis-time etag.',
  },
  'securityRules.beginCreateOrUpdateAndWait': {
    client: '@azure/arm-network',
    request: `PUT ${RG}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName}`,
    action: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
    // The poller ends with a GET of the rule it wrote (final-state-via the original URI).
    followUps: ['Microsoft.Network/networkSecurityGroups/securityRules/read', ...POLLS.network],
    role: 'remediate',
    why: 'putSecurityRule: a single-rule write kept for manual use (the fixes PUT the whole NSG).',
  },
  'securityRules.beginDeleteAndWait': {
    client: '@azure/arm-network',
    request: `DELETE ${RG}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName}`,
    action: 'Microsoft.Network/networkSecurityGroups/securityRules/delete',
    followUps: [...POLLS.network],
    role: 'remediate',
    why: 'deleteSecurityRule: a single-rule delete kept for manual use (the fixes PUT the whole NSG).',
  },
  'metrics.list': {
    client: '@azure/arm-monitor',
    request: `GET ${RG}/providers/Microsoft.Network/loadBalancers/{loadBalancerName}/providers/Microsoft.Insights/metrics`,
    action: 'Microsoft.Insights/metrics/read',
    followUps: [],
    role: 'diagnose',
    why: 'getMetricSeries: SnatConnectionCount / AllocatedSnatPorts / UsedSnatPorts of the outbound load balancer or NAT gateway.',
  },
} as const satisfies Record<string, OperationPermission>;

export type SdkOperationName = keyof typeof SDK_OPERATIONS;

export function permissionOf(operation: string): OperationPermission | undefined {
  return (SDK_OPERATIONS as Record<string, OperationPermission>)[operation];
}

/** Every action (primary and follow-up) the operations of one role need, deduplicated case-insensitively. */
export function actionsNeededBy(role: RoleName): string[] {
  const out = new Map<string, string>();
  for (const p of Object.values(SDK_OPERATIONS) as OperationPermission[]) {
    if (p.role !== role) continue;
    for (const a of [p.action, ...p.followUps]) if (!out.has(a.toLowerCase())) out.set(a.toLowerCase(), a);
  }
  return [...out.values()];
}

const OPERATION_VERB: Record<string, 'read' | 'write' | 'delete'> = { GET: 'read', HEAD: 'read', PUT: 'write', PATCH: 'write', DELETE: 'delete' };

/**
 * The RBAC action ARM checks for one request (`path` without the host; a query is ignored), or
 * undefined when the path is not an ARM resource path. Extension resources (…/providers/A/x/y/
 * providers/Microsoft.Insights/metrics) take the last provider's namespace, as ARM does.
 */
export function armActionOf(method: string, path: string): string | undefined {
  const verbOf = OPERATION_VERB[method.toUpperCase()];
  const clean = (path.split('?')[0] ?? '').replace(/\/+$/, '');
  const segments = clean.split('/').slice(1);
  if (segments.length === 0 || segments.some((s) => s === '')) return undefined;
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] === 'tenants' && segments.length === 1) return verbOf === 'read' ? 'Microsoft.Resources/tenants/read' : undefined;
  // A Resource Graph query is a POST but a read: "Microsoft.ResourceGraph/resources/read — Submits a
  // query on resources within specified subscriptions, management groups or tenant scope"
  // (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance).
  if (lower.join('/') === 'providers/microsoft.resourcegraph/resources' && method.toUpperCase() === 'POST') return 'Microsoft.ResourceGraph/resources/read';
  if (lower[0] !== 'subscriptions') return undefined;
  const providersAt = lower.lastIndexOf('providers');
  if (providersAt < 0) {
    // /subscriptions[/{id}[/resourceGroups[/{rg}]]]
    if (!verbOf) return undefined;
    if (segments.length <= 2) return `Microsoft.Resources/subscriptions/${verbOf}`;
    if (lower[2] === 'resourcegroups' && segments.length <= 4) return `Microsoft.Resources/subscriptions/resourceGroups/${verbOf}`;
    return undefined;
  }
  const namespace = segments[providersAt + 1];
  const rest = segments.slice(providersAt + 2);
  if (!namespace || !namespace.includes('.') || rest.length === 0) return undefined;
  // rest = type, name, childType, childName, … [, action]: types sit at the even positions.
  const types = rest.filter((_, i) => i % 2 === 0);
  if (method.toUpperCase() === 'POST') {
    // POST …/{type}/{name}/{action}: the last segment is the action, at an even position.
    if (rest.length % 2 === 0 || rest.length < 3) return undefined;
    const action = types.pop();
    return `${[namespace, ...types].join('/')}/${action}/action`;
  }
  if (!verbOf) return undefined;
  return `${[namespace, ...types].join('/')}/${verbOf}`;
}

/** A role definition's permission lists, as `az role definition create` takes them. */
export interface RolePermissions {
  Actions: readonly string[];
  NotActions?: readonly string[];
}

function wildcardMatch(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

/** Whether a role's Actions (minus NotActions) grant `action`; case-insensitive, `*` wildcards as Azure RBAC applies them. */
export function roleGrants(role: RolePermissions, action: string): boolean {
  return role.Actions.some((a) => wildcardMatch(a, action)) && !(role.NotActions ?? []).some((a) => wildcardMatch(a, action));
}

/**
 * Kubernetes data actions of the kubectl commands the bot sends through AKS command invoke. They
 * apply only to clusters using Azure RBAC for Kubernetes authorization
 * (https://learn.microsoft.com/azure/aks/manage-azure-rbac); elsewhere Kubernetes RBAC decides.
 * Keyed by `<verb> <resource>` as kubectlDataActionOf normalises a command.
 */
export const KUBECTL_DATA_ACTIONS = {
  'get pods': { dataAction: 'Microsoft.ContainerService/managedClusters/pods/read', role: 'diagnose', why: 'tunnel agent pods: readiness, restarts, OOM kills' },
  'logs pods': { dataAction: 'Microsoft.ContainerService/managedClusters/pods/log/read', role: 'diagnose', why: 'the symptom check: does kubectl logs reach the node' },
  'get configmaps': { dataAction: 'Microsoft.ContainerService/managedClusters/configmaps/read', role: 'diagnose', why: 'the konnectivity-agent autoscaler ladder' },
  'get events': { dataAction: 'Microsoft.ContainerService/managedClusters/events/read', role: 'diagnose', why: 'OOMKilling events of the agents' },
  'delete pods': { dataAction: 'Microsoft.ContainerService/managedClusters/pods/delete', role: 'remediate', why: 'the recreate-tunnel-pods fix' },
} as const satisfies Record<string, { dataAction: string; role: RoleName; why: string }>;

const KUBECTL_RESOURCE: Record<string, string> = { pod: 'pods', pods: 'pods', po: 'pods', configmap: 'configmaps', configmaps: 'configmaps', cm: 'configmaps', event: 'events', events: 'events', ev: 'events' };

/** `<verb> <resource>` of a kubectl command (`kubectl logs <pod>` → "logs pods"), or undefined when not one the table can know. */
export function kubectlDataActionKey(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  if (words[0] !== 'kubectl' || words.length < 3) return undefined;
  const verb = words[1] ?? '';
  if (verb === 'logs') return 'logs pods';
  const resource = KUBECTL_RESOURCE[(words[2] ?? '').toLowerCase()];
  return resource ? `${verb} ${resource}` : undefined;
}
