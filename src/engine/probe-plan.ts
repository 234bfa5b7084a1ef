/**
 * The probe plan: the run-commands a diagnosis issues, as few as the question allows.
 *
 * The article's manual procedure runs three commands on every node, one after the other. Here:
 *   1. one `probe-kubelet` run per tunnel-agent node, probing TCP 10250 on every node in parallel
 *      inside one script (the API server reaches kubelets through those nodes);
 *   2. then, at the same time: `host-firewall` (ufw + iptables, and the further reads of
 *      kubelet-reachability) only on the Linux nodes some agent could not reach, `windows-firewall`
 *      on such Windows nodes, and one `probe-egress` from an agent to the API server.
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
import { parseWindowsFirewall } from './host/windows-firewall.js';
import { keyedQueue, mapLimit } from './concurrency.js';
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
  /** Called between the two phases with the nodes some source could not reach, so slow work that
   * needs only them (the `kubectl logs` symptom check) can run alongside phase 2. */
  onProbed?: (unreachable: NodeView[]) => void;
}

export async function runProbePlan(layer: AzureLayer, nodes: NodeView[], opts: ProbePlanOptions = {}): Promise<ProbePlanResult> {
  const perVm = keyedQueue();
  let runCommands = 0;
  const run = (node: NodeView, script: NodeScript, params: ScriptParameter[]) =>
    perVm(`${node.vmssId}/${node.instanceId}`, async () => {
      runCommands += 1;
      return runShellScript(layer, node.vmssId, node.instanceId, script.lines, params, script.shell === 'powershell' ? { windows: true } : {});
    });

  const targets = nodes.filter((n) => isRunning(n) && n.privateIp);
  const targetIps = targets.map((n) => n.privateIp as string);
  const sources = probeSources(nodes);

  // 1. Kubelet probes, one run per source (batches only past MAX_PROBE_TARGETS nodes).
  const batches: string[][] = [];
  for (let i = 0; i < targetIps.length; i += MAX_PROBE_TARGETS) batches.push(targetIps.slice(i, i + MAX_PROBE_TARGETS));
  const probes = (
    await mapLimit(sources, RUN_COMMAND_CONCURRENCY, async (source): Promise<ProbeRun[]> => {
      const runs: ProbeRun[] = [];
      for (const batch of batches) {
        try {
          const out = await run(source, PROBE_KUBELET_SCRIPT, probeKubeletParameters(batch));
          runs.push({ agent: source.computerName, sourceIp: source.privateIp as string, result: parseProbeKubelet(out.stdout, batch) });
        } catch (err) {
          runs.push({ agent: source.computerName, sourceIp: source.privateIp as string, result: { failed: readFailureOf(err, source.computerName) } });
        }
      }
      return runs;
    })
  ).flat();

  // 2a. Host firewalls, only where some source could not reach the kubelet.
  const unreachable = new Set<string>();
  for (const p of probes) {
    if ('failed' in p.result) continue;
    for (const [ip, outcome] of Object.entries(p.result.byTarget ?? {})) if (outcome !== 'open') unreachable.add(ip);
    for (const f of p.result.failures) unreachable.add(f.ip);
  }
  opts.onProbed?.(targets.filter((n) => unreachable.has(n.privateIp as string)));
  const toInspect = targets.filter((n) => unreachable.has(n.privateIp as string) && n.osType === 'Linux');
  const firewallsP = mapLimit(toInspect, RUN_COMMAND_CONCURRENCY, async (node): Promise<FirewallRun> => {
    try {
      const out = await run(node, HOST_FIREWALL_SCRIPT, validateScriptParameters('host-firewall', []));
      return { node: node.computerName, nodeIp: node.privateIp as string, result: parseHostFirewall(out.stdout) };
    } catch (err) {
      return { node: node.computerName, nodeIp: node.privateIp as string, result: { failed: readFailureOf(err, node.computerName) } };
    }
  });

  // 2a'. The Windows firewall of the Windows nodes that did not answer (no ufw or iptables there).
  const windowsP = mapLimit(
    targets.filter((n) => unreachable.has(n.privateIp as string) && n.osType === 'Windows'),
    RUN_COMMAND_CONCURRENCY,
    async (node): Promise<WindowsFirewallRun> => {
      try {
        const out = await run(node, WINDOWS_FIREWALL_SCRIPT, validateScriptParameters('windows-firewall', []));
        return { node: node.computerName, result: parseWindowsFirewall(out.stdout) };
      } catch (err) {
        return { node: node.computerName, result: { failed: readFailureOf(err, node.computerName) } };
      }
    },
  );

  // 2b. One egress probe, from an agent that answered (its VM is free sooner), in parallel with 2a.
  const egressP = (async (): Promise<EgressRun | undefined> => {
    if (!opts.egress) return undefined;
    const from = sources.find((s) => !unreachable.has(s.privateIp as string)) ?? sources[0];
    if (!from) return { node: '', outcome: 'not-run', detail: 'no running Linux node to probe from' };
    try {
      const out = await run(from, PROBE_EGRESS_SCRIPT, probeEgressParameters(opts.egress.host, opts.egress.port, opts.egress.protocol));
      const parsed = parseProbeEgress(out.stdout);
      return parsed.result
        ? { node: from.computerName, outcome: parsed.result, detail: parsed.raw }
        : { node: from.computerName, outcome: 'not-run', detail: 'the probe printed no result', failed: { why: 'the egress probe output was incomplete', resolve: 'diagnose again' } };
    } catch (err) {
      return { node: from.computerName, outcome: 'not-run', failed: readFailureOf(err, from.computerName) };
    }
  })();

  const [firewalls, egress, windowsFirewalls] = await Promise.all([firewallsP, egressP, windowsP]);
  return { sources, probes, firewalls, ...(windowsFirewalls.length ? { windowsFirewalls } : {}), ...(egress ? { egress } : {}), runCommands };
}
