/**
 * Pods as `kubectl get pods -o json` prints them (through AKS command invoke), reduced to what the
 * tunnel checks need. Tunnel kind comes from the agent pods: konnectivity-agent (TCP 443),
 * tunnelfront (TCP 9000) or aks-link (UDP 1194) — see docs/checks.md.
 */
import type { TunnelKind } from './report.js';

/** How a container last ended (status.containerStatuses[].lastState.terminated). */
export interface ContainerTermination {
  reason?: string;
  exitCode?: number;
  finishedAt?: string;
}

/** One container of a pod: its status joined with its spec (by container name). */
export interface ContainerSummary {
  name: string;
  restarts: number;
  ready?: boolean;
  /** state.waiting.reason, e.g. "CrashLoopBackOff", "ImagePullBackOff". */
  waitingReason?: string;
  lastTerminated?: ContainerTermination;
  /** spec.containers[].resources.limits.memory, as written ("1Gi"). */
  memoryLimit?: string;
  /** spec.containers[].resources.requests.memory. */
  memoryRequest?: string;
}

export interface PodSummary {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  node?: string;
  phase: string;
  /** Sum over the pod's containers. */
  restarts: number;
  /** The first container's waiting reason, if any (see `containers` for all of them). */
  waitingReason?: string;
  /** The first container's last termination reason, if any. */
  lastTerminationReason?: string;
  /** The first container's memory limit, if any. */
  memoryLimit?: string;
  // Extensions (optional; filled by parsePodList):
  /** Per container, in status order (spec order for containers that have no status yet). */
  containers?: ContainerSummary[];
  /** The pod's Ready condition. */
  ready?: boolean;
  /** The controlling owner (metadata.ownerReferences with controller=true), e.g. a ReplicaSet. */
  owner?: { kind: string; name: string };
  /** metadata.deletionTimestamp is set: the pod is being terminated. */
  deleting?: boolean;
  /** status.reason, e.g. "Evicted" on a Failed pod. */
  statusReason?: string;
}

export class KubectlOutputError extends Error {}

interface KubeContainerSpec {
  name?: string;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}

interface KubeContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string } };
  lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
}

interface KubePod {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }>;
  };
  spec?: { nodeName?: string; containers?: KubeContainerSpec[] };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: Array<{ type?: string; status?: string }>;
    containerStatuses?: KubeContainerStatus[];
  };
}

function containerSummaries(p: KubePod): ContainerSummary[] {
  const specs = p.spec?.containers ?? [];
  const statuses = p.status?.containerStatuses ?? [];
  const specOf = (name: string | undefined) => specs.find((c) => c.name !== undefined && c.name === name);
  const fromStatus = statuses.map((s, i): ContainerSummary => {
    // A status without a name (hand-written JSON) pairs with the spec at the same position.
    const spec = specOf(s.name) ?? (s.name === undefined ? specs[i] : undefined);
    const t = s.lastState?.terminated;
    const lastTerminated: ContainerTermination | undefined = t
      ? {
          ...(t.reason ? { reason: t.reason } : {}),
          ...(typeof t.exitCode === 'number' ? { exitCode: t.exitCode } : {}),
          ...(t.finishedAt ? { finishedAt: t.finishedAt } : {}),
        }
      : undefined;
    return {
      name: s.name ?? spec?.name ?? '',
      restarts: s.restartCount ?? 0,
      ...(typeof s.ready === 'boolean' ? { ready: s.ready } : {}),
      ...(s.state?.waiting?.reason ? { waitingReason: s.state.waiting.reason } : {}),
      ...(lastTerminated ? { lastTerminated } : {}),
      ...(spec?.resources?.limits?.memory ? { memoryLimit: spec.resources.limits.memory } : {}),
      ...(spec?.resources?.requests?.memory ? { memoryRequest: spec.resources.requests.memory } : {}),
    };
  });
  // Containers not started yet (a Pending pod) have a spec but no status. Unnamed statuses were
  // paired by position above, so only named ones can leave a spec unmatched.
  if (statuses.some((s) => s.name === undefined)) return fromStatus;
  const named = new Set(fromStatus.map((c) => c.name));
  const notStarted = specs
    .filter((c): c is KubeContainerSpec & { name: string } => c.name !== undefined && !named.has(c.name))
    .map((c): ContainerSummary => ({
      name: c.name,
      restarts: 0,
      ...(c.resources?.limits?.memory ? { memoryLimit: c.resources.limits.memory } : {}),
      ...(c.resources?.requests?.memory ? { memoryRequest: c.resources.requests.memory } : {}),
    }));
  return [...fromStatus, ...notStarted];
}

export function parsePodList(json: string): PodSummary[] {
  let doc: { items?: KubePod[] };
  try {
    doc = JSON.parse(json) as { items?: KubePod[] };
  } catch {
    throw new KubectlOutputError('kubectl did not return a JSON pod list');
  }
  if (!doc || !Array.isArray(doc.items)) throw new KubectlOutputError('kubectl returned JSON without an items list');
  return doc.items.filter((p): p is KubePod => typeof p === 'object' && p !== null).map((p) => {
    const statuses = p.status?.containerStatuses ?? [];
    const waiting = statuses.map((s) => s.state?.waiting?.reason).find(Boolean);
    const terminated = statuses.map((s) => s.lastState?.terminated?.reason).find(Boolean);
    const memoryLimit = p.spec?.containers?.map((c) => c.resources?.limits?.memory).find(Boolean);
    const readyCondition = p.status?.conditions?.find((c) => c.type === 'Ready');
    const owner = p.metadata?.ownerReferences?.find((o) => o.controller && o.kind && o.name);
    return {
      namespace: p.metadata?.namespace ?? '',
      name: p.metadata?.name ?? '',
      labels: p.metadata?.labels ?? {},
      ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
      phase: p.status?.phase ?? 'Unknown',
      restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
      ...(waiting ? { waitingReason: waiting } : {}),
      ...(terminated ? { lastTerminationReason: terminated } : {}),
      ...(memoryLimit ? { memoryLimit } : {}),
      containers: containerSummaries(p),
      ...(readyCondition ? { ready: readyCondition.status === 'True' } : {}),
      ...(owner ? { owner: { kind: owner.kind as string, name: owner.name as string } } : {}),
      ...(p.metadata?.deletionTimestamp ? { deleting: true } : {}),
      ...(p.status?.reason ? { statusReason: p.status.reason } : {}),
    };
  });
}

// By label, as the AKS add-on manifests set them. Name prefixes alone would also catch
// konnectivity-agent-autoscaler-…, which is not an agent.
const TUNNEL_AGENTS: Array<{ kind: Exclude<TunnelKind, 'none' | 'unknown'>; match: (p: PodSummary) => boolean }> = [
  { kind: 'konnectivity', match: (p) => p.labels.app === 'konnectivity-agent' },
  { kind: 'tunnel-front', match: (p) => p.labels.component === 'tunnel' },
  { kind: 'aks-link', match: (p) => p.labels.app === 'aks-link' },
];

export function tunnelAgentPods(pods: PodSummary[]): { kind: TunnelKind; pods: PodSummary[] } {
  const system = pods.filter((p) => p.namespace === 'kube-system');
  for (const agent of TUNNEL_AGENTS) {
    const found = system.filter(agent.match);
    if (found.length > 0) return { kind: agent.kind, pods: found };
  }
  return { kind: 'none', pods: [] };
}

/** The tunnel's egress port and protocol, per the troubleshooting article. */
export function tunnelEgressPort(kind: TunnelKind): { port: number; protocol: 'tcp' | 'udp' } | undefined {
  switch (kind) {
    case 'konnectivity':
      return { port: 443, protocol: 'tcp' };
    case 'tunnel-front':
      return { port: 9000, protocol: 'tcp' };
    case 'aks-link':
      return { port: 1194, protocol: 'udp' };
    default:
      return undefined;
  }
}
