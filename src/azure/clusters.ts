/**
 * AKS clusters: finding them across subscriptions, reading one, updating one, and running
 * kubectl through AKS command invoke (managedClusters/runCommand), which works even when the
 * tunnel is broken because it runs inside the cluster (https://learn.microsoft.com/azure/aks/access-private-cluster).
 */
import type { ManagedCluster } from '@azure/arm-containerservice';
import { expectArmType, isGuid, parseArmId } from './arm-id.js';
import type { AzureLayer } from './clients.js';
import { AzureError, toAzureError } from './errors.js';

export interface ClusterRef {
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  location: string;
}

const CLUSTER_TYPE = 'Microsoft.ContainerService/managedClusters';

export const RBAC = {
  listSubscriptions: 'Microsoft.Resources/subscriptions/read',
  readCluster: 'Microsoft.ContainerService/managedClusters/read',
  writeCluster: 'Microsoft.ContainerService/managedClusters/write',
  runCommand: 'Microsoft.ContainerService/managedClusters/runcommand/action',
} as const;

export interface SubscriptionRef {
  subscriptionId: string;
  displayName?: string;
}

/**
 * The configured subscriptions (validated, not looked up), else every enabled subscription the
 * identity can see, with its display name.
 */
export async function listSubscriptions(layer: AzureLayer, configured?: readonly string[]): Promise<SubscriptionRef[]> {
  if (configured && configured.length > 0) {
    for (const id of configured) {
      if (!isGuid(id)) {
        throw new AzureError({ code: 'InvalidSubscriptionId', message: `subscription id "${id}" is not a GUID`, userMessage: `"${id}" is not a subscription id (expected a GUID). Fix the configured subscription list.` });
      }
    }
    return [...new Set(configured.map((s) => s.toLowerCase()))].map((subscriptionId) => ({ subscriptionId }));
  }
  try {
    const refs: SubscriptionRef[] = [];
    for await (const s of layer.subscriptions().subscriptions.list()) {
      if (!s.subscriptionId || (s.state !== undefined && s.state !== 'Enabled' && s.state !== 'Warned')) continue;
      refs.push(s.displayName ? { subscriptionId: s.subscriptionId, displayName: s.displayName } : { subscriptionId: s.subscriptionId });
    }
    return refs;
  } catch (e) {
    throw toAzureError(e, 'list the subscriptions it can see', RBAC.listSubscriptions);
  }
}

export async function listSubscriptionIds(layer: AzureLayer, configured?: readonly string[]): Promise<string[]> {
  return (await listSubscriptions(layer, configured)).map((s) => s.subscriptionId);
}

function refOf(cluster: ManagedCluster, subscriptionId: string): ClusterRef | undefined {
  if (!cluster.id || !cluster.name) return undefined;
  const parsed = parseArmId(cluster.id);
  return { id: cluster.id, name: cluster.name, resourceGroup: parsed.resourceGroup, subscriptionId, location: cluster.location ?? '' };
}

export interface ListClustersOptions {
  /** When given, a subscription that fails is reported here and skipped instead of failing the whole list. */
  onError?: (subscriptionId: string, error: AzureError) => void;
}

/** Every AKS cluster in the subscriptions, listed in parallel. */
export async function listClusters(layer: AzureLayer, subscriptionIds: readonly string[], opts: ListClustersOptions = {}): Promise<ClusterRef[]> {
  const perSubscription = await Promise.all(
    subscriptionIds.map(async (sub) => {
      try {
        const refs: ClusterRef[] = [];
        for await (const c of layer.containerService(sub).managedClusters.list()) {
          const ref = refOf(c, sub);
          if (ref) refs.push(ref);
        }
        return refs;
      } catch (e) {
        const error = toAzureError(e, `list the AKS clusters in subscription ${sub}`, RBAC.readCluster);
        if (!opts.onError) throw error;
        opts.onError(sub, error);
        return [];
      }
    }),
  );
  return perSubscription.flat();
}

export async function getCluster(layer: AzureLayer, id: string): Promise<ManagedCluster> {
  const p = expectArmType(id, CLUSTER_TYPE);
  try {
    return await layer.containerService(p.subscriptionId).managedClusters.get(p.resourceGroup, p.name);
  } catch (e) {
    throw toAzureError(e, `read AKS cluster ${p.name}`, RBAC.readCluster);
  }
}

/** createOrUpdate (a PUT of the whole cluster), waiting for the operation to finish. */
export async function updateCluster(layer: AzureLayer, id: string, cluster: ManagedCluster): Promise<ManagedCluster> {
  const p = expectArmType(id, CLUSTER_TYPE);
  try {
    const poller = layer.containerService(p.subscriptionId).managedClusters.createOrUpdate(p.resourceGroup, p.name, cluster, lroOptions(layer));
    return await poller.pollUntilDone();
  } catch (e) {
    throw toAzureError(e, `update AKS cluster ${p.name}`, RBAC.writeCluster);
  }
}

/**
 * Only plain kubectl invocations: AKS command invoke runs the command through a shell in a pod,
 * so anything that could be shell syntax (quotes, $, ;, |, &, redirects, backticks) is refused.
 */
const SAFE_KUBECTL = /^kubectl( [A-Za-z0-9._:/=,@+-]+)+$/;

export function assertSafeKubectl(command: string): void {
  if (!SAFE_KUBECTL.test(command) || command.length > 1000) {
    throw new AzureError({
      code: 'InvalidCommand',
      message: `refused kubectl command: ${JSON.stringify(command.slice(0, 200))}`,
      userMessage: 'That kubectl command was refused: only plain "kubectl …" words (letters, digits and . _ : / = , @ + -) can be sent to the cluster.',
    });
  }
}

export async function runKubectl(layer: AzureLayer, clusterId: string, command: string): Promise<{ exitCode: number; logs: string }> {
  assertSafeKubectl(command);
  const p = expectArmType(clusterId, CLUSTER_TYPE);
  try {
    const poller = layer.containerService(p.subscriptionId).managedClusters.runCommand(p.resourceGroup, p.name, { command, context: '', clusterToken: '' }, lroOptions(layer));
    const result = await poller.pollUntilDone();
    // AKS writes the command's state in lower case ("succeeded", REST spec example RunCommandRequest.json).
    if (result.provisioningState && result.provisioningState.toLowerCase() !== 'succeeded') {
      throw new AzureError({
        code: 'CommandFailed',
        message: `command invoke ended ${result.provisioningState}: ${result.reason ?? ''}`,
        userMessage: `Running "${command}" on ${p.name} did not complete (${result.provisioningState}${result.reason ? `: ${result.reason}` : ''}).`,
      });
    }
    return { exitCode: result.exitCode ?? 0, logs: result.logs ?? '' };
  } catch (e) {
    throw toAzureError(e, `run "${command}" on AKS cluster ${p.name}`, RBAC.runCommand);
  }
}

export function lroOptions(layer: AzureLayer): { updateIntervalInMs?: number } {
  return layer.pollIntervalMs === undefined ? {} : { updateIntervalInMs: layer.pollIntervalMs };
}
