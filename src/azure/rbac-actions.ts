/**
 * Which Azure RBAC actions the bot needs, per Azure SDK operation the Azure layer calls, and which
 * of the two custom roles (infra/roles/tunnel-doctor-{diagnose,remediate}.json) carries each one.
 *
 * Each area module declares its operations' permissions next to the calls (its `PERMISSIONS`:
 * action, follow-ups, role, why, request, client) and names the same declaration's action on a
 * 403; this module only gathers them into `SDK_OPERATIONS`, the table
 * test/deploy/role-coverage.test.ts checks the code and the roles against (every `.group.method(`
 * call in src/azure/*.ts must be declared by its own module; every action here must be in the role
 * it names). It may import the area modules because errors.ts, which they import, takes
 * armActionOf from arm-action.ts, not from here.
 */
import { PERMISSIONS as CLUSTERS } from './clusters.js';
import { PERMISSIONS as COMPUTE } from './compute.js';
import { PERMISSIONS as METRICS } from './metrics.js';
import { PERMISSIONS as NETWORK } from './network.js';
import type { OperationPermission, RoleName, SdkPermission } from './operation-permission.js';
import { PERMISSIONS as RESOURCE_GRAPH } from './resource-graph.js';

/** Each area module's declarations, by file (the coverage test checks a call is declared where it is made). */
export const PERMISSIONS_BY_MODULE: Readonly<Record<string, readonly SdkPermission[]>> = {
  'src/azure/clusters.ts': CLUSTERS,
  'src/azure/compute.ts': COMPUTE,
  'src/azure/metrics.ts': METRICS,
  'src/azure/network.ts': NETWORK,
  'src/azure/resource-graph.ts': RESOURCE_GRAPH,
};

function tableOf(modules: Readonly<Record<string, readonly SdkPermission[]>>): Readonly<Record<string, SdkPermission>> {
  const table: Record<string, SdkPermission> = {};
  for (const [file, declared] of Object.entries(modules)) {
    for (const p of declared) {
      // Two declarations of one operation could disagree; the table would silently keep one.
      if (table[p.operation]) throw new Error(`${file} declares ${p.operation} again`);
      table[p.operation] = p;
    }
  }
  return table;
}

/** Keyed by `<operationGroup>.<method>` exactly as called in src/azure/*.ts. */
export const SDK_OPERATIONS = tableOf(PERMISSIONS_BY_MODULE);

export function permissionOf(operation: string): OperationPermission | undefined {
  return (SDK_OPERATIONS as Record<string, OperationPermission>)[operation];
}

/** Every action (primary and follow-up) the operations of one role need, deduplicated case-insensitively. */
export function actionsNeededBy(role: RoleName): string[] {
  const out = new Map<string, string>();
  for (const p of Object.values(SDK_OPERATIONS)) {
    if (p.role !== role) continue;
    for (const a of [p.action, ...p.followUps]) if (!out.has(a.toLowerCase())) out.set(a.toLowerCase(), a);
  }
  return [...out.values()];
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
