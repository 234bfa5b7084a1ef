/**
 * The Azure SDK clients the bot uses, per subscription, created lazily and cached.
 * - mode 'azure': real ARM with DefaultAzureCredential (or the given credential).
 * - mode 'simulated': the same clients pointed at the simulated Azure over plain HTTP: the
 *   endpoint is set through `endpoint` (arm-network builds URLs from it, not from $host),
 *   insecure HTTP is allowed, and the bearer-token policy is removed because a token is
 *   neither needed nor permitted over http (core-rest-pipeline refuses bearer auth without TLS).
 * `fast` shortens LRO polling and SDK retry delays for tests.
 */
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { ComputeManagementClient } from '@azure/arm-compute';
import { MonitorClient } from '@azure/arm-monitor';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { armTelemetryPolicy } from '../telemetry/arm-policy.js';
import type { Telemetry } from '../telemetry/telemetry.js';

export interface AzureTarget {
  mode: 'azure' | 'simulated';
  /** ARM endpoint; required for 'simulated' (the simulator's URL). */
  endpoint?: string;
  credential?: TokenCredential;
  /** Tests: poll LROs every few ms and retry quickly. */
  fast?: boolean;
  /** Traces and counts every ARM request (src/telemetry/arm-policy.ts); absent = not recorded. */
  telemetry?: Telemetry;
  /** Overall deadlines of long-running operations (defaults: OPERATION_DEADLINES, or FAST_DEADLINES with `fast`). */
  deadlines?: Partial<OperationDeadlines>;
}

/**
 * How long the bot waits for a long-running operation before it gives up on it (an AbortSignal on
 * every poller). A VM run-command returns its result over the node's outbound 443: a node whose
 * egress is blocked (the very fault being diagnosed) never reports, while the script itself may run
 * for up to 90 minutes and cannot be cancelled (Learn, "Run scripts in your Linux VM by using action
 * Run Commands", Restrictions). Without a deadline one such node would hang the whole diagnosis.
 */
export interface OperationDeadlines {
  /** One VM run-command (the node scripts run in seconds), 409 retries included. */
  runCommandMs: number;
  /** One AKS command invoke (kubectl in a pod AKS starts for it). */
  commandInvokeMs: number;
  /** Any other operation (a cluster update can take many minutes). */
  operationMs: number;
}

export const OPERATION_DEADLINES: OperationDeadlines = { runCommandMs: 5 * 60_000, commandInvokeMs: 5 * 60_000, operationMs: 45 * 60_000 };
/** Tests against the simulated Azure: operations settle at once, so only a withheld result reaches these. */
export const FAST_DEADLINES: OperationDeadlines = { runCommandMs: 8_000, commandInvokeMs: 30_000, operationMs: 60_000 };

/**
 * Deadlines for a simulated Azure whose latencies run at `latencyScale` of the scenarios' own
 * (SIM_LATENCY_SCALE): Azure's deadlines scaled the same way, never below FAST_DEADLINES.
 */
export function simulatedDeadlines(latencyScale: number): OperationDeadlines {
  const scaled = (k: keyof OperationDeadlines) => Math.max(FAST_DEADLINES[k], Math.round(OPERATION_DEADLINES[k] * latencyScale));
  return { runCommandMs: scaled('runCommandMs'), commandInvokeMs: scaled('commandInvokeMs'), operationMs: scaled('operationMs') };
}

/** The pipeline policy every ARM client adds for AAD tokens (core-rest-pipeline's name). */
const BEARER_POLICY = 'bearerTokenAuthenticationPolicy';

export interface AzureLayer {
  readonly target: Readonly<AzureTarget>;
  /** Polling interval for long-running operations (undefined = the SDK's default / Retry-After). */
  readonly pollIntervalMs: number | undefined;
  /** Base delay between our own retries (409 busy, 429 beyond the SDK's retries). */
  readonly retryBaseMs: number;
  /** Overall deadlines of long-running operations (see OperationDeadlines). */
  readonly deadlines: OperationDeadlines;
  containerService(subscriptionId: string): ContainerServiceClient;
  compute(subscriptionId: string): ComputeManagementClient;
  network(subscriptionId: string): NetworkManagementClient;
  monitor(subscriptionId: string): MonitorClient;
  subscriptions(): SubscriptionClient;
  /** Azure Resource Graph, tenant-wide (one query spans every subscription the identity can read); created on first use. */
  readonly resourceGraph: ResourceGraphClient;
  /**
   * A token for the AKS server application (AKS_SERVER_APP_SCOPE), from the same credential as the
   * ARM clients: AKS command invoke on a Microsoft Entra ID cluster needs it as `clusterToken`.
   */
  clusterToken(): Promise<string>;
}

/**
 * The "Azure Kubernetes Service AAD Server" application, the same for every AKS cluster. The Azure CLI
 * and Azure PowerShell (Invoke-AzAksRunCommand, AksServiceId) ask for a token to it for command invoke
 * on Entra ID clusters (https://azure.github.io/kubelogin/concepts/aks.html).
 */
export const AKS_SERVER_APP_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default';

/** A credential for the simulator: it accepts any request, so the token is a placeholder. */
const simulatedCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'simulated-azure', expiresOnTimestamp: Date.now() + 3600_000 }),
};

interface PipelineHolder {
  pipeline: { removePolicy(options: { name?: string }): unknown };
}

function withoutBearer<T extends PipelineHolder>(client: T): T {
  client.pipeline.removePolicy({ name: BEARER_POLICY });
  return client;
}

export function createAzureLayer(target: AzureTarget): AzureLayer {
  const simulated = target.mode === 'simulated';
  if (simulated && !target.endpoint) throw new Error('createAzureLayer: mode "simulated" needs the simulator endpoint (e.g. http://127.0.0.1:4010).');
  const endpoint = (target.endpoint ?? 'https://management.azure.com').replace(/\/+$/, '');
  let credential: TokenCredential | undefined = target.credential ?? (simulated ? simulatedCredential : undefined);
  const credentialOf = (): TokenCredential => (credential ??= new DefaultAzureCredential());

  const fast = target.fast === true;
  const common = {
    endpoint,
    ...(simulated ? { allowInsecureConnection: true } : {}),
    ...(fast ? { retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 100 } } : {}),
    // Per retry: one span and one count per HTTP attempt, LRO polls included.
    ...(target.telemetry ? { additionalPolicies: [{ policy: armTelemetryPolicy(target.telemetry), position: 'perRetry' as const }] } : {}),
  };
  const classic = { ...common, $host: endpoint, credentialScopes: [`${simulated ? 'https://management.azure.com' : endpoint}/.default`] };
  const prepare = <T extends PipelineHolder>(client: T): T => (simulated ? withoutBearer(client) : client);

  const caches = {
    containerService: new Map<string, ContainerServiceClient>(),
    compute: new Map<string, ComputeManagementClient>(),
    network: new Map<string, NetworkManagementClient>(),
    monitor: new Map<string, MonitorClient>(),
  };
  function cached<T>(map: Map<string, T>, subscriptionId: string, make: () => T): T {
    const key = subscriptionId.toLowerCase();
    let client = map.get(key);
    if (!client) {
      client = make();
      map.set(key, client);
    }
    return client;
  }
  let subscriptionClient: SubscriptionClient | undefined;
  let resourceGraphClient: ResourceGraphClient | undefined;

  return {
    target: { ...target },
    pollIntervalMs: fast ? 5 : undefined,
    retryBaseMs: fast ? 20 : 5000,
    deadlines: { ...(fast ? FAST_DEADLINES : OPERATION_DEADLINES), ...target.deadlines },
    containerService: (sub) => cached(caches.containerService, sub, () => prepare(new ContainerServiceClient(credentialOf(), sub, common))),
    compute: (sub) => cached(caches.compute, sub, () => prepare(new ComputeManagementClient(credentialOf(), sub, common))),
    network: (sub) => cached(caches.network, sub, () => prepare(new NetworkManagementClient(credentialOf(), sub, classic))),
    monitor: (sub) => cached(caches.monitor, sub, () => prepare(new MonitorClient(credentialOf(), sub, classic))),
    subscriptions: () => (subscriptionClient ??= prepare(new SubscriptionClient(credentialOf(), classic))),
    // A getter, so calls read `layer.resourceGraph.resources(…)` like the other operation groups
    // (test/deploy/role-coverage.test.ts scans for that shape).
    get resourceGraph() {
      return (resourceGraphClient ??= prepare(new ResourceGraphClient(credentialOf(), common)));
    },
    clusterToken: async () => {
      const token = await credentialOf().getToken(AKS_SERVER_APP_SCOPE);
      if (!token?.token) throw new Error(`the credential returned no token for ${AKS_SERVER_APP_SCOPE}`);
      return token.token;
    },
  };
}
