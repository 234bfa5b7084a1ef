/**
 * Pods as `kubectl get pods -o json` prints them (through AKS command invoke), reduced to what the
 * tunnel checks need. Tunnel kind comes from the agent pods: konnectivity-agent (TCP 443),
 * tunnelfront (TCP 9000) or aks-link (UDP 1194) — see docs/checks.md.
 */
import type { TunnelKind } from './report.js';

export interface PodSummary {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  node?: string;
  phase: string;
  restarts: number;
  waitingReason?: string;
  lastTerminationReason?: string;
  memoryLimit?: string;
}

export class KubectlOutputError extends Error {}

interface KubePod {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ resources?: { limits?: Record<string, string> } }> };
  status?: {
    phase?: string;
    containerStatuses?: Array<{
      restartCount?: number;
      state?: { waiting?: { reason?: string } };
      lastState?: { terminated?: { reason?: string } };
    }>;
  };
}

export function parsePodList(json: string): PodSummary[] {
  let doc: { items?: KubePod[] };
  try {
    doc = JSON.parse(json) as { items?: KubePod[] };
  } catch {
    throw new KubectlOutputError('kubectl did not return a JSON pod list');
  }
  if (!doc || !Array.isArray(doc.items)) throw new KubectlOutputError('kubectl returned JSON without an items list');
  return doc.items.map((p) => {
    const statuses = p.status?.containerStatuses ?? [];
    const waiting = statuses.map((s) => s.state?.waiting?.reason).find(Boolean);
    const terminated = statuses.map((s) => s.lastState?.terminated?.reason).find(Boolean);
    const memoryLimit = p.spec?.containers?.map((c) => c.resources?.limits?.memory).find(Boolean);
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
    };
  });
}

const TUNNEL_AGENTS: Array<{ kind: Exclude<TunnelKind, 'none' | 'unknown'>; match: (p: PodSummary) => boolean }> = [
  { kind: 'konnectivity', match: (p) => p.labels.app === 'konnectivity-agent' || p.name.startsWith('konnectivity-agent-') },
  { kind: 'tunnel-front', match: (p) => p.labels.component === 'tunnel' || p.name.startsWith('tunnelfront-') },
  { kind: 'aks-link', match: (p) => p.labels.app === 'aks-link' || p.name.startsWith('aks-link-') },
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
