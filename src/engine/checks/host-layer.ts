/**
 * ufw-10250 and iptables-10250 (ufw-10250.ts, iptables-10250.ts): does a node's own firewall
 * stop TCP 10250 from the tunnel agents? (docs/checks.md; the troubleshooting article's causes
 * "UFW is enabled on the nodes" and "iptables rules block port 10250".)
 *
 * Decided from the probe plan (src/engine/probe-plan.ts, docs/checks.md "How the nodes are read"):
 * every tunnel-agent node probes TCP 10250 on every running node, and only the nodes some agent
 * could not reach have their firewall read (`ufw status verbose`, `iptables --list --line-numbers`).
 * The probe is the ground truth for "can the tunnel reach this kubelet", so:
 *  - a node every agent reaches passes without being read;
 *  - an unreachable node fails a check only when its listing shows that layer stopping 10250 from
 *    an agent that could not reach it (ufw: first matching incoming row, else the default
 *    incoming policy; iptables: INPUT with its jumps, else the policy);
 *  - an unreachable node whose firewall lets 10250 through passes both: something else on the
 *    path (an NSG, usually) is the cause, and the evidence says so;
 *  - a read that failed or was cut (run-command keeps the last 4096 bytes) makes it unknown.
 * Windows nodes have neither ufw nor iptables and are left out (noted); deallocated or stopped
 * nodes are not probed, not read and never affected (noted).
 *
 * Pure: no Azure calls; the fixes carry the constant script and validated parameters that apply
 * them (src/engine/node-scripts.ts), for the executor.
 *
 * This module is what the two checks share: the per-node walk over the probe reading, the
 * findings each layer returns per node, and the summary and grouped fixes built from them.
 */
import type { FirewallRun, ProbeRun } from '../probe-plan.js';
import type { HostFirewallResult } from '../host/script-output.js';
import { KUBELET_PORT, validateScriptParameters, type ScriptParameter } from '../node-scripts.js';
import type { Evidence, FixProposal } from '../report.js';
import {
  failingOf,
  isRunning,
  readProbes,
  sorted,
  type Agent,
  type AgentOutcome,
  type FailedOutcome,
  type NodeReach,
  type ProbeReading,
  type ReadFailure,
} from './probe-reading.js';
import type { CheckOutcome, NetworkView, NodeView } from './views.js';

export interface HostCheckInput {
  nodes: NodeView[];
  probes: ProbeRun[];
  firewalls: FirewallRun[];
  /** Optional: the node subnets, so an iptables ACCEPT can name the agents' subnet, not each agent's /32. */
  network?: Pick<NetworkView, 'subnets'>;
}

/** Taking a node outside AKS's defaults; the same words for every host-firewall fix. */
export const HOST_CHANGE_WARNING =
  "Changing a node's host firewall by hand takes it outside what AKS supports; reimaging the node (az vmss reimage) restores the AKS default and is the supported alternative.";
export const IPTABLES_REBOOT_WARNING =
  'The change is lost at reboot unless persisted: whatever loads the node\'s rules at boot (iptables-persistent, a systemd unit, cloud-init) restores the old rules; change it there too.';

export const PORT_TEXT = `TCP ${KUBELET_PORT}`;

// ---------------------------------------------------------------------------------------------
// The per-node findings both checks share

export interface FixPlan {
  /** Nodes with the same key share one set of fixes (the same rule, the same change). */
  key: string;
  /** For the summary: what stops 10250 ("ufw default incoming policy deny"). */
  cause: string;
  build(nodes: string[]): FixProposal[];
}

export type NodeFinding =
  | { status: 'blocks'; node: string; evidence: Evidence[]; plan: FixPlan }
  | { status: 'clear'; node: string; evidence: Evidence[] }
  /** Lets the probe through, but not the way the tunnel connects (ufw LIMIT): said why. */
  | { status: 'warn'; node: string; evidence: Evidence[]; why: string }
  | ({ status: 'unknown'; node: string; evidence: Evidence[] } & ReadFailure);

export interface NodeContext {
  reach: NodeReach;
  failing: Array<AgentOutcome & { outcome: FailedOutcome }>;
  firewall: HostFirewallResult;
  agents: Agent[];
  input: HostCheckInput;
}

export interface Layer {
  /** "UFW" / "iptables", for sentences. */
  name: string;
  decideNode(ctx: NodeContext): NodeFinding;
}

export const agentText = (a: Agent) => `${a.name} (${a.ip})`;
export const listAgents = (agents: Agent[]) => agents.map(agentText).join(', ');
export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
export const compact = (text: string) => text.replace(/\s+/g, ' ').trim();

export function nodesText(nodes: string[]): string {
  return nodes.length <= 3 ? nodes.join(', ') : `${nodes.slice(0, 3).join(', ')} and ${plural(nodes.length - 3, 'more node')}`;
}

function probeEvidence(reach: NodeReach): Evidence {
  const parts = reach.outcomes.map((o) => `${o.outcome}${o.reason ? ` (${o.reason})` : ''} from ${agentText(o.agent)}`);
  return { kind: 'probe', resource: reach.node.computerName, detail: `${PORT_TEXT} to ${reach.node.computerName} (${reach.ip}): ${parts.join(', ')}` };
}

function firewallRunOf(firewalls: FirewallRun[], node: NodeView): FirewallRun | undefined {
  return firewalls.find((f) => f.node.toLowerCase() === node.computerName.toLowerCase());
}

export function decideLayer(layer: Layer, input: HostCheckInput): CheckOutcome {
  if (input.nodes.length === 0) {
    const why = 'no nodes were found in the cluster\'s scale sets';
    const resolve = "check that the bot can read the node resource group's scale sets (Microsoft.Compute/virtualMachineScaleSets/read), then diagnose again";
    return { status: 'unknown', summary: `Cannot check ${layer.name}: ${why}`, nodes: [], evidence: [], fixes: [], unknownReason: { why, resolve } };
  }
  const linux = input.nodes.filter((n) => n.osType === 'Linux');
  if (linux.length === 0) {
    return {
      status: 'not-applicable',
      summary: `No Linux nodes: ${layer.name} does not exist on Windows nodes`,
      nodes: [],
      evidence: [{ kind: 'note', detail: `Every node is a Windows node: ${sorted(input.nodes.map((n) => n.computerName)).join(', ')}` }],
      fixes: [],
    };
  }
  const reading = readProbes(input.nodes, input.probes);
  const notes = contextNotes(input, reading);
  const scope = linux.filter(isRunning).sort((a, b) => a.computerName.localeCompare(b.computerName));
  if (scope.length === 0) {
    const why = 'no Linux node is running, so no host firewall can be probed or read';
    const resolve = 'start the node pool (az aks nodepool start, or az vmss start), then diagnose again';
    return { status: 'unknown', summary: `Cannot check ${layer.name}: ${why}`, nodes: [], evidence: notes, fixes: [], unknownReason: { why, resolve } };
  }

  const findings: NodeFinding[] = [];
  let reached = 0;
  for (const node of scope) {
    const reach = reading.reach.get(node.computerName);
    if (!reach) {
      findings.push({
        status: 'unknown', node: node.computerName, evidence: [],
        why: `the private IP of ${node.computerName} is not known, so it was not probed`,
        resolve: "make sure the bot can read the node's network interface (Microsoft.Network/networkInterfaces/read on the node resource group), then diagnose again",
      });
      continue;
    }
    if (reach.outcomes.length === 0) {
      findings.push({ status: 'unknown', node: node.computerName, evidence: [], ...noProbeReason(reading) });
      continue;
    }
    const failing = failingOf(reach);
    if (failing.length === 0) { reached++; continue; }
    const run = firewallRunOf(input.firewalls, node);
    const probe = probeEvidence(reach);
    if (!run) {
      findings.push({
        status: 'unknown', node: node.computerName, evidence: [probe],
        why: `the host firewall of ${node.computerName} was not read`,
        resolve: 'diagnose again',
      });
      continue;
    }
    if ('failed' in run.result) {
      findings.push({ status: 'unknown', node: node.computerName, evidence: [probe], ...run.result.failed });
      continue;
    }
    const finding = layer.decideNode({ reach, failing, firewall: run.result, agents: reading.agents, input });
    findings.push({ ...finding, evidence: [probe, ...finding.evidence] });
  }
  return summarise(layer, scope, reached, findings, notes);
}

function noProbeReason(reading: ProbeReading): ReadFailure {
  if (reading.failedRuns.length > 0) {
    return {
      why: sorted(reading.failedRuns.map((f) => f.why)).join('; '),
      resolve: sorted(reading.failedRuns.map((f) => f.resolve)).join('; '),
    };
  }
  if (reading.agents.length === 0) {
    return {
      why: 'no kubelet probe ran: there is no running Linux node to probe from',
      resolve: 'start a Linux node (the tunnel agents run on Linux nodes), then diagnose again',
    };
  }
  return { why: 'no kubelet probe covered this node', resolve: 'diagnose again' };
}

/** Evidence about what was left out: stopped nodes, Windows nodes, probes that could not run. */
function contextNotes(input: HostCheckInput, reading: ProbeReading): Evidence[] {
  const notes: Evidence[] = [];
  const stopped = input.nodes.filter((n) => !isRunning(n));
  for (const n of stopped.sort((a, b) => a.computerName.localeCompare(b.computerName))) {
    notes.push({ kind: 'note', resource: n.computerName, detail: `${n.computerName} is ${n.powerState}: skipped (not probed, not read, not counted as affected).` });
  }
  const windows = input.nodes.filter((n) => n.osType === 'Windows' && isRunning(n)).map((n) => n.computerName);
  if (windows.length > 0) {
    notes.push({ kind: 'note', detail: `Windows nodes have neither UFW nor iptables, so this check does not cover them: ${sorted(windows).join(', ')}.` });
    for (const name of sorted(windows)) {
      const r = reading.reach.get(name);
      if (r && failingOf(r).length > 0) {
        notes.push({ ...probeEvidence(r), detail: `${probeEvidence(r).detail}. A Windows node: not a Linux host firewall (see nsg-10250, and kubelet-reachability, which reads its Windows firewall).` });
      }
    }
  }
  for (const f of reading.failedRuns) {
    notes.push({ kind: 'note', resource: f.agent.name, detail: `The kubelet probe from ${agentText(f.agent)} gave no usable answer: ${f.why} (${f.resolve}).` });
  }
  return notes;
}

function summarise(layer: Layer, scope: NodeView[], reached: number, findings: NodeFinding[], notes: Evidence[]): CheckOutcome {
  const blocks = findings.filter((f): f is Extract<NodeFinding, { status: 'blocks' }> => f.status === 'blocks');
  const unknown = findings.filter((f): f is Extract<NodeFinding, { status: 'unknown' }> => f.status === 'unknown');
  const clear = findings.filter((f) => f.status === 'clear');
  const warned = findings.filter((f): f is Extract<NodeFinding, { status: 'warn' }> => f.status === 'warn');
  const evidence = [...blocks, ...unknown, ...warned, ...clear].flatMap((f) => f.evidence);
  // One note per distinct reason, naming the nodes it kept from being checked.
  const reasons = new Map<string, { failure: ReadFailure; nodes: string[] }>();
  for (const u of unknown) {
    const k = `${u.why}\n${u.resolve}`;
    const entry = reasons.get(k) ?? { failure: { why: u.why, resolve: u.resolve }, nodes: [] };
    entry.nodes.push(u.node);
    reasons.set(k, entry);
  }
  for (const { failure, nodes } of reasons.values()) {
    evidence.push({ kind: 'note', ...(nodes.length === 1 ? { resource: nodes[0] } : {}), detail: `Not checked on ${nodesText(sorted(nodes))}: ${failure.why} (${failure.resolve}).` });
  }
  evidence.push(...notes);

  if (blocks.length > 0) {
    const groups = new Map<string, { plan: FixPlan; nodes: string[] }>();
    for (const b of blocks) {
      const g = groups.get(b.plan.key) ?? { plan: b.plan, nodes: [] };
      g.nodes.push(b.node);
      groups.set(b.plan.key, g);
    }
    const fixes = [...groups.values()].flatMap((g) => g.plan.build(sorted(g.nodes)));
    const causes = [...groups.values()].map((g) => `${g.plan.cause} on ${nodesText(sorted(g.nodes))}`);
    const also = unknown.length > 0 ? `; ${plural(unknown.length, 'node')} could not be checked` : '';
    return {
      status: 'fail',
      summary: `${layer.name} stops ${PORT_TEXT} from the tunnel agents on ${plural(blocks.length, 'node')}: ${causes.join('; ')}${also}`,
      nodes: sorted(blocks.map((b) => b.node)),
      evidence,
      fixes,
    };
  }
  if (unknown.length > 0) {
    const why = sorted(unknown.map((u) => u.why)).join('; ');
    const resolve = sorted(unknown.map((u) => u.resolve)).join('; ');
    return {
      status: 'unknown',
      summary: `Cannot tell whether ${layer.name} stops ${PORT_TEXT} on ${plural(unknown.length, 'node')}: ${why}`,
      nodes: [],
      evidence,
      fixes: [],
      unknownReason: { why, resolve },
    };
  }
  if (warned.length > 0) {
    return {
      status: 'warn',
      summary: `${layer.name} lets a single connection to ${PORT_TEXT} through on ${plural(warned.length, 'node')} but not the tunnel's bursts: ${(warned[0] as (typeof warned)[number]).why}${warned.length > 1 ? ` (also on ${nodesText(sorted(warned.slice(1).map((w) => w.node)))})` : ` (on ${warned[0]?.node})`}`,
      nodes: sorted(warned.map((w) => w.node)),
      evidence,
      fixes: [],
    };
  }
  const summary =
    clear.length === 0
      ? `Every running Linux node (${scope.length}) answers on ${PORT_TEXT} from the tunnel agents, so ${layer.name} is not in the way`
      : `${plural(clear.length, 'node')} (${nodesText(sorted(clear.map((c) => c.node)))}) ${clear.length === 1 ? 'does' : 'do'} not answer on ${PORT_TEXT}, but ${layer.name} there lets it through: not the cause${reached > 0 ? `; the other ${plural(reached, 'node')} answer` : ''}`;
  return { status: 'pass', summary, nodes: [], evidence, fixes: [] };
}

export function scriptFields(scriptId: string, params: ScriptParameter[]): Pick<FixProposal, 'scriptId' | 'params'> {
  const checked = validateScriptParameters(scriptId, params);
  return { scriptId, params: Object.fromEntries(checked.map((p) => [p.name, p.value])) };
}
