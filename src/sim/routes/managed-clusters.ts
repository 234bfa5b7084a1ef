/**
 * AKS managed clusters (ContainerServiceClient.managedClusters): list, get, createOrUpdate
 * and updateTags as long-running operations, and AKS command invoke
 * (POST …/runCommand → 202, result at …/commandResults/{id}), which runs kubectl against the
 * scenario's Kubernetes objects.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ArmResource } from '../../scenario/types.js';
import { ArmHttpError, badRequest, ok, resourceGroupNotFound, type ArmReply } from '../arm-http.js';
import type { Estate } from '../estate.js';
import { runKubectlCommand } from '../kubectl.js';
import { runShellScript } from '../command-shell.js';
import { idFromPath, page, param, RG, route, SUB, type Route, type RouteContext } from '../world.js';
import { operationResult } from './operations.js';

const TYPE = 'Microsoft.ContainerService/managedClusters';
const PROVIDER = 'Microsoft.ContainerService';
const CLUSTER = `${RG}/providers/Microsoft.ContainerService/managedClusters/(?<name>[^/]+)`;

function clustersIn(ctx: RouteContext, resourceGroup?: string): ArmResource[] {
  const sub = param(ctx, 'sub');
  if (resourceGroup && !ctx.world.estates.some((e) => e.hasResourceGroup(sub, resourceGroup))) throw resourceGroupNotFound(resourceGroup);
  return ctx.world.estates.flatMap((e) => e.resourcesOfType(TYPE, sub, resourceGroup));
}

/**
 * A managed cluster as AKS serves it: the read-only fields AKS always fills in, added on a copy when
 * the scenario leaves them out (REST spec specification/containerservice/resource-manager/
 * Microsoft.ContainerService/aks/stable/2024-09-01/managedClusters.json, readOnly properties, and
 * its examples ManagedClustersGet.json, ManagedClustersList.json, ManagedClustersCreate_Update.json):
 * - eTag on the cluster and on each agent pool ("Unique read-only string used to implement
 *   optimistic concurrency"); maxAgentPools ("The max number of agent pools"; AKS allows 100 node
 *   pools per cluster, Learn "Create node pools for a cluster in AKS", Limitations);
 * - azurePortalFQDN beside fqdn (the portal's CORS-enabled name: fqdn with ".portal" after its first label);
 * - each pool's currentOrchestratorVersion (the version it runs, orchestratorVersion unless mid-upgrade);
 * - networkProfile.podCidrs / serviceCidrs ("One IPv4 CIDR is expected for single-stack networking")
 *   and ipFamilies ("For single-stack, the expected value is IPv4").
 */
export function clusterForRead(resource: ArmResource): ArmResource {
  const p: Record<string, any> = structuredClone(resource.properties ?? {});
  p.maxAgentPools ??= 100;
  if (typeof p.fqdn === 'string' && p.azurePortalFQDN === undefined && !p.apiServerAccessProfile?.enablePrivateCluster) {
    const [first, ...rest] = p.fqdn.split('.');
    p.azurePortalFQDN = [first, 'portal', ...rest].join('.');
  }
  if (Array.isArray(p.agentPoolProfiles)) {
    p.agentPoolProfiles = p.agentPoolProfiles.map((pool: Record<string, any>) => ({
      ...pool,
      eTag: pool.eTag ?? stableTag(`${resource.id}/agentPools/${pool.name}`, String(resource.eTag ?? '')),
      ...(pool.currentOrchestratorVersion === undefined && (pool.orchestratorVersion ?? p.currentKubernetesVersion) !== undefined
        ? { currentOrchestratorVersion: pool.orchestratorVersion ?? p.currentKubernetesVersion }
        : {}),
    }));
  }
  const net = p.networkProfile;
  if (net && typeof net === 'object') {
    if (net.podCidrs === undefined && typeof net.podCidr === 'string') net.podCidrs = [net.podCidr];
    if (net.serviceCidrs === undefined && typeof net.serviceCidr === 'string') net.serviceCidrs = [net.serviceCidr];
    net.ipFamilies ??= ['IPv4'];
  }
  return { ...resource, eTag: typeof resource.eTag === 'string' ? resource.eTag : stableTag(resource.id), properties: p };
}

/** Fields of an agent pool that only AKS sets (readOnly in the REST spec): a PUT body does not carry them. */
const POOL_READ_ONLY = ['provisioningState', 'currentOrchestratorVersion', 'nodeImageVersion', 'powerState'] as const;

/**
 * The properties after a PUT: the body's, with the read-only fields AKS keeps (the SDK sends none of
 * them): each pool's state and versions by pool name, and the load balancer's effectiveOutboundIPs.
 * The simulator does not create or delete managed outbound IPs, so that list stays as it was.
 */
function withReadOnlyKept(old: Record<string, any>, body: Record<string, any>): Record<string, any> {
  const next: Record<string, any> = { ...old, ...body };
  if (Array.isArray(body.agentPoolProfiles) && Array.isArray(old.agentPoolProfiles)) {
    next.agentPoolProfiles = body.agentPoolProfiles.map((pool: Record<string, any>) => {
      const before = old.agentPoolProfiles.find((o: Record<string, any>) => String(o.name).toLowerCase() === String(pool.name).toLowerCase());
      const kept = Object.fromEntries(POOL_READ_ONLY.filter((k) => before?.[k] !== undefined && pool[k] === undefined).map((k) => [k, before[k]]));
      return { ...pool, ...kept };
    });
  }
  const oldIps = old.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs;
  const lbProfile = body.networkProfile?.loadBalancerProfile;
  if (oldIps !== undefined && lbProfile && typeof lbProfile === 'object' && lbProfile.effectiveOutboundIPs === undefined) {
    next.networkProfile = { ...body.networkProfile, loadBalancerProfile: { ...lbProfile, effectiveOutboundIPs: oldIps } };
  }
  return next;
}

/** A stable eTag for a resource the scenario gave none (renewed with the cluster's own, when it has one). */
function stableTag(id: string, salt = ''): string {
  return createHash('sha256').update(`${id.toLowerCase()}#${salt}`).digest('hex').slice(0, 32);
}

function clusterId(ctx: RouteContext): string {
  return idFromPath(ctx, 8);
}

/** Starts a write on a cluster: 200/201 with provisioningState Updating, done after the operation. */
function writeCluster(ctx: RouteContext, estate: Estate, next: ArmResource, created: boolean): ArmReply {
  const lockKey = `cluster:${next.id.toLowerCase()}`;
  if (ctx.world.board.busy(lockKey)) {
    throw new ArmHttpError(409, 'OperationNotAllowed', `Operation is not allowed because there's an in progress update managed cluster operation on '${next.name}'. Please try again later.`);
  }
  next.properties = { ...(next.properties ?? {}), provisioningState: created ? 'Creating' : 'Updating' };
  // Every write changes the eTag (and so the pools' eTags, derived from it: read-only, whatever the body says).
  next.eTag = randomUUID();
  if (Array.isArray(next.properties.agentPoolProfiles)) {
    next.properties.agentPoolProfiles = next.properties.agentPoolProfiles.map(({ eTag: _readOnly, ...pool }: Record<string, any>) => pool);
  }
  estate.upsert(next);
  const op = ctx.world.board.start({
    estate,
    subscriptionId: param(ctx, 'sub'),
    provider: PROVIDER,
    location: String(next.location ?? 'eastus'),
    durationMs: ctx.world.scaled(estate.latency.armMs * 3),
    lockKey,
    work: () => {
      const current = estate.resource(next.id);
      if (current?.properties) current.properties.provisioningState = 'Succeeded';
      return {};
    },
  });
  return ok(clusterForRead(next), created ? 201 : 200, ctx.world.board.headers(op, ctx.baseUrl, ctx.apiVersion, false));
}

/**
 * Command invoke keeps at most 512 kB of a command's output (Learn, "Access a private AKS cluster
 * using command invoke", Limitations: the output is limited to 512 kB). Kept here: the first 512 KiB,
 * cut at a byte, as a size cap does, so a long JSON list arrives unparseable.
 */
export const COMMAND_INVOKE_OUTPUT_LIMIT = 512 * 1024;

export function cutCommandOutput(logs: string): string {
  const bytes = Buffer.from(logs, 'utf8');
  return bytes.length <= COMMAND_INVOKE_OUTPUT_LIMIT ? logs : bytes.subarray(0, COMMAND_INVOKE_OUTPUT_LIMIT).toString('utf8');
}

/**
 * What AKS checks before it runs a command invoke:
 * - apiServerAccessProfile.disableRunCommand (REST API spec, ManagedClusterAPIServerAccessProfile:
 *   "Whether to disable run command for the cluster or not"; Learn, "Access a private AKS cluster
 *   using command invoke", section "Disable run command"). The refusal's exact code and text are not
 *   published: this one is a plain 400, and the bot never depends on it (it reads the property first).
 * - a cluster with aadProfile (Microsoft Entra ID) needs RunCommandRequest.clusterToken ("AuthToken
 *   issued for AKS AAD Server App", REST API spec, managedClusters.json); without one, or with an
 *   empty one, AKS answers 400 MissingAADClusterToken with this text, as the Azure CLI shows it.
 * disableLocalAccounts plays no part: command invoke runs as the caller, not with local accounts.
 */
function refuseCommandInvoke(resource: ArmResource, clusterToken: unknown): void {
  const p = resource.properties ?? {};
  if (p.apiServerAccessProfile?.disableRunCommand === true) {
    throw badRequest('RunCommandDisabled', `Run command is disabled for managed cluster '${resource.name}' (apiServerAccessProfile.disableRunCommand is true).`);
  }
  if (p.aadProfile && (typeof clusterToken !== 'string' || clusterToken.trim() === '')) {
    throw badRequest('MissingAADClusterToken', 'This cluster have Azure Active Directory enabled, .clusterToken is required');
  }
}

export const managedClusterRoutes: Route[] = [
  route('managedClusters.listBySubscription', 'GET', `${SUB}/providers/Microsoft.ContainerService/managedClusters`, (ctx) => page(ctx, clustersIn(ctx).map(clusterForRead))),
  route('managedClusters.listByResourceGroup', 'GET', `${RG}/providers/Microsoft.ContainerService/managedClusters`, (ctx) =>
    page(ctx, clustersIn(ctx, param(ctx, 'rg')).map(clusterForRead)),
  ),
  route('managedClusters.get', 'GET', CLUSTER, (ctx) => ok(clusterForRead(ctx.world.require(clusterId(ctx), TYPE).resource))),
  route('managedClusters.createOrUpdate', 'PUT', CLUSTER, (ctx) => {
    const body = ctx.body;
    if (typeof body !== 'object' || body === null || typeof body.location !== 'string') {
      throw badRequest('InvalidParameter', "The value of parameter 'location' is invalid: a managed cluster needs a location.");
    }
    const id = clusterId(ctx);
    const found = ctx.world.find(id);
    const estate = found?.estate ?? ctx.world.related(id)[0];
    if (!estate) throw resourceGroupNotFound(param(ctx, 'rg'));
    const old = found?.resource;
    // PUT replaces the writable fields; read-only ones (fqdn, powerState …) stay as ARM keeps them.
    const next: ArmResource = {
      ...(old ?? {}),
      ...body,
      id: old?.id ?? id,
      name: old?.name ?? param(ctx, 'name'),
      type: old?.type ?? TYPE,
      properties: withReadOnlyKept(old?.properties ?? {}, body.properties ?? {}),
    };
    return writeCluster(ctx, estate, next, old === undefined);
  }),
  route('managedClusters.updateTags', 'PATCH', CLUSTER, (ctx) => {
    const { estate, resource } = ctx.world.require(clusterId(ctx), TYPE);
    const tags = ctx.body?.tags;
    if (tags !== undefined && (typeof tags !== 'object' || tags === null)) throw badRequest('InvalidParameter', "The value of parameter 'tags' is invalid.");
    return writeCluster(ctx, estate, { ...structuredClone(resource), ...(tags ? { tags } : {}) }, false);
  }),
  route('managedClusters.runCommand', 'POST', `${CLUSTER}/runCommand`, (ctx) => {
    const { estate, resource } = ctx.world.require(clusterId(ctx), TYPE);
    const command = ctx.body?.command;
    if (typeof command !== 'string' || command.trim() === '') throw badRequest('InvalidParameter', "The value of parameter 'command' is invalid: it must be a non-empty string.");
    if (String(resource.properties?.powerState?.code ?? 'Running') === 'Stopped') {
      throw new ArmHttpError(409, 'OperationNotAllowed', `Managed cluster '${resource.name}' is stopped. Start it before running commands.`);
    }
    refuseCommandInvoke(resource, ctx.body?.clusterToken);
    const startedAt = new Date();
    const op = ctx.world.board.start({
      estate,
      subscriptionId: param(ctx, 'sub'),
      provider: PROVIDER,
      location: String(resource.location ?? 'eastus'),
      durationMs: ctx.world.scaled(estate.latency.kubectlMs),
      work: () => {
        const oracle = ctx.world.oracle(estate);
        const { exitCode, logs: full } = runShellScript(command, (simple) => runKubectlCommand(estate, simple, oracle));
        const logs = cutCommandOutput(full);
        return {
          result: {
            status: 200,
            // "succeeded" in lower case, as AKS writes it (REST spec example
            // specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2024-09-01/examples/RunCommandRequest.json).
            body: { id: op.id, properties: { provisioningState: 'succeeded', exitCode, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), logs } },
          },
        };
      },
    });
    op.resultPath = `${resource.id}/commandResults/${op.id}`;
    op.runningBody = { id: op.id, properties: { provisioningState: 'Running' } };
    return { status: 202, headers: ctx.world.board.headers(op, ctx.baseUrl, ctx.apiVersion) };
  }),
  route('managedClusters.commandResult', 'GET', `${CLUSTER}/commandResults/(?<cmd>[^/]+)`, (ctx) => {
    const op = ctx.world.board.get(param(ctx, 'cmd'));
    if (!op || !op.resultPath?.toLowerCase().startsWith(clusterId(ctx).toLowerCase())) {
      throw new ArmHttpError(404, 'NotFound', `Command result '${param(ctx, 'cmd')}' was not found.`);
    }
    return operationResult(ctx, op);
  }),
];
