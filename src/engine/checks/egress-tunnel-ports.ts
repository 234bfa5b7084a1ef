/**
 * egress-tunnel-ports: can the tunnel agents reach the API server on the tunnel's egress port?
 * (docs/checks.md; the troubleshooting article's cause 4, "Egress port 1194 or 9000 isn't opened":
 * tunnel-front needs TCP 9000, aks-link UDP 1194, and konnectivity relies on TCP 443.)
 *
 * Decided from three things: the outbound NSG rules on each agent node's path (NIC, then subnet),
 * the route its subnet uses towards the API server (a 0.0.0.0/0 to a VirtualAppliance means a
 * firewall we cannot read sits in the way), and the probe the lead runs from each agent node to the
 * API server — the ground truth for TCP. A UDP probe can only prove a negative (an ICMP
 * port-unreachable answer), never that 1194 is open.
 *
 * Pure: no I/O.
 */
import { withTunnelRestart } from '../fixes/plan-steps.js';
import { tunnelEgressPort } from '../kube-pods.js';
import { isNonPublicIpv4, tryParseIpv4 } from '../nsg/ipv4.js';
import type { Evidence, FixProposal, TunnelKind } from '../report.js';
import { dedupeUnreadable, isRunning, lastSegment, plural, sortedUnique, subnetPrefixesOf, tagContextOf } from '../nsg/node-path.js';
import { planNsgOpening } from '../nsg/plan-opening.js';
import { describeRule, ruleOf, ruleResourceId } from '../nsg/rule-text.js';
import { hopText, readEgressRoutes, readOutboundNsgs, type SubnetRoute } from './egress-paths.js';
import { key, type CheckOutcome, type NetworkView, type NodeView, type TunnelView } from './views.js';

export type EgressProbeOutcome = 'open' | 'timeout' | 'refused' | 'unverifiable-udp' | 'not-run';

export interface EgressProbe {
  /** Computer name of the node the probe ran on. */
  node: string;
  outcome: EgressProbeOutcome;
  detail?: string;
  /** For a probe that could not run: what would let it run (e.g. a node that never returns results). */
  resolve?: string;
}

export interface EgressTunnelPortsInput {
  tunnel: TunnelView;
  nodes: NodeView[];
  network: NetworkView;
  probes: EgressProbe[];
  /** The API server's IP, when resolved; otherwise a representative public Azure address is used. */
  apiServerIp?: string;
}

/** A public Azure address standing in for the API server when its IP is unknown (20.0.0.0/8 is
 * Microsoft's); only ever used for NSG and route evaluation, never probed. */
export const REPRESENTATIVE_API_SERVER_IP = '20.0.0.1';

export const POD_READ_RESOLVE =
  "Give the bot's identity Microsoft.ContainerService/managedClusters/runcommand/action on the cluster (AKS command invoke, e.g. through the \"Azure Kubernetes Service Cluster User Role\") and Kubernetes read access to kube-system pods, then diagnose again.";

const AGENT_NAME: Record<string, string> = { konnectivity: 'konnectivity-agent', 'tunnel-front': 'tunnelfront', 'aks-link': 'aks-link' };
const APPLIANCE_HOPS = new Set(['virtualappliance', 'virtualnetworkgateway']);
/** "the tunnel-agent node", "both tunnel-agent nodes", "all 3 …", "2 of 3 …". */
const countOf = (k: number, n: number, word: string) =>
  k === n ? (n === 1 ? `the ${word}` : n === 2 ? `both ${word}s` : `all ${n} ${word}s`) : `${k} of ${plural(n, word)}`;

export function decideEgressTunnelPorts(input: EgressTunnelPortsInput): CheckOutcome {
  const { tunnel, nodes, network, probes } = input;
  const vnet = tunnel.vnetIntegration;
  if (tunnel.kind === 'none' && !vnet) {
    return {
      status: 'not-applicable',
      summary: 'No tunnel agent pods (konnectivity-agent, tunnelfront or aks-link) in kube-system, so there is no tunnel egress port to check',
      nodes: [],
      evidence: [{ kind: 'note', detail: 'Tunnel kind none: see tunnel-agent-health for the missing agents.' }],
      fixes: [],
    };
  }
  // VNet integration: no tunnel, but the nodes still need TCP 443 to the API server's internal address.
  const egress = vnet ? ({ port: 443, protocol: 'tcp' } as const) : tunnelEgressPort(tunnel.kind);
  if (!vnet && (tunnel.kind === 'unknown' || !egress)) {
    const why = tunnel.unknownReason
      ? `${tunnel.unknownReason.why}; the tunnel kind (and its egress port) is unknown`
      : 'the kube-system pods could not be listed, so the tunnel kind (and its egress port) is unknown';
    return {
      status: 'unknown',
      summary: `Cannot check the tunnel's egress port: ${why}`,
      nodes: [],
      evidence: [],
      fixes: [],
      unknownReason: { why, resolve: tunnel.unknownReason?.resolve ?? POD_READ_RESOLVE },
    };
  }
  if (!egress) throw new Error('unreachable: an egress port is known here');
  const kind = tunnel.kind as Exclude<TunnelKind, 'none' | 'unknown'>;
  const protocol = egress.protocol === 'tcp' ? 'Tcp' : 'Udp';
  const portText = `${egress.protocol.toUpperCase()} ${egress.port}`;
  const agentName = vnet ? 'node-to-API-server' : AGENT_NAME[kind] ?? kind;
  const evidence: Evidence[] = [];

  // Sources: the running agent nodes (where the tunnel client runs); every running node otherwise.
  const running = nodes.filter(isRunning);
  const agents = running.filter((n) => n.isTunnelAgent);
  const sourcesAreAgents = agents.length > 0 && !vnet;
  const sources = sourcesAreAgents ? agents : running;
  if (vnet) {
    evidence.push({
      kind: 'note',
      detail: `API Server VNet Integration: no tunnel; every running node talks to the API server at its internal address (${vnet.note}), so that path is checked, not a public one.`,
    });
  } else if (!sourcesAreAgents) {
    evidence.push({
      kind: 'note',
      detail: `No running node carries a ${agentName} pod, so the egress path of every running node was evaluated (see tunnel-agent-health for the agents).`,
    });
  }
  const sourceWord = sourcesAreAgents ? 'tunnel-agent node' : 'running node';

  const apiIpValid = input.apiServerIp !== undefined && tryParseIpv4(input.apiServerIp) !== undefined;
  const destinationIp = apiIpValid ? (input.apiServerIp as string) : REPRESENTATIVE_API_SERVER_IP;
  const apiIsPrivate = apiIpValid && isNonPublicIpv4(tryParseIpv4(destinationIp) as number);
  const apiText = vnet ? `the API server's internal address${apiIpValid ? '' : ' (not known)'}` : tunnel.apiServerFqdn ? `the API server ${tunnel.apiServerFqdn}` : 'the API server';
  if (!apiIpValid && vnet) {
    // A public stand-in would be the wrong destination: a VNet-integrated API server has none.
    const why = `the API server's internal address is not known (${vnet.note})`;
    return {
      status: 'unknown',
      summary: `Cannot check TCP 443 from the nodes to the API server (API Server VNet Integration): ${why}`,
      nodes: [],
      evidence,
      fixes: [],
      unknownReason: { why, resolve: "Grant the bot's identity Microsoft.Network/loadBalancers/read on the node resource group (the Reader role has it), then diagnose again." },
    };
  }
  if (!apiIpValid) {
    evidence.push({
      kind: 'note',
      detail: `The API server's IP address is not known: NSG rules and routes were evaluated for ${REPRESENTATIVE_API_SERVER_IP}, a public Azure address standing in for it.`,
    });
  }

  // 1. Outbound NSG rules on each source's path.
  const { denyGroups, nsgDenied, unreadable, allowTexts, paths } = readOutboundNsgs({ sources, nodes, network, protocol, destinationIp, port: egress.port }, evidence);
  // 2. The route each source subnet uses towards the API server.
  const routes = readEgressRoutes(sources, paths, network, destinationIp, evidence);
  const appliances = [...routes.values()].filter((r) => APPLIANCE_HOPS.has(r.hop.nextHopType.toLowerCase()));
  const blackholes = [...routes.values()].filter((r) => r.hop.nextHopType.toLowerCase() === 'none');
  const applianceOf = (node: string) => appliances.find((r) => r.nodes.includes(node));
  for (const route of routes.values()) {
    evidence.push({
      kind: 'route',
      resource: route.routeTable?.id ?? route.subnet.id,
      detail: `Subnet ${route.subnet.name}: traffic to ${destinationIp} goes to ${hopText(route)}${route.hop.isUserDefined ? '' : ' (system route)'}.`,
    });
  }

  // 3. The probes.
  const sourceNames = new Set(sources.map((s) => s.computerName.toLowerCase()));
  const relevant = probes.filter((p) => sourceNames.has(p.node.toLowerCase()));
  const probesUsed = relevant.length > 0 ? relevant : probes;
  const byOutcome = (outcome: EgressProbeOutcome) => probesUsed.filter((p) => p.outcome === outcome);
  const ran = probesUsed.filter((p) => p.outcome !== 'not-run');
  for (const probe of probesUsed) {
    evidence.push({
      kind: 'probe',
      resource: probe.node,
      detail: `${portText} to ${apiText}${apiIpValid ? ` (${destinationIp})` : ''}: ${probe.outcome}${probe.detail ? ` — ${probe.detail}` : ''}.`,
    });
  }
  const openNodes = new Set(byOutcome('open').map((p) => p.node));

  // Verdicts per node. An NSG deny the probe contradicts (it got through) is only a warning: the
  // evaluation may rest on an assumed service-tag range or a stand-in API address.
  const failNodes = new Set<string>();
  const warnNodes = new Set<string>();
  const failReasons: string[] = [];
  const warnReasons: string[] = [];

  const timeoutNodes = new Set(byOutcome('timeout').map((p) => p.node));
  const denies = [...denyGroups.values()].sort((a, b) => b.nodes.size - a.nodes.size || a.verdict.priority - b.verdict.priority);
  for (const group of denies) {
    const nsgName = group.nsg.name ?? lastSegment(group.nsg.id);
    const contradicted = [...group.nodes].filter((n) => openNodes.has(n));
    const confirmed = [...group.nodes].filter((n) => !openNodes.has(n));
    const where = group.verdict.level === 'subnet' ? `out of subnet ${[...group.subnets].sort().join(', ')}` : 'at the NIC';
    const text = `NSG ${nsgName} rule ${group.verdict.ruleName} (priority ${group.verdict.priority}) denies ${portText} ${where} to ${apiText} (${agentName} egress)`;
    if (confirmed.length > 0) {
      const timedOut = confirmed.every((n) => timeoutNodes.has(n)) ? '; the probe timed out there too' : '';
      failReasons.push(`${text} (${confirmed.length} of ${plural(sources.length, sourceWord)}${timedOut})`);
      confirmed.forEach((n) => failNodes.add(n));
    }
    if (contradicted.length > 0) {
      warnReasons.push(`${text}, yet the probe got through from ${contradicted.sort().join(', ')}: check the rule's destination`);
      contradicted.forEach((n) => warnNodes.add(n));
    }
  }
  for (const route of blackholes) {
    failReasons.push(`subnet ${route.subnet.name} routes ${destinationIp} to None (${hopText(route)}): the traffic is dropped`);
    route.nodes.forEach((n) => failNodes.add(n));
  }
  // Timeouts an NSG deny already explains are part of that reason, not a second one.
  const timeouts = byOutcome('timeout').filter((p) => !failNodes.has(p.node));
  if (timeouts.length > 0) {
    const viaAppliance = timeouts.map((p) => applianceOf(p.node)).find(Boolean);
    failReasons.push(
      viaAppliance
        ? `egress goes through appliance ${viaAppliance.hop.nextHopIpAddress ?? hopText(viaAppliance)} which appears to drop ${portText}: the probe to ${apiText} timed out from ${timeouts.length} of ${plural(sources.length, sourceWord)}`
        : `${portText} to ${apiText} timed out from ${timeouts.length} of ${plural(sources.length, sourceWord)} (${agentName} egress)`,
    );
    timeouts.forEach((p) => failNodes.add(p.node));
  }
  const refused = byOutcome('refused');
  if (refused.length > 0) {
    failReasons.push(
      `${portText} to ${apiText} was refused from ${refused.length} of ${plural(sources.length, sourceWord)}: something answers but refuses the connection (a firewall sending resets, or a proxy in the way)`,
    );
    refused.forEach((p) => failNodes.add(p.node));
  }
  const udp = byOutcome('unverifiable-udp');
  if (udp.length > 0) {
    warnReasons.push(
      `${agentName} uses UDP ${egress.port}: the probe can only prove that nothing answered with ICMP port-unreachable, not that ${egress.port} is open (${plural(udp.length, sourceWord)})`,
    );
    udp.forEach((p) => warnNodes.add(p.node));
  }
  const openBehindAppliance = [...openNodes].filter((n) => applianceOf(n));
  if (openBehindAppliance.length > 0) {
    const route = applianceOf(openBehindAppliance[0] as string) as SubnetRoute;
    warnReasons.push(
      `egress goes through ${hopText(route)}; ${portText} gets through today, but the appliance's rules decide it and we cannot read them`,
    );
    openBehindAppliance.forEach((n) => warnNodes.add(n));
  }

  // Fixes: an outbound allow for each NSG deny; a firewall rule (manual) for an appliance in the way.
  const fixes: FixProposal[] = [];
  const fixNotes: Evidence[] = [];
  const ctxNodes = running.filter((n) => n.privateIp);
  // Agents can be rescheduled onto any node, so the rule covers every node subnet.
  const sourcePrefixes = subnetPrefixesOf(ctxNodes.length > 0 ? ctxNodes : sources, network);
  // A public API server is in AzureCloud; a private one (private endpoint / VNet integration) is
  // a VNet address, which the service tag does not cover.
  const destinationPrefix = apiIsPrivate ? `${destinationIp}/32` : 'AzureCloud';
  const plannedNsgs = new Set<string>();
  for (const group of denies) {
    if (![...group.nodes].some((n) => failNodes.has(n))) continue;
    if (plannedNsgs.has(key(group.nsg.id))) continue;
    plannedNsgs.add(key(group.nsg.id));
    const flows = denies.filter((g) => key(g.nsg.id) === key(group.nsg.id)).flatMap((g) => g.flows);
    const plan = planNsgOpening({
      nsg: group.nsg,
      direction: 'Outbound',
      level: group.verdict.level,
      flows,
      ctx: tagContextOf(network, nodes),
      spec: {
        checkId: 'egress-tunnel-ports',
        protocol,
        port: egress.port,
        ruleName: `AllowTunnelEgress${protocol}${egress.port}`,
        description: `Tunnel Doctor: allow ${portText} to the AKS API server (${agentName} tunnel egress)`,
        sourcePrefixes: sourcePrefixes.length > 0 ? sourcePrefixes : ['VirtualNetwork'],
        destinationPrefixes: [destinationPrefix],
        allowKind: 'nsg-allow-egress',
        trafficText: `${portText} from the node subnets to ${destinationPrefix}`,
      },
    });
    for (const fix of plan.fixes) {
      if (!apiIsPrivate && fix.kind === 'nsg-allow-egress') {
        fix.warnings = [
          ...(fix.warnings ?? []),
          `AzureCloud covers every Azure region; AKS's required egress rules allow the narrower AzureCloud.<region> tag for the API server, which you may use instead.`,
        ];
      }
      // The agents stay in crash back-off after their egress opens: the approved plan restarts them.
      fixes.push(withTunnelRestart(fix, agentName));
    }
    for (const hidden of plan.hidden) {
      fixNotes.push({
        kind: 'nsg-rule',
        resource: ruleResourceId(group.nsg, hidden.rule, hidden.isDefault),
        detail: `Behind the first deny, rule ${hidden.rule.name} (${describeRule(hidden.rule)}) would deny ${portText} too; the fixes cover it.`,
      });
    }
    if (plan.unresolved) fixNotes.push({ kind: 'note', detail: `No automatic fix: ${plan.unresolved}.` });
  }
  const applianceTrouble = appliances.filter((r) => r.nodes.some((n) => failNodes.has(n) || byOutcome('unverifiable-udp').some((p) => p.node === n)));
  for (const route of applianceTrouble) {
    const subnetPrefixes = route.subnet.addressPrefixes.join(', ') || route.subnet.name;
    const to = tunnel.apiServerFqdn ?? (apiIpValid ? destinationIp : 'the API server (AzureCloud.<region>)');
    fixes.push({
      id: `egress-tunnel-ports:appliance:${route.subnet.name}`,
      kind: 'manual',
      title: `On the appliance at ${route.hop.nextHopIpAddress ?? route.hop.nextHopType}, allow ${portText} from subnet ${route.subnet.name} to the API server`,
      target: route.routeTable?.id ?? route.subnet.id,
      change: `allow ${portText} from ${subnetPrefixes} to ${to}`,
      risk: 'medium',
      needsApproval: false,
      warnings: [
        `Subnet ${route.subnet.name} sends internet-bound traffic to ${hopText(route)}; Tunnel Doctor cannot change that device. Add the rule on it (for Azure Firewall: an application or network rule; AKS's "outbound network and FQDN rules" list ${portText} to the API server).`,
      ],
    });
  }
  for (const route of blackholes) {
    fixes.push({
      id: `egress-tunnel-ports:route-none:${route.subnet.name}`,
      kind: 'manual',
      title: `Route ${route.hop.routeName ?? route.hop.prefix} drops traffic from subnet ${route.subnet.name} to the API server`,
      target: route.routeTable?.id ?? route.subnet.id,
      change: `change route ${route.hop.routeName ?? route.hop.prefix} (${route.hop.prefix} → None) in route table ${route.routeTable?.name ?? '?'} to send the traffic to your egress device (VirtualAppliance) or the Internet`,
      risk: 'high',
      needsApproval: false,
    });
  }

  const unread = dedupeUnreadable(unreadable);
  if (unread.length > 0) {
    evidence.push({ kind: 'note', detail: `Not everything on the egress path could be read: ${unread.map((u) => u.why).join('; ')}. ${sortedUnique(unread.map((u) => u.resolve)).join(' ')}` });
  }
  const ruleEvidence: Evidence[] = denies.map((group) => {
    const rule = ruleOf(group.nsg, group.verdict);
    return {
      kind: 'nsg-rule',
      resource: rule ? ruleResourceId(group.nsg, rule, group.verdict.isDefault) : group.nsg.id,
      detail: `NSG ${group.nsg.name ?? lastSegment(group.nsg.id)} (${group.verdict.level} level, outbound) rule ${group.verdict.ruleName}${group.verdict.isDefault ? ' (default rule)' : ''}: ${rule ? describeRule(rule) : `priority ${group.verdict.priority}`}. It denies ${portText} to ${destinationIp} from ${sortedUnique(group.nodes).join(', ')}.`,
    };
  });
  const allEvidence = [...ruleEvidence, ...fixNotes, ...evidence];

  if (failReasons.length > 0) {
    return { status: 'fail', summary: failReasons.join('; '), nodes: sortedUnique(failNodes), evidence: allEvidence, fixes };
  }
  if (ran.length === 0) {
    const why =
      probesUsed.length === 0
        ? `no probe of ${portText} to ${apiText} was run from the ${sourceWord}s`
        : `the probe of ${portText} to ${apiText} could not run on ${probesUsed.map((p) => `${p.node}${p.detail ? ` (${p.detail})` : ''}`).join(', ')}`;
    const nsgText = nsgDenied.size === 0 && unread.length === 0 ? '; no outbound NSG rule denies it' : '';
    return {
      status: 'unknown',
      summary: `Cannot confirm that the ${agentName} egress (${portText}) reaches ${apiText}: ${why}${nsgText}`,
      nodes: [],
      evidence: allEvidence,
      fixes,
      unknownReason: {
        why,
        resolve:
          probesUsed.find((p) => p.resolve)?.resolve ??
          'Run the probe again once run-command is available on a running tunnel-agent node (no other run-command in progress, node running).',
      },
    };
  }
  if (warnReasons.length > 0) {
    return { status: 'warn', summary: warnReasons.join('; '), nodes: sortedUnique(warnNodes), evidence: allEvidence, fixes };
  }
  const notRun = byOutcome('not-run');
  const allowText = allowTexts.size > 0 ? `; NSGs allow it (${[...allowTexts].join(', ')})` : '; no NSG on the path';
  return {
    status: 'pass',
    summary: `${portText} reaches ${apiText} from ${countOf(openNodes.size, sources.length, sourceWord)} (${agentName} egress)${allowText}` +
      (notRun.length > 0 ? `; not probed on ${notRun.map((p) => p.node).join(', ')}` : ''),
    nodes: [],
    evidence: allEvidence,
    fixes,
  };
}
