/**
 * kubelet-reachability: the probe is the ground truth. For every running node, what the tunnel
 * agents' TCP probe to 10250 got (`open`, `timeout`, `refused`, `not-https`, `error`). A node that
 * does not answer is either explained by another failing check (nsg-10250, ufw-10250,
 * iptables-10250 naming that node) or this check fails for it — naming the cause the further reads
 * found (a route to an appliance, an nftables rule, a legacy iptables table, the kubelet down or
 * not listening, something else answering in plain HTTP) or saying that none of the known causes
 * explains it and what to read next. So a report never says "healthy" while a kubelet does not
 * answer (docs/checks.md).
 *
 * Pure: decided from the probe plan's results, the network view and the other checks' outcomes.
 */
import type { FirewallRun, ProbeRun, WindowsFirewallRun } from '../probe-plan.js';
import { windowsFirewallVerdict } from '../host/windows-firewall.js';
import type { CheckId, CheckStatus, Evidence } from '../report.js';
import { KUBELET_PORT } from '../node-scripts.js';
import {
  LEGACY_WARNING,
  NODE_INTERFACE,
  nftVerdict,
  parseKubeletRead,
  parseNftRuleset,
  specBlock,
  type KubeletRead,
} from '../host/node-reads.js';
import { legText, legsThroughAppliance } from '../routes/agent-node-path.js';
import { ufwVerdict } from '../host/ufw.js';
import type { CheckOutcome, NetworkView, NodeView } from './views.js';

/** The checks whose failing `nodes` are nodes the tunnel cannot reach on 10250. */
export const EXPLAINING_CHECKS: readonly CheckId[] = ['nsg-10250', 'ufw-10250', 'iptables-10250'];

export interface OtherCheck {
  id: CheckId;
  status: CheckStatus;
  nodes: string[];
}

export interface ReachabilityInput {
  nodes: NodeView[];
  probes: ProbeRun[];
  firewalls: FirewallRun[];
  /** Windows firewall reads of the Windows nodes that did not answer. */
  windowsFirewalls?: WindowsFirewallRun[];
  network?: Pick<NetworkView, 'subnets' | 'routeTables' | 'virtualNetworkPrefixes'>;
  /** The other checks' verdicts (only the EXPLAINING_CHECKS are used). */
  others: OtherCheck[];
}

type Outcome = 'open' | 'timeout' | 'refused' | 'error' | 'not-https';

interface Reach {
  node: NodeView;
  /** agent computer name → outcome (and the probe's own words). */
  outcomes: Array<{ agent: NodeView | { computerName: string; privateIp?: string }; outcome: Outcome; reason?: string }>;
}

/** A node that does not answer and no other check explains: what the further reads say. */
interface Finding {
  node: string;
  /** Named cause, or undefined when none of the known causes explains it. */
  cause?: string;
  readNext?: string;
  evidence: Evidence[];
}

const PORT = `TCP ${KUBELET_PORT}`;
const isRunning = (n: NodeView) => n.powerState.toLowerCase() === 'running';
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

function readReach(nodes: NodeView[], probes: ProbeRun[]): { reach: Map<string, Reach>; failed: string[]; usable: number } {
  const byIp = new Map(nodes.filter((n) => isRunning(n) && n.privateIp).map((n) => [n.privateIp as string, n]));
  const reach = new Map<string, Reach>([...byIp.values()].map((n) => [n.computerName, { node: n, outcomes: [] }]));
  const failed: string[] = [];
  let usable = 0;
  for (const run of probes) {
    if ('failed' in run.result) { failed.push(`${run.agent}: ${run.result.failed.why}`); continue; }
    if (!run.result.complete || !run.result.byTarget) { failed.push(`${run.agent}: the probe output was incomplete`); continue; }
    usable++;
    const agent = nodes.find((n) => n.computerName === run.agent) ?? { computerName: run.agent, privateIp: run.sourceIp };
    const reasons = new Map(run.result.failures.map((f) => [f.ip, f.reason]));
    for (const [ip, outcome] of Object.entries(run.result.byTarget)) {
      const node = byIp.get(ip);
      const r = node ? reach.get(node.computerName) : undefined;
      if (!r) continue;
      const reason = reasons.get(ip);
      r.outcomes.push({ agent, outcome, ...(reason ? { reason } : {}) });
    }
  }
  return { reach, failed, usable };
}

function probeEvidence(r: Reach): Evidence {
  const parts = r.outcomes.map((o) => `${o.outcome}${o.reason ? ` (${o.reason})` : ''} from ${o.agent.computerName}`);
  return { kind: 'probe', resource: r.node.computerName, detail: `${PORT} to ${r.node.computerName} (${r.node.privateIp}): ${parts.join(', ')}` };
}

const WINDOWS_READ_NEXT =
  "on the node (RunPowerShellScript): Get-NetFirewallPortFilter -Protocol TCP | Where-Object LocalPort -eq 10250 | Get-NetFirewallRule, or netsh advfirewall firewall show rule name=all; and Get-Service kubelet";
const LINUX_READ_NEXT =
  "on the node: systemctl status kubelet; ss -ltnp 'sport = :10250'; nft list ruleset; iptables-save and iptables-legacy-save; and from an agent node: curl -vk https://<node IP>:10250/healthz; and the effective routes of both NICs (az network nic show-effective-route-table)";

function kubeletText(k: KubeletRead): string {
  const who = k.listeners.length > 0 ? `listening on 10250: ${k.listeners.join(', ')}` : k.nothingListens ? 'nothing listens on 10250' : 'listeners not read';
  return `systemctl is-active kubelet: ${k.active ?? 'not read'}; ${who}`;
}

/**
 * The cause of one unexplained node: what the reads on the node show first; when nothing there
 * explains a timeout, a route that sends agent ↔ node traffic to an appliance (or None).
 */
function explainNode(r: Reach, fw: FirewallRun | undefined, input: ReachabilityInput): Finding {
  const failing = r.outcomes.filter((o) => o.outcome !== 'open');
  const legs = input.network
    ? failing.filter((o) => o.outcome === 'timeout' && 'vmssId' in o.agent).flatMap((o) => legsThroughAppliance(input.network!, o.agent as NodeView, r.node))
    : [];
  const onNode = r.node.osType === 'Windows' ? explainWindows(r, input, [probeEvidence(r)]) : explainOnNode(r, fw);
  const routeEvidence: Evidence[] = legs.map((l) => ({ kind: 'route', resource: l.tableId, detail: legText(l) }));
  const first = legs[0];
  if (onNode.cause || !first) return { ...onNode, evidence: [...onNode.evidence, ...routeEvidence] };
  return {
    node: onNode.node,
    evidence: [...onNode.evidence, ...routeEvidence],
    cause: `route table ${first.tableName} sends traffic between the tunnel agents and ${onNode.node} to ${/none/i.test(first.hop.nextHopType) ? 'next hop None' : `the appliance ${first.hop.nextHopIpAddress ?? ''}`.trim()} (route ${first.hop.routeName ?? '?'}, ${first.hop.prefix}); nothing read on the node stops ${PORT}, so the timeout is most likely the appliance's (its rules are outside Azure's view)`,
    readNext: `allow ${PORT} between the node subnets on the appliance, or add a route for the node subnets with next hop VirtualNetwork (VnetLocal) to ${first.tableName}`,
  };
}

/** What the host-firewall reads on a Linux node say about why it does not answer. */
function explainOnNode(r: Reach, fw: FirewallRun | undefined): Finding {
  const name = r.node.computerName;
  const evidence: Evidence[] = [probeEvidence(r)];
  const failing = r.outcomes.filter((o) => o.outcome !== 'open');
  const outcomes = new Set(failing.map((o) => o.outcome));

  if (!fw || 'failed' in fw.result) {
    const why = fw && 'failed' in fw.result ? fw.result.failed.why : 'the node was not read';
    evidence.push({ kind: 'note', resource: name, detail: `The further reads on ${name} did not run: ${why}.` });
    return { node: name, evidence, readNext: LINUX_READ_NEXT };
  }
  const reads = fw.result.reads;
  if (!reads) {
    evidence.push({ kind: 'note', resource: name, detail: `The host-firewall output of ${name} has no kubelet / nft / iptables -S section.` });
    return { node: name, evidence, readNext: LINUX_READ_NEXT };
  }
  if (!reads.complete) evidence.push({ kind: 'note', resource: name, detail: `The further reads on ${name} were cut to fit run-command's 4096-byte output.` });
  const kubelet = parseKubeletRead(reads.kubelet ?? '');
  evidence.push({ kind: 'kubelet', resource: name, detail: `${name}: ${kubeletText(kubelet)}` });

  if (outcomes.has('not-https')) {
    const code = failing.find((o) => o.outcome === 'not-https')?.reason ?? 'a plain-HTTP answer';
    const who = kubelet.listeners.filter((l) => l !== 'kubelet');
    return {
      node: name, evidence,
      cause: `something other than the kubelet answers on ${PORT} of ${name}: TLS fails and plain HTTP answers (${code})${who.length ? `; listening: ${who.join(', ')}` : ''} — the API server sees "http: server gave HTTP response to HTTPS client"`,
      readNext: `stop whatever listens on 10250 on ${name} (ss -ltnp 'sport = :10250'), then systemctl restart kubelet`,
    };
  }

  // Timeouts and refusals that ufw and iptables --list did not explain: nftables tables outside
  // iptables' view, and the legacy tables iptables-nft warns about.
  const nft = parseNftRuleset(reads.nft ?? '');
  const spec = (reads.iptablesSpec ?? '').split('\n');
  const legacy = (reads.iptablesLegacySpec ?? '').split('\n');
  for (const o of failing) {
    if (o.outcome !== 'timeout' && o.outcome !== 'refused') continue;
    const flow = { sourceIp: o.agent.privateIp ?? '', port: KUBELET_PORT, iif: NODE_INTERFACE };
    const v = nftVerdict(nft, flow);
    if (v.outcome !== 'accept') {
      evidence.push({ kind: 'nft-rule', resource: name, detail: `nft list ruleset on ${name}: ${v.where}${v.rule ? ` "${v.rule}"` : ''} ${v.outcome === 'drop' ? 'drops' : 'rejects'} ${PORT} from ${o.agent.computerName}` });
      return {
        node: name, evidence,
        cause: `an nftables rule outside iptables' view ${v.outcome === 'drop' ? 'drops' : 'rejects'} ${PORT} on ${name}: ${v.where}${v.rule ? ` "${v.rule}"` : ''}`,
        readNext: `remove the rule (nft -a list chain … ; nft delete rule … handle N) or whatever loads it at boot (/etc/nftables.conf)`,
      };
    }
    for (const d of v.doubts) evidence.push({ kind: 'note', resource: name, detail: `nft: ${d} could not be read fully and may match ${PORT}.` });
    if (spec.some((l) => l.includes(LEGACY_WARNING))) {
      const block = specBlock(legacy, flow);
      evidence.push({ kind: 'iptables', resource: name, detail: `iptables on ${name} warns "${LEGACY_WARNING}": the legacy tables were read (iptables-legacy -S)${block ? `: "${block.rule}"` : ', nothing there stops 10250 in INPUT'}.` });
      if (block) {
        return {
          node: name, evidence,
          cause: `a rule in the iptables-legacy tables, which iptables --list does not show, ${block.outcome === 'drop' ? 'drops' : 'rejects'} ${PORT} on ${name}: "${block.rule}"`,
          readNext: `delete it with iptables-legacy (iptables-legacy -D ${block.rule.slice(3)}) and remove what restores it at boot`,
        };
      }
    }
  }

  const ufw = fw.result.ufw && fw.result.ufwComplete && fw.result.ufw.active ? fw.result.ufw : undefined;
  const limited = ufw && failing.map((o) => ufwVerdict(ufw, { sourceIp: o.agent.privateIp ?? '', port: KUBELET_PORT, protocol: 'tcp', interface: NODE_INTERFACE, ...(r.node.privateIp ? { destinationIp: r.node.privateIp } : {}) }).rule)
    .find((rule) => rule && ufw.rules[rule.index]?.action.startsWith('LIMIT'));
  if (limited && (outcomes.has('refused') || outcomes.has('timeout'))) {
    return {
      node: name, evidence,
      cause: `UFW rule "${limited.text.replace(/\s+/g, ' ').trim()}" on ${name} is LIMIT: ufw refuses an address's 6th connection within 30 s, and the tunnel's connections all come from the agents' addresses (see ufw-10250)`,
      readNext: `replace the LIMIT with an ALLOW for the node subnets (ufw delete limit 10250/tcp; ufw allow from <node subnet> to any port 10250 proto tcp)`,
    };
  }

  if (outcomes.has('refused')) {
    if (kubelet.active !== undefined && kubelet.active !== 'active') {
      return { node: name, evidence, cause: `the kubelet is not running on ${name} (systemctl is-active kubelet: ${kubelet.active}), so nothing listens on 10250 and the connection is refused`, readNext: `journalctl -u kubelet on ${name}; systemctl restart kubelet, or reimage the node` };
    }
    if (kubelet.nothingListens) {
      return { node: name, evidence, cause: `the kubelet runs on ${name} but nothing listens on 10250 (ss shows no socket), so the connection is refused`, readNext: `journalctl -u kubelet on ${name} (its --port / serving certificate); systemctl restart kubelet` };
    }
    if (kubelet.listeners.includes('kubelet')) {
      return { node: name, evidence, readNext: `the kubelet listens on 10250, so something REJECTs the connection outside ufw, iptables and nft as read: ${LINUX_READ_NEXT}` };
    }
  }
  return { node: name, evidence, readNext: LINUX_READ_NEXT };
}

/** A Windows node: its firewall (Block rules beat Allow rules; else the profile default) and kubelet service. */
function explainWindows(r: Reach, input: ReachabilityInput, evidence: Evidence[]): Finding {
  const name = r.node.computerName;
  const run = input.windowsFirewalls?.find((w) => w.node.toLowerCase() === name.toLowerCase());
  if (!run || 'failed' in run.result) {
    const why = run && 'failed' in run.result ? `the Windows firewall read failed: ${run.result.failed.why}` : 'the Windows firewall is not read yet';
    return { node: name, evidence, readNext: `${why}: ${WINDOWS_READ_NEXT}` };
  }
  const read = run.result;
  if (!read.complete) return { node: name, evidence, readNext: `the Windows firewall output was incomplete: ${WINDOWS_READ_NEXT}` };
  evidence.push({ kind: 'windows-firewall', resource: name, detail: `${name}: profiles ${read.profiles.map((p) => `${p.name} ${p.enabled ? 'on' : 'off'} (inbound ${p.inbound})`).join(', ')}; ${read.rules.length} inbound rule(s) cover TCP 10250; kubelet service ${read.service ?? 'not read'}` });
  const failing = r.outcomes.filter((o) => o.outcome === 'timeout' || o.outcome === 'refused');
  for (const o of failing) {
    const v = windowsFirewallVerdict(read, o.agent.privateIp ?? '');
    if (v.outcome === 'block') {
      return { node: name, evidence, cause: `the Windows firewall on ${name} blocks ${PORT} from ${o.agent.computerName}: ${v.reason}`, readNext: `allow TCP 10250 from the node subnets (New-NetFirewallRule -Direction Inbound -Protocol TCP -LocalPort 10250 -RemoteAddress <node subnet> -Action Allow), and remove the block rule if one decides` };
    }
  }
  if (read.service !== undefined && read.service !== 'Running') {
    return { node: name, evidence, cause: `the kubelet service on ${name} is ${read.service}, so nothing answers on 10250`, readNext: `Start-Service kubelet on ${name}, or reimage the node` };
  }
  if (read.elided > 0) evidence.push({ kind: 'note', resource: name, detail: `${read.elided} more firewall rules covering 10250 were not listed.` });
  return { node: name, evidence, readNext: `the Windows firewall and the kubelet service let it through as read: Get-NetFirewallRule -PolicyStore ActiveStore (group policy too), Get-NetTCPConnection -LocalPort 10250 on ${name}` };
}

function nodesText(nodes: string[]): string {
  return nodes.length <= 3 ? nodes.join(', ') : `${nodes.slice(0, 3).join(', ')} and ${nodes.length - 3} more`;
}

export function decideKubeletReachability(input: ReachabilityInput): CheckOutcome {
  const running = input.nodes.filter((n) => isRunning(n) && n.privateIp);
  if (input.nodes.length === 0 || running.length === 0) {
    const why = input.nodes.length === 0 ? "no nodes were found in the cluster's scale sets" : 'no node is running, so none can answer';
    return { status: 'unknown', summary: `Cannot tell whether the kubelets answer on ${PORT}: ${why}`, nodes: [], evidence: [], fixes: [], unknownReason: { why, resolve: 'start the node pools (az aks nodepool start), then diagnose again' } };
  }
  const { reach, failed, usable } = readReach(input.nodes, input.probes);
  const notes: Evidence[] = failed.map((f) => ({ kind: 'note', detail: `A kubelet probe gave no usable answer: ${f}.` }));
  const unprobed = [...reach.values()].filter((r) => r.outcomes.length === 0).map((r) => r.node.computerName);
  const unreachable = [...reach.values()].filter((r) => r.outcomes.some((o) => o.outcome !== 'open')).sort((a, b) => a.node.computerName.localeCompare(b.node.computerName));

  const explainedBy = new Map<string, CheckId[]>();
  for (const c of input.others) {
    if (c.status !== 'fail' || !EXPLAINING_CHECKS.includes(c.id)) continue;
    for (const n of c.nodes) explainedBy.set(n, [...(explainedBy.get(n) ?? []), c.id]);
  }
  const explained = unreachable.filter((r) => explainedBy.has(r.node.computerName));
  const open = unreachable.filter((r) => !explainedBy.has(r.node.computerName));
  const explainedEvidence: Evidence[] = explained.map((r) => ({ ...probeEvidence(r), detail: `${probeEvidence(r).detail}: explained by ${sorted(explainedBy.get(r.node.computerName) ?? []).join(', ')}` }));

  if (open.length > 0) {
    const findings = open.map((r) => explainNode(r, input.firewalls.find((f) => f.node.toLowerCase() === r.node.computerName.toLowerCase()), input));
    const named = findings.filter((f) => f.cause);
    const unexplained = findings.filter((f) => !f.cause);
    const parts: string[] = [];
    // The unexplained ones lead: nothing else in the report points at them.
    if (unexplained.length > 0) {
      const first = unexplained[0]!;
      parts.push(
        `${nodesText(unexplained.map((f) => f.node))} ${unexplained.length === 1 ? 'does' : 'do'} not answer on ${PORT} from the tunnel agents and none of the known causes explains it — read next: ${first.readNext ?? LINUX_READ_NEXT}`,
      );
    }
    for (const f of named) parts.push(`${f.node} does not answer on ${PORT}: ${f.cause}`);
    const readNext = findings.filter((f) => f.cause && f.readNext).map((f) => ({ kind: 'next-step', resource: f.node, detail: `${f.node}: ${f.readNext}` }));
    return {
      status: 'fail',
      summary: parts.join('; '),
      nodes: sorted(open.map((r) => r.node.computerName)),
      evidence: [...findings.flatMap((f) => f.evidence), ...readNext, ...explainedEvidence, ...notes],
      fixes: [],
    };
  }
  if (usable === 0 || unprobed.length > 0) {
    const why = usable === 0 ? (failed.length > 0 ? failed.join('; ') : 'no kubelet probe ran') : `no probe covered ${nodesText(sorted(unprobed))}`;
    return { status: 'unknown', summary: `Cannot tell whether every kubelet answers on ${PORT}: ${why}`, nodes: [], evidence: [...explainedEvidence, ...notes], fixes: [], unknownReason: { why, resolve: 'diagnose again once run-command works on the tunnel-agent nodes' } };
  }
  const summary =
    explained.length === 0
      ? `Every running node (${running.length}) answers on ${PORT} from the tunnel agents`
      : `${nodesText(explained.map((r) => r.node.computerName))} ${explained.length === 1 ? 'does' : 'do'} not answer on ${PORT}, explained by ${sorted(explained.flatMap((r) => explainedBy.get(r.node.computerName) ?? [])).join(', ')}; every other running node answers`;
  return { status: 'pass', summary, nodes: [], evidence: [...explainedEvidence, ...notes], fixes: [] };
}
