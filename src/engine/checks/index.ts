/**
 * Every check, in the report's order (the ids of scenario-format.md). Each one awaits the shared
 * reads it needs (memoised per diagnosis, so the NSGs are read once for all checks and the probe
 * plan runs once) and hands them to its pure decision function.
 */
import { NETWORK_KEY, NODES_KEY, SYMPTOMS_KEY, type Check, type DiagnosisContext } from '../diagnose.js';
import { checkNodeSymptom, pickSymptomNodes, type SymptomPick } from '../symptom-check.js';
import type { Phase } from '../phase-timing.js';
import { gatherNetwork, gatherNodes } from '../gather.js';
import { gatherSnatInput } from '../gather-snat.js';
import { tunnelEgressPort } from '../kube-pods.js';
import { runProbePlan, type EgressRun, type ProbePlanResult } from '../probe-plan.js';
import { readVnetIntegration, usesVnetIntegration, type VnetIntegration } from '../api-server-address.js';
import type { NetworkView, NodeView, TunnelView } from './views.js';
import { decideNsg10250 } from './nsg-10250.js';
import { decideUfw10250 } from './ufw-10250.js';
import { decideIptables10250 } from './iptables-10250.js';
import { decideEgressTunnelPorts, type EgressProbe } from './egress-tunnel-ports.js';
import { decideSnatExhaustion } from './snat-exhaustion.js';
import { EXPLAINING_CHECKS, decideKubeletReachability } from './kubelet-reachability.js';
import type { CheckId } from '../report.js';
import {
  KUBECTL_ACCESS_RESOLVE,
  decideTunnelAgentHealth,
  eventsFromCommand,
  ladderFromCommand,
} from './tunnel-agent-health.js';

export const nodesOf = (ctx: DiagnosisContext): Promise<NodeView[]> =>
  ctx.once(NODES_KEY, () => gatherNodes(ctx.layer, ctx.facts.nodePools ?? [], ctx.agentPods));

export const networkOf = (ctx: DiagnosisContext): Promise<NetworkView> =>
  ctx.once(NETWORK_KEY, async () => gatherNetwork(ctx.layer, await nodesOf(ctx), ctx.facts.nodeResourceGroup));

export const tunnelOf = (ctx: DiagnosisContext): TunnelView => ({
  kind: ctx.facts.tunnel,
  ...(ctx.facts.fqdn ? { apiServerFqdn: ctx.facts.fqdn } : {}),
  ...(!ctx.pods.ok && ctx.pods.resolve ? { unknownReason: { why: ctx.pods.reason, resolve: ctx.pods.resolve } } : {}),
});

/** The internal API server address of a cluster with API Server VNet Integration (read once). */
export const vnetIntegrationOf = (ctx: DiagnosisContext): Promise<VnetIntegration | undefined> =>
  ctx.once('vnet-integration', async () => (usesVnetIntegration(ctx.cluster) ? readVnetIntegration(ctx.layer, ctx.cluster, ctx.ref.subscriptionId) : undefined));

/** The tunnel view, with what VNet integration changes (no tunnel; the API server's internal address). */
const tunnelWithApiServerOf = async (ctx: DiagnosisContext): Promise<TunnelView> => {
  const vnet = await vnetIntegrationOf(ctx);
  return { ...tunnelOf(ctx), ...(vnet ? { vnetIntegration: { note: vnet.note, ...(vnet.internalIp ? { internalIp: vnet.internalIp } : {}) } } : {}) };
};

export const probePlanOf = (ctx: DiagnosisContext): Promise<ProbePlanResult> =>
  ctx.once('probe-plan', async () => {
    const vnet = await vnetIntegrationOf(ctx);
    // With VNet integration the nodes talk to the API server's internal address on 443, no tunnel.
    const port = vnet ? ({ port: 443, protocol: 'tcp' } as const) : tunnelEgressPort(ctx.facts.tunnel);
    const host = vnet ? vnet.internalIp : ctx.facts.fqdn;
    const nodes = await nodesOf(ctx);
    // Started by diagnose.ts before the pods were known (only when some check probes).
    const speculative = await ctx.speculativeProbe;
    // The kubectl-logs symptom check needs only the unreachable nodes: each picked node's check
    // starts as soon as a probe reports it, and the final pick (from every probe) is what counts.
    const symptomOf = (pick: SymptomPick) => ctx.once(`symptom:${pick.node.toLowerCase()}`, () => timed(ctx, 'symptom', checkNodeSymptom(ctx.layer, ctx.ref.id, pick)));
    // The pods listed early (tunnel agents, one kube-proxy per node) spare the symptom check a lookup.
    const listed = [...(ctx.pods.ok ? ctx.pods.pods : []), ...ctx.kube.nodePods];
    const pickFrom = (unreachable: NodeView[]) => (ctx.pods.ok || listed.length > 0 ? pickSymptomNodes(unreachable.map((n) => n.computerName), listed) : []);
    return runProbePlan(ctx.layer, nodes, {
      ...(port && host ? { egress: { host, ...port } } : {}),
      ...(speculative ? { speculative } : {}),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
      onUnreachable: (soFar) => {
        for (const pick of pickFrom(soFar)) void symptomOf(pick);
      },
      onProbed: (unreachable) => {
        const picks = pickFrom(unreachable);
        if (picks.length > 0) void ctx.once(SYMPTOMS_KEY, () => Promise.all(picks.map(symptomOf)));
      },
    });
  });

function timed<T>(ctx: DiagnosisContext, phase: Phase, work: Promise<T>): Promise<T> {
  return ctx.clock ? ctx.clock.span(phase, work) : work;
}

// The node-reachability decisions are memoised: kubelet-reachability asks which nodes they explain.
const nsgDecision = (ctx: DiagnosisContext) =>
  ctx.once('decision:nsg-10250', async () => decideNsg10250({ nodes: await nodesOf(ctx), network: await networkOf(ctx) }));

const ufwDecision = (ctx: DiagnosisContext) =>
  ctx.once('decision:ufw-10250', async () => {
    const [nodes, network, plan] = await Promise.all([nodesOf(ctx), networkOf(ctx), probePlanOf(ctx)]);
    return decideUfw10250({ nodes, network, probes: plan.probes, firewalls: plan.firewalls });
  });

const iptablesDecision = (ctx: DiagnosisContext) =>
  ctx.once('decision:iptables-10250', async () => {
    const [nodes, network, plan] = await Promise.all([nodesOf(ctx), networkOf(ctx), probePlanOf(ctx)]);
    return decideIptables10250({ nodes, network, probes: plan.probes, firewalls: plan.firewalls });
  });

const nsg10250: Check = { id: 'nsg-10250', run: nsgDecision };
const ufw10250: Check = { id: 'ufw-10250', probes: true, run: ufwDecision };
const iptables10250: Check = { id: 'iptables-10250', probes: true, run: iptablesDecision };

const kubeletReachability: Check = {
  id: 'kubelet-reachability',
  probes: true,
  run: async (ctx) => {
    const [nodes, network, plan] = await Promise.all([nodesOf(ctx), networkOf(ctx), probePlanOf(ctx)]);
    // A check that threw explains nothing (it reports "unknown" itself).
    const settled = await Promise.allSettled([nsgDecision(ctx), ufwDecision(ctx), iptablesDecision(ctx)]);
    const others = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [{ id: EXPLAINING_CHECKS[i] as CheckId, status: r.value.status, nodes: r.value.nodes }] : []));
    return decideKubeletReachability({ nodes, network, probes: plan.probes, firewalls: plan.firewalls, ...(plan.windowsFirewalls ? { windowsFirewalls: plan.windowsFirewalls } : {}), others });
  },
};

/**
 * The egress probe runs on one tunnel-agent node (one run-command, not one per agent). Its outcome
 * stands for every agent node whose egress path is the same — same subnet (so same route table and
 * subnet NSG), same NIC NSG and ASGs — and the detail says it was inferred, not probed.
 */
export function egressProbesFor(egress: EgressRun | undefined, nodes: NodeView[]): EgressProbe[] {
  if (!egress) return [];
  // "error" (e.g. the FQDN did not resolve on the node) proves nothing about the port.
  const outcome = egress.outcome === 'error' ? 'not-run' : egress.outcome;
  const detail = egress.detail ?? egress.failed?.why;
  const probed = nodes.find((n) => n.computerName === egress.node);
  const resolve = egress.failed?.resolve;
  const probes: EgressProbe[] = [{ node: egress.node, outcome, ...(detail ? { detail } : {}), ...(resolve && outcome === 'not-run' ? { resolve } : {}) }];
  if (!probed || outcome === 'not-run') return probes;
  const samePath = (n: NodeView) =>
    (n.subnetId ?? '').toLowerCase() === (probed.subnetId ?? '').toLowerCase() &&
    (n.nicNsgId ?? '').toLowerCase() === (probed.nicNsgId ?? '').toLowerCase() &&
    [...n.asgIds].map((a) => a.toLowerCase()).sort().join() === [...probed.asgIds].map((a) => a.toLowerCase()).sort().join();
  for (const n of nodes) {
    if (n === probed || !n.isTunnelAgent || n.powerState !== 'running' || !samePath(n)) continue;
    probes.push({ node: n.computerName, outcome, detail: `not probed itself: same subnet, NIC NSG and ASGs as ${probed.computerName}, which was` });
  }
  return probes;
}

const egressTunnelPorts: Check = {
  id: 'egress-tunnel-ports',
  probes: true,
  run: async (ctx) => {
    const [nodes, network, plan, tunnel] = await Promise.all([nodesOf(ctx), networkOf(ctx), probePlanOf(ctx), tunnelWithApiServerOf(ctx)]);
    return decideEgressTunnelPorts({
      tunnel,
      nodes,
      network,
      probes: egressProbesFor(plan.egress, nodes),
      ...(tunnel.vnetIntegration?.internalIp ? { apiServerIp: tunnel.vnetIntegration.internalIp } : {}),
    });
  },
};

const snatExhaustion: Check = {
  id: 'snat-exhaustion',
  run: async (ctx) => {
    const [nodes, network] = await Promise.all([nodesOf(ctx), networkOf(ctx)]);
    return decideSnatExhaustion(await gatherSnatInput(ctx, nodes, network));
  },
};

const tunnelAgentHealth: Check = {
  id: 'tunnel-agent-health',
  run: async (ctx) => {
    // Read with the pods in the diagnosis's one early command invoke (kube-reads.ts). The ladder
    // only counts on konnectivity clusters, the OOM events only beside a pod list.
    const konnectivity = ctx.facts.tunnel === 'konnectivity';
    const events = ctx.pods.ok ? eventsFromCommand(ctx.kube.events) : { events: [] };
    return decideTunnelAgentHealth({
      tunnel: await tunnelWithApiServerOf(ctx),
      pods: ctx.pods.ok ? ctx.pods.pods : { unreadable: { why: ctx.pods.reason, resolve: ctx.pods.resolve ?? KUBECTL_ACCESS_RESOLVE } },
      nodeCount: ctx.facts.nodeCount,
      ladder: ladderFromCommand(konnectivity ? ctx.kube.ladder : { exitCode: 1, logs: 'Error from server (NotFound): not a konnectivity cluster' }),
      events: events.events,
      ...(events.eventsUnreadable ? { eventsUnreadable: events.eventsUnreadable } : {}),
    });
  },
};

export const ALL_CHECKS: Check[] = [nsg10250, ufw10250, iptables10250, egressTunnelPorts, snatExhaustion, tunnelAgentHealth, kubeletReachability];
