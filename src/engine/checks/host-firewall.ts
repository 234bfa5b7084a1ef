/**
 * ufw-10250 and iptables-10250: does a node's own firewall stop TCP 10250 from the tunnel agents?
 * (docs/checks.md; the troubleshooting article's causes "UFW is enabled on the nodes" and "iptables
 * rules block port 10250".)
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
 */
import { iptablesVerdict, type IptablesVerdict } from '../host/iptables-verdict.js';
import type { IptablesListing, IptablesRow } from '../host/iptables.js';
import { cidrContains, ipv4ToNumber, parseIpv4Cidr } from '../host/ipv4.js';
import type { HostFirewallResult, KubeletProbeResult } from '../host/script-output.js';
import { ufwVerdict, type UfwStatus, type UfwStatusRule, type UfwVerdict } from '../host/ufw.js';
import {
  KUBELET_PORT,
  iptablesDeleteRuleParameters,
  iptablesInsertAcceptParameters,
  validateScriptParameters,
  type ScriptParameter,
} from '../node-scripts.js';
import type { FirewallRun, ProbeRun } from '../probe-plan.js';
import { LEGACY_WARNING, NODE_INTERFACE, specBlock, withoutOtherInterfaceRules } from '../host/node-reads.js';
import type { Evidence, FixProposal } from '../report.js';
import { key, type CheckOutcome, type NetworkView, type NodeView } from './views.js';

export type { FirewallRun, ProbeRun };

export interface HostCheckInput {
  nodes: NodeView[];
  probes: ProbeRun[];
  firewalls: FirewallRun[];
  /** Optional: the node subnets, so an iptables ACCEPT can name the agents' subnet, not each agent's /32. */
  network?: Pick<NetworkView, 'subnets'>;
}

type FailedOutcome = 'timeout' | 'refused' | 'error' | 'not-https';

export interface UnreachableNode {
  node: string;
  ip: string;
  outcomes: Array<{ agent: string; outcome: FailedOutcome }>;
}

/** Taking a node outside AKS's defaults; the same words for every host-firewall fix. */
export const HOST_CHANGE_WARNING =
  "Changing a node's host firewall by hand takes it outside what AKS supports; reimaging the node (az vmss reimage) restores the AKS default and is the supported alternative.";
export const IPTABLES_REBOOT_WARNING =
  'The change is lost at reboot unless persisted: whatever loads the node\'s rules at boot (iptables-persistent, a systemd unit, cloud-init) restores the old rules; change it there too.';

const PORT_TEXT = `TCP ${KUBELET_PORT}`;

// ---------------------------------------------------------------------------------------------
// Reading the probes

interface Agent {
  name: string;
  ip: string;
}

interface AgentOutcome {
  agent: Agent;
  outcome: 'open' | FailedOutcome;
  reason?: string;
}

interface ReadFailure {
  why: string;
  resolve: string;
}

interface NodeReach {
  node: NodeView;
  ip: string;
  /** One entry per agent whose probe covered this node. */
  outcomes: AgentOutcome[];
}

interface ProbeReading {
  agents: Agent[];
  /** Running nodes with an IP, by computer name. */
  reach: Map<string, NodeReach>;
  /** Probe runs that produced nothing usable. */
  failedRuns: Array<{ agent: Agent } & ReadFailure>;
}

const isRunning = (n: NodeView) => n.powerState.toLowerCase() === 'running';
const sorted = (names: Iterable<string>) => [...new Set(names)].sort();
const failingOf = (r: NodeReach) => r.outcomes.filter((o): o is AgentOutcome & { outcome: FailedOutcome } => o.outcome !== 'open');

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

function readProbes(nodes: NodeView[], probes: ProbeRun[]): ProbeReading {
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
export function unreachableNodes(input: Pick<HostCheckInput, 'nodes' | 'probes'>): UnreachableNode[] {
  const { reach } = readProbes(input.nodes, input.probes);
  return [...reach.values()]
    .filter((r) => r.node.osType === 'Linux' && failingOf(r).length > 0)
    .map((r) => ({ node: r.node.computerName, ip: r.ip, outcomes: failingOf(r).map((o) => ({ agent: o.agent.name, outcome: o.outcome })) }))
    .sort((a, b) => a.node.localeCompare(b.node));
}

// ---------------------------------------------------------------------------------------------
// The per-node findings both checks share

interface FixPlan {
  /** Nodes with the same key share one set of fixes (the same rule, the same change). */
  key: string;
  /** For the summary: what stops 10250 ("ufw default incoming policy deny"). */
  cause: string;
  build(nodes: string[]): FixProposal[];
}

type NodeFinding =
  | { status: 'blocks'; node: string; evidence: Evidence[]; plan: FixPlan }
  | { status: 'clear'; node: string; evidence: Evidence[] }
  /** Lets the probe through, but not the way the tunnel connects (ufw LIMIT): said why. */
  | { status: 'warn'; node: string; evidence: Evidence[]; why: string }
  | ({ status: 'unknown'; node: string; evidence: Evidence[] } & ReadFailure);

interface NodeContext {
  reach: NodeReach;
  failing: Array<AgentOutcome & { outcome: FailedOutcome }>;
  firewall: HostFirewallResult;
  agents: Agent[];
  input: HostCheckInput;
}

interface Layer {
  /** "UFW" / "iptables", for sentences. */
  name: string;
  decideNode(ctx: NodeContext): NodeFinding;
}

const agentText = (a: Agent) => `${a.name} (${a.ip})`;
const listAgents = (agents: Agent[]) => agents.map(agentText).join(', ');
const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
const compact = (text: string) => text.replace(/\s+/g, ' ').trim();

function nodesText(nodes: string[]): string {
  return nodes.length <= 3 ? nodes.join(', ') : `${nodes.slice(0, 3).join(', ')} and ${plural(nodes.length - 3, 'more node')}`;
}

function probeEvidence(reach: NodeReach): Evidence {
  const parts = reach.outcomes.map((o) => `${o.outcome}${o.reason ? ` (${o.reason})` : ''} from ${agentText(o.agent)}`);
  return { kind: 'probe', resource: reach.node.computerName, detail: `${PORT_TEXT} to ${reach.node.computerName} (${reach.ip}): ${parts.join(', ')}` };
}

function firewallRunOf(firewalls: FirewallRun[], node: NodeView): FirewallRun | undefined {
  return firewalls.find((f) => f.node.toLowerCase() === node.computerName.toLowerCase());
}

function decideLayer(layer: Layer, input: HostCheckInput): CheckOutcome {
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

// ---------------------------------------------------------------------------------------------
// UFW

const ufwFlow = (agent: Agent, nodeIp: string) => ({ sourceIp: agent.ip, port: KUBELET_PORT, protocol: 'tcp' as const, destinationIp: nodeIp, interface: NODE_INTERFACE });

/** Why the ufw part of a host-firewall output cannot be used, if it cannot. */
function ufwUnreadable(node: string, fw: HostFirewallResult): ReadFailure | undefined {
  if (fw.ufw && fw.ufwComplete) return undefined;
  if (!fw.complete) {
    return {
      why: `the ufw status of ${node} was cut off (run-command returns only the last 4096 bytes of output)`,
      resolve: `run \`ufw status verbose\` on ${node} and read it whole`,
    };
  }
  return { why: `the host-firewall output of ${node} has no ufw section`, resolve: `diagnose again; if it persists, run \`ufw status verbose\` on ${node} by hand` };
}

function defaultLine(fw: HostFirewallResult): string | undefined {
  return fw.ufwText?.split('\n').map((l) => l.trim()).find((l) => l.startsWith('Default:'));
}

const UFW_VERB: Record<UfwVerdict['outcome'], string> = { allow: 'allows', deny: 'denies', reject: 'rejects' };

/**
 * Would `ufw allow 10250/tcp` let every given agent in? ufw updates a rule with the same
 * to/from/port/protocol in place (printing "Rule updated") and appends any other rule after the
 * existing ones; the first matching row still wins, so an earlier DENY can outlive the append.
 */
function appendedAllowWins(status: UfwStatus, agents: Agent[], nodeIp: string): boolean {
  const isKubeletAnywhere = (r: UfwStatusRule) =>
    !r.v6 && r.direction === 'in' && compact(r.to) === `${KUBELET_PORT}/tcp` && compact(r.from) === 'Anywhere';
  let rules: UfwStatusRule[];
  if (status.rules.some(isKubeletAnywhere)) {
    rules = status.rules.map((r) => (isKubeletAnywhere(r) ? { ...r, action: 'ALLOW IN', text: `${r.to} ALLOW IN ${r.from}` } : r));
  } else {
    const added: UfwStatusRule = { index: status.rules.length, text: `${KUBELET_PORT}/tcp ALLOW IN Anywhere`, to: `${KUBELET_PORT}/tcp`, action: 'ALLOW IN', direction: 'in', from: 'Anywhere', v6: false };
    rules = [...status.rules, added];
  }
  return agents.every((a) => ufwVerdict({ ...status, rules }, ufwFlow(a, nodeIp)).outcome === 'allow');
}

/**
 * The same question asked of ufw's iptables chains, for when `ufw status` was cut off: ufw keeps
 * the user rules, in order, in chain ufw-user-input (`ufw allow 10250/tcp` is
 * `-A ufw-user-input -p tcp --dport 10250 -j ACCEPT`).
 */
function appendedAllowWinsInChains(listing: IptablesListing, agents: Agent[], nodeIp: string): boolean {
  const chain = listing.chains['ufw-user-input'];
  if (!chain) return false;
  const same = (r: IptablesRow) => r.prot === 'tcp' && r.source === 'anywhere' && r.destination === 'anywhere' && compact(r.match) === `tcp dpt:${KUBELET_PORT}`;
  const allowRow: IptablesRow = { num: chain.rules.length + 1, target: 'ACCEPT', prot: 'tcp', opt: '--', source: 'anywhere', destination: 'anywhere', match: `tcp dpt:${KUBELET_PORT}`, text: `ACCEPT tcp -- anywhere anywhere tcp dpt:${KUBELET_PORT}` };
  const rules = chain.rules.some(same) ? chain.rules.map((r) => (same(r) ? { ...r, target: 'ACCEPT' } : r)) : [...chain.rules, allowRow];
  const after: IptablesListing = { ...listing, chains: { ...listing.chains, 'ufw-user-input': { ...chain, rules } } };
  return agents.every((a) => iptablesVerdict(after, iptFlow(a, nodeIp)).outcome === 'accept');
}

function ufwFixPlan(appendWorks: boolean, cause: string): FixPlan {
  const change = appendWorks ? `ufw allow ${KUBELET_PORT}/tcp` : `ufw insert 1 allow ${KUBELET_PORT}/tcp`;
  return {
    key: `${change}|${cause}`,
    cause,
    build(nodes) {
      const target = nodes.join(',');
      const allow: FixProposal = {
        id: `ufw-10250:allow:${nodes[0] ?? ''}`,
        kind: 'ufw-allow-10250',
        title: `Allow ${PORT_TEXT} through UFW on ${nodesText(nodes)}`,
        target,
        change,
        risk: 'medium',
        needsApproval: true,
        warnings: [HOST_CHANGE_WARNING],
      };
      if (appendWorks) {
        Object.assign(allow, scriptFields('ufw-allow-kubelet', []));
      } else {
        allow.warnings?.push(
          `An earlier UFW rule would still deny ${PORT_TEXT} if the allow were appended (UFW applies the first matching rule), so the allow must be inserted first. No constant node script runs \`${change}\` yet: run it on each node by hand, or take the alternative.`,
        );
      }
      const disable: FixProposal = {
        id: `ufw-10250:disable:${nodes[0] ?? ''}`,
        kind: 'ufw-disable',
        title: `Alternative: turn UFW off on ${nodesText(nodes)}`,
        target,
        change: 'ufw disable',
        risk: 'medium',
        needsApproval: true,
        warnings: [HOST_CHANGE_WARNING],
        ...scriptFields('ufw-disable', []),
      };
      return [allow, disable];
    },
  };
}

/**
 * ufw is itself a set of iptables chains (ufw-before-input, ufw-user-input …, jumped to from
 * INPUT), so when its status text was cut off but the iptables listing survived, the listing
 * still says what ufw does to the agents' traffic. Undefined when the listing cannot be used.
 */
function ufwFromChains(ctx: NodeContext, cut: ReadFailure): NodeFinding | undefined {
  const { reach, failing, firewall } = ctx;
  const name = reach.node.computerName;
  if (firewall.iptablesMissing || iptablesUnreadable(name, firewall)) return undefined;
  const listing = firewall.iptables as IptablesListing;
  const lead = `${cut.why}; read from UFW's chains in the iptables listing instead`;
  const input = listing.chains['INPUT'];
  // Only positive evidence counts: INPUT must jump into ufw's chains for them to speak for ufw.
  // (Without them ufw filters nothing on a real node, but a listing that omits them proves little.)
  if (!input?.rules.some((r) => UFW_CHAIN.test(r.target))) return undefined;
  const verdicts = failing.map((f) => ({ agent: f.agent, verdict: iptablesVerdict(listing, iptFlow(f.agent, reach.ip)) }));
  const byUfw = verdicts.filter((v) => v.verdict.outcome !== 'accept' && decidedByUfwChains(v.verdict));
  if (byUfw.length === 0) {
    // A rule outside ufw's chains deciding first hides what ufw would do: leave it unknown.
    if (verdicts.some((v) => v.verdict.outcome !== 'accept')) return undefined;
    if (verdicts.some((v) => v.verdict.unreadableRules.some((r) => r.target !== 'ACCEPT'))) return undefined;
    return {
      status: 'clear', node: name,
      evidence: [{ kind: 'ufw', resource: name, detail: `${lead}: UFW's chains let ${PORT_TEXT} from ${listAgents(failing.map((f) => f.agent))} through: not the cause.` }],
    };
  }
  const first = (byUfw[0] as (typeof byUfw)[number]).verdict;
  const evidence: Evidence[] = [{
    kind: 'ufw-rule', resource: name,
    detail: `${lead}: iptables --list --line-numbers on ${name}: ${describeIptablesDecision(first, listing, listAgents(byUfw.map((b) => b.agent)))}.`,
  }];
  const cause = first.ruleNum === undefined ? `UFW (INPUT policy ${input.policy ?? 'DROP'} behind UFW's chains)` : `UFW rule in ${first.chain} (${ruleShort(first, listing)})`;
  return { status: 'blocks', node: name, evidence, plan: ufwFixPlan(appendedAllowWinsInChains(listing, byUfw.map((b) => b.agent), reach.ip), cause) };
}

const ufwLayer: Layer = {
  name: 'UFW',
  decideNode(ctx) {
    const { reach, failing, firewall } = ctx;
    const name = reach.node.computerName;
    const unreadable = ufwUnreadable(name, firewall);
    if (unreadable) return ufwFromChains(ctx, unreadable) ?? { status: 'unknown', node: name, evidence: [], ...unreadable };
    const status = firewall.ufw as UfwStatus;
    if (!status.installed) {
      return { status: 'clear', node: name, evidence: [{ kind: 'ufw', resource: name, detail: `ufw is not installed on ${name}: not the cause.` }] };
    }
    if (!status.active) {
      return { status: 'clear', node: name, evidence: [{ kind: 'ufw', resource: name, detail: `ufw status verbose on ${name}: "Status: inactive": not the cause.` }] };
    }
    const verdicts = failing.map((f) => ({ agent: f.agent, verdict: ufwVerdict(status, ufwFlow(f.agent, reach.ip)) }));
    const denied = verdicts.filter((v) => v.verdict.outcome !== 'allow');
    if (denied.length === 0) {
      const doubt = verdicts.flatMap((v) => v.verdict.unreadableRows).find((r) => /^(DENY|REJECT)\b/.test(r.action));
      if (doubt) {
        return {
          status: 'unknown', node: name, evidence: [],
          why: `ufw on ${name} allows ${PORT_TEXT} from the agents unless row ${doubt.index + 1} "${compact(doubt.text)}", which could not be read, matches`,
          resolve: `run \`ufw status numbered\` on ${name} and check that rule`,
        };
      }
      const first = verdicts[0]?.verdict;
      const limit = verdicts.find((v) => v.verdict.rule && status.rules[v.verdict.rule.index]?.action.startsWith('LIMIT'))?.verdict.rule;
      if (limit) {
        // ufw(8) "limit": deny (ufw-user-limit rejects) an address that opens 6 or more connections
        // in 30 seconds. The API server opens one per kubectl logs/exec/port-forward through the
        // same agent, so bursts from an agent's address are refused while a lone probe passes.
        const why = `UFW row ${limit.index + 1} "${compact(limit.text)}" is LIMIT: it refuses an address's 6th connection within 30 s, and every kubectl logs/exec through a tunnel agent comes from that agent's address, so bursts are refused`;
        return { status: 'warn', node: name, why, evidence: [{ kind: 'ufw-rule', resource: name, detail: `ufw status verbose on ${name}: ${why}.` }] };
      }
      return {
        status: 'clear', node: name,
        evidence: [{ kind: 'ufw', resource: name, detail: `ufw is active on ${name} but lets ${PORT_TEXT} from ${listAgents(failing.map((f) => f.agent))} through (${first?.reason ?? 'allowed'}): not the cause.` }],
      };
    }
    // One piece of evidence per deciding row (or the default policy), naming the agents it stops.
    const byDecider = new Map<string, { verdict: UfwVerdict; agents: Agent[] }>();
    for (const d of denied) {
      const k = d.verdict.rule ? `row:${d.verdict.rule.index}` : 'policy';
      const entry = byDecider.get(k) ?? { verdict: d.verdict, agents: [] };
      entry.agents.push(d.agent);
      byDecider.set(k, entry);
    }
    const evidence: Evidence[] = [...byDecider.values()].map(({ verdict, agents }) => ({
      kind: 'ufw-rule',
      resource: name,
      detail: verdict.rule
        ? `ufw status verbose on ${name}: row ${verdict.rule.index + 1} "${verdict.rule.text}" ${UFW_VERB[verdict.outcome]} ${PORT_TEXT} from ${listAgents(agents)}.`
        : `ufw status verbose on ${name}: Status: active, "${defaultLine(firewall) ?? `Default: ${status.defaultIncoming ?? 'deny'} (incoming)`}"; no rule allows ${PORT_TEXT} from ${listAgents(agents)}, so the default incoming policy ${UFW_VERB[verdict.outcome]} it.`,
    }));
    const lead = (denied[0] as (typeof denied)[number]).verdict;
    const cause = lead.rule ? `UFW rule "${compact(lead.rule.text)}"` : `UFW default incoming policy ${status.defaultIncoming ?? 'deny'}`;
    const agents = failing.map((f) => f.agent);
    return { status: 'blocks', node: name, evidence, plan: ufwFixPlan(appendedAllowWins(status, agents, reach.ip), cause) };
  },
};

// ---------------------------------------------------------------------------------------------
// iptables

const iptFlow = (agent: Agent, nodeIp: string) => ({ sourceIp: agent.ip, port: KUBELET_PORT, protocol: 'tcp' as const, destinationIp: nodeIp });
const UFW_CHAIN = /^ufw6?-/;

/** Why the iptables part of a host-firewall output cannot be used, if it cannot. */
function iptablesUnreadable(node: string, fw: HostFirewallResult): ReadFailure | undefined {
  const cut: ReadFailure = {
    why: `the iptables listing of ${node} was cut off (run-command returns only the last 4096 bytes of output)`,
    resolve: `run \`iptables --list --line-numbers\` on the node and read it whole`,
  };
  if (fw.iptablesText === undefined) {
    return fw.complete
      ? { why: `the host-firewall output of ${node} has no iptables listing`, resolve: `diagnose again; if it persists, run \`iptables --list --line-numbers\` on ${node} by hand` }
      : cut;
  }
  if (!fw.iptablesComplete) {
    return { why: `the host-firewall script on ${node} stopped before the end of the iptables listing`, resolve: `diagnose again; if it persists, run \`iptables --list --line-numbers\` on ${node} by hand` };
  }
  if (fw.droppedChains.includes('INPUT')) {
    return {
      why: `the iptables listing of ${node} did not fit in run-command's 4096-byte output, so its INPUT chain was left out`,
      resolve: `run \`iptables --list INPUT --line-numbers\` as root on ${node} and read it`,
    };
  }
  if (!fw.iptables?.chains['INPUT']) {
    const said = fw.iptables?.unparsed[0];
    return {
      why: `the iptables listing of ${node} has no INPUT chain${said ? ` ("${compact(said).slice(0, 120)}")` : ''}`,
      resolve: `run \`iptables --list INPUT --line-numbers\` as root on ${node} and read it`,
    };
  }
  return undefined;
}

/** A listing without one rule, numbered as iptables numbers it afterwards. */
function withoutRule(listing: IptablesListing, chain: string, ruleNum: number): IptablesListing {
  const c = listing.chains[chain];
  if (!c) return listing;
  // iptables prints the number as "%-4u " first on the row.
  const rules = c.rules.filter((r) => r.num !== ruleNum).map((r, i) => ({ ...r, num: i + 1, text: r.text.replace(/^\d+ */, `${String(i + 1).padEnd(4)} `) }));
  return { ...listing, chains: { ...listing.chains, [chain]: { ...c, rules } } };
}

/** Did the decision come from ufw's own chains (so it is reported under ufw-10250)? */
function decidedByUfwChains(v: IptablesVerdict): boolean {
  if (UFW_CHAIN.test(v.chain)) return true;
  return v.ruleNum === undefined && v.path.some((s) => UFW_CHAIN.test(s.target));
}

function describeIptablesDecision(v: IptablesVerdict, listing: IptablesListing, from: string): string {
  if (v.ruleNum === undefined) {
    return `chain INPUT (policy ${listing.chains['INPUT']?.policy ?? 'ACCEPT'}): no rule accepts ${PORT_TEXT} from ${from}, so the policy ${v.outcome === 'reject' ? 'rejects' : 'drops'} it`;
  }
  const jumps = v.path.filter((s) => listing.chains[s.target]).map((s) => `${s.chain} rule ${s.ruleNum} → ${s.target}`);
  const via = jumps.length > 0 ? `, reached through ${jumps.join(', ')}` : '';
  return `chain ${v.chain} rule ${v.ruleNum} "${v.ruleText}" ${v.outcome === 'reject' ? 'rejects' : 'drops'} ${PORT_TEXT} from ${from}${via}`;
}

function ruleShort(v: IptablesVerdict, listing: IptablesListing): string {
  const row = listing.chains[v.chain]?.rules.find((r) => r.num === v.ruleNum);
  return row ? compact(`${row.target} ${row.match || `${row.prot} ${row.source}`}`) : compact(v.ruleText);
}

/** The ACCEPT's sources: the agents' subnets when known, else each agent's /32. */
function agentSources(agents: Agent[], input: HostCheckInput): string[] {
  const out: string[] = [];
  for (const agent of agents) {
    const view = input.nodes.find((n) => n.computerName === agent.name);
    const subnet = view?.subnetId ? input.network?.subnets.get(key(view.subnetId)) : undefined;
    const ip = ipv4ToNumber(agent.ip);
    const prefix = subnet?.addressPrefixes.find((p) => {
      const c = parseIpv4Cidr(p);
      return c !== undefined && ip !== undefined && cidrContains(c, ip);
    });
    out.push(prefix ?? `${agent.ip}/32`);
  }
  // Drop a /32 that a subnet in the list already covers.
  const unique = sorted(out);
  return unique.filter((cidr) => {
    const c = parseIpv4Cidr(cidr);
    return !unique.some((other) => {
      const o = parseIpv4Cidr(other);
      return other !== cidr && c !== undefined && o !== undefined && o.length < c.length && cidrContains(o, c.network);
    });
  });
}

function scriptFields(scriptId: string, params: ScriptParameter[]): Pick<FixProposal, 'scriptId' | 'params'> {
  const checked = validateScriptParameters(scriptId, params);
  return { scriptId, params: Object.fromEntries(checked.map((p) => [p.name, p.value])) };
}

function kubeChainWarning(chain: string): string[] {
  return /^(KUBE-|cali-|CILIUM)/.test(chain)
    ? [`Chain ${chain} is written by kube-proxy or the network plugin, which may put the rule back.`]
    : [];
}

function iptablesFixPlan(v: IptablesVerdict, listing: IptablesListing, blockedAgents: Agent[], ctx: NodeContext): { plan: FixPlan; notes: Evidence[] } {
  const name = ctx.reach.node.computerName;
  const notes: Evidence[] = [];
  const warnings = [HOST_CHANGE_WARNING, IPTABLES_REBOOT_WARNING];
  if (v.ruleNum !== undefined) {
    // Deleting the deciding rule is the narrow fix, if nothing behind it stops 10250 as well.
    const after = withoutRule(listing, v.chain, v.ruleNum);
    const behind = blockedAgents.map((a) => iptablesVerdict(after, iptFlow(a, ctx.reach.ip))).find((x) => x.outcome !== 'accept');
    let params: ScriptParameter[] | undefined;
    try {
      params = iptablesDeleteRuleParameters(v.chain, v.ruleNum);
    } catch {
      params = undefined; // a chain name the script would refuse: fall through to the ACCEPT
    }
    if (!behind && params) {
      const change = `iptables --delete ${v.chain} ${v.ruleNum}`;
      const cause = `iptables ${v.chain} rule ${v.ruleNum} (${ruleShort(v, listing)})`;
      const validated = params;
      return {
        notes,
        plan: {
          key: `${change}|${compact(v.ruleText)}`,
          cause,
          build: (nodes) => [{
            id: `iptables-10250:delete:${nodes[0] ?? ''}:${v.chain}:${v.ruleNum}`,
            kind: 'iptables-delete-rule',
            title: `Delete iptables rule ${v.chain} ${v.ruleNum} (${ruleShort(v, listing)}) on ${nodesText(nodes)}`,
            target: nodes.join(','),
            change,
            risk: 'medium',
            needsApproval: true,
            warnings: [
              ...warnings,
              ...kubeChainWarning(v.chain),
              `Rule numbers shift when the chain changes: if ${v.chain} was edited since this diagnosis, diagnose again first.`,
            ],
            ...scriptFields('iptables-delete-rule', validated),
          }],
        },
      };
    }
    notes.push({
      kind: 'note', resource: name,
      detail: behind
        ? `Deleting ${v.chain} rule ${v.ruleNum} on ${name} would not be enough: then ${describeIptablesDecision(behind, after, listAgents(blockedAgents))} (numbered as after the deletion). The fix inserts an ACCEPT first in INPUT instead.`
        : `Chain ${v.chain} on ${name} is not a name the delete script accepts; the fix inserts an ACCEPT first in INPUT instead.`,
    });
  }
  const sources = agentSources(ctx.agents.length > 0 ? ctx.agents : blockedAgents, ctx.input);
  const changes: Array<{ cidr: string; params: ScriptParameter[] }> = [];
  for (const cidr of sources) {
    try {
      changes.push({ cidr, params: iptablesInsertAcceptParameters('INPUT', cidr) });
    } catch (err) {
      // Never hand the script a value it would refuse; say why there is no fix for this source.
      notes.push({ kind: 'note', resource: name, detail: `No ACCEPT proposed for source "${cidr}": ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  const cause = v.ruleNum === undefined ? `iptables INPUT policy ${listing.chains['INPUT']?.policy ?? 'DROP'}` : `iptables ${v.chain} rule ${v.ruleNum} (${ruleShort(v, listing)})`;
  return {
    notes,
    plan: {
      key: `insert:${sources.join(',')}|${cause}`,
      cause,
      build: (nodes) => changes.map(({ cidr, params }) => ({
        id: `iptables-10250:insert:${nodes[0] ?? ''}:${cidr}`,
        kind: 'iptables-insert-accept',
        title: `Accept ${PORT_TEXT} from ${cidr} first in INPUT on ${nodesText(nodes)}`,
        target: nodes.join(','),
        change: `iptables --insert INPUT 1 -p tcp --dport ${KUBELET_PORT} -s ${cidr} -j ACCEPT`,
        risk: 'medium',
        needsApproval: true,
        warnings: [
          ...warnings,
          ...(cidr.endsWith('/32') ? ['The rule names the tunnel agents\' current addresses; an agent rescheduled onto another node needs its own rule.'] : []),
          ...(changes.length > 1 ? [`Apply together with the other ACCEPTs for this node group (${changes.filter((c) => c.cidr !== cidr).map((c) => c.cidr).join(', ')}): each covers one source.`] : []),
        ],
        ...scriptFields('iptables-insert-accept', params),
      })),
    },
  };
}

/** iptables on one unreachable node, from the --list listing with the rules -S shows are for other interfaces made inert. */
const iptablesListingLayer: Layer = {
  name: 'iptables',
  decideNode(ctx) {
    const { reach, failing, firewall } = ctx;
    const name = reach.node.computerName;
    if (firewall.iptablesMissing) {
      return { status: 'clear', node: name, evidence: [{ kind: 'iptables', resource: name, detail: `iptables is not installed on ${name}: not the cause.` }] };
    }
    const unreadable = iptablesUnreadable(name, firewall);
    if (unreadable) return { status: 'unknown', node: name, evidence: [], ...unreadable };
    // `iptables -S` shows the input interface `--list` hides: a rule for another interface is no block.
    const { listing } = withoutOtherInterfaceRules(firewall.iptables as IptablesListing, (firewall.reads?.iptablesSpec ?? '').split('\n'));
    const reduced = firewall.iptablesReduced ? ` (the listing was reduced to INPUT and the chains it reaches: ${firewall.notes.join('; ')})` : '';
    // ufw is itself a set of iptables chains: a drop there is reported by ufw-10250, unless ufw's
    // own status says it allows the agent (then the rule came from elsewhere, e.g. before.rules).
    const ufwStatus = firewall.ufw && firewall.ufwComplete ? firewall.ufw : undefined;
    const ufwStops = (agent: Agent) => !ufwStatus || (ufwStatus.active && ufwVerdict(ufwStatus, ufwFlow(agent, reach.ip)).outcome !== 'allow');
    const verdicts = failing.map((f) => ({ agent: f.agent, verdict: iptablesVerdict(listing, iptFlow(f.agent, reach.ip)) }));
    const stopped = verdicts.filter((v) => v.verdict.outcome !== 'accept');
    const ufwOwned = stopped.filter((v) => decidedByUfwChains(v.verdict) && ufwStops(v.agent));
    const blocked = stopped.filter((v) => !ufwOwned.includes(v));
    if (blocked.length === 0) {
      if (ufwOwned.length > 0) {
        const v = (ufwOwned[0] as (typeof ufwOwned)[number]).verdict;
        return {
          status: 'clear', node: name,
          evidence: [{ kind: 'iptables-rule', resource: name, detail: `iptables --list --line-numbers on ${name}: ${describeIptablesDecision(v, listing, listAgents(ufwOwned.map((o) => o.agent)))}, in UFW's chains: UFW's doing, reported by ufw-10250.${reduced}` }],
        };
      }
      const doubt = verdicts.flatMap((v) => v.verdict.unreadableRules).find((r) => r.target !== 'ACCEPT');
      if (doubt && firewall.droppedChains.includes(doubt.target)) {
        return {
          status: 'unknown', node: name, evidence: [],
          why: `iptables on ${name} jumps from ${doubt.chain} rule ${doubt.ruleNum} into chain ${doubt.target}, which was left out to fit run-command's 4096-byte output`,
          resolve: `run \`iptables --list ${doubt.target} --line-numbers\` on ${name} and check it for a DROP or REJECT of ${PORT_TEXT}`,
        };
      }
      if (doubt) {
        return {
          status: 'unknown', node: name, evidence: [],
          why: `iptables on ${name} accepts ${PORT_TEXT} from the agents unless ${doubt.chain} rule ${doubt.ruleNum} "${compact(doubt.text)}", which could not be read fully, matches`,
          resolve: `run \`iptables --list ${doubt.chain} -v -n --line-numbers\` on ${name} and check that rule`,
        };
      }
      const legacy = legacyBlock(ctx);
      if (legacy) return legacy;
      const first = verdicts[0]?.verdict;
      return {
        status: 'clear', node: name,
        evidence: [{ kind: 'iptables', resource: name, detail: `iptables on ${name} lets ${PORT_TEXT} from ${listAgents(failing.map((f) => f.agent))} through (${first?.reason ?? 'accepted'}): not the cause.${reduced}` }],
      };
    }
    const byDecider = new Map<string, { verdict: IptablesVerdict; agents: Agent[] }>();
    for (const b of blocked) {
      const k = `${b.verdict.chain}:${b.verdict.ruleNum ?? 'policy'}`;
      const entry = byDecider.get(k) ?? { verdict: b.verdict, agents: [] };
      entry.agents.push(b.agent);
      byDecider.set(k, entry);
    }
    const evidence: Evidence[] = [...byDecider.values()].map(({ verdict, agents }) => ({
      kind: 'iptables-rule',
      resource: name,
      detail: `iptables --list --line-numbers on ${name}: ${describeIptablesDecision(verdict, listing, listAgents(agents))}.${reduced}`,
    }));
    const lead = (blocked[0] as (typeof blocked)[number]).verdict;
    const { plan, notes } = iptablesFixPlan(lead, listing, blocked.map((b) => b.agent), ctx);
    return { status: 'blocks', node: name, evidence: [...evidence, ...notes], plan };
  },
};

/**
 * iptables-nft's listing is clean, but it warns that legacy tables exist: the script read them
 * (`iptables-legacy -S`, INPUT and 10250 rules). A DROP/REJECT there is iptables stopping 10250 as
 * much as one in the listing; no node script deletes legacy rules, so the fix is by hand.
 */
function legacyBlock(ctx: NodeContext): NodeFinding | undefined {
  const name = ctx.reach.node.computerName;
  const reads = ctx.firewall.reads;
  if (!(reads?.iptablesSpec ?? '').includes(LEGACY_WARNING)) return undefined;
  const legacy = (reads?.iptablesLegacySpec ?? '').split('\n');
  const hit = ctx.failing.map((f) => ({ agent: f.agent, block: specBlock(legacy, { sourceIp: f.agent.ip, port: KUBELET_PORT, iif: NODE_INTERFACE }) })).find((x) => x.block);
  if (!hit?.block) return undefined;
  const rule = hit.block.rule;
  const cause = `iptables-legacy rule "${rule}"`;
  return {
    status: 'blocks', node: name,
    evidence: [{ kind: 'iptables-rule', resource: name, detail: `iptables on ${name} warns "${LEGACY_WARNING}"; iptables-legacy -S shows "${rule}", which ${hit.block.outcome === 'drop' ? 'drops' : 'rejects'} ${PORT_TEXT} from ${agentText(hit.agent)} (iptables --list, the nft backend, does not show it).` }],
    plan: {
      key: `legacy|${rule}`,
      cause,
      build: (nodes) => [{
        id: `iptables-10250:legacy:${nodes[0] ?? ''}`,
        kind: 'manual',
        title: `Delete the iptables-legacy rule that ${hit.block?.outcome === 'drop' ? 'drops' : 'rejects'} ${PORT_TEXT} on ${nodesText(nodes)}`,
        target: nodes.join(','),
        change: `iptables-legacy ${rule.replace(/^-A /, '-D ')}`,
        risk: 'medium',
        needsApproval: false,
        warnings: [HOST_CHANGE_WARNING, IPTABLES_REBOOT_WARNING, 'Tunnel Doctor has no node script for the legacy tables: run it on the node yourself (or reimage the node).'],
      }],
    },
  };
}

/** What iptables -S adds to the listing: interface-limited rules that were set aside, and the legacy warning. */
function iptablesSpecNotes(ctx: NodeContext): Evidence[] {
  const name = ctx.reach.node.computerName;
  if (!ctx.firewall.iptables) return [];
  const spec = (ctx.firewall.reads?.iptablesSpec ?? '').split('\n');
  const { notes } = withoutOtherInterfaceRules(ctx.firewall.iptables, spec);
  const out: Evidence[] = notes.map((detail) => ({ kind: 'iptables-rule', resource: name, detail }));
  if (spec.some((l) => l.includes(LEGACY_WARNING))) {
    out.push({ kind: 'note', resource: name, detail: `iptables on ${name} warns "${LEGACY_WARNING}": rules this listing does not show exist, so the legacy tables were read too (iptables-legacy -S).` });
  }
  return out;
}

const iptablesLayer: Layer = {
  name: 'iptables',
  decideNode(ctx) {
    const finding = iptablesListingLayer.decideNode(ctx);
    return { ...finding, evidence: [...finding.evidence, ...iptablesSpecNotes(ctx)] };
  },
};

// ---------------------------------------------------------------------------------------------

/** ufw-10250: UFW active on a Linux node and not allowing TCP 10250 from the tunnel agents. */
export function decideUfw10250(input: HostCheckInput): CheckOutcome {
  return decideLayer(ufwLayer, input);
}

/** iptables-10250: the INPUT chain (with its jumps) drops or rejects TCP 10250 from a tunnel agent. */
export function decideIptables10250(input: HostCheckInput): CheckOutcome {
  return decideLayer(iptablesLayer, input);
}
