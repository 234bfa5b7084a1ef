/**
 * AKS clusters: finding them across subscriptions, reading one, updating one, and running
 * kubectl through AKS command invoke (managedClusters/runCommand), which works even when the
 * tunnel is broken because it runs inside the cluster (https://learn.microsoft.com/azure/aks/access-private-cluster).
 */
import type { ManagedCluster } from '@azure/arm-containerservice';
import { expectArmType, isGuid, parseArmId } from './arm-id.js';
import type { AzureLayer } from './clients.js';
import { AzureError, toAzureError } from './errors.js';
import { SUB, RG, POLLS, type SdkPermission } from './operation-permission.js';
import type { ClusterRef, SubscriptionRef } from '../cluster-ref.js';

const CLUSTER_TYPE = 'Microsoft.ContainerService/managedClusters';

const SUBSCRIPTIONS_LIST = {
  operation: 'subscriptions.list',
  client: '@azure/arm-resources-subscriptions',
  request: 'GET /subscriptions',
  action: 'Microsoft.Resources/subscriptions/read',
  followUps: [],
  role: 'diagnose',
  why: 'listSubscriptions: where to search for a named cluster when AZURE_SUBSCRIPTION_IDS is empty.',
} as const satisfies SdkPermission;

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
    throw toAzureError(e, 'list the subscriptions it can see', SUBSCRIPTIONS_LIST.action);
  }
}

const SUBSCRIPTIONS_GET = {
  operation: 'subscriptions.get',
  client: '@azure/arm-resources-subscriptions',
  request: `GET ${SUB}`,
  action: 'Microsoft.Resources/subscriptions/read',
  followUps: [],
  role: 'diagnose',
  why: 'getSubscriptionName: the display name of the subscription a Resource Graph query found the cluster in.',
} as const satisfies SdkPermission;

/** One subscription's display name (GET /subscriptions/{id}), for answers; undefined when unreadable. */
export async function getSubscriptionName(layer: AzureLayer, subscriptionId: string): Promise<string | undefined> {
  try {
    return (await layer.subscriptions().subscriptions.get(subscriptionId)).displayName;
  } catch {
    return undefined;
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

const MANAGED_CLUSTERS_LIST = {
  operation: 'managedClusters.list',
  client: '@azure/arm-containerservice',
  request: `GET ${SUB}/providers/Microsoft.ContainerService/managedClusters`,
  action: 'Microsoft.ContainerService/managedClusters/read',
  followUps: [],
  role: 'diagnose',
  why: 'listClusters: resolve "diagnose cluster <name>" to one cluster.',
} as const satisfies SdkPermission;

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
        const error = toAzureError(e, `list the AKS clusters in subscription ${sub}`, MANAGED_CLUSTERS_LIST.action);
        if (!opts.onError) throw error;
        opts.onError(sub, error);
        return [];
      }
    }),
  );
  return perSubscription.flat();
}

const MANAGED_CLUSTERS_GET = {
  operation: 'managedClusters.get',
  client: '@azure/arm-containerservice',
  request: `GET ${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}`,
  action: 'Microsoft.ContainerService/managedClusters/read',
  followUps: [],
  role: 'diagnose',
  why: 'getCluster: node resource group, network profile, outbound type, tunnel kind.',
} as const satisfies SdkPermission;

export async function getCluster(layer: AzureLayer, id: string): Promise<ManagedCluster> {
  const p = expectArmType(id, CLUSTER_TYPE);
  try {
    const cluster = await layer.containerService(p.subscriptionId).managedClusters.get(p.resourceGroup, p.name);
    rememberEntraId(layer, id, cluster.aadProfile !== undefined && cluster.aadProfile !== null);
    return cluster;
  } catch (e) {
    throw toAzureError(e, `read AKS cluster ${p.name}`, MANAGED_CLUSTERS_GET.action);
  }
}

const MANAGED_CLUSTERS_CREATE_OR_UPDATE = {
  operation: 'managedClusters.createOrUpdate',
  client: '@azure/arm-containerservice',
  request: `PUT ${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}`,
  action: 'Microsoft.ContainerService/managedClusters/write',
  followUps: [...POLLS.containerService],
  role: 'remediate',
  why: 'updateCluster: the SNAT fixes (loadBalancerProfile.allocatedOutboundPorts, managedOutboundIPs.count).',
} as const satisfies SdkPermission;

/** createOrUpdate (a PUT of the whole cluster), waiting for the operation to finish. */
export async function updateCluster(layer: AzureLayer, id: string, cluster: ManagedCluster): Promise<ManagedCluster> {
  const p = expectArmType(id, CLUSTER_TYPE);
  try {
    const poller = layer.containerService(p.subscriptionId).managedClusters.createOrUpdate(p.resourceGroup, p.name, cluster, lroOptions(layer));
    return await poller.pollUntilDone();
  } catch (e) {
    throw toAzureError(e, `update AKS cluster ${p.name}`, MANAGED_CLUSTERS_CREATE_OR_UPDATE.action);
  }
}

/**
 * Only plain kubectl invocations: AKS command invoke runs the command through a shell in a pod,
 * so anything that could be shell syntax (quotes, $, ;, |, &, redirects, backticks) is refused.
 * The one exception is the engine's batch (engine/kube-batch.ts): plain kubectl commands joined by
 * "; ", each followed by a constant echo of an end marker whose only expansion is `$?`.
 */
const SAFE_KUBECTL = /^kubectl( [A-Za-z0-9._:/=,@+-]+)+$/;
const BATCH_END_MARKER = /^echo "@@tunnel-doctor-end [a-z0-9-]+ \$\?@@"$/;

function isSafeCommandList(command: string): boolean {
  const parts = command.split('; ');
  if (parts.length === 1) return SAFE_KUBECTL.test(command) && command.length <= 1000;
  return (
    command.length <= 8000 &&
    parts.every((part, i) => (i % 2 === 0 ? SAFE_KUBECTL.test(part) && part.length <= 1000 : BATCH_END_MARKER.test(part))) &&
    parts.length % 2 === 0
  );
}

/** The command as messages name it: quoted, or for a batch how many kubectl commands it holds. */
function shownCommand(command: string): string {
  const n = command.split('; ').length / 2;
  return Number.isInteger(n) && n >= 1 && command.includes('; echo "@@tunnel-doctor-end') ? `${n} kubectl reads (one command invoke)` : `"${command}"`;
}

export function assertSafeKubectl(command: string): void {
  if (!isSafeCommandList(command)) {
    throw new AzureError({
      code: 'InvalidCommand',
      message: `refused kubectl command: ${JSON.stringify(command.slice(0, 200))}`,
      userMessage: 'That kubectl command was refused: only plain "kubectl …" words (letters, digits and . _ : / = , @ + -) can be sent to the cluster.',
    });
  }
}

/** Attempts when AKS answers command invoke with a busy 409 (as run-command's, compute.ts). */
const COMMAND_INVOKE_ATTEMPTS = 5;

/**
 * A 409 that passes: another command or operation holds the cluster for a moment ("Conflict", or
 * AKS's OperationNotAllowed "…because there's an in progress … operation…", the message the
 * simulated Azure answers during a cluster update, src/sim/routes/managed-clusters.ts). Retried
 * like run-command's 409 (compute.ts). A stopped cluster (OperationNotAllowed "…is stopped…")
 * stays stopped: not retried, the user is told to start it.
 */
function isBusyConflict(error: AzureError): boolean {
  if (error.statusCode !== 409) return false;
  return error.code === 'Conflict' || (error.code === 'OperationNotAllowed' && /in progress/i.test(error.message));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Which clusters use Microsoft Entra ID (aadProfile set), as last read through this layer. AKS
 * refuses command invoke on such a cluster without a clusterToken: 400 MissingAADClusterToken, "This
 * cluster have Azure Active Directory enabled, .clusterToken is required". The Azure CLI reads the
 * cluster and sends a token for the AKS server app when aadProfile is set; here the diagnosis has
 * already read it (getCluster), and a cluster not read yet (a fix after a restart) learns it from
 * that error once. disableLocalAccounts changes nothing here: command invoke runs as the caller.
 */
const entraIdClusters = new WeakMap<AzureLayer, Map<string, boolean>>();

function rememberEntraId(layer: AzureLayer, clusterId: string, entraId: boolean): void {
  let known = entraIdClusters.get(layer);
  if (!known) entraIdClusters.set(layer, (known = new Map()));
  known.set(clusterId.toLowerCase(), entraId);
}

function usesEntraId(layer: AzureLayer, clusterId: string): boolean {
  return entraIdClusters.get(layer)?.get(clusterId.toLowerCase()) === true;
}

async function clusterTokenFor(layer: AzureLayer, clusterName: string): Promise<string> {
  try {
    return await layer.clusterToken();
  } catch (e) {
    throw new AzureError({
      code: 'ClusterTokenUnavailable',
      message: `no token for the AKS server application: ${(e as Error)?.message ?? String(e)}`,
      userMessage: `${clusterName} uses Microsoft Entra ID, so AKS command invoke needs a token for the AKS server application (6dae42f8-4368-4678-94ff-3960e28e3630), and the bot's identity could not get one. Check that the identity can sign in to its tenant.`,
      cause: e,
    });
  }
}

const MISSING_CLUSTER_TOKEN = 'MissingAADClusterToken';

const MANAGED_CLUSTERS_RUN_COMMAND = {
  operation: 'managedClusters.runCommand',
  client: '@azure/arm-containerservice',
  request: `POST ${RG}/providers/Microsoft.ContainerService/managedClusters/{resourceName}/runCommand`,
  action: 'Microsoft.ContainerService/managedClusters/runcommand/action',
  // AKS answers 202 with a Location under …/commandResults/{commandId}; the status may also come
  // from the namespace's locations/operations URLs.
  followUps: ['Microsoft.ContainerService/managedClusters/commandResults/read', ...POLLS.containerService],
  role: 'diagnose',
  why: 'runKubectl (AKS command invoke): kubectl get pods/configmap/events and kubectl logs while the tunnel is down; the recreate-tunnel-pods fix deletes a pod the same way.',
} as const satisfies SdkPermission;

export async function runKubectl(layer: AzureLayer, clusterId: string, command: string): Promise<{ exitCode: number; logs: string }> {
  assertSafeKubectl(command);
  const p = expectArmType(clusterId, CLUSTER_TYPE);
  const shown = shownCommand(command);
  const what = `run ${shown} on AKS cluster ${p.name}`;
  // One overall deadline for every attempt: command invoke runs in a pod that may never start.
  const options = lroOptions(layer, layer.deadlines.commandInvokeMs);
  const invoke = async (entraId: boolean) => {
    const clusterToken = entraId ? await clusterTokenFor(layer, p.name) : '';
    const poller = layer.containerService(p.subscriptionId).managedClusters.runCommand(p.resourceGroup, p.name, { command, context: '', clusterToken }, options);
    return poller.pollUntilDone({ abortSignal: options.abortSignal });
  };
  for (let attempt = 1; ; attempt++) {
    let result;
    try {
      const entraId = usesEntraId(layer, clusterId);
      result = await invoke(entraId).catch((e: unknown) => {
        if (entraId || toAzureError(e, 'run a command').code !== MISSING_CLUSTER_TOKEN) throw e;
        rememberEntraId(layer, clusterId, true);
        return invoke(true);
      });
    } catch (e) {
      if (isDeadlineAbort(e, options.abortSignal)) {
        const seconds = Math.round(layer.deadlines.commandInvokeMs / 1000);
        throw new AzureError({
          code: 'CommandInvokeNoResult',
          message: `command invoke ${shown} on ${p.name}: no result within ${seconds} s`,
          userMessage: `${shown} on ${p.name} returned no result within ${seconds} s (AKS command invoke runs it in a pod in the cluster; the pod may not have started).`,
          cause: e,
        });
      }
      const error = toAzureError(e, what, MANAGED_CLUSTERS_RUN_COMMAND.action);
      if (!isBusyConflict(error) || attempt >= COMMAND_INVOKE_ATTEMPTS) throw error;
      await sleep(layer.retryBaseMs * 2 ** (attempt - 1));
      continue;
    }
    // AKS writes the command's state in lower case ("succeeded", REST spec example RunCommandRequest.json).
    if (result.provisioningState && result.provisioningState.toLowerCase() !== 'succeeded') {
      throw new AzureError({
        code: 'CommandFailed',
        message: `command invoke ended ${result.provisioningState}: ${result.reason ?? ''}`,
        userMessage: `Running ${shown} on ${p.name} did not complete (${result.provisioningState}${result.reason ? `: ${result.reason}` : ''}).`,
      });
    }
    return { exitCode: result.exitCode ?? 0, logs: result.logs ?? '' };
  }
}

/**
 * Options for one long-running operation: the poll interval, and an overall deadline as an
 * AbortSignal (the SDK stops polling and throws an AbortError when it fires; see OperationDeadlines).
 */
export function lroOptions(layer: AzureLayer, deadlineMs: number = layer.deadlines.operationMs): { updateIntervalInMs?: number; abortSignal: AbortSignal } {
  const abortSignal = AbortSignal.timeout(deadlineMs);
  return layer.pollIntervalMs === undefined ? { abortSignal } : { updateIntervalInMs: layer.pollIntervalMs, abortSignal };
}

/** True when an operation's deadline (lroOptions' AbortSignal) ended it. */
export function isDeadlineAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (err as { name?: string })?.name === 'AbortError';
}

/** This module's SDK operations with their permissions, gathered by rbac-actions.ts into the roles' table. */
export const PERMISSIONS: readonly SdkPermission[] = [SUBSCRIPTIONS_LIST, SUBSCRIPTIONS_GET, MANAGED_CLUSTERS_LIST, MANAGED_CLUSTERS_GET, MANAGED_CLUSTERS_CREATE_OR_UPDATE, MANAGED_CLUSTERS_RUN_COMMAND];
