/**
 * Azure Resource Graph: one query finds a managed cluster by name across every subscription the
 * identity can read, instead of one managedClusters list per subscription
 * (POST /providers/Microsoft.ResourceGraph/resources, specification/resourcegraph/resource-manager/
 * Microsoft.ResourceGraph/preview/2021-06-01-preview/resourcegraph.json). Without `subscriptions`
 * the query runs at tenant scope (example ResourcesTenantBasicQuery.json).
 */
import { parseArmId } from './arm-id.js';
import type { AzureLayer } from './clients.js';
import type { ClusterRef } from '../cluster-ref.js';
import { AzureError, toAzureError } from './errors.js';
import type { SdkPermission } from './operation-permission.js';

/** Azure's rule for managed cluster names (letters, digits, '-' and '_'): nothing that could end a KQL string. */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** The query the bot sends, and the only shape the simulated Azure answers (src/sim/routes/resource-graph.ts). */
export function clustersNamedQuery(name: string): string {
  if (!CLUSTER_NAME.test(name)) {
    throw new AzureError({ code: 'InvalidClusterName', message: `refused cluster name ${JSON.stringify(name.slice(0, 80))}`, userMessage: `"${name.slice(0, 80)}" is not an AKS cluster name (letters, digits, - and _).` });
  }
  return `Resources | where type =~ 'microsoft.containerservice/managedclusters' and name =~ '${name}' | project id, name, resourceGroup, subscriptionId, location`;
}

/** Rows per page: Resource Graph's largest $top. */
const PAGE = 1000;

const RESOURCE_GRAPH_RESOURCES = {
  operation: 'resourceGraph.resources',
  // A POST but a read: "Submits a query on resources within specified subscriptions, management groups or tenant scope"
  // (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance#microsoftresourcegraph).
  // ResourceGraphClient.resources is a method of the client itself; the layer exposes the client as
  // `layer.resourceGraph`, so the call reads `resourceGraph.resources(`.
  client: '@azure/arm-resourcegraph',
  request: 'POST /providers/Microsoft.ResourceGraph/resources',
  action: 'Microsoft.ResourceGraph/resources/read',
  followUps: [],
  role: 'diagnose',
  why: 'findClustersByName: one query finds a named cluster across every subscription (instead of one list per subscription).',
} as const satisfies SdkPermission;

/**
 * Managed clusters with this name (case-insensitive, as ARM names are), in the given subscriptions
 * or, when none are given, in every subscription the identity can read.
 */
export async function findClustersByName(layer: AzureLayer, name: string, subscriptionIds: readonly string[] = []): Promise<ClusterRef[]> {
  const query = clustersNamedQuery(name);
  const refs: ClusterRef[] = [];
  let skipToken: string | undefined;
  try {
    do {
      const page = await layer.resourceGraph.resources({
        query,
        ...(subscriptionIds.length > 0 ? { subscriptions: [...subscriptionIds] } : {}),
        options: { resultFormat: 'objectArray', top: PAGE, ...(skipToken ? { skipToken } : {}) },
      });
      // The SDK types `data` as a dictionary and deserialises the objectArray into {"0": row, "1": row, …}.
      const rows = (Array.isArray(page.data) ? page.data : Object.values(page.data ?? {})) as Array<Record<string, unknown>>;
      for (const row of rows) {
        const id = typeof row.id === 'string' ? row.id : undefined;
        if (!id || typeof row.name !== 'string') continue;
        const parsed = parseArmId(id);
        refs.push({ id, name: row.name, resourceGroup: parsed.resourceGroup, subscriptionId: parsed.subscriptionId, location: typeof row.location === 'string' ? row.location : '' });
      }
      skipToken = page.skipToken;
    } while (skipToken);
  } catch (e) {
    throw toAzureError(e, `find AKS cluster ${name} with Azure Resource Graph`, RESOURCE_GRAPH_RESOURCES.action);
  }
  return refs;
}

/** This module's SDK operations with their permissions, gathered by rbac-actions.ts into the roles' table. */
export const PERMISSIONS: readonly SdkPermission[] = [RESOURCE_GRAPH_RESOURCES];
