/**
 * ufw-10250 / iptables-10250 decisions, fed exactly what the bot gets: the constant node scripts
 * run by the simulator's runNodeScript on structured node states (src/sim/host), through the
 * 4096-byte tail run-command keeps, parsed by the engine's parsers. Probes go through a
 * NetworkOracle built on the simulator's own firewall ground truth (hostFirewallOutcome), or the
 * full simulated network (NSGs too). The scenario files' `expected` verdicts are the ground truth.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_CHANGE_WARNING, IPTABLES_REBOOT_WARNING, type HostCheckInput } from '../../../src/engine/checks/host-layer.js';
import { decideIptables10250 } from '../../../src/engine/checks/iptables-10250.js';
import { unreachableNodes } from '../../../src/engine/checks/probe-reading.js';
import { decideUfw10250 } from '../../../src/engine/checks/ufw-10250.js';
import type { NodeView, SubnetView } from '../../../src/engine/checks/views.js';
import { parseFixScriptOutput, parseHostFirewall, parseProbeKubelet } from '../../../src/engine/host/script-output.js';
import { tunnelAgentPods } from '../../../src/engine/kube-pods.js';
import {
  HOST_FIREWALL_SCRIPT,
  NODE_SCRIPTS,
  PROBE_KUBELET_SCRIPT,
  isNodeScriptId,
  probeKubeletParameters,
  validateScriptParameters,
} from '../../../src/engine/node-scripts.js';
import { probeSources, readFailureOf, type FirewallRun, type ProbeRun } from '../../../src/engine/probe-plan.js';
import type { CheckResult, FixProposal } from '../../../src/engine/report.js';
import { AzureError } from '../../../src/azure/errors.js';
import { loadScenarioFile } from '../../../src/scenario/load.js';
import type { IptablesRule, Scenario, ScenarioNode, UfwState } from '../../../src/scenario/types.js';
import { Estate } from '../../../src/sim/estate.js';
import { hostFirewallOutcome, renderIptablesList, renderUfwStatusVerbose, runNodeScript, type NetworkOracle } from '../../../src/sim/host/index.js';
import { createNetworkOracle } from '../../../src/sim/network-oracle.js';
import { lastBytes } from '../../../src/sim/run-command-envelope.js';
import { UFW_NODE } from '../host/iptables-samples.js';

// ---------------------------------------------------------------------------------------------
// Gathering the way the probe plan does (src/engine/probe-plan.ts), against simulated nodes

const running = (n: { powerState: string }) => n.powerState.toLowerCase() === 'running';

/** Node targets answer as the simulator's host firewall (and `inbound` overrides) say. */
function hostOracle(nodes: ScenarioNode[]): NetworkOracle {
  return {
    probe(from, host, port, protocol) {
      const target = nodes.find((n) => n.privateIp === host);
      if (!target) return 'open';
      if (!running(target)) return 'timeout';
      return target.inbound?.[`${port}/${protocol}`] ?? hostFirewallOutcome(target, from.privateIp, port, protocol);
    },
  };
}

interface GatherOptions {
  oracle?: NetworkOracle;
  /** What the Azure layer throws for a run-command on this node, if it fails. */
  runCommandError?: (node: ScenarioNode, script: 'probe-kubelet' | 'host-firewall') => unknown;
  /** Rewrites a script's stdout before the 4096-byte tail is taken (to damage it). */
  stdout?: (node: ScenarioNode, script: 'probe-kubelet' | 'host-firewall', stdout: string) => string;
  network?: HostCheckInput['network'];
}

function gather(nodes: ScenarioNode[], views: NodeView[], opts: GatherOptions = {}): HostCheckInput {
  const oracle = opts.oracle ?? hostOracle(nodes);
  const byName = (name: string) => nodes.find((n) => n.computerName === name) as ScenarioNode;
  const run = (node: ScenarioNode, id: 'probe-kubelet' | 'host-firewall', params: Array<{ name: string; value: string }>) => {
    const out = runNodeScript(node, [...NODE_SCRIPTS[id].lines], params, oracle);
    return lastBytes(opts.stdout ? opts.stdout(node, id, out.stdout) : out.stdout);
  };
  const targets = views.filter((v) => running(v) && v.privateIp).map((v) => v.privateIp as string);
  const probes: ProbeRun[] = probeSources(views).map((source) => {
    const node = byName(source.computerName);
    const base = { agent: source.computerName, sourceIp: source.privateIp as string };
    const err = opts.runCommandError?.(node, 'probe-kubelet');
    if (err) return { ...base, result: { failed: readFailureOf(err, source.computerName) } };
    return { ...base, result: parseProbeKubelet(run(node, 'probe-kubelet', probeKubeletParameters(targets)), targets) };
  });
  const firewalls: FirewallRun[] = unreachableNodes({ nodes: views, probes }).map((u) => {
    const node = byName(u.node);
    const err = opts.runCommandError?.(node, 'host-firewall');
    if (err) return { node: u.node, nodeIp: u.ip, result: { failed: readFailureOf(err, u.node) } };
    return { node: u.node, nodeIp: u.ip, result: parseHostFirewall(run(node, 'host-firewall', [])) };
  });
  return { nodes: views, probes, firewalls, ...(opts.network ? { network: opts.network } : {}) };
}

function viewsOf(nodes: ScenarioNode[], agentNodes: Iterable<string>, over: Partial<NodeView> = {}): NodeView[] {
  const agents = new Set(agentNodes);
  return nodes.map((n) => ({
    computerName: n.computerName, vmssId: n.vmss, instanceId: n.instanceId, osType: n.osType, powerState: n.powerState,
    privateIp: n.privateIp, subnetId: SUBNET_ID, asgIds: [], isTunnelAgent: agents.has(n.computerName), ...over,
  }));
}

const busyError = () => new AzureError({ code: 'RunCommandBusy', statusCode: 409, message: 'busy after 5 attempts', userMessage: 'still busy' });
const forbiddenError = () => new AzureError({
  code: 'AuthorizationFailed', statusCode: 403, message: 'forbidden', userMessage: 'not allowed',
  rbacAction: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action',
});

// ---------------------------------------------------------------------------------------------
// The scenario corpus

const DIR = path.resolve('scenarios');
const HOST_SCENARIOS = readdirSync(DIR)
  .filter((f) => /^(ufw|iptables|near|combo)-.*\.json$/.test(f) || /^(unknown-runcommand-busy|healthy-deallocated-node|healthy-windows-pool|healthy-iptables-kube-chains|aks-shared-dev|healthy-transient-faults)\.json$/.test(f))
  .sort();

function agentNodesOf(s: Scenario): string[] {
  const pods = (s.pods ?? []).map((p) => ({ ...p, labels: p.labels ?? {}, restarts: p.restarts ?? 0 }));
  return tunnelAgentPods(pods).pods.filter((p) => p.phase === 'Running' && p.node).map((p) => p.node as string);
}

/** A permanent 409 on run-command (no `times`) is what the Azure layer reports as RunCommandBusy. */
function permanentRunCommandFault(s: Scenario, node: ScenarioNode): boolean {
  const url = `${node.vmss}/virtualMachines/${node.instanceId}/runCommand`;
  return (s.faults ?? []).some((f) => f.status === 409 && f.times === undefined && (f.method ?? 'POST').toUpperCase() === 'POST' && new RegExp(f.path, 'i').test(url));
}

function scenarioInput(s: Scenario, mode: 'host' | 'full'): HostCheckInput {
  const oracle = mode === 'full' ? createNetworkOracle(new Estate(s, 0)) : hostOracle(s.nodes);
  return gather(s.nodes, viewsOf(s.nodes, agentNodesOf(s)), {
    oracle,
    runCommandError: (node) => (permanentRunCommandFault(s, node) ? busyError() : undefined),
  });
}

const CHECKS = [
  ['ufw-10250', decideUfw10250, 'ufw-rule'],
  ['iptables-10250', decideIptables10250, 'iptables-rule'],
] as const;

describe('scenario corpus: host checks match `expected`', () => {
  it('covers the host-firewall scenarios', () => {
    expect(HOST_SCENARIOS.length).toBeGreaterThanOrEqual(25);
    expect(HOST_SCENARIOS).toEqual(expect.arrayContaining(['ufw-enabled.json', 'iptables-policy-drop.json', 'unknown-runcommand-busy.json', 'combo-everything.json']));
  });

  const cases = HOST_SCENARIOS.flatMap((file) => (['host', 'full'] as const).map((mode) => [file, mode] as const));
  it.each(cases)('%s (%s network)', (file, mode) => {
    const s = loadScenarioFile(path.join(DIR, file));
    const input = scenarioInput(s, mode);
    for (const [id, decide, ruleKind] of CHECKS) {
      const want = s.expected?.[id];
      expect(want, `${file} has no expected ${id}`).toBeDefined();
      const got = decide(input);
      expect(got.status, `${file} ${id}: ${got.summary}`).toBe(want?.status);
      expect(got.nodes, `${file} ${id}`).toEqual(got.status === 'fail' ? [...(want?.nodes ?? [])].sort() : []);
      if (got.status === 'fail') {
        for (const node of got.nodes) {
          expect(got.evidence.some((e) => e.kind === ruleKind && e.resource === node), `${file} ${id}: rule evidence for ${node}`).toBe(true);
          expect(got.evidence.some((e) => e.kind === 'probe' && e.resource === node && /(timeout|refused) from /.test(e.detail))).toBe(true);
        }
        // Every failing node is the target of a fix, and no other node is.
        const targeted = new Set(got.fixes.flatMap((f) => f.target.split(',')));
        expect([...targeted].sort()).toEqual(got.nodes);
      } else {
        expect(got.fixes).toEqual([]);
      }
      if (got.status === 'unknown') {
        expect(got.unknownReason?.why).toMatch(/409|busy/);
        expect(got.unknownReason?.resolve).toMatch(/wait|again/);
      }
    }
  });
});

describe('scenario corpus: the proposed fixes, applied on the simulated nodes, clear the check', () => {
  const failing = HOST_SCENARIOS.flatMap((file) => {
    const s = loadScenarioFile(path.join(DIR, file));
    return CHECKS.filter(([id]) => s.expected?.[id]?.status === 'fail').map(([id]) => [file, id] as const);
  });

  it('has failing scenarios for both checks', () => {
    expect(failing.filter(([, id]) => id === 'ufw-10250').length).toBeGreaterThanOrEqual(5);
    expect(failing.filter(([, id]) => id === 'iptables-10250').length).toBeGreaterThanOrEqual(5);
  });

  it.each(failing)('%s %s', (file, id) => {
    const decide = id === 'ufw-10250' ? decideUfw10250 : decideIptables10250;
    const before = decide(scenarioInput(loadScenarioFile(path.join(DIR, file)), 'host'));
    expect(before.status).toBe('fail');
    // The main fix of each group (not the "alternative"), and separately the alternative.
    const main = before.fixes.filter((f) => f.kind !== 'ufw-disable' && f.kind !== 'manual');
    const alternatives = before.fixes.filter((f) => f.kind === 'ufw-disable');
    // A fix no node script applies (a rule in the iptables-legacy tables) is by hand: never approvable.
    for (const manual of before.fixes.filter((f) => f.kind === 'manual')) expect([manual.needsApproval, manual.scriptId]).toEqual([false, undefined]);
    if (main.length + alternatives.length === 0) expect(before.fixes.length).toBeGreaterThan(0);
    for (const chosen of [main, alternatives]) {
      if (chosen.length === 0) continue;
      const s = loadScenarioFile(path.join(DIR, file));
      for (const fix of chosen) applyFix(s, fix);
      const after = decide(scenarioInput(s, 'host'));
      expect(after.status, `${file} after ${chosen.map((f) => f.change).join(' + ')}: ${after.summary}`).toBe('pass');
      expect(decide(scenarioInput(s, 'full')).status).toBe('pass');
    }
  });
});

/** Runs a fix's script with its parameters on every node it targets, as the executor will. */
function applyFix(s: Scenario, fix: FixProposal): void {
  expect(fix.scriptId, `${fix.id} has no script`).toBeDefined();
  const id = fix.scriptId as string;
  expect(isNodeScriptId(id)).toBe(true);
  if (!isNodeScriptId(id)) return;
  const params = validateScriptParameters(id, fix.params ?? {});
  for (const name of fix.target.split(',')) {
    const node = s.nodes.find((n) => n.computerName === name);
    expect(node, `fix target ${name}`).toBeDefined();
    const out = runNodeScript(node as ScenarioNode, [...NODE_SCRIPTS[id].lines], params, hostOracle(s.nodes));
    const parsed = parseFixScriptOutput(out.stdout, id);
    expect(parsed.exitCode, `${fix.change} on ${name}: ${parsed.output}`).toBe(0);
    expect(parsed.command).toBe(fix.change);
  }
}

// ---------------------------------------------------------------------------------------------
// Hand-built estates

const SUB = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/MC_rg_aks_eastus';
const VMSS = `${SUB}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss`;
const WIN_VMSS = `${SUB}/providers/Microsoft.Compute/virtualMachineScaleSets/aksnpwin`;
const SUBNET_ID = `${SUB}/providers/Microsoft.Network/virtualNetworks/aks-vnet/subnets/aks-subnet`;
const N = (i: number) => `aks-nodepool1-12345678-vmss00000${i}`;
const ip = (i: number) => `10.224.0.${4 + i}`;

const UFW_DENY: UfwState = { enabled: true, defaultIncoming: 'deny', rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }, { to: '22/tcp', action: 'ALLOW', from: 'Anywhere', v6: true }] };
const dropRule = (match: string, extra: Partial<IptablesRule> = {}): IptablesRule => ({ target: 'DROP', prot: 'tcp', opt: '--', source: 'anywhere', destination: 'anywhere', match, ...extra });

function linux(i: number, over: Partial<ScenarioNode> = {}): ScenarioNode {
  return {
    vmss: VMSS, instanceId: String(i), computerName: N(i), privateIp: ip(i), osType: 'Linux', powerState: 'running',
    ufw: { enabled: false, defaultIncoming: 'deny', rules: [] }, iptables: { chains: { INPUT: { policy: 'ACCEPT', rules: [] } } },
    ...over,
  };
}

function windows(i: number): ScenarioNode {
  return { vmss: WIN_VMSS, instanceId: String(i), computerName: `aksnpwin00000${i}`, privateIp: `10.224.0.${20 + i}`, osType: 'Windows', powerState: 'running' };
}

/** Three Linux nodes, agents on the first two (as on a fresh AKS cluster), node 2 as given. */
function cluster(node2: Partial<ScenarioNode>, extra: ScenarioNode[] = []): { nodes: ScenarioNode[]; views: NodeView[] } {
  const nodes = [linux(0), linux(1), linux(2, node2), ...extra];
  return { nodes, views: viewsOf(nodes, [N(0), N(1)]) };
}

const HEADER = 'num  target     prot opt source               destination         ';
/** What ufw puts in the filter table, cut down to the rules that matter here. */
const SMALL_UFW_LISTING = [
  'Chain INPUT (policy DROP)', HEADER,
  '1    ufw-before-input  all  --  anywhere             anywhere            ',
  '', 'Chain FORWARD (policy DROP)', HEADER,
  '', 'Chain OUTPUT (policy ACCEPT)', HEADER,
  '', 'Chain ufw-before-input (1 references)', HEADER,
  '1    ACCEPT     all  --  anywhere             anywhere            ',
  '2    ACCEPT     all  --  anywhere             anywhere             ctstate RELATED,ESTABLISHED',
  '3    ufw-user-input  all  --  anywhere             anywhere            ',
  '', 'Chain ufw-user-input (1 references)', HEADER,
  '1    ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:ssh',
  '2    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250',
  '',
].join('\n');

const both = (input: HostCheckInput): [CheckResult['status'], CheckResult['status']] => [decideUfw10250(input).status, decideIptables10250(input).status];

/**
 * host-firewall output in the order an earlier build printed it (ufw first, the listing whole
 * after it), for the check's fallback that reads UFW from its chains when the ufw status was cut.
 * The current script prints ufw last, so its own output can no longer lose ufw and keep the
 * listing; parseHostFirewall still reads either order.
 */
const ufwFirstOutput = (node: ScenarioNode, script: 'probe-kubelet' | 'host-firewall', stdout: string): string =>
  script !== 'host-firewall'
    ? stdout
    : `TD-BEGIN host-firewall\n### ufw status verbose\n${renderUfwStatusVerbose(node.ufw)}### iptables --list --line-numbers\n${(node.outputs?.['iptables --list --line-numbers'] ?? renderIptablesList(node.iptables)).replace(/\n+$/, '')}\nTD-END\n`;

describe('unreachableNodes', () => {
  it('lists the running Linux nodes some agent could not reach, with each agent\'s outcome, sorted', () => {
    const rejectAll = { chains: { INPUT: { policy: 'ACCEPT' as const, rules: [dropRule('tcp dpt:10250', { target: 'REJECT', match: 'tcp dpt:10250 reject-with tcp-reset' })] } } };
    const nodes = [linux(0), linux(1), linux(3, { ufw: UFW_DENY }), linux(2, { iptables: rejectAll }), { ...windows(0), inbound: { '10250/tcp': 'timeout' as const } }];
    const views = viewsOf(nodes, [N(0), N(1)]);
    const input = gather(nodes, views);
    expect(unreachableNodes(input)).toEqual([
      { node: N(2), ip: ip(2), outcomes: [{ agent: N(0), outcome: 'refused' }, { agent: N(1), outcome: 'refused' }] },
      { node: N(3), ip: ip(3), outcomes: [{ agent: N(0), outcome: 'timeout' }, { agent: N(1), outcome: 'timeout' }] },
    ]);
  });

  it('a node only one agent cannot reach is listed with that agent alone', () => {
    const { nodes, views } = cluster({ ufw: { enabled: true, defaultIncoming: 'allow', rules: [{ to: '10250/tcp', action: 'DENY', from: ip(1) }] } });
    expect(unreachableNodes(gather(nodes, views))).toEqual([{ node: N(2), ip: ip(2), outcomes: [{ agent: N(1), outcome: 'timeout' }] }]);
  });

  it('says nothing about nodes whose probes failed', () => {
    const { nodes, views } = cluster({ ufw: UFW_DENY });
    expect(unreachableNodes(gather(nodes, views, { runCommandError: busyError }))).toEqual([]);
  });
});

describe('ufw-10250', () => {
  it('fails on the node whose default policy denies, with the verbatim Default line and the probe outcome', () => {
    const { nodes, views } = cluster({ ufw: UFW_DENY });
    const r = decideUfw10250(gather(nodes, views));
    expect(r.status).toBe('fail');
    expect(r.nodes).toEqual([N(2)]);
    const details = r.evidence.map((e) => e.detail).join('\n');
    expect(details).toContain(`timeout from ${N(0)} (${ip(0)})`);
    expect(details).toContain('"Default: deny (incoming), allow (outgoing), disabled (routed)"');
    expect(r.summary).toMatch(/default incoming policy deny/);
    expect(r.fixes.map((f) => [f.kind, f.change, f.target, f.scriptId, f.risk])).toEqual([
      ['ufw-allow-10250', 'ufw allow 10250/tcp', N(2), 'ufw-allow-kubelet', 'medium'],
      ['ufw-disable', 'ufw disable', N(2), 'ufw-disable', 'medium'],
    ]);
    for (const f of r.fixes) expect(f.warnings).toContain(HOST_CHANGE_WARNING);
  });

  it('names the deciding row verbatim with its row number', () => {
    const { nodes, views } = cluster({ ufw: { enabled: true, defaultIncoming: 'allow', rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }, { to: '10250', action: 'REJECT', from: '10.224.0.0/16' }] } });
    const r = decideUfw10250(gather(nodes, views));
    expect(r.status).toBe('fail');
    const rule = r.evidence.find((e) => e.kind === 'ufw-rule');
    expect(rule?.detail).toMatch(/row 2 "10250 +REJECT IN +10\.224\.0\.0\/16" rejects TCP 10250 from/);
    expect(r.evidence.find((e) => e.kind === 'probe')?.detail).toMatch(/refused from/);
  });

  it('when an earlier DENY would outrank an appended allow, the allow must be inserted first (no script for it yet)', () => {
    const ufw: UfwState = { enabled: true, defaultIncoming: 'allow', rules: [{ to: 'Anywhere', action: 'DENY', from: '10.224.0.0/16' }, { to: '10250/tcp', action: 'ALLOW', from: '192.168.0.0/16' }] };
    const { nodes, views } = cluster({ ufw });
    const r = decideUfw10250(gather(nodes, views));
    expect(r.status).toBe('fail');
    const allow = r.fixes.find((f) => f.kind === 'ufw-allow-10250');
    expect(allow?.change).toBe('ufw insert 1 allow 10250/tcp');
    expect(allow?.scriptId).toBeUndefined();
    expect(allow?.warnings?.join(' ')).toMatch(/inserted first/);
    // The alternative still has a script.
    expect(r.fixes.find((f) => f.kind === 'ufw-disable')?.scriptId).toBe('ufw-disable');
  });

  it('a DENY with the same tuple as `ufw allow 10250/tcp` is updated in place, so the plain allow is enough', () => {
    const ufw: UfwState = { enabled: true, defaultIncoming: 'allow', rules: [{ to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] };
    const { nodes, views } = cluster({ ufw });
    const r = decideUfw10250(gather(nodes, views));
    expect(r.fixes[0]).toMatchObject({ change: 'ufw allow 10250/tcp', scriptId: 'ufw-allow-kubelet' });
  });

  it('groups nodes with the same rule into one fix and keeps other rules apart', () => {
    const ruleDeny: UfwState = { enabled: true, defaultIncoming: 'allow', rules: [{ to: '10250', action: 'DENY', from: 'Anywhere' }] };
    const nodes = [linux(0), linux(1), linux(2, { ufw: UFW_DENY }), linux(3, { ufw: UFW_DENY }), linux(4, { ufw: ruleDeny })];
    const r = decideUfw10250(gather(nodes, viewsOf(nodes, [N(0), N(1)])));
    expect(r.nodes).toEqual([N(2), N(3), N(4)]);
    const allows = r.fixes.filter((f) => f.kind === 'ufw-allow-10250');
    expect(allows.map((f) => f.target)).toEqual([`${N(2)},${N(3)}`, N(4)]);
    expect(new Set(r.fixes.map((f) => f.id)).size).toBe(r.fixes.length);
  });

  it('an unreachable node whose UFW allows 10250 passes: not the host firewall', () => {
    const { nodes, views } = cluster({ ufw: { enabled: true, defaultIncoming: 'deny', rules: [{ to: '10250/tcp', action: 'ALLOW', from: '10.224.0.0/16' }] }, inbound: { '10250/tcp': 'timeout' } });
    const input = gather(nodes, views);
    expect(input.firewalls.map((f) => f.node)).toEqual([N(2)]);
    const r = decideUfw10250(input);
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/do(es)? not answer .*not the cause/);
    expect(r.evidence.map((e) => e.detail).join('\n')).toMatch(/ufw is active on .* but lets TCP 10250 .* through/);
    expect(decideIptables10250(input).status).toBe('pass');
  });

  it('ufw missing or inactive on an unreachable node: pass', () => {
    const { nodes, views } = cluster({ inbound: { '10250/tcp': 'timeout' } });
    const r = decideUfw10250(gather(nodes, views));
    expect(r.status).toBe('pass');
    expect(r.evidence.some((e) => /Status: inactive/.test(e.detail))).toBe(true);
  });

  it('unknown when an unreadable row might deny what the rest allows', () => {
    const out = [
      'Status: active', 'Logging: on (low)', 'Default: allow (incoming), allow (outgoing), disabled (routed)', 'New profiles: skip', '',
      'To                         Action      From', '--                         ------      ----',
      'Tomcat                     DENY IN     Anywhere                  ', '',
    ].join('\n');
    const { nodes, views } = cluster({ outputs: { 'ufw status verbose': out }, inbound: { '10250/tcp': 'timeout' } });
    const r = decideUfw10250(gather(nodes, views));
    expect(r.status).toBe('unknown');
    expect(r.unknownReason?.why).toMatch(/row 1 "Tomcat DENY IN Anywhere"/);
  });
});

describe('iptables-10250', () => {
  it('a DROP in INPUT: the rule verbatim, and a delete fix with validated parameters', () => {
    const { nodes, views } = cluster({ iptables: { chains: { INPUT: { policy: 'ACCEPT', rules: [dropRule('tcp dpt:ssh', { target: 'ACCEPT' }), dropRule('tcp dpt:10250')] } } } });
    const r = decideIptables10250(gather(nodes, views));
    expect(r.status).toBe('fail');
    expect(r.nodes).toEqual([N(2)]);
    expect(r.evidence.find((e) => e.kind === 'iptables-rule')?.detail).toContain(
      'chain INPUT rule 2 "2    DROP       tcp  --  anywhere             anywhere             tcp dpt:10250" drops TCP 10250 from',
    );
    expect(r.fixes).toHaveLength(1);
    expect(r.fixes[0]).toMatchObject({
      kind: 'iptables-delete-rule', change: 'iptables --delete INPUT 2', target: N(2), risk: 'medium', needsApproval: true,
      scriptId: 'iptables-delete-rule', params: { CHAIN: 'INPUT', RULE_NUMBER: '2' },
    });
    expect(r.fixes[0]?.warnings).toEqual(expect.arrayContaining([HOST_CHANGE_WARNING, IPTABLES_REBOOT_WARNING]));
    expect(decideUfw10250(gather(nodes, views)).status).toBe('pass');
  });

  it('policy DROP: an ACCEPT inserted first, from the agents\' subnet when the subnets are known', () => {
    const ipt = { chains: { INPUT: { policy: 'DROP' as const, rules: [dropRule('tcp dpt:ssh', { target: 'ACCEPT' })] } } };
    const { nodes, views } = cluster({ iptables: ipt });
    const subnet: SubnetView = { id: SUBNET_ID, name: 'aks-subnet', addressPrefixes: ['10.224.0.0/16'] };
    const network = { subnets: new Map([[SUBNET_ID.toLowerCase(), subnet]]) };
    const r = decideIptables10250(gather(nodes, views, { network }));
    expect(r.status).toBe('fail');
    expect(r.evidence.find((e) => e.kind === 'iptables-rule')?.detail).toMatch(/chain INPUT \(policy DROP\): no rule accepts TCP 10250 from .*, so the policy drops it/);
    expect(r.fixes.map((f) => [f.kind, f.change, f.params])).toEqual([
      ['iptables-insert-accept', 'iptables --insert INPUT 1 -p tcp --dport 10250 -s 10.224.0.0/16 -j ACCEPT', { CHAIN: 'INPUT', SOURCE_CIDR: '10.224.0.0/16' }],
    ]);
    // Without the subnets: one /32 per agent.
    const bare = decideIptables10250(gather(nodes, views));
    expect(bare.fixes.map((f) => f.params?.['SOURCE_CIDR'])).toEqual([`${ip(0)}/32`, `${ip(1)}/32`]);
    // Applied on the simulated node, the subnet ACCEPT clears the check.
    for (const f of r.fixes) applyFix({ format: 'tunnel-doctor-scenario/v1', title: 't', subscriptions: [], resources: [], nodes }, f);
    expect(decideIptables10250(gather(nodes, views, { network })).status).toBe('pass');
  });

  it('a DROP with another behind it: deleting one is not enough, so the fix inserts an ACCEPT', () => {
    const ipt = { chains: { INPUT: { policy: 'ACCEPT' as const, rules: [dropRule('tcp dpt:10250'), dropRule('multiport dports 10250,10255')] } } };
    const { nodes, views } = cluster({ iptables: ipt });
    const r = decideIptables10250(gather(nodes, views));
    expect(r.status).toBe('fail');
    expect(r.fixes.every((f) => f.kind === 'iptables-insert-accept')).toBe(true);
    expect(r.evidence.map((e) => e.detail).join('\n')).toMatch(/Deleting INPUT rule 1 .* would not be enough: then chain INPUT rule 1 "1 +DROP +tcp .*multiport dports 10250,10255"/);
  });

  it('a REJECT inside a chain INPUT jumps to: named with the chain, the jump and the rule number', () => {
    const ipt = {
      chains: {
        INPUT: { policy: 'ACCEPT' as const, rules: [{ target: 'HARDENING', prot: 'all', opt: '--', source: 'anywhere', destination: 'anywhere' }] },
        HARDENING: { rules: [dropRule('tcp dpt:ssh', { target: 'ACCEPT' }), dropRule('tcp dpt:10250 reject-with tcp-reset', { target: 'REJECT' })] },
      },
    };
    const { nodes, views } = cluster({ iptables: ipt });
    const r = decideIptables10250(gather(nodes, views));
    expect(r.status).toBe('fail');
    expect(r.evidence.find((e) => e.kind === 'iptables-rule')?.detail).toMatch(/chain HARDENING rule 2 ".*REJECT.*" rejects TCP 10250 from .*reached through INPUT rule 1 → HARDENING/);
    expect(r.fixes[0]).toMatchObject({ change: 'iptables --delete HARDENING 2', params: { CHAIN: 'HARDENING', RULE_NUMBER: '2' } });
  });

  it('drops made by UFW\'s own chains are left to ufw-10250', () => {
    const { nodes, views } = cluster({
      ufw: { enabled: true, defaultIncoming: 'deny', rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }, { to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] },
      outputs: { 'iptables --list --line-numbers': SMALL_UFW_LISTING },
    });
    const input = gather(nodes, views);
    expect(decideUfw10250(input).status).toBe('fail');
    const ipt = decideIptables10250(input);
    expect(ipt.status).toBe('pass');
    expect(ipt.evidence.map((e) => e.detail).join('\n')).toMatch(/chain ufw-user-input rule 2 .* in UFW's chains: UFW's doing/);
  });

  it('ufw status cut off but the listing whole (ufw-first output): UFW decided from its own chains, and its fix works', () => {
    const filler = Array.from({ length: 120 }, (_, k) => ({ to: `${30000 + k}/tcp`, action: 'ALLOW', from: 'Anywhere' }));
    const ufw: UfwState = { enabled: true, defaultIncoming: 'deny', rules: [...filler, { to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] };
    const { nodes, views } = cluster({ ufw, outputs: { 'iptables --list --line-numbers': SMALL_UFW_LISTING } });
    const input = gather(nodes, views, { stdout: ufwFirstOutput });
    const fw = input.firewalls[0]?.result;
    expect(fw && !('failed' in fw) && !fw.ufwComplete && fw.iptablesComplete).toBe(true);
    const r = decideUfw10250(input);
    expect(r.status).toBe('fail');
    expect(r.evidence.find((e) => e.kind === 'ufw-rule')?.detail).toMatch(/ufw status of .* was cut off .*read from UFW's chains.*chain ufw-user-input rule 2 "2 +DROP .*tcp dpt:10250" drops TCP 10250/);
    expect(r.fixes[0]).toMatchObject({ change: 'ufw allow 10250/tcp', scriptId: 'ufw-allow-kubelet' });
    expect(decideIptables10250(input).status).toBe('pass');
    applyFix({ format: 'tunnel-doctor-scenario/v1', title: 't', subscriptions: [], resources: [], nodes }, r.fixes[0] as FixProposal);
    expect(both(gather(nodes, views, { stdout: ufwFirstOutput }))).toEqual(['pass', 'pass']);
  });

  it('ufw status too long for 4096 bytes (the script\'s own output): both unknown, nothing half-read', () => {
    const filler = Array.from({ length: 120 }, (_, k) => ({ to: `${30000 + k}/tcp`, action: 'ALLOW', from: 'Anywhere' }));
    const ufw: UfwState = { enabled: true, defaultIncoming: 'deny', rules: [...filler, { to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] };
    const { nodes, views } = cluster({ ufw, outputs: { 'iptables --list --line-numbers': SMALL_UFW_LISTING } });
    const input = gather(nodes, views);
    expect(both(input)).toEqual(['unknown', 'unknown']);
    expect(decideUfw10250(input).unknownReason?.why).toMatch(/ufw status of .* was cut off/);
  });

  it('ufw status cut off, UFW\'s chains accept 10250: UFW is cleared from its chains', () => {
    const filler = Array.from({ length: 120 }, (_, k) => ({ to: `${30000 + k}/tcp`, action: 'ALLOW', from: 'Anywhere' }));
    const ufw: UfwState = { enabled: true, defaultIncoming: 'deny', rules: [...filler, { to: '10250/tcp', action: 'ALLOW', from: 'Anywhere' }] };
    const listing = SMALL_UFW_LISTING.replace(/DROP( +tcp .*tcp dpt:10250)/, 'ACCEPT$1');
    const { nodes, views } = cluster({ ufw, outputs: { 'iptables --list --line-numbers': listing }, inbound: { '10250/tcp': 'timeout' } });
    const r = decideUfw10250(gather(nodes, views, { stdout: ufwFirstOutput }));
    expect(r.status).toBe('pass');
    expect(r.evidence.some((e) => /read from UFW's chains .*: UFW's chains let TCP 10250 .* through/.test(e.detail))).toBe(true);
  });

  it('a full-size UFW listing beside the ufw status: ufw (printed last) decides; iptables unknown over the chains dropped to fit', () => {
    const { nodes, views } = cluster({
      ufw: { enabled: true, defaultIncoming: 'deny', rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }, { to: '10250/tcp', action: 'DENY', from: 'Anywhere' }] },
      outputs: { 'iptables --list --line-numbers': UFW_NODE },
    });
    const input = gather(nodes, views);
    const fw = input.firewalls[0]?.result;
    expect(fw && !('failed' in fw) && { complete: fw.complete, ufwComplete: fw.ufwComplete, iptablesComplete: fw.iptablesComplete }).toEqual({ complete: true, ufwComplete: true, iptablesComplete: true });
    expect(fw && !('failed' in fw) ? fw.droppedChains : []).toContain('ufw-user-input');
    expect(both(input)).toEqual(['fail', 'unknown']);
    const ufw = decideUfw10250(input);
    expect(ufw.nodes).toEqual([N(2)]);
    expect(ufw.evidence.map((e) => e.detail).join('\n')).toMatch(/10250\/tcp +DENY/);
    expect(ufw.fixes[0]).toMatchObject({ scriptId: 'ufw-allow-kubelet' });
    const ipt = decideIptables10250(input);
    expect(ipt.unknownReason?.why).toMatch(/ufw-before-input rule \d+ into chain ufw-not-local, which was left out to fit/);
    expect(ipt.unknownReason?.resolve).toMatch(/iptables --list ufw-not-local/);
  });

  it('unknown when a rule it cannot read might drop what the listing otherwise accepts', () => {
    const listing = [
      'Chain INPUT (policy ACCEPT)',
      'num  target     prot opt source               destination         ',
      '1    DROP       tcp  --  anywhere             anywhere             match-set blocked-nodes src tcp dpt:10250',
      '', 'Chain FORWARD (policy ACCEPT)', 'num  target     prot opt source               destination         ',
      '', 'Chain OUTPUT (policy ACCEPT)', 'num  target     prot opt source               destination         ', '',
    ].join('\n');
    const { nodes, views } = cluster({ outputs: { 'iptables --list --line-numbers': listing }, inbound: { '10250/tcp': 'timeout' } });
    const r = decideIptables10250(gather(nodes, views));
    expect(r.status).toBe('unknown');
    expect(r.unknownReason?.why).toMatch(/INPUT rule 1 ".*match-set blocked-nodes.*", which could not be read fully/);
  });

  it('an unreachable node whose iptables accepts 10250 passes, saying it is not the cause', () => {
    const { nodes, views } = cluster({ inbound: { '10250/tcp': 'timeout' } });
    const r = decideIptables10250(gather(nodes, views));
    expect(r.status).toBe('pass');
    expect(r.evidence.some((e) => e.kind === 'probe' && e.resource === N(2))).toBe(true);
    expect(r.evidence.some((e) => /iptables on .* lets TCP 10250 .* through .*not the cause/.test(e.detail))).toBe(true);
  });
});

describe('unknown: a needed read failed', () => {
  it('run-command busy on every agent (409 after retries): both unknown, saying why and what to do', () => {
    const { nodes, views } = cluster({ ufw: UFW_DENY });
    const input = gather(nodes, views, { runCommandError: busyError });
    for (const r of [decideUfw10250(input), decideIptables10250(input)]) {
      expect(r.status).toBe('unknown');
      expect(r.unknownReason?.why).toMatch(/busy \(409 Conflict\)/);
      expect(r.unknownReason?.resolve).toMatch(/wait for the other run-command .* then diagnose again/);
      expect(r.nodes).toEqual([]);
    }
  });

  it('403 on run-command: unknown naming the RBAC action', () => {
    const { nodes, views } = cluster({});
    const r = decideUfw10250(gather(nodes, views, { runCommandError: forbiddenError }));
    expect(r.status).toBe('unknown');
    expect(r.unknownReason?.resolve).toContain('Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action');
  });

  it('one agent busy, the other answered: decided from the one that answered, the other noted', () => {
    const { nodes, views } = cluster({ ufw: UFW_DENY });
    const input = gather(nodes, views, { runCommandError: (n, script) => (n.computerName === N(0) && script === 'probe-kubelet' ? busyError() : undefined) });
    const r = decideUfw10250(input);
    expect(r.status).toBe('fail');
    expect(r.nodes).toEqual([N(2)]);
    expect(r.evidence.some((e) => e.resource === N(0) && /gave no usable answer: another run-command kept/.test(e.detail))).toBe(true);
  });

  it('the firewall of an unreachable node could not be read: unknown with that failure', () => {
    const { nodes, views } = cluster({ ufw: UFW_DENY });
    const input = gather(nodes, views, { runCommandError: (_n, script) => (script === 'host-firewall' ? busyError() : undefined) });
    expect(both(input)).toEqual(['unknown', 'unknown']);
    expect(decideIptables10250(input).unknownReason?.why).toMatch(new RegExp(`kept ${N(2)} busy`));
  });

  it('a probe output with its start cut off counts as no answer', () => {
    const { nodes, views } = cluster({ ufw: UFW_DENY });
    const input = gather(nodes, views, { stdout: (_n, script, out) => (script === 'probe-kubelet' ? out.replace('TD-BEGIN probe-kubelet\n', '') : out) });
    const r = decideUfw10250(input);
    expect(r.status).toBe('unknown');
    expect(r.unknownReason?.why).toMatch(/incomplete output/);
  });

  it('an INPUT chain too long for 4096 bytes is dropped whole: iptables unknown, ufw still decided', () => {
    // 150 DROP rules on other ports in INPUT itself: even the reduced listing is far over 4096 bytes.
    const rules = Array.from({ length: 150 }, (_, k) => dropRule(`tcp dpt:${20000 + k}`));
    const { nodes, views } = cluster({ ufw: UFW_DENY, iptables: { chains: { INPUT: { policy: 'ACCEPT', rules: [...rules, dropRule('tcp dpt:10250')] } } } });
    const input = gather(nodes, views);
    const fw = input.firewalls[0]?.result;
    expect(fw && !('failed' in fw) && fw.complete).toBe(true);
    expect(fw && !('failed' in fw) ? fw.droppedChains : []).toEqual(['INPUT']);
    const ipt = decideIptables10250(input);
    expect(ipt.status).toBe('unknown');
    expect(ipt.unknownReason?.why).toMatch(/did not fit .* INPUT chain was left out/);
    expect(decideUfw10250(input).status).toBe('fail');
  });

  it('an iptables listing cut at 4096 bytes (its head lost): unknown, and says to read it whole', () => {
    const { nodes, views } = cluster({ ufw: UFW_DENY, iptables: { chains: { INPUT: { policy: 'ACCEPT', rules: [dropRule('tcp dpt:10250')] } } } });
    const pad = `${'x'.repeat(100)}\n`.repeat(45);
    const input = gather(nodes, views, { stdout: (_n, script, out) => (script === 'host-firewall' ? out.replace('### iptables --list --line-numbers\n', `### iptables --list --line-numbers\n${pad}`) : out) });
    const fw = input.firewalls[0]?.result;
    expect(fw && !('failed' in fw) && fw.complete).toBe(false);
    const ipt = decideIptables10250(input);
    expect(ipt.status).toBe('unknown');
    expect(ipt.unknownReason?.why).toMatch(/cut off .*4096 bytes/);
    expect(ipt.unknownReason?.resolve).toBe('run `iptables --list --line-numbers` on the node and read it whole');
    expect(decideUfw10250(input).status).toBe('fail');
  });

  it('a ufw status cut at 4096 bytes (ufw-first output) leaves ufw unknown while the iptables listing still decides', () => {
    const many = Array.from({ length: 120 }, (_, k) => ({ to: `${30000 + k}/tcp`, action: 'ALLOW', from: 'Anywhere' }));
    const ufw: UfwState = { enabled: true, defaultIncoming: 'allow', rules: many };
    const { nodes, views } = cluster({ ufw, iptables: { chains: { INPUT: { policy: 'ACCEPT', rules: [dropRule('tcp dpt:10250')] } } } });
    const input = gather(nodes, views, { stdout: ufwFirstOutput });
    expect(decideUfw10250(input).status).toBe('unknown');
    expect(decideUfw10250(input).unknownReason?.why).toMatch(/ufw status of .* was cut off/);
    const ipt = decideIptables10250(input);
    expect(ipt.status).toBe('fail');
    expect(ipt.nodes).toEqual([N(2)]);
  });

  it('fail wins over unknown: one node blocked, another unreadable', () => {
    const nodes = [linux(0), linux(1), linux(2, { ufw: UFW_DENY }), linux(3, { ufw: UFW_DENY })];
    const views = viewsOf(nodes, [N(0), N(1)]);
    const input = gather(nodes, views, { runCommandError: (n, script) => (script === 'host-firewall' && n.computerName === N(3) ? busyError() : undefined) });
    const r = decideUfw10250(input);
    expect(r.status).toBe('fail');
    expect(r.nodes).toEqual([N(2)]);
    expect(r.summary).toMatch(/1 node could not be checked/);
  });
});

describe('Windows and stopped nodes', () => {
  it('only Windows nodes: not-applicable', () => {
    const nodes = [windows(0), windows(1)];
    const views = viewsOf(nodes, [nodes[0]?.computerName as string]);
    const input: HostCheckInput = { nodes: views, probes: [], firewalls: [] };
    expect(both(input)).toEqual(['not-applicable', 'not-applicable']);
  });

  it('Windows nodes beside Linux ones are out of scope, noted, even when they do not answer', () => {
    const win = { ...windows(0), inbound: { '10250/tcp': 'timeout' as const } };
    const { nodes, views } = cluster({}, [win]);
    const input = gather(nodes, views);
    expect(input.firewalls).toEqual([]);
    for (const r of [decideUfw10250(input), decideIptables10250(input)]) {
      expect(r.status).toBe('pass');
      expect(r.evidence.some((e) => /Windows nodes have neither UFW nor iptables.*aksnpwin000000/.test(e.detail))).toBe(true);
      expect(r.evidence.some((e) => e.resource === 'aksnpwin000000' && /timeout from .*Windows node/.test(e.detail))).toBe(true);
    }
  });

  it('a deallocated node is skipped and noted, never affected, even with UFW denying', () => {
    const { nodes, views } = cluster({ ufw: UFW_DENY, powerState: 'deallocated' });
    const input = gather(nodes, views);
    expect(input.probes.every((p) => !('failed' in p.result) && p.result.summary?.open === 2)).toBe(true);
    for (const r of [decideUfw10250(input), decideIptables10250(input)]) {
      expect(r.status).toBe('pass');
      expect(r.nodes).toEqual([]);
      expect(r.evidence.some((e) => e.resource === N(2) && /deallocated: skipped/.test(e.detail))).toBe(true);
    }
  });

  it('no nodes at all: unknown, not "not-applicable"', () => {
    const r = decideIptables10250({ nodes: [], probes: [], firewalls: [] });
    expect(r.status).toBe('unknown');
    expect(r.unknownReason?.resolve).toMatch(/virtualMachineScaleSets\/read/);
  });

  it('every Linux node stopped: unknown, nothing could be probed', () => {
    const nodes = [linux(0, { powerState: 'stopped' }), linux(1, { powerState: 'deallocated' })];
    const input = gather(nodes, viewsOf(nodes, []));
    const r = decideUfw10250(input);
    expect(r.status).toBe('unknown');
    expect(r.unknownReason?.resolve).toMatch(/start/);
  });

  it('every node reached: pass without reading any firewall', () => {
    const { nodes, views } = cluster({});
    const input = gather(nodes, views);
    expect(input.firewalls).toEqual([]);
    const r = decideUfw10250(input);
    expect(r.status).toBe('pass');
    expect(r.summary).toMatch(/Every running Linux node \(3\) answers on TCP 10250/);
  });
});
