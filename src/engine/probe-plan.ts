/**
 * The probe plan: the run-commands a diagnosis issues, as few as the question allows.
 *
 * The article's manual procedure runs three commands on every node, one after the other. Here:
 *   1. one `probe-kubelet` run per tunnel-agent node, probing TCP 10250 on every node in parallel
 *      inside one script (the API server reaches kubelets through those nodes);
 *   2. then, at the same time: `host-firewall` (ufw + iptables, and the further reads of
 *      kubelet-reachability) only on the Linux nodes some agent could not reach, `windows-firewall`
 *      on such Windows nodes, and one `probe-egress` from an agent to the API server.
 * The two overlap: a node's firewall read starts as soon as one agent reports it unreachable. And
 * phase 1 starts before the agents are known, from the likely agent nodes (startSpeculativeProbe):
 * reading the pods (AKS command invoke) takes as long as a run-command, so when the pods confirm
 * the guess the probe is already done; a run from a node without an agent is never evidence.
 * At most RUN_COMMAND_CONCURRENCY run-commands are in flight, and never two on one VM: Azure runs one
 * run-command per VM at a time and answers 409 Conflict to a second (the Azure layer retries those).
 */
import type { AzureLayer } from '../azure/clients.js';
import { runShellScript } from '../azure/compute.js';
import { isAzureError } from '../azure/errors.js';
import { userMessageOf } from '../user-message.js';
import {
  HOST_FIREWALL_SCRIPT,
  MAX_PROBE_TARGETS,
  PROBE_EGRESS_SCRIPT,
  PROBE_KUBELET_SCRIPT,
  WINDOWS_FIREWALL_SCRIPT,
  probeEgressParameters,
  probeKubeletParameters,
  validateScriptParameters,
  type NodeScript,
  type ScriptParameter,
} from './node-scripts.js';
import { parseHostFirewall, parseProbeEgress, parseProbeKubelet, type EgressProbeOutcome } from './host/script-output.js';
import { keyedQueue, limiter } from './concurrency.js';
import type { PhaseClock, SpeculativeProbeTiming } from './phase-timing.js';
import { parseWindowsFirewall } from './host/windows-firewall.js';
import type { NodeView } from './checks/views.js';

export const RUN_COMMAND_CONCURRENCY = 16;

export interface ReadFailure {
  why: string;
  resolve: string;
}

export interface ProbeRun {
  agent: string;
  sourceIp: string;
  result: ReturnType<typeof parseProbeKubelet> | { failed: ReadFailure };
}

export interface FirewallRun {
  node: string;
  nodeIp: string;
  result: ReturnType<typeof parseHostFirewall> | { failed: ReadFailure };
}

/** The windows-firewall read of a Windows node that did not answer (same round as host-firewall). */
export interface WindowsFirewallRun {
  node: string;
  result: ReturnType<typeof parseWindowsFirewall> | { failed: ReadFailure };
}

export interface EgressRun {
  node: string;
  outcome: EgressProbeOutcome | 'not-run';
  detail?: string;
  failed?: ReadFailure;
}

export interface ProbePlanResult {
  /** The nodes the probes came from (tunnel agents, or a stand-in when there are none). */
  sources: NodeView[];
  probes: ProbeRun[];
  firewalls: FirewallRun[];
  /** Windows nodes some source could not reach: their firewall (RunPowerShellScript). */
  windowsFirewalls?: WindowsFirewallRun[];
  egress?: EgressRun;
  runCommands: number;
}

/** Why a run-command could not be read, and what would resolve it, for "unknown" verdicts. */
export function readFailureOf(err: unknown, node: string): ReadFailure {
  if (isAzureError(err)) {
    if (err.code === 'RunCommandNoResult') {
      return {
        why: `${node} never returned the run-command result: run-command reports over the node's outbound TCP 443 to AzureCloud, so ${node}'s path to AzureCloud:443 is probably blocked (an NSG, a route or a firewall)`,
        resolve: `check ${node}'s outbound TCP 443 to AzureCloud (NSG rules, the subnet's route table, any firewall the route leads to); the run-command still holds ${node} (it cannot be cancelled and may run for up to 90 minutes)`,
      };
    }
    if (err.code === 'RunCommandBusy') {
      return { why: `another run-command kept ${node} busy (409 Conflict) after several retries`, resolve: `wait for the other run-command on ${node} to finish, then diagnose again` };
    }
    if (err.statusCode === 403) {
      return {
        why: `the bot may not run commands on ${node} (403)`,
        resolve: `grant the bot's identity ${err.rbacAction ?? 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action'} on the node resource group (Virtual Machine Contributor has it)`,
      };
    }
    if (err.statusCode === 409) return { why: `${node} cannot run commands now: ${err.userMessage}`, resolve: `start ${node} (or wait for its operation to finish), then diagnose again` };
  }
  return { why: `the run-command on ${node} failed: ${userMessageOf(err)}`, resolve: 'diagnose again; if it persists, run the command on the node by hand' };
}

const isRunning = (n: NodeView) => n.powerState === 'running';

/** Tunnel-agent nodes that can run the probe; without agents, one running Linux node stands in. */
export function probeSources(nodes: NodeView[]): NodeView[] {
  const agents = nodes.filter((n) => n.isTunnelAgent && isRunning(n) && n.osType === 'Linux' && n.privateIp);
  if (agents.length > 0) return agents;
  const standIn = nodes.find((n) => isRunning(n) && n.osType === 'Linux' && n.privateIp);
  return standIn ? [standIn] : [];
}

export interface ProbePlanOptions {
  /** API server FQDN and the tunnel's egress port; no egress probe when absent. */
  egress?: { host: string; port: number; protocol: 'tcp' | 'udp' };
  /** Called once every source has probed, with the nodes some source could not reach, so slow work
   * that needs only them (the `kubectl logs` symptom check) can run alongside phase 2. */
  onProbed?: (unreachable: NodeView[]) => void;
  /** Called each time a source's probe adds nodes it could not reach, before every source is done:
   * lets that slow work start early. The list grows; onProbed has the final one. */
  onUnreachable?: (unreachableSoFar: NodeView[]) => void;
  /** Probes started before the pods were known (startSpeculativeProbe); their run-commands share its session. */
  speculative?: SpeculativeProbe;
  clock?: PhaseClock;
}

/** The run-commands of one diagnosis: one at a time per VM, at most RUN_COMMAND_CONCURRENCY at once, counted. */
export interface RunCommandSession {
  run(node: NodeView, script: NodeScript, params: ScriptParameter[]): Promise<{ stdout: string }>;
  count(): number;
  /**
   * Why a node's run-command never returned (RunCommandNoResult), when it did not: the command still
   * holds the VM (it cannot be cancelled), and a node that cannot report once will not report the
   * next time either, so the session asks it nothing more and answers with the same failure.
   */
  silent(node: NodeView): ReadFailure | undefined;
}

export function runCommandSession(layer: AzureLayer): RunCommandSession {
  const perVm = keyedQueue();
  const slot = limiter(RUN_COMMAND_CONCURRENCY);
  let runCommands = 0;
  const noResult = new Map<string, { err: unknown; failure: ReadFailure }>();
  return {
    run: (node, script, params) =>
      perVm(`${node.vmssId}/${node.instanceId}`, async () => {
        const silent = noResult.get(node.computerName);
        if (silent) throw silent.err;
        try {
          return await slot(async () => {
            runCommands += 1;
            return runShellScript(layer, node.vmssId, node.instanceId, script.lines, params, script.shell === 'powershell' ? { windows: true } : {});
          });
        } catch (err) {
          if (isAzureError(err) && err.code === 'RunCommandNoResult') noResult.set(node.computerName, { err, failure: readFailureOf(err, node.computerName) });
          throw err;
        }
      }),
    count: () => runCommands,
    silent: (node) => noResult.get(node.computerName)?.failure,
  };
}

/** The nodes probed: every running node with an IP (the same list before and after the pods are known). */
const probeTargets = (nodes: NodeView[]) => nodes.filter((n) => isRunning(n) && n.privateIp);

/** One source's kubelet probes: one run (batches only past MAX_PROBE_TARGETS nodes). */
async function probeFrom(session: RunCommandSession, source: NodeView, targetIps: string[]): Promise<ProbeRun[]> {
  const runs: ProbeRun[] = [];
  for (let i = 0; i < targetIps.length; i += MAX_PROBE_TARGETS) {
    const batch = targetIps.slice(i, i + MAX_PROBE_TARGETS);
    try {
      const out = await session.run(source, PROBE_KUBELET_SCRIPT, probeKubeletParameters(batch));
      runs.push({ agent: source.computerName, sourceIp: source.privateIp as string, result: parseProbeKubelet(out.stdout, batch) });
    } catch (err) {
      runs.push({ agent: source.computerName, sourceIp: source.privateIp as string, result: { failed: readFailureOf(err, source.computerName) } });
      if (session.silent(source)) break;
    }
  }
  return runs;
}

/** Target IPs a source's runs say did not answer on 10250 (failed runs say nothing). */
function unansweredIps(runs: ProbeRun[]): string[] {
  const ips: string[] = [];
  for (const p of runs) {
    if ('failed' in p.result) continue;
    for (const [ip, outcome] of Object.entries(p.result.byTarget ?? {})) if (outcome !== 'open') ips.push(ip);
    for (const f of p.result.failures) ips.push(f.ip);
  }
  return ips;
}

/**
 * How many nodes are probed before the pods are known. Two: konnectivity's ladder starts at two
 * replicas (docs/checks.md), and a production system pool has at least two nodes
 * (https://learn.microsoft.com/azure/aks/use-system-pools).
 */
export const SPECULATIVE_SOURCES = 2;

/**
 * The nodes most likely to host tunnel agents: running Linux nodes of System-mode pools, first by
 * name. AKS labels system-pool nodes kubernetes.azure.com/mode=system and prefers scheduling system
 * pods there ("Manage system node pools in AKS", https://learn.microsoft.com/azure/aks/use-system-pools).
 * A system pool of one node (allowed outside production) leaves the other agent to the scheduler:
 * the first other running Linux node by name stands in, a plain guess — a wrong one costs one
 * run-command, never a verdict.
 */
export function speculativeSources(nodes: NodeView[], systemPools: ReadonlySet<string>): NodeView[] {
  const candidates = nodes.filter((n) => isRunning(n) && n.osType === 'Linux' && n.privateIp).sort((a, b) => a.computerName.localeCompare(b.computerName));
  const inSystemPool = (n: NodeView) => n.pool !== undefined && systemPools.has(n.pool.toLowerCase());
  return [...candidates.filter(inSystemPool), ...candidates.filter((n) => !inSystemPool(n))].slice(0, SPECULATIVE_SOURCES);
}

/** Kubelet probes started before the tunnel-agent pods are known; only evidence once the pods confirm the source. */
export interface SpeculativeProbe {
  session: RunCommandSession;
  sources: NodeView[];
  /** By source computer name (lower case). */
  runs: Map<string, Promise<ProbeRun[]>>;
}

/**
 * Starts the kubelet probe from the likely agent nodes while the pods are read. Nothing here is
 * evidence yet: runProbePlan uses a run only when the pod list shows its node hosts an agent (or
 * is the stand-in it would pick anyway), and drops the others.
 */
export function startSpeculativeProbe(layer: AzureLayer, nodes: NodeView[], systemPools: ReadonlySet<string>, clock?: PhaseClock): SpeculativeProbe {
  const session = runCommandSession(layer);
  const sources = speculativeSources(nodes, systemPools);
  const targetIps = probeTargets(nodes).map((n) => n.privateIp as string);
  const runs = new Map<string, Promise<ProbeRun[]>>();
  for (const source of sources) {
    runs.set(source.computerName.toLowerCase(), clock ? clock.span('probe', probeFrom(session, source, targetIps)) : probeFrom(session, source, targetIps));
  }
  return { session, sources, runs };
}

function speculationOutcome(speculative: SpeculativeProbe, sources: NodeView[]): SpeculativeProbeTiming {
  const used = new Set(sources.map((s) => s.computerName.toLowerCase()));
  const hits = speculative.sources.filter((s) => used.has(s.computerName.toLowerCase())).length;
  return {
    sources: speculative.sources.map((s) => s.computerName),
    outcome: hits === 0 ? 'miss' : hits === speculative.sources.length ? 'hit' : 'partial',
    probedAfterPods: sources.filter((s) => !speculative.runs.has(s.computerName.toLowerCase())).map((s) => s.computerName),
  };
}

/**
 * The plan, pipelined: every source probes (reusing a speculative run when the pods confirm its
 * node), and the host-firewall read of a node starts as soon as one source reports it unreachable,
 * while the other sources still probe. Results are assembled in the sources' order, so they are
 * the same as probing first and reading after.
 */
export async function runProbePlan(layer: AzureLayer, nodes: NodeView[], opts: ProbePlanOptions = {}): Promise<ProbePlanResult> {
  const session = opts.speculative?.session ?? runCommandSession(layer);
  const clock = opts.clock;
  const targets = probeTargets(nodes);
  const targetIps = targets.map((n) => n.privateIp as string);
  const sources = probeSources(nodes);
  if (opts.speculative && opts.speculative.sources.length > 0) clock?.speculative(speculationOutcome(opts.speculative, sources));

  // 2a (started from 1). Host firewalls, only where some source could not reach the kubelet.
  const unreachable = new Set<string>();
  const firewallReads = new Map<string, Promise<FirewallRun>>();
  const readFirewall = (node: NodeView): Promise<FirewallRun> => {
    const started = (async (): Promise<FirewallRun> => {
      try {
        const out = await session.run(node, HOST_FIREWALL_SCRIPT, validateScriptParameters('host-firewall', []));
        return { node: node.computerName, nodeIp: node.privateIp as string, result: parseHostFirewall(out.stdout) };
      } catch (err) {
        return { node: node.computerName, nodeIp: node.privateIp as string, result: { failed: readFailureOf(err, node.computerName) } };
      }
    })();
    return clock ? clock.span('reads', started) : started;
  };
  const readWindowsFirewall = (node: NodeView): Promise<WindowsFirewallRun> => {
    const started = (async (): Promise<WindowsFirewallRun> => {
      try {
        const out = await session.run(node, WINDOWS_FIREWALL_SCRIPT, validateScriptParameters('windows-firewall', []));
        return { node: node.computerName, result: parseWindowsFirewall(out.stdout) };
      } catch (err) {
        return { node: node.computerName, result: { failed: readFailureOf(err, node.computerName) } };
      }
    })();
    // Counted in the same "reads" phase as the Linux firewall reads of the report's timing.
    return clock ? clock.span('reads', started) : started;
  };
  const noteUnreachable = (runs: ProbeRun[]) => {
    const fresh = unansweredIps(runs).filter((ip) => !unreachable.has(ip));
    if (fresh.length === 0) return;
    for (const ip of fresh) unreachable.add(ip);
    for (const node of targets) {
      if (node.osType === 'Linux' && unreachable.has(node.privateIp as string) && !firewallReads.has(node.computerName)) firewallReads.set(node.computerName, readFirewall(node));
    }
    opts.onUnreachable?.(targets.filter((n) => unreachable.has(n.privateIp as string)));
  };

  // 1. Kubelet probes, one run per source; a confirmed speculative run counts as that source's.
  const bySource = sources.map((source) => {
    const early = opts.speculative?.runs.get(source.computerName.toLowerCase());
    const runs = early ?? (clock ? clock.span('probe', probeFrom(session, source, targetIps)) : probeFrom(session, source, targetIps));
    return runs.then((r) => (noteUnreachable(r), r));
  });

  // 2b. One egress probe, from the first source (in order) its own and earlier probes found reachable
  // (an agent being read for its firewall is busy longer), started as soon as that is known.
  const egressP = (async (): Promise<EgressRun | undefined> => {
    if (!opts.egress) return undefined;
    let from: NodeView | undefined;
    for (const [i, source] of sources.entries()) {
      await bySource[i];
      if (!session.silent(source) && !unreachable.has(source.privateIp as string)) {
        from = source;
        break;
      }
    }
    from ??= sources.find((s) => !session.silent(s));
    if (!from) {
      const silent = sources[0];
      if (!silent) return { node: '', outcome: 'not-run', detail: 'no running Linux node to probe from' };
      // Every source went silent: that itself says where their outbound 443 stands.
      const failed = session.silent(silent)!;
      return { node: silent.computerName, outcome: 'not-run', detail: failed.why, failed };
    }
    try {
      const out = await session.run(from, PROBE_EGRESS_SCRIPT, probeEgressParameters(opts.egress.host, opts.egress.port, opts.egress.protocol));
      const parsed = parseProbeEgress(out.stdout);
      return parsed.result
        ? { node: from.computerName, outcome: parsed.result, detail: parsed.raw }
        : { node: from.computerName, outcome: 'not-run', detail: 'the probe printed no result', failed: { why: 'the egress probe output was incomplete', resolve: 'diagnose again' } };
    } catch (err) {
      return { node: from.computerName, outcome: 'not-run', failed: readFailureOf(err, from.computerName) };
    }
  })();

  const probes = (await Promise.all(bySource)).flat();
  // A speculative run from a node that turned out not to host an agent is not evidence; it is
  // still awaited so no run-command outlives the diagnosis.
  await Promise.all(opts.speculative?.runs.values() ?? []);
  opts.onProbed?.(targets.filter((n) => unreachable.has(n.privateIp as string)));
  // In target order, as when the reads started only after every probe.
  const toInspect = targets.filter((n) => unreachable.has(n.privateIp as string) && n.osType === 'Linux');
  // 2a'. The Windows firewall of the Windows nodes that did not answer (no ufw or iptables there).
  const windowsNodes = targets.filter((n) => unreachable.has(n.privateIp as string) && n.osType === 'Windows');
  const [firewalls, egress, windowsFirewalls] = await Promise.all([
    Promise.all(toInspect.map((n) => firewallReads.get(n.computerName) ?? readFirewall(n))),
    egressP,
    Promise.all(windowsNodes.map(readWindowsFirewall)),
  ]);
  return { sources, probes, firewalls, ...(windowsFirewalls.length ? { windowsFirewalls } : {}), ...(egress ? { egress } : {}), runCommands: session.count() };
}
