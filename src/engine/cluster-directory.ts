/** The engine's view of "which clusters exist", over the Azure layer. */
import type { AzureLayer } from '../azure/clients.js';
import { getSubscriptionName, listClusters, listSubscriptions } from '../azure/clusters.js';
import { findClustersByName } from '../azure/resource-graph.js';
import type { ClusterDirectory } from './find-cluster.js';

/** `configured`: AZURE_SUBSCRIPTION_IDS; empty = every subscription the identity can see. */
export function azureClusterDirectory(layer: AzureLayer, configured: string[]): ClusterDirectory {
  return {
    subscriptions: () => listSubscriptions(layer, configured),
    clusters: (subscriptionIds) => listClusters(layer, subscriptionIds),
    // Scoped to the configured subscriptions when there are any, else tenant-wide.
    clustersNamed: (name) => findClustersByName(layer, name, configured),
    subscriptionName: (subscriptionId) => getSubscriptionName(layer, subscriptionId),
  };
}
