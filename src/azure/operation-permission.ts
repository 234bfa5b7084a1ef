/**
 * The shape of one SDK operation's permission, as each area module (clusters.ts, compute.ts,
 * network.ts, metrics.ts, resource-graph.ts) declares it next to the call that needs it, and the
 * path templates and long-running-operation polls those declarations share. Imports nothing, so
 * every area module can use it and rbac-actions.ts can gather the declarations into one table.
 */
export type RoleName = 'diagnose' | 'remediate';

export interface OperationPermission {
  /** The SDK client the operation group belongs to (package name). */
  client: '@azure/arm-containerservice' | '@azure/arm-compute' | '@azure/arm-network' | '@azure/arm-monitor' | '@azure/arm-resources-subscriptions' | '@azure/arm-resourcegraph';
  /** The first request the operation sends, as ARM's REST reference writes it. */
  request: string;
  /** The action ARM checks for that request: what the module names on a 403. */
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

/** One SDK operation's permission, declared by the area module that calls it. */
export interface SdkPermission extends OperationPermission {
  /** `<operationGroup>.<method>` exactly as the module calls it (test/deploy/role-coverage.test.ts scans for it). */
  operation: string;
}

export const SUB = '/subscriptions/{subscriptionId}';
export const RG = `${SUB}/resourceGroups/{resourceGroupName}`;

// Status polls ARM's long-running operations send, per provider namespace (the URLs are under
// /subscriptions/{id}/providers/{namespace}/locations/{location}/…, not under the resource).
export const POLLS = {
  containerService: ['Microsoft.ContainerService/locations/operations/read', 'Microsoft.ContainerService/locations/operationresults/read'],
  compute: ['Microsoft.Compute/locations/operations/read'],
  network: ['Microsoft.Network/locations/operations/read', 'Microsoft.Network/locations/operationResults/read'],
} as const;
