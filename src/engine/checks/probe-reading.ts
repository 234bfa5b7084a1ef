/**
 * Reading the kubelet probes of the probe plan (src/engine/probe-plan.ts): every tunnel-agent node
 * probes TCP 10250 on every running node, and this turns those runs into "which agent reached which
 * node" (or why a run says nothing usable), for ufw-10250 and iptables-10250 (host-layer.ts).
 */
import type { KubeletProbeResult } from '../host/script-output.js';
import { KUBELET_PORT } from '../node-scripts.js';
import type { ProbeRun } from '../probe-plan.js';
import type { NodeView } from './views.js';

export type FailedOutcome = 'timeout' | 'refused' | 'error' | 'not-https';

export interface UnreachableNode {
  node: string;
  ip: string;
  outcomes: Array<{ agent: string; outcome: FailedOutcome }>;
}

export interface Agent {
  name: string;
  ip: string;
}

export interface AgentOutcome {
  agent: Agent;
  outcome: 'open' | FailedOutcome;
  reason?: string;
}

export interface ReadFailure {
  why: string;
  resolve: string;
}

export interface NodeReach {
  node: NodeView;
  ip: string;
  /** One entry per agent whose probe covered this node. */
  outcomes: AgentOutcome[];
}

export interface ProbeReading {
  agents: Agent[];
  /** Running nodes with an IP, by computer name. */
  reach: Map<string, NodeReach>;
  /** Probe runs that produced nothing usable. */
  failedRuns: Array<{ agent: Agent } & ReadFailure>;
}

export const isRunning = (n: NodeView) => n.powerState.toLowerCase() === 'running';
export const sorted = (names: Iterable<string>) => [...new Set(names)].sort();
export const failingOf = (r: NodeReach) => r.outcomes.filter((o): o is AgentOutcome & { outcome: FailedOutcome } => o.outcome !== 'open');

function probeFailure(run: ProbeRun, result: KubeletProbeResult): ReadFailure {
  const said = [...result.scriptErrors, ...result.problems];
  if (result.scriptErrors.some((e) => /nc is not installed/.test(e))) {
    return {
      why: `the kubelet probe on ${run.agent} could not run: nc is not installed there`,
      resolve: `install netcat-openbsd on ${run.agent} (AKS node images ship it), or reimage the node, then diagnose again`,
    };
  }
  return {
    why: `the kubelet probe on ${run.agent} returned incomplete output (${said.length > 0 ? said.join('; ') : 'its start was cut off'})`,
    resolve: `diagnose again; if it persists, run \`nc -v -z -w 2 <node IP> ${KUBELET_PORT}\` on ${run.agent} by hand`,
  };
}

/** What one probe run says per target IP, or why it says nothing usable. */
function probeOutcomes(run: ProbeRun, targetIps: string[]): Map<string, { outcome: AgentOutcome['outcome']; reason?: string }> | ReadFailure {
  if ('failed' in run.result) return run.result.failed;
  const result = run.result;
  if (!result.complete) return probeFailure(run, result);
  const reasons = new Map(result.failures.map((f) => [f.ip, f.reason]));
  const out = new Map<string, { outcome: AgentOutcome['outcome']; reason?: string }>();
  const put = (ip: string, outcome: AgentOutcome['outcome']) => {
    const reason = reasons.get(ip);
    out.set(ip, reason === undefined ? { outcome } : { outcome, reason });
  };
  if (result.byTarget) {
    for (const [ip, outcome] of Object.entries(result.byTarget)) put(ip, outcome);
    return out;
  }
  // Parsed without the target list: usable only when it covers exactly the running nodes.
  const s = result.summary;
  const total = s ? s.open + s.timeout + s.refused + s.error + s.notHttps : -1;
  if (result.elided > 0 || total !== targetIps.length) {
    return {
      why: `the kubelet probe on ${run.agent} does not say which nodes it reached`,
      resolve: 'diagnose again',
    };
  }
  for (const ip of targetIps) put(ip, 'open');
  for (const f of result.failures) put(f.ip, f.outcome);
  return out;
}

export function readProbes(nodes: NodeView[], probes: ProbeRun[]): ProbeReading {
  const targets = nodes.filter((n) => isRunning(n) && n.privateIp);
  const targetIps = targets.map((n) => n.privateIp as string);
  const byIp = new Map(targets.map((n) => [n.privateIp as string, n]));
  const reach = new Map<string, NodeReach>(targets.map((n) => [n.computerName, { node: n, ip: n.privateIp as string, outcomes: [] }]));
  const agents = new Map<string, Agent>();
  const failedRuns: ProbeReading['failedRuns'] = [];
  for (const run of probes) {
    const agent = agents.get(run.agent) ?? { name: run.agent, ip: run.sourceIp };
    agents.set(run.agent, agent);
    const outcomes = probeOutcomes(run, targetIps);
    if (!(outcomes instanceof Map)) {
      failedRuns.push({ agent, ...outcomes });
      continue;
    }
    for (const [ip, o] of outcomes) {
      const node = byIp.get(ip);
      const r = node ? reach.get(node.computerName) : undefined;
      if (!r || r.outcomes.some((x) => x.agent.name === agent.name)) continue;
      r.outcomes.push({ agent, ...o });
    }
  }
  return { agents: [...agents.values()], reach, failedRuns };
}

/**
 * The running Linux nodes some tunnel agent could not reach on TCP 10250, with each agent's
 * outcome: where the probe plan runs `host-firewall`. Windows nodes are left out (no ufw or
 * iptables to read), as are nodes no usable probe covered. Sorted by computer name.
 */
export function unreachableNodes(input: { nodes: NodeView[]; probes: ProbeRun[] }): UnreachableNode[] {
  const { reach } = readProbes(input.nodes, input.probes);
  return [...reach.values()]
    .filter((r) => r.node.osType === 'Linux' && failingOf(r).length > 0)
    .map((r) => ({ node: r.node.computerName, ip: r.ip, outcomes: failingOf(r).map((o) => ({ agent: o.agent.name, outcome: o.outcome })) }))
    .sort((a, b) => a.node.localeCompare(b.node));
}
