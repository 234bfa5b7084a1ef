/**
 * Builds the scenario corpus (scenarios/*.json + scenarios/README.md) from the estate building
 * blocks, so every file is self-consistent and no two files share a resource id.
 *
 *   npx tsx scripts/make-scenarios.ts
 *
 * Every scenario carries "expected": the six verdicts per docs/checks.md, decided by hand for the
 * cause the scenario plants (never computed by the engine). Conventions for `nodes`:
 * - nsg-10250: the nodes at least one tunnel-agent node cannot reach on TCP 10250 (the konnectivity
 *   server may pick any agent). Agents always run on two different nodes, so the answer does not
 *   depend on whether a node's traffic to itself is NSG-filtered.
 * - ufw-10250 / iptables-10250: the running Linux nodes whose firewall stops (fail) or is active but
 *   TCP 10250; a node that answers the probe passes unread. A deallocated node is skipped.
 * - egress-tunnel-ports: the tunnel-agent nodes (the probe and the outbound rules are theirs).
 * - snat-exhaustion: load balancer: the backends at ≥ 80 % of their allocated ports;
 *   NAT gateway (no per-backend metric): every node behind the gateway.
 * - tunnel-agent-health: the nodes of the unhealthy agent pods; [] when pods are missing/too few.
 */
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  addAsgToPool,
  addDaemonSetPods,
  addIptablesRule,
  addNsg,
  addRouteTable,
  addSecurityRules,
  agentNodeNames,
  aksKubeProxyChains,
  allNodeNames,
  attachNsgToPool,
  attachNsgToSubnet,
  buildEstate,
  enableUfw,
  fail,
  finishScenario,
  getResource,
  addResource,
  iptablesRule,
  nodeNamed,
  nodeOf,
  notApplicable,
  oomKillingEvent,
  pool,
  renderIptablesList,
  resourceId,
  setIptablesChain,
  setSnatUsed,
  unknown,
  verdicts,
  warn,
  type CheckIdText,
  type CorpusScenario,
  type Estate,
  type EstateSpec,
  type RuleSpec,
} from './estate-blocks.js';
import type { ScenarioPod } from '../src/scenario/types.js';

export interface CorpusEntry {
  file: string;
  scenario: CorpusScenario;
}

/** The command the bot runs to read a node's firewall; "outputs" keys must match it. */
const IPTABLES_LIST = 'iptables --list --line-numbers';

const ONE_POOL: EstateSpec['pools'] = [{ name: 'nodepool1', count: 3, mode: 'System' }];
const OOM_AT = '2026-11-25T09:41:17Z';

function tunnelPod(est: Estate, index: number): ScenarioPod {
  const pod = est.tunnelPods[index];
  if (!pod) throw new Error(`${est.spec.cluster} has no tunnel pod ${index}`);
  return pod;
}

function removeTunnelPods(est: Estate, keep: (p: ScenarioPod) => boolean = () => false): void {
  const drop = new Set(est.tunnelPods.filter((p) => !keep(p)));
  est.pods = est.pods.filter((p) => !drop.has(p));
  est.tunnelPods = est.tunnelPods.filter((p) => !drop.has(p));
}

/** A fault regex for one path part, tolerant of ARM's case-insensitive segment names. */
function anyCase(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) => `[${c.toUpperCase()}${c.toLowerCase()}]`);
}

function nodeRgPathPart(est: Estate): string {
  // "_<cluster>_<region>" only occurs in this cluster's node resource group name: faults stay scoped
  // to this scenario although the simulator serves every scenario at once.
  return `_${est.spec.cluster}_${est.location}/${anyCase('providers')}`;
}

const denyKubelet = (over: Partial<RuleSpec> = {}): RuleSpec => ({
  name: 'Deny-Kubelet-Inbound',
  priority: 200,
  direction: 'Inbound',
  access: 'Deny',
  protocol: 'Tcp',
  source: 'VirtualNetwork',
  destination: '*',
  destinationPort: '10250',
  ...over,
});

type Build = () => CorpusScenario;
const corpus: Array<{ file: string; build: Build }> = [];
function scenario(file: string, build: Build): void {
  corpus.push({ file, build });
}

// =============================================================================================
// Healthy estates of many shapes: every check passes (or is not applicable / warns by design).

scenario('healthy-konnectivity', () => {
  const est = buildEstate({ short: 'demo', cluster: 'aks-demo-healthy', pools: ONE_POOL });
  return finishScenario(
    est,
    {
      title: 'Healthy public AKS cluster, konnectivity, three Linux nodes, load-balancer outbound',
      description:
        'The shared example estate under its own names (aks-demo-healthy, rg-demo) for the demo. Nothing blocks TCP 10250, UFW is inactive, INPUT accepts, 443 egress works, SNAT use is ~4 %, two konnectivity agents for three nodes (ladder: 2).',
    },
    verdicts({}),
  );
});

scenario('healthy-custom-vnet-other-rg', () => {
  const est = buildEstate({
    short: 'byovnet',
    cluster: 'aks-byovnet',
    customNetwork: { addressPrefix: '10.20.0.0/16', subnets: [{ name: 'snet-aks-nodes', prefix: '10.20.0.0/22' }] },
    pools: ONE_POOL,
  });
  const nsg = addNsg(
    est,
    'nsg-snet-aks-nodes',
    [
      { name: 'Allow-HTTPS-From-Internet', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', source: 'Internet', destinationPort: '443' },
      { name: 'Deny-RDP-From-Internet', priority: 200, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', source: 'Internet', destinationPort: '3389' },
      { name: 'Deny-SSH-From-Internet', priority: 210, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', source: 'Internet', destinationPort: '22' },
    ],
    est.netRg,
  );
  attachNsgToSubnet(est, nsg, est.subnetIds['snet-aks-nodes']!);
  return finishScenario(
    est,
    {
      title: 'Healthy cluster in a custom VNet in another resource group (rg-byovnet-net)',
      description:
        "BYO subnet: the customer's NSG sits on the subnet (in rg-byovnet-net), AKS's own NSG on the scale-set NICs. Neither denies TCP 10250 from the VNet (the customer's denies only come from Internet).",
    },
    verdicts({}),
  );
});

scenario('healthy-nic-nsg-allows', () => {
  const est = buildEstate({
    short: 'nicok',
    cluster: 'aks-nicnsg-ok',
    pools: [
      { name: 'system', count: 2, mode: 'System' },
      { name: 'user', count: 3 },
    ],
  });
  const nsg = addNsg(est, 'nsg-user-nic', [
    { name: 'Allow-Kubelet-From-VNet', priority: 200, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', source: 'VirtualNetwork', destinationPort: '10250' },
    { name: 'Deny-All-From-Internet', priority: 4000, direction: 'Inbound', access: 'Deny', protocol: '*', source: 'Internet' },
  ]);
  attachNsgToPool(est, nsg, 'user');
  return finishScenario(
    est,
    {
      title: 'Healthy: a NIC-level NSG on the user pool that allows TCP 10250 from the VNet',
      description: 'Subnet NSG (AKS) and NIC NSG (user pool) both allow TCP 10250 from VirtualNetwork; the NIC deny only matches Internet.',
    },
    verdicts({}),
  );
});

scenario('healthy-three-pools', () => {
  const est = buildEstate({
    short: 'threepools',
    cluster: 'aks-three-pools',
    pools: [
      { name: 'system', count: 3, mode: 'System' },
      { name: 'apps', count: 4, vmSize: 'Standard_D8ds_v5' },
      { name: 'gpu', count: 2, vmSize: 'Standard_NC6s_v3' },
    ],
  });
  return finishScenario(
    est,
    { title: 'Healthy cluster with three node pools (system, apps, gpu; nine nodes)', description: 'Three scale sets on one subnet; nothing blocks the tunnel. Ladder for 9 nodes: 2 agents.' },
    verdicts({}),
  );
});

scenario('healthy-windows-pool', () => {
  const est = buildEstate({
    short: 'winpool',
    cluster: 'aks-winpool',
    pools: [
      { name: 'nodepool1', count: 2, mode: 'System' },
      { name: 'npwin', count: 2, osType: 'Windows' },
    ],
  });
  return finishScenario(
    est,
    {
      title: 'Healthy cluster with a Windows node pool',
      description:
        'Windows scale set "aksnpwin" (computer names aksnpwin000000…, as AKS names Windows nodes). UFW/iptables are read on the Linux nodes only; the Windows nodes are skipped, not "unknown", because Linux nodes exist.',
    },
    verdicts({}),
  );
});

scenario('healthy-private-cluster', () => {
  const est = buildEstate({ short: 'private', cluster: 'aks-private-eus', private: true, pools: ONE_POOL });
  return finishScenario(
    est,
    {
      title: 'Healthy private cluster (SNAT check not applicable)',
      description: 'enablePrivateCluster: the troubleshooting article says SNAT exhaustion does not apply to private clusters, so snat-exhaustion is not-applicable even though the load balancer has metrics.',
    },
    verdicts({ 'snat-exhaustion': notApplicable() }),
  );
});

scenario('healthy-natgateway', () => {
  const est = buildEstate({ short: 'natgw', cluster: 'aks-natgw-ok', outboundType: 'managedNATGateway', pools: ONE_POOL });
  return finishScenario(
    est,
    { title: 'Healthy cluster with managed NAT gateway outbound', description: 'outboundType managedNATGateway; SNATConnectionCount Failed is 0, no dropped packets.' },
    verdicts({}),
  );
});

scenario('healthy-tunnel-front', () => {
  const est = buildEstate({ short: 'legacytf', cluster: 'aks-legacy-tunnelfront', kubernetesVersion: '1.21.9', tunnel: 'tunnel-front', pools: ONE_POOL });
  return finishScenario(
    est,
    { title: 'Healthy legacy cluster with tunnel-front (TCP 9000)', description: 'One tunnelfront pod (label component=tunnel); egress TCP 9000 is open. The konnectivity ladder does not apply.' },
    verdicts({}),
  );
});

scenario('healthy-aks-link', () => {
  const est = buildEstate({ short: 'legacylink', cluster: 'aks-legacy-akslink', kubernetesVersion: '1.22.11', tunnel: 'aks-link', pools: ONE_POOL });
  return finishScenario(
    est,
    {
      title: 'Healthy legacy cluster with aks-link (UDP 1194): egress can only warn',
      description:
        'Nothing blocks UDP 1194, but a UDP probe cannot prove a port open (no handshake), so per docs/checks.md egress-tunnel-ports is "warn" on the aks-link nodes. Every other check passes.',
    },
    verdicts({ 'egress-tunnel-ports': warn(agentNodeNames(est)) }),
  );
});

scenario('healthy-deallocated-node', () => {
  const est = buildEstate({ short: 'dealloc', cluster: 'aks-dealloc', pools: [{ name: 'nodepool1', count: 3, mode: 'System', deallocatedExtra: 1 }] });
  return finishScenario(
    est,
    {
      title: 'Healthy cluster with one deallocated node (scale-down mode Deallocate): host checks pass on the running nodes',
      description:
        'Decision: instance 3 (aks-nodepool1-…-vmss000003) is deallocated by scale-down mode Deallocate; it is not part of the running cluster (pool count 3), runs no pods and cannot take run-command. The host checks skip it (they may say so in the summary) and judge the three running nodes: pass. "unknown" is for a running node that cannot be read, not for a deallocated one.',
    },
    verdicts({}),
  );
});

scenario('healthy-kubenet-routes', () => {
  const est = buildEstate({ short: 'kubenet', cluster: 'aks-kubenet', plugin: 'kubenet', pools: ONE_POOL });
  return finishScenario(
    est,
    {
      title: 'Healthy kubenet cluster: per-node VirtualAppliance routes are not an egress appliance',
      description:
        'kubenet keeps a route table on the node subnet with one route per node (pod /24 → VirtualAppliance <node IP>). None is 0.0.0.0/0, so egress is not routed through an appliance: pass.',
    },
    verdicts({}),
  );
});

scenario('healthy-iptables-kube-chains', () => {
  const est = buildEstate({ short: 'kubechains', cluster: 'aks-kubechains', pools: ONE_POOL });
  for (const node of est.nodes) {
    node.iptables = aksKubeProxyChains();
    node.outputs = { [IPTABLES_LIST]: renderIptablesList(node.iptables) };
  }
  return finishScenario(
    est,
    {
      title: 'Healthy: the real kube-proxy iptables chains (DROPs that are not about 10250), verbatim output',
      description:
        'INPUT jumps through KUBE-* chains. KUBE-FIREWALL drops only !127.0.0.0/8 → 127.0.0.0/8, KUBE-FORWARD drops only INVALID forwarded packets, neither stops TCP 10250 from other nodes. Each node also carries the verbatim `iptables --list --line-numbers` text.',
    },
    verdicts({}),
  );
});

scenario('aks-shared-prod', () => {
  const est = buildEstate({ short: 'shared-prod', cluster: 'aks-shared', subscription: 'prod', location: 'eastus', pools: ONE_POOL });
  return finishScenario(
    est,
    {
      title: 'aks-shared in contoso-prod (one of two clusters with this name): healthy',
      description: 'Deliberate name clash with aks-shared-dev.json (contoso-dev): asking for "aks-shared" must offer a choice. This one is healthy.',
    },
    verdicts({}),
  );
});

scenario('aks-shared-dev', () => {
  const est = buildEstate({ short: 'shared-dev', cluster: 'aks-shared', subscription: 'dev', location: 'westeurope', pools: ONE_POOL });
  enableUfw(nodeNamed(est, nodeOf(est, 'nodepool1', 1)));
  return finishScenario(
    est,
    {
      title: 'aks-shared in contoso-dev (one of two clusters with this name): UFW on one node',
      description: 'Deliberate name clash with aks-shared-prod.json. This one has UFW enabled (default deny incoming, only 22/tcp allowed) on instance 1.',
    },
    verdicts({ 'ufw-10250': fail([nodeOf(est, 'nodepool1', 1)]) }),
  );
});

scenario('healthy-transient-faults', () => {
  const est = buildEstate({ short: 'flaky', cluster: 'aks-flaky', pools: ONE_POOL });
  const rg = nodeRgPathPart(est);
  est.faults.push(
    {
      method: 'POST',
      path: `${rg}/${anyCase('Microsoft.Compute/virtualMachineScaleSets')}/[^/]+/${anyCase('virtualMachines')}/[^/]+/${anyCase('runCommand')}$`,
      status: 409,
      code: 'Conflict',
      message: 'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
      times: 1,
    },
    {
      method: 'GET',
      path: `${rg}/${anyCase('Microsoft.Network/networkSecurityGroups')}`,
      status: 429,
      code: 'TooManyRequests',
      message: 'The request is being throttled.',
      times: 2,
      retryAfter: 1,
    },
  );
  return finishScenario(
    est,
    {
      title: 'Healthy, but Azure is flaky: one run-command 409 Conflict, two NSG reads throttled (429)',
      description: 'The first run-command answers 409 (another run in progress) and the first two NSG reads 429 with Retry-After: 1. Retrying gives the real answers, all healthy.',
    },
    verdicts({}),
  );
});

// =============================================================================================
// Near misses: look like a cause, are not one.

scenario('near-nsg-deny-10255', () => {
  const est = buildEstate({ short: 'nm-10255', cluster: 'aks-nm-10255', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [
    denyKubelet({ name: 'Deny-ReadOnly-Kubelet', destinationPort: '10255' }),
    denyKubelet({ name: 'Deny-10251-10260', priority: 210, destinationPort: '10251-10260' }),
  ]);
  return finishScenario(
    est,
    { title: 'Near miss: NSG denies TCP 10255 and 10251-10260, not 10250', description: 'Both deny rules miss port 10250 (the read-only kubelet port and a range starting just above it).' },
    verdicts({}),
  );
});

scenario('near-nsg-deny-udp-10250', () => {
  const est = buildEstate({ short: 'nm-udp', cluster: 'aks-nm-udp', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [denyKubelet({ name: 'Deny-Udp-10250', protocol: 'Udp' })]);
  return finishScenario(est, { title: 'Near miss: NSG denies UDP 10250 (the kubelet is TCP)', description: 'The deny rule is protocol Udp; TCP 10250 is untouched.' }, verdicts({}));
});

scenario('near-nsg-deny-below-allow', () => {
  const est = buildEstate({ short: 'nm-allowfirst', cluster: 'aks-nm-allowfirst', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [
    { name: 'Allow-Kubelet-From-VNet', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', source: 'VirtualNetwork', destinationPort: '10250' },
    denyKubelet({ name: 'Deny-Kubelet-Any', priority: 200, source: '*' }),
  ]);
  return finishScenario(
    est,
    { title: 'Near miss: a deny on TCP 10250 below a matching allow', description: 'Priority 100 allows TCP 10250 from VirtualNetwork; the deny at 200 is never reached for node-to-node traffic (first match wins).' },
    verdicts({}),
  );
});

scenario('near-nsg-deny-from-internet', () => {
  const est = buildEstate({ short: 'nm-internet', cluster: 'aks-nm-internet', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [denyKubelet({ name: 'Deny-Kubelet-From-Internet', priority: 100, source: 'Internet' })]);
  return finishScenario(
    est,
    { title: 'Near miss: TCP 10250 denied only from Internet', description: 'Tunnel agents connect from node IPs (VirtualNetwork), which the Internet service tag does not cover.' },
    verdicts({}),
  );
});

scenario('near-iptables-drop-10255', () => {
  const est = buildEstate({ short: 'nm-ipt10255', cluster: 'aks-nm-ipt10255', pools: ONE_POOL });
  addIptablesRule(nodeNamed(est, nodeOf(est, 'nodepool1', 1)), 'INPUT', iptablesRule('DROP', 'tcp', 'tcp dpt:10255'));
  return finishScenario(est, { title: 'Near miss: iptables drops TCP 10255, not 10250', description: 'INPUT rule 1 on instance 1 is `DROP tcp dpt:10255`.' }, verdicts({}));
});

scenario('near-iptables-other-traffic', () => {
  const est = buildEstate({ short: 'nm-iptother', cluster: 'aks-nm-iptother', pools: ONE_POOL });
  const [n0, n1, n2] = [0, 1, 2].map((i) => nodeNamed(est, nodeOf(est, 'nodepool1', i)));
  addIptablesRule(n0!, 'INPUT', iptablesRule('DROP', 'udp', 'udp dpt:10250'));
  addIptablesRule(n1!, 'INPUT', iptablesRule('DROP', 'tcp', 'tcp dpt:10250', '192.168.0.0/16'));
  setIptablesChain(n2!, 'LEGACY-BLOCK', { rules: [iptablesRule('REJECT', 'tcp', 'tcp dpt:10250 reject-with icmp-port-unreachable')] });
  setIptablesChain(n2!, 'FORWARD', { policy: 'ACCEPT', rules: [iptablesRule('DROP', 'tcp', 'tcp dpt:10250')] });
  return finishScenario(
    est,
    {
      title: 'Near miss: iptables rules on 10250 that do not stop the tunnel',
      description:
        'Instance 0 drops UDP 10250; instance 1 drops TCP 10250 only from 192.168.0.0/16 (the agents are in 10.224.0.0/16); instance 2 has a REJECT in an unreferenced chain (0 references) and a DROP in FORWARD (kubelet traffic is INPUT).',
    },
    verdicts({}),
  );
});

scenario('near-iptables-policy-drop-accepts-10250', () => {
  const est = buildEstate({ short: 'nm-iptpolicy', cluster: 'aks-nm-iptpolicy', pools: ONE_POOL });
  for (const node of est.nodes) {
    setIptablesChain(node, 'INPUT', {
      policy: 'DROP',
      rules: [
        iptablesRule('ACCEPT', 'all', 'ctstate RELATED,ESTABLISHED'),
        iptablesRule('ACCEPT', 'tcp', 'tcp dpt:22'),
        iptablesRule('ACCEPT', 'tcp', 'tcp dpt:10250', '10.224.0.0/16'),
        iptablesRule('ACCEPT', 'icmp'),
      ],
    });
  }
  return finishScenario(
    est,
    { title: 'Near miss: INPUT policy DROP, but TCP 10250 from the node subnet is accepted first', description: 'Every node: policy DROP, with `ACCEPT tcp 10.224.0.0/16 dpt:10250` before the policy applies.' },
    verdicts({}),
  );
});

scenario('near-ufw-allows-10250', () => {
  const est = buildEstate({ short: 'nm-ufwallow', cluster: 'aks-nm-ufwallow', pools: ONE_POOL });
  const [n0, n1, n2] = [0, 1, 2].map((i) => nodeNamed(est, nodeOf(est, 'nodepool1', i)));
  for (const node of [n0!, n1!]) {
    enableUfw(node, {
      rules: [
        { to: '22/tcp', action: 'ALLOW', from: 'Anywhere' },
        { to: '10250/tcp', action: 'ALLOW', from: '10.224.0.0/16' },
        { to: '22/tcp', action: 'ALLOW', from: 'Anywhere', v6: true },
      ],
    });
  }
  enableUfw(n2!, { defaultIncoming: 'allow', rules: [] });
  return finishScenario(
    est,
    {
      title: 'Near miss: UFW active on every node but it allows TCP 10250 (pass)',
      description:
        'Instances 0 and 1 allow 10250/tcp from 10.224.0.0/16; instance 2 has default incoming allow. Every node answers the 10250 probe, so per docs/checks.md (the probe plan) the host checks pass without reading the nodes.',
    },
    verdicts({}),
  );
});

scenario('near-snat-79pct', () => {
  const est = buildEstate({ short: 'nm-snat79', cluster: 'aks-nm-snat79', pools: ONE_POOL });
  setSnatUsed(est, nodeOf(est, 'nodepool1', 1), 808);
  return finishScenario(
    est,
    { title: 'Near miss: one backend uses 79 % of its SNAT ports, no failed connections', description: 'Instance 1: UsedSnatPorts 808 of 1024 (78.9 %) at its highest, below the 80 % warning line; SnatConnectionCount Failed is 0.' },
    verdicts({}),
  );
});

scenario('near-egress-other-tunnel-ports', () => {
  const est = buildEstate({ short: 'nm-egress', cluster: 'aks-nm-egress', pools: ONE_POOL });
  est.egressBlocked.push({ protocol: 'tcp', port: 9000 }, { protocol: 'udp', port: 1194 });
  return finishScenario(
    est,
    { title: 'Near miss: TCP 9000 and UDP 1194 blocked on a konnectivity cluster', description: 'Only the legacy tunnels use those ports; konnectivity needs TCP 443, which is open.' },
    verdicts({}),
  );
});

scenario('near-oom-other-process', () => {
  const est = buildEstate({ short: 'nm-oomjava', cluster: 'aks-nm-oomjava', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 2);
  est.events.push(oomKillingEvent(est, node, 'java', 48213, OOM_AT));
  est.pods.push({
    namespace: 'orders',
    name: 'orders-api-7d5f9c8b6d-q9w2x',
    labels: { app: 'orders-api', 'pod-template-hash': '7d5f9c8b6d' },
    node,
    phase: 'Running',
    restarts: 4,
    lastTermination: { reason: 'OOMKilled', exitCode: 137, finishedAt: OOM_AT },
    resources: { limits: { memory: '512Mi' } },
  });
  return finishScenario(
    est,
    { title: 'Near miss: an OOM kill on a node, but of an application (java), not a tunnel agent', description: 'OOMKilling event for process "java" and an OOMKilled pod in namespace orders; the konnectivity agents are fine.' },
    verdicts({}),
  );
});

scenario('near-private-snat-failed', () => {
  const est = buildEstate({ short: 'nm-privsnat', cluster: 'aks-nm-privsnat', private: true, pools: ONE_POOL });
  est.snat.failed = [3, 18, 26];
  setSnatUsed(est, nodeOf(est, 'nodepool1', 0), 1024);
  return finishScenario(
    est,
    {
      title: 'Near miss: failed SNAT connections on a private cluster (not applicable)',
      description: 'The load balancer shows failed SNAT connections, but the troubleshooting article excludes private clusters from the SNAT cause: not-applicable.',
    },
    verdicts({ 'snat-exhaustion': notApplicable() }),
  );
});

// =============================================================================================
// One cause each.

scenario('nsg-deny-10250-subnet', () => {
  const est = buildEstate({ short: 'nsgdeny', cluster: 'aks-nsg-deny', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [denyKubelet({ name: 'DenyKubeletInbound', source: '*', description: 'CIS hardening: block kubelet API' })]);
  return finishScenario(
    est,
    { title: 'NSG on the node subnet denies TCP 10250', description: 'aks-agentpool-…-nsg (on aks-subnet) rule DenyKubeletInbound, priority 200, denies TCP 10250 from any source: every node is unreachable.' },
    verdicts({ 'nsg-10250': fail(allNodeNames(est)) }),
  );
});

scenario('nsg-deny-nic-level', () => {
  const est = buildEstate({
    short: 'nsgnic',
    cluster: 'aks-nsg-nic',
    pools: [
      { name: 'system', count: 2, mode: 'System' },
      { name: 'user', count: 3 },
    ],
  });
  const nsg = addNsg(est, 'nsg-user-nic', [denyKubelet({ priority: 300 })]);
  attachNsgToPool(est, nsg, 'user');
  return finishScenario(
    est,
    { title: 'NIC-level NSG on the user pool denies TCP 10250', description: 'nsg-user-nic on the user scale set NICs denies TCP 10250 from VirtualNetwork; the agents run on the system pool, so the three user nodes are unreachable.' },
    verdicts({ 'nsg-10250': fail(pool(est, 'user').nodes.map((n) => n.computerName)) }),
  );
});

scenario('nsg-deny-at-priority-100', () => {
  const est = buildEstate({ short: 'nsgp100', cluster: 'aks-nsg-p100', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [
    denyKubelet({ name: 'Deny-Kubelet-Hardening', priority: 100 }),
    { name: 'Allow-Kubelet-From-VNet', priority: 200, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', source: 'VirtualNetwork', destinationPort: '10250' },
  ]);
  return finishScenario(
    est,
    { title: 'NSG deny on TCP 10250 at priority 100, above an allow at 200', description: 'First match wins: the deny at priority 100 hides the allow at 200; every node is unreachable.' },
    verdicts({ 'nsg-10250': fail(allNodeNames(est)) }),
  );
});

scenario('nsg-deny-in-custom-vnet-other-rg', () => {
  const est = buildEstate({
    short: 'nsgbyo',
    cluster: 'aks-nsg-byovnet',
    customNetwork: {
      addressPrefix: '10.30.0.0/16',
      subnets: [
        { name: 'snet-system', prefix: '10.30.0.0/24' },
        { name: 'snet-user', prefix: '10.30.4.0/22' },
      ],
    },
    pools: [
      { name: 'system', count: 2, mode: 'System', subnet: 'snet-system' },
      { name: 'user', count: 3, subnet: 'snet-user' },
    ],
  });
  const systemNsg = addNsg(
    est,
    'nsg-snet-system',
    [{ name: 'Deny-SSH-From-Internet', priority: 200, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', source: 'Internet', destinationPort: '22' }],
    est.netRg,
  );
  const userNsg = addNsg(est, 'nsg-snet-user', [denyKubelet({ name: 'Deny-Mgmt-From-System-Subnet', priority: 150, source: '10.30.0.0/24', destinationPorts: ['10250', '10255'] })], est.netRg);
  attachNsgToSubnet(est, systemNsg, est.subnetIds['snet-system']!);
  attachNsgToSubnet(est, userNsg, est.subnetIds['snet-user']!);
  return finishScenario(
    est,
    {
      title: 'NSG in a custom VNet in another resource group denies 10250 into the user subnet',
      description:
        'vnet-nsgbyo lives in rg-nsgbyo-net. nsg-snet-user (also there) denies TCP 10250/10255 from the system subnet 10.30.0.0/24, where the agents run: the user nodes are unreachable, the system nodes are fine.',
    },
    verdicts({ 'nsg-10250': fail(pool(est, 'user').nodes.map((n) => n.computerName)) }),
  );
});

scenario('nsg-deny-asg', () => {
  const est = buildEstate({
    short: 'nsgasg',
    cluster: 'aks-nsg-asg',
    customNetwork: { addressPrefix: '10.40.0.0/16', subnets: [{ name: 'snet-aks', prefix: '10.40.0.0/20' }] },
    pools: [
      { name: 'system', count: 2, mode: 'System' },
      { name: 'gpu', count: 2, vmSize: 'Standard_NC6s_v3' },
    ],
  });
  const asg = addAsgToPool(est, 'asg-gpu-nodes', 'gpu');
  const nsg = addNsg(est, 'nsg-snet-aks', [denyKubelet({ name: 'Deny-Kubelet-To-GPU', destination: undefined, destinationAsgs: [asg] })], est.netRg);
  attachNsgToSubnet(est, nsg, est.subnetIds['snet-aks']!);
  return finishScenario(
    est,
    {
      title: 'NSG denies TCP 10250 to an application security group the GPU nodes belong to',
      description: 'The gpu pool NICs join asg-gpu-nodes; nsg-snet-aks denies TCP 10250 from VirtualNetwork to that ASG. Only the GPU nodes are unreachable.',
    },
    verdicts({ 'nsg-10250': fail(pool(est, 'gpu').nodes.map((n) => n.computerName)) }),
  );
});

scenario('nsg-deny-outbound-agent-nic', () => {
  const est = buildEstate({
    short: 'nsgout',
    cluster: 'aks-nsg-outbound',
    pools: [
      { name: 'system', count: 2, mode: 'System' },
      { name: 'user', count: 3 },
    ],
  });
  const nsg = addNsg(est, 'nsg-system-nic', [denyKubelet({ name: 'Deny-Kubelet-Outbound', direction: 'Outbound', source: '*', destination: 'VirtualNetwork' })]);
  attachNsgToPool(est, nsg, 'system');
  return finishScenario(
    est,
    {
      title: 'Outbound NSG deny on the agent nodes\' NICs stops TCP 10250 to every node',
      description:
        'nsg-system-nic (system pool NICs, where both agents run) denies outbound TCP 10250 to VirtualNetwork. Every node is unreachable from at least one agent (the other agent\'s node included).',
    },
    verdicts({ 'nsg-10250': fail(allNodeNames(est)) }),
  );
});

scenario('nsg-deny-port-range', () => {
  const est = buildEstate({ short: 'nsgrange', cluster: 'aks-nsg-range', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [
    denyKubelet({ name: 'Deny-Mgmt-Ports', priority: 180, destination: undefined, destinations: ['10.224.0.0/17', '10.225.0.0/16'], destinationPorts: ['22', '10000-11000'] }),
  ]);
  return finishScenario(
    est,
    { title: 'NSG denies a port range (10000-11000) and address list that cover the nodes', description: 'destinationPortRanges ["22","10000-11000"] and destinationAddressPrefixes ["10.224.0.0/17", …] cover TCP 10250 on every node.' },
    verdicts({ 'nsg-10250': fail(allNodeNames(est)) }),
  );
});

scenario('ufw-enabled', () => {
  const est = buildEstate({ short: 'ufwone', cluster: 'aks-ufw-one', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 2);
  enableUfw(nodeNamed(est, node));
  return finishScenario(
    est,
    { title: 'UFW enabled on one node (default deny, only 22/tcp allowed)', description: 'Someone ran `ufw allow 22/tcp && ufw enable` on instance 2: TCP 10250 falls to the default incoming deny.' },
    verdicts({ 'ufw-10250': fail([node]) }),
  );
});

scenario('ufw-enabled-all-nodes', () => {
  const est = buildEstate({
    short: 'ufwall',
    cluster: 'aks-ufw-all',
    pools: [
      { name: 'system', count: 2, mode: 'System' },
      { name: 'user', count: 2 },
    ],
  });
  for (const node of est.nodes) enableUfw(node);
  return finishScenario(
    est,
    { title: 'UFW enabled on every node (hardening image)', description: 'All four nodes run UFW with default deny incoming and only 22/tcp allowed.' },
    verdicts({ 'ufw-10250': fail(allNodeNames(est)) }),
  );
});

scenario('ufw-allow-wrong-source', () => {
  const est = buildEstate({ short: 'ufwsource', cluster: 'aks-ufw-source', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 1);
  enableUfw(nodeNamed(est, node), {
    rules: [
      { to: '22/tcp', action: 'ALLOW', from: 'Anywhere' },
      { to: '10250/tcp', action: 'ALLOW', from: '192.168.0.0/16' },
      { to: '22/tcp', action: 'ALLOW', from: 'Anywhere', v6: true },
    ],
  });
  return finishScenario(
    est,
    { title: 'UFW allows 10250 only from the wrong network', description: 'Instance 1 allows 10250/tcp from 192.168.0.0/16; the agents are in 10.224.0.0/16 and hit the default deny.' },
    verdicts({ 'ufw-10250': fail([node]) }),
  );
});

scenario('ufw-deny-before-allow', () => {
  const est = buildEstate({ short: 'ufworder', cluster: 'aks-ufw-order', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 0);
  enableUfw(nodeNamed(est, node), {
    defaultIncoming: 'allow',
    rules: [
      { to: '10250/tcp', action: 'DENY', from: 'Anywhere' },
      { to: '10250/tcp', action: 'ALLOW', from: '10.224.0.0/16' },
      { to: '10250/tcp', action: 'DENY', from: 'Anywhere', v6: true },
    ],
  });
  return finishScenario(
    est,
    { title: 'UFW denies 10250 before the rule that allows it', description: 'Instance 0: `DENY 10250/tcp from Anywhere` is rule 1; the later allow and the default allow never apply (first match).' },
    verdicts({ 'ufw-10250': fail([node]) }),
  );
});

scenario('iptables-drop-10250', () => {
  const est = buildEstate({ short: 'iptdrop', cluster: 'aks-ipt-drop', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 1);
  addIptablesRule(nodeNamed(est, node), 'INPUT', iptablesRule('DROP', 'tcp', 'tcp dpt:10250'));
  return finishScenario(est, { title: 'iptables drops TCP 10250 on one node', description: 'Instance 1: INPUT rule 1 is `DROP tcp -- anywhere anywhere tcp dpt:10250`.' }, verdicts({ 'iptables-10250': fail([node]) }));
});

scenario('iptables-reject-custom-chain', () => {
  const est = buildEstate({ short: 'iptchain', cluster: 'aks-ipt-chain', pools: ONE_POOL });
  const bad = [0, 2].map((i) => nodeOf(est, 'nodepool1', i));
  for (const name of bad) {
    const node = nodeNamed(est, name);
    node.iptables = aksKubeProxyChains();
    addIptablesRule(node, 'INPUT', iptablesRule('CIS-HARDENING', 'all'), 1);
    setIptablesChain(node, 'CIS-HARDENING', {
      rules: [
        iptablesRule('ACCEPT', 'tcp', 'tcp dpt:22'),
        iptablesRule('REJECT', 'tcp', 'tcp dpt:10250 reject-with icmp-port-unreachable'),
        iptablesRule('RETURN', 'all'),
      ],
    });
    node.outputs = { [IPTABLES_LIST]: renderIptablesList(node.iptables!) };
  }
  return finishScenario(
    est,
    {
      title: 'iptables REJECT on 10250 inside a custom chain INPUT jumps to (verbatim output)',
      description:
        'Instances 0 and 2: INPUT rule 1 jumps to CIS-HARDENING, which rejects TCP 10250 with icmp-port-unreachable. The nodes also carry the verbatim `iptables --list --line-numbers` text (real kube-proxy chains around it).',
    },
    verdicts({ 'iptables-10250': fail(bad) }),
  );
});

scenario('iptables-policy-drop', () => {
  const est = buildEstate({ short: 'iptpolicy', cluster: 'aks-ipt-policy', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 2);
  setIptablesChain(nodeNamed(est, node), 'INPUT', {
    policy: 'DROP',
    rules: [iptablesRule('ACCEPT', 'all', 'ctstate RELATED,ESTABLISHED'), iptablesRule('ACCEPT', 'tcp', 'tcp dpt:22'), iptablesRule('ACCEPT', 'icmp')],
  });
  return finishScenario(
    est,
    { title: 'iptables INPUT policy DROP without an accept for 10250', description: 'Instance 2: INPUT accepts established traffic, SSH and ICMP; a new TCP 10250 connection falls to policy DROP.' },
    verdicts({ 'iptables-10250': fail([node]) }),
  );
});

scenario('iptables-multiport', () => {
  const est = buildEstate({ short: 'iptmulti', cluster: 'aks-ipt-multi', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 0);
  addIptablesRule(nodeNamed(est, node), 'INPUT', iptablesRule('DROP', 'tcp', 'multiport dports 10250,10255'));
  return finishScenario(est, { title: 'iptables multiport rule drops 10250,10255', description: 'Instance 0: `DROP tcp multiport dports 10250,10255`.' }, verdicts({ 'iptables-10250': fail([node]) }));
});

scenario('iptables-dport-range', () => {
  const est = buildEstate({ short: 'iptrange', cluster: 'aks-ipt-range', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 1);
  addIptablesRule(nodeNamed(est, node), 'INPUT', iptablesRule('ACCEPT', 'tcp', 'tcp dpt:22'));
  addIptablesRule(nodeNamed(est, node), 'INPUT', iptablesRule('REJECT', 'tcp', 'tcp dpts:10240:10260 reject-with tcp-reset'));
  return finishScenario(
    est,
    { title: 'iptables rejects a port range that includes 10250', description: 'Instance 1: rule 2 `REJECT tcp dpts:10240:10260 reject-with tcp-reset`.' },
    verdicts({ 'iptables-10250': fail([node]) }),
  );
});

/**
 * Agents that cannot reach the API server exit at start ("dial tcp …:443: i/o timeout") and sit in
 * CrashLoopBackOff, as the real konnectivity agents do (and as the simulator recreates them while
 * the egress stays blocked, src/sim/kubectl.ts replacementHealth).
 */
function crashLoopAgents(est: Estate, restarts: number, finishedAt: string): string[] {
  for (const pod of est.tunnelPods) {
    Object.assign(pod, { restarts, waitingReason: 'CrashLoopBackOff', lastTermination: { reason: 'Error', exitCode: 1, finishedAt } });
  }
  return est.tunnelPods.map((p) => p.node!);
}

/** The public API server FQDN, for blocks that drop 443 to it alone. */
function apiServerFqdn(est: Estate): string {
  return String(getResource(est, est.clusterId).properties!.fqdn);
}

/**
 * Node probes on a cluster whose outbound 443 is blocked altogether: run-command returns results over
 * it, so none comes back and the host-firewall checks are unknown (issue #12 item 3), and so is
 * kubelet-reachability: no probe ran, so it cannot say every kubelet answers (issue #13).
 */
function silentNodeProbes(): Partial<Record<CheckIdText, ReturnType<typeof unknown>>> {
  return { 'ufw-10250': unknown(), 'iptables-10250': unknown(), 'kubelet-reachability': unknown() };
}

// The featured egress demo: the only block is an outbound NSG rule, so the proposed NSG fix (with
// its "Then: restart the agents" step) clears both checks when approved in the chat.
scenario('egress-443-blocked-konnectivity', () => {
  const est = buildEstate({ short: 'egress443', cluster: 'aks-egress-443', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [
    {
      name: 'Deny-Internet-HTTPS-Outbound',
      priority: 300,
      direction: 'Outbound',
      access: 'Deny',
      protocol: 'Tcp',
      source: '*',
      destination: 'Internet',
      destinationPort: '443',
      description: 'Proxy-only egress: block direct HTTPS to the Internet',
    },
  ]);
  const crashing = crashLoopAgents(est, 14, '2026-11-25T09:57:02Z');
  return finishScenario(
    est,
    {
      title: 'Outbound NSG rule denies TCP 443 to the API server; the konnectivity agents crash-loop',
      description:
        'aks-agentpool-…-nsg rule Deny-Internet-HTTPS-Outbound (priority 300) denies TCP 443 to Internet, which covers the public API server: both konnectivity agents exit at start and sit in CrashLoopBackOff (14 restarts). Nothing else blocks 443, so the proposed outbound allow, then a restart of the agents, clears both checks. ' +
        'Run-command returns its results over the same outbound 443, so no node probe reports back: UFW and iptables are unknown, with that reason, until the egress is open.',
    },
    verdicts({ 'egress-tunnel-ports': fail(agentNodeNames(est)), 'tunnel-agent-health': fail(crashing), ...silentNodeProbes() }),
  );
});

// A block outside ARM's view (no NSG rule, no route explains it): the bot can report the timeout
// but propose no fix. This was aks-egress-443 before it became the NSG demo.
scenario('egress-443-unseen-block', () => {
  const est = buildEstate({ short: 'egressunseen', cluster: 'aks-egress-unseen', pools: ONE_POOL });
  est.egressBlocked.push({ protocol: 'tcp', port: 443 });
  const crashing = crashLoopAgents(est, 9, '2026-11-25T09:58:40Z');
  return finishScenario(
    est,
    {
      title: 'Egress TCP 443 dropped outside Azure\'s view (no NSG rule or route explains it)',
      description:
        'Something outside ARM (an on-premises firewall, a proxy) drops all TCP 443 from the nodes, and the konnectivity agents crash-loop. No NSG rule or route says so, so no automatic fix is proposed. ' +
        'Run-command returns its results over that same outbound 443, so no probe ever reports: egress, UFW and iptables are unknown, each saying the nodes\' path to AzureCloud:443 is probably blocked.',
    },
    verdicts({ 'egress-tunnel-ports': unknown(), 'tunnel-agent-health': fail(crashing), ...silentNodeProbes() }),
  );
});

scenario('egress-443-nsg-outbound-deny', () => {
  const est = buildEstate({ short: 'egressnsg', cluster: 'aks-egress-nsg', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [
    { name: 'Deny-HTTPS-Outbound', priority: 200, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', source: '*', destination: 'Internet', destinationPort: '443' },
  ]);
  est.egressBlocked.push({ protocol: 'tcp', port: 443 });
  return finishScenario(
    est,
    {
      title: 'Outbound NSG rule denies TCP 443 to Internet, and a firewall beyond it drops 443 too (konnectivity)',
      description:
        'aks-agentpool-…-nsg rule Deny-HTTPS-Outbound (priority 200), and a block outside ARM\'s view on TCP 443 as well: the NSG fix is needed but not enough (a re-check still fails). aks-egress-443 is the NSG-only case. ' +
        'No run-command result comes back over the blocked 443: UFW and iptables are unknown.',
    },
    verdicts({ 'egress-tunnel-ports': fail(agentNodeNames(est)), ...silentNodeProbes() }),
  );
});

scenario('egress-9000-tunnel-front', () => {
  const est = buildEstate({ short: 'egress9000', cluster: 'aks-egress-9000', kubernetesVersion: '1.21.9', tunnel: 'tunnel-front', pools: ONE_POOL });
  est.egressBlocked.push({ protocol: 'tcp', port: 9000 });
  return finishScenario(
    est,
    { title: 'Egress TCP 9000 blocked on a tunnel-front cluster', description: 'tunnelfront needs TCP 9000 to the API server; the firewall drops it.' },
    verdicts({ 'egress-tunnel-ports': fail(agentNodeNames(est)) }),
  );
});

scenario('egress-1194-aks-link', () => {
  const est = buildEstate({ short: 'egress1194', cluster: 'aks-egress-1194', kubernetesVersion: '1.22.11', tunnel: 'aks-link', pools: ONE_POOL });
  addSecurityRules(est, est.aksNsgId, [
    { name: 'Deny-OpenVPN-Outbound', priority: 150, direction: 'Outbound', access: 'Deny', protocol: 'Udp', source: '*', destination: 'Internet', destinationPort: '1194' },
  ]);
  est.egressBlocked.push({ protocol: 'udp', port: 1194 });
  return finishScenario(
    est,
    {
      title: 'Egress UDP 1194 denied by an outbound NSG rule (aks-link)',
      description: 'An outbound NSG deny is proof (a UDP probe alone could only warn): aks-link cannot reach the API server on UDP 1194.',
    },
    verdicts({ 'egress-tunnel-ports': fail(agentNodeNames(est)) }),
  );
});

function udrEstate(short: string, cluster: string): Estate {
  const est = buildEstate({
    short,
    cluster,
    outboundType: 'userDefinedRouting',
    customNetwork: { addressPrefix: '10.50.0.0/16', subnets: [{ name: 'snet-aks', prefix: '10.50.0.0/22' }] },
    pools: ONE_POOL,
  });
  addRouteTable(
    est,
    {
      id: resourceId(est.subscriptionId, est.netRg!, 'Microsoft.Network/routeTables', 'rt-aks-egress'),
      name: 'rt-aks-egress',
      routes: [{ name: 'default-to-hub-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.100.0.4' }],
      disableBgpRoutePropagation: true,
    },
    [est.subnetIds['snet-aks']!],
  );
  return est;
}

scenario('egress-udr-appliance-blocked', () => {
  const est = udrEstate('udrblock', 'aks-udr-blocked');
  // The firewall lacks an application rule for the API server's FQDN; other Azure endpoints pass.
  est.egressBlocked.push({ protocol: 'tcp', port: 443, destination: apiServerFqdn(est) });
  return finishScenario(
    est,
    {
      title: 'Egress through a firewall appliance (UDR 0.0.0.0/0) that drops TCP 443',
      description: 'outboundType userDefinedRouting: rt-aks-egress sends 0.0.0.0/0 to 10.100.0.4 (hub firewall), which has no rule for the API server\'s FQDN and drops 443 to it (other Azure endpoints pass, so run-command results come back). SNAT does not apply (no Azure outbound SNAT).',
    },
    verdicts({ 'egress-tunnel-ports': fail(agentNodeNames(est)), 'snat-exhaustion': notApplicable() }),
  );
});

scenario('egress-udr-appliance-open', () => {
  const est = udrEstate('udropen', 'aks-udr-open');
  return finishScenario(
    est,
    {
      title: 'Egress through a firewall appliance that lets 443 through (warn)',
      description: 'Same UDR as egress-udr-appliance-blocked, but the probe succeeds: per docs/checks.md a 0.0.0.0/0 route to an appliance is a "warn" (its rules can change).',
    },
    verdicts({ 'egress-tunnel-ports': warn(agentNodeNames(est)), 'snat-exhaustion': notApplicable() }),
  );
});

scenario('snat-exhaustion-lb', () => {
  const est = buildEstate({ short: 'snatlb', cluster: 'aks-snat-lb', pools: [{ name: 'nodepool1', count: 4, mode: 'System' }] });
  est.snat.failed = [0, 37, 112];
  const exhausted = [1, 3].map((i) => nodeOf(est, 'nodepool1', i));
  for (const n of exhausted) setSnatUsed(est, n, 1024);
  return finishScenario(
    est,
    {
      title: 'SNAT port exhaustion on the outbound load balancer',
      description: 'SnatConnectionCount Failed 37 and 112 in the last two minutes; instances 1 and 3 use all 1024 allocated ports.',
    },
    verdicts({ 'snat-exhaustion': fail(exhausted) }),
  );
});

scenario('snat-warn-80pct', () => {
  const est = buildEstate({ short: 'snatwarn', cluster: 'aks-snat-warn', pools: ONE_POOL });
  const node = nodeOf(est, 'nodepool1', 2);
  setSnatUsed(est, node, 860);
  return finishScenario(
    est,
    { title: 'SNAT ports at 84 % on one backend (warn)', description: 'Instance 2 uses 860 of 1024 ports (≥ 80 % at every point); no failed connections yet.' },
    verdicts({ 'snat-exhaustion': warn([node]) }),
  );
});

scenario('snat-natgateway', () => {
  const est = buildEstate({ short: 'snatnat', cluster: 'aks-snat-natgw', outboundType: 'managedNATGateway', pools: ONE_POOL });
  est.nat = { attempted: [2210, 6480, 9120], failed: [0, 210, 486], total: [63800, 64380, 64512], dropped: [0, 95, 301] };
  return finishScenario(
    est,
    {
      title: 'NAT gateway out of SNAT ports',
      description: 'aks-natgw: SNATConnectionCount Failed 210 and 486, PacketDropCount rising. The gateway serves the whole subnet, so every node is listed.',
    },
    verdicts({ 'snat-exhaustion': fail(allNodeNames(est)) }),
  );
});

scenario('agents-oomkilled', () => {
  const est = buildEstate({ short: 'agentsoom', cluster: 'aks-agents-oom', pools: ONE_POOL });
  const pod = tunnelPod(est, 1);
  Object.assign(pod, { restarts: 3, lastTermination: { reason: 'OOMKilled', exitCode: 137, finishedAt: OOM_AT } });
  est.events.push(oomKillingEvent(est, pod.node!, 'proxy-agent', 21877, OOM_AT));
  return finishScenario(
    est,
    { title: 'A konnectivity agent was OOM-killed', description: 'The second agent last terminated OOMKilled (exit 137, 3 restarts) and the node has an OOMKilling event for proxy-agent.' },
    verdicts({ 'tunnel-agent-health': fail([pod.node!]) }),
  );
});

scenario('agents-oom-event-only', () => {
  const est = buildEstate({ short: 'agentsoomev', cluster: 'aks-agents-oomevent', pools: ONE_POOL });
  const node = tunnelPod(est, 0).node!;
  est.events.push(oomKillingEvent(est, node, 'proxy-agent', 30412, OOM_AT));
  return finishScenario(
    est,
    {
      title: 'OOM kill of a konnectivity agent seen only in a node event',
      description: 'The killed pod was evicted and recreated (no termination history now), but the node still carries the OOMKilling event for proxy-agent (namespace "default", as every Node event).',
    },
    verdicts({ 'tunnel-agent-health': fail([node]) }),
  );
});

scenario('agents-crashloop', () => {
  const est = buildEstate({ short: 'agentscrash', cluster: 'aks-agents-crash', pools: ONE_POOL });
  const pod = tunnelPod(est, 0);
  Object.assign(pod, { restarts: 14, waitingReason: 'CrashLoopBackOff', lastTermination: { reason: 'Error', exitCode: 1, finishedAt: '2026-11-25T09:57:02Z' } });
  return finishScenario(
    est,
    { title: 'A konnectivity agent is in CrashLoopBackOff', description: 'The first agent: phase Running, container waiting in CrashLoopBackOff, 14 restarts.' },
    verdicts({ 'tunnel-agent-health': fail([pod.node!]) }),
  );
});

scenario('agents-missing', () => {
  const est = buildEstate({ short: 'agentsmissing', cluster: 'aks-agents-missing', pools: ONE_POOL });
  removeTunnelPods(est);
  return finishScenario(
    est,
    {
      title: 'No tunnel agent pods at all',
      description:
        'The konnectivity-agent pods are gone (the autoscaler pod and its configmap remain: "konnectivity-agent-autoscaler-…" is not an agent; agents are selected by label app=konnectivity-agent). Tunnel kind is "none", so egress is not applicable; tunnel-agent-health fails.',
    },
    verdicts({ 'egress-tunnel-ports': notApplicable(), 'tunnel-agent-health': fail([]) }),
  );
});

scenario('agents-pending', () => {
  const est = buildEstate({ short: 'agentspending', cluster: 'aks-agents-pending', pools: ONE_POOL });
  const pod = tunnelPod(est, 1);
  delete pod.node;
  pod.phase = 'Pending';
  return finishScenario(
    est,
    { title: 'One konnectivity agent is stuck Pending', description: 'The second agent cannot be scheduled (phase Pending, no node); one agent runs, the ladder asks for two.' },
    verdicts({ 'tunnel-agent-health': fail([]) }),
  );
});

scenario('agents-too-few-ladder', () => {
  const est = buildEstate({
    short: 'agentsladder',
    cluster: 'aks-agents-ladder',
    pools: [
      { name: 'system', count: 3, mode: 'System' },
      { name: 'user', count: 3 },
    ],
    ladder: [
      [1, 2],
      [5, 3],
      [100, 4],
    ],
    agentReplicas: 2,
  });
  return finishScenario(
    est,
    { title: 'Too few konnectivity agents for a customised ladder', description: 'The autoscaler configmap ladder is [[1,2],[5,3],[100,4]]: six nodes need 3 agents, 2 run.' },
    verdicts({ 'tunnel-agent-health': fail([]) }),
  );
});

scenario('agents-too-few-105-nodes', () => {
  const est = buildEstate({
    short: 'agentsbig',
    cluster: 'aks-agents-big',
    pools: [
      { name: 'system', count: 5, mode: 'System' },
      { name: 'user1', count: 50 },
      { name: 'user2', count: 50 },
    ],
    ladder: null,
    agentReplicas: 2,
  });
  return finishScenario(
    est,
    {
      title: 'Too few konnectivity agents for 105 nodes (default ladder, no configmap)',
      description: 'No konnectivity-agent-autoscaler configmap, so the default ladder applies: 105 nodes ≥ 100 → 3 agents; 2 run. SNAT allocation is 256 ports per backend (101-200 instances).',
    },
    verdicts({ 'tunnel-agent-health': fail([]) }),
  );
});

scenario('agents-restarts-warn', () => {
  const est = buildEstate({ short: 'agentsrestarts', cluster: 'aks-agents-restarts', pools: ONE_POOL });
  const pod = tunnelPod(est, 1);
  Object.assign(pod, { restarts: 7, lastTermination: { reason: 'Error', exitCode: 2, finishedAt: '2026-11-25T08:12:44Z' } });
  return finishScenario(
    est,
    { title: 'A konnectivity agent restarted 7 times but runs now (warn)', description: 'Restarts > 5, Running now, last termination "Error" (not OOMKilled): warn.' },
    verdicts({ 'tunnel-agent-health': warn([pod.node!]) }),
  );
});

// =============================================================================================
// Combinations.

scenario('combo-nsg-ufw', () => {
  const est = buildEstate({
    short: 'combonsgufw',
    cluster: 'aks-combo-nsgufw',
    pools: [
      { name: 'system', count: 2, mode: 'System' },
      { name: 'user', count: 2 },
    ],
  });
  const nsg = addNsg(est, 'nsg-user-nic', [denyKubelet({ priority: 250 })]);
  attachNsgToPool(est, nsg, 'user');
  const ufwNode = nodeOf(est, 'system', 1);
  enableUfw(nodeNamed(est, ufwNode));
  return finishScenario(
    est,
    { title: 'Two causes: NIC NSG deny on the user pool and UFW on a system node', description: 'nsg-user-nic denies TCP 10250 into the user pool; system instance 1 has UFW on with default deny.' },
    verdicts({ 'nsg-10250': fail(pool(est, 'user').nodes.map((n) => n.computerName)), 'ufw-10250': fail([ufwNode]) }),
  );
});

scenario('combo-iptables-snat', () => {
  const est = buildEstate({ short: 'comboiptsnat', cluster: 'aks-combo-iptsnat', pools: ONE_POOL });
  const dropNode = nodeOf(est, 'nodepool1', 2);
  addIptablesRule(nodeNamed(est, dropNode), 'INPUT', iptablesRule('DROP', 'tcp', 'tcp dpt:10250'));
  const snatNode = nodeOf(est, 'nodepool1', 0);
  est.snat.failed = [12, 40, 73];
  setSnatUsed(est, snatNode, 1024);
  return finishScenario(
    est,
    { title: 'Two causes: iptables DROP on one node and SNAT exhaustion on another', description: 'Instance 2 drops TCP 10250 in INPUT; instance 0 uses all its SNAT ports and connections fail.' },
    verdicts({ 'iptables-10250': fail([dropNode]), 'snat-exhaustion': fail([snatNode]) }),
  );
});

scenario('combo-ufw-oom', () => {
  const est = buildEstate({ short: 'comboufwoom', cluster: 'aks-combo-ufwoom', pools: ONE_POOL });
  const ufwNode = nodeOf(est, 'nodepool1', 2);
  enableUfw(nodeNamed(est, ufwNode));
  const pod = tunnelPod(est, 0);
  Object.assign(pod, { restarts: 2, lastTermination: { reason: 'OOMKilled', exitCode: 137, finishedAt: OOM_AT } });
  est.events.push(oomKillingEvent(est, pod.node!, 'proxy-agent', 19003, OOM_AT));
  return finishScenario(
    est,
    { title: 'Two causes: UFW on one node and an OOM-killed agent', description: 'Instance 2 runs UFW (default deny); the first konnectivity agent was OOM-killed.' },
    verdicts({ 'ufw-10250': fail([ufwNode]), 'tunnel-agent-health': fail([pod.node!]) }),
  );
});

scenario('combo-everything', () => {
  const est = buildEstate({
    short: 'comboall',
    cluster: 'aks-combo-all',
    pools: [
      { name: 'system', count: 3, mode: 'System' },
      { name: 'user', count: 3 },
    ],
  });
  const nsg = addNsg(est, 'nsg-user-nic', [denyKubelet({ priority: 220 })]);
  attachNsgToPool(est, nsg, 'user');
  const ufwNode = nodeOf(est, 'system', 2);
  enableUfw(nodeNamed(est, ufwNode));
  const iptNode = nodeOf(est, 'system', 1);
  addIptablesRule(nodeNamed(est, iptNode), 'INPUT', iptablesRule('DROP', 'tcp', 'tcp dpt:10250'));
  // To the API server only: a block of all 443 would also keep run-command results from coming back.
  est.egressBlocked.push({ protocol: 'tcp', port: 443, destination: apiServerFqdn(est) });
  const snatNode = nodeOf(est, 'user', 0);
  est.snat.failed = [5, 61, 140];
  setSnatUsed(est, snatNode, 1024);
  const pod = tunnelPod(est, 0);
  Object.assign(pod, { restarts: 22, waitingReason: 'CrashLoopBackOff', lastTermination: { reason: 'Error', exitCode: 1, finishedAt: '2026-11-25T09:59:30Z' } });
  return finishScenario(
    est,
    {
      title: 'Everything at once: NSG, UFW, iptables, egress 443, SNAT and a crash-looping agent',
      description: 'The demo worst case: every check finds its cause on a different part of the cluster.',
    },
    verdicts({
      'nsg-10250': fail(pool(est, 'user').nodes.map((n) => n.computerName)),
      'ufw-10250': fail([ufwNode]),
      'iptables-10250': fail([iptNode]),
      'egress-tunnel-ports': fail(agentNodeNames(est)),
      'snat-exhaustion': fail([snatNode]),
      'tunnel-agent-health': fail([pod.node!]),
    }),
  );
});

// =============================================================================================
// Unknown: the diagnosis cannot see.

scenario('unknown-nsg-forbidden', () => {
  const est = buildEstate({ short: 'nsg403', cluster: 'aks-nsg-forbidden', pools: ONE_POOL });
  est.faults.push({
    method: 'GET',
    path: `${nodeRgPathPart(est)}/${anyCase('Microsoft.Network/networkSecurityGroups')}`,
    status: 403,
    code: 'AuthorizationFailed',
    message: `The client '0b7f4c2e-1a3d-4e5f-8a9b-c0d1e2f3a4b5' with object id '0b7f4c2e-1a3d-4e5f-8a9b-c0d1e2f3a4b5' does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/read' over scope '/subscriptions/${est.subscriptionId}/resourceGroups/${est.nodeRg}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  });
  return finishScenario(
    est,
    {
      title: 'The bot may not read the NSGs (403): nsg-10250 unknown',
      description:
        'Every NSG read in the node resource group answers 403 AuthorizationFailed (Microsoft.Network/networkSecurityGroups/read). nsg-10250 is unknown and names the action; egress still passes on the probe, which succeeds.',
    },
    verdicts({ 'nsg-10250': unknown() }),
  );
});

scenario('unknown-runcommand-busy', () => {
  const est = buildEstate({ short: 'runcmd', cluster: 'aks-runcmd-busy', pools: ONE_POOL });
  est.faults.push({
    method: 'POST',
    path: `${nodeRgPathPart(est)}/${anyCase('Microsoft.Compute/virtualMachineScaleSets')}/[^/]+/${anyCase('virtualMachines')}/[^/]+/${anyCase('runCommand')}$`,
    status: 409,
    code: 'Conflict',
    message: 'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
  });
  return finishScenario(
    est,
    {
      title: 'Run-command always busy (409): host checks and the egress probe unknown',
      description: 'Every VMSS run-command answers 409 Conflict, even after retries: UFW, iptables and the egress probe cannot be read. NSGs, metrics and pods are readable and healthy.',
    },
    verdicts({ 'ufw-10250': unknown(), 'iptables-10250': unknown(), 'egress-tunnel-ports': unknown(), 'kubelet-reachability': unknown() }),
  );
});

scenario('unknown-kubectl-forbidden', () => {
  const est = buildEstate({ short: 'kubectl403', cluster: 'aks-kubectl-denied', pools: ONE_POOL });
  est.faults.push({
    method: 'POST',
    path: `/${anyCase('managedClusters')}/aks-kubectl-denied/${anyCase('runCommand')}$`,
    status: 403,
    code: 'AuthorizationFailed',
    message: `The client '0b7f4c2e-1a3d-4e5f-8a9b-c0d1e2f3a4b5' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/runCommand/action' over scope '${est.clusterId}' or the scope is invalid.`,
  });
  return finishScenario(
    est,
    {
      title: 'AKS command invoke forbidden (403): pods unreadable, tunnel kind unknown',
      description:
        'kubectl through AKS command invoke answers 403, so the tunnel pods cannot be listed: tunnel-agent-health unknown, and with the tunnel kind unknown egress is unknown too. NSGs and host firewalls (checked from every node) are healthy.',
    },
    verdicts({ 'egress-tunnel-ports': unknown(), 'tunnel-agent-health': unknown() }),
  );
});

// =============================================================================================
// Shaped like real enterprise clusters (issue #12): Entra ID, many nodes, many DaemonSets.

/** Microsoft Entra ID with Azure RBAC for Kubernetes, local accounts off: most enterprise clusters. */
function enableEntraId(est: Estate): void {
  Object.assign(getResource(est, est.clusterId).properties!, {
    aadProfile: { managed: true, enableAzureRBAC: true, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    disableLocalAccounts: true,
  });
}

/** The kube-system DaemonSets of a current AKS cluster besides kube-proxy (which buildEstate adds). */
function addAksDaemonSets(est: Estate): void {
  addDaemonSetPods(est, 'cloud-node-manager', { component: 'cloud-node-manager', 'kubernetes.azure.com/managedby': 'aks' });
  addDaemonSetPods(est, 'csi-azuredisk-node', { app: 'csi-azuredisk-node', 'kubernetes.azure.com/managedby': 'aks' });
  addDaemonSetPods(est, 'csi-azurefile-node', { app: 'csi-azurefile-node', 'kubernetes.azure.com/managedby': 'aks' });
  addDaemonSetPods(est, 'azure-ip-masq-agent', { 'k8s-app': 'azure-ip-masq-agent', 'kubernetes.azure.com/managedby': 'aks' });
  addDaemonSetPods(est, 'azure-cns', { 'k8s-app': 'azure-cns', 'kubernetes.azure.com/managedby': 'aks' });
  addDaemonSetPods(est, 'ama-logs', { component: 'ama-logs-agent', 'kubernetes.azure.com/managedby': 'aks' });
  addDaemonSetPods(est, 'ama-metrics-node', { 'dsName': 'ama-metrics-node', 'kubernetes.azure.com/managedby': 'aks' });
}

scenario('real-entra-150-nodes-snat-99pct', () => {
  const est = buildEstate({
    short: 'entra150',
    cluster: 'aks-entra-150',
    pools: [
      { name: 'system', count: 5, mode: 'System' },
      { name: 'apps1', count: 70 },
      { name: 'apps2', count: 75 },
    ],
  });
  enableEntraId(est);
  addAksDaemonSets(est);
  // Far down the list: Azure Monitor returns 10 series unless `top` is set, so a per-backend query
  // that leaves it at the default never sees this node.
  const node = nodeOf(est, 'apps2', 61);
  setSnatUsed(est, node, 254);
  return finishScenario(
    est,
    {
      title: 'Entra ID cluster, 150 nodes, eight kube-system DaemonSets, one backend at 99 % of its SNAT ports',
      description:
        'aadProfile (Entra ID, Azure RBAC) and disableLocalAccounts: command invoke needs a clusterToken. 150 nodes × 8 DaemonSets: the whole kube-system list in JSON is several MB, far past command invoke\'s 512 kB, so the tunnel pods must be listed by label. One backend deep in the list uses 254 of 256 SNAT ports (≥ 80 %, no failed connections): warn.',
    },
    verdicts({ 'snat-exhaustion': warn([node]) }),
  );
});

/**
 * API Server VNet Integration: the API server in a delegated subnet of the node VNet behind the
 * internal load balancer kube-apiserver (node resource group); AKS runs no konnectivity agents.
 */
function enableVnetIntegration(est: Estate): { subnetId: string; internalIp: string } {
  const vnet = getResource(est, est.vnetId);
  const subnetId = `${est.vnetId}/subnets/aks-apiserver-subnet`;
  (vnet.properties!.subnets as Array<Record<string, any>>).push({
    id: subnetId,
    name: 'aks-apiserver-subnet',
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: {
      provisioningState: 'Succeeded',
      addressPrefix: '10.225.0.0/28',
      delegations: [{ name: 'aks-delegation', properties: { serviceName: 'Microsoft.ContainerService/managedClusters' } }],
    },
  });
  const internalIp = '10.225.0.4';
  addResource(est, {
    id: resourceId(est.subscriptionId, est.nodeRg, 'Microsoft.Network/loadBalancers', 'kube-apiserver'),
    name: 'kube-apiserver',
    type: 'Microsoft.Network/loadBalancers',
    location: est.location,
    sku: { name: 'Standard', tier: 'Regional' },
    properties: {
      provisioningState: 'Succeeded',
      frontendIPConfigurations: [{ name: 'kube-apiserver-frontend', properties: { privateIPAddress: internalIp, privateIPAllocationMethod: 'Static', subnet: { id: subnetId } } }],
    },
  });
  Object.assign(getResource(est, est.clusterId).properties!.apiServerAccessProfile, { enableVnetIntegration: true, subnetId });
  // No tunnel: AKS deploys neither konnectivity-agent nor its autoscaler and ladder.
  removeTunnelPods(est);
  est.pods = est.pods.filter((p) => p.labels?.['k8s-app'] !== 'konnectivity-agent-autoscaler');
  est.configMaps = [];
  return { subnetId, internalIp };
}

scenario('real-vnet-integration', () => {
  const est = buildEstate({ short: 'vnetint', cluster: 'aks-vnet-integration', pools: ONE_POOL });
  enableVnetIntegration(est);
  return finishScenario(
    est,
    {
      title: 'API Server VNet Integration: no tunnel, the nodes reach the API server at 10.225.0.4',
      description:
        'apiServerAccessProfile.enableVnetIntegration with the API server in aks-apiserver-subnet (10.225.0.0/28) behind the internal load balancer kube-apiserver. No konnectivity agents run: tunnel-agent-health is not applicable, and egress checks TCP 443 to the internal address, which the VirtualNetwork rules allow.',
    },
    verdicts({ 'tunnel-agent-health': notApplicable() }),
  );
});

scenario('real-vnet-integration-egress-denied', () => {
  const est = buildEstate({ short: 'vnetintdeny', cluster: 'aks-vnet-int-deny', pools: ONE_POOL });
  enableVnetIntegration(est);
  addSecurityRules(est, est.aksNsgId, [
    { name: 'Deny-ApiServer-Subnet-Outbound', priority: 200, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', source: '*', destination: '10.225.0.0/28', destinationPort: '443' },
  ]);
  return finishScenario(
    est,
    {
      title: 'API Server VNet Integration with an outbound NSG rule denying 443 to the API server subnet',
      description:
        'The nodes reach the API server at its internal address 10.225.0.4; Deny-ApiServer-Subnet-Outbound (priority 200) denies TCP 443 to 10.225.0.0/28. A public address is not involved, so only a check aimed at the internal address finds it.',
    },
    verdicts({ 'tunnel-agent-health': notApplicable(), 'egress-tunnel-ports': fail(allNodeNames(est)) }),
  );
});

scenario('real-vm-pool-not-scale-set', () => {
  const est = buildEstate({ short: 'vmpool', cluster: 'aks-vm-pool', pools: ONE_POOL });
  // A pool of type VirtualMachines (AgentPoolType in the AKS REST API): single VMs, no scale set.
  (getResource(est, est.clusterId).properties!.agentPoolProfiles as Array<Record<string, unknown>>).push({
    name: 'vmpool',
    count: 2,
    vmSize: 'Standard_D4ds_v5',
    osType: 'Linux',
    osSKU: 'Ubuntu',
    mode: 'User',
    type: 'VirtualMachines',
    provisioningState: 'Succeeded',
    powerState: { code: 'Running' },
  });
  return finishScenario(
    est,
    {
      title: 'A node pool of type VirtualMachines beside the scale-set pool',
      description:
        'vmpool (2 nodes) is a VirtualMachines pool: it has no scale set, and the bot reads nodes through scale sets. Its nodes are named, not dropped: the checks that speak for every node (NSG, UFW, iptables, kubelet reachability on 10250) cannot pass and are unknown; the scale-set pool is healthy.',
    },
    verdicts({ 'nsg-10250': unknown(), 'ufw-10250': unknown(), 'iptables-10250': unknown(), 'kubelet-reachability': unknown() }),
  );
});

// =============================================================================================
// Azure Monitor as Azure serves it (issue #12 item 4): 10 series unless `top` is set, and port
// metrics split by ProtocolType.

/** Gives every load-balancer port series ProtocolType TCP and adds the UDP allocation beside it,
 * as Azure Monitor reports AllocatedSnatPorts / UsedSnatPorts per protocol. */
function withUdpPortSeries(s: CorpusScenario, udpUsed: number): CorpusScenario {
  for (const byMetric of Object.values(s.metrics ?? {})) {
    for (const name of ['AllocatedSnatPorts', 'UsedSnatPorts']) {
      const series = byMetric[name];
      if (!series) continue;
      const udp = series.map((x) => ({
        dimensions: { ...x.dimensions, ProtocolType: 'UDP' },
        data: x.data.map((p) => (name === 'UsedSnatPorts' ? { ...p, average: udpUsed } : p)),
      }));
      byMetric[name] = [...series.map((x) => ({ ...x, dimensions: { ...x.dimensions, ProtocolType: 'TCP' } })), ...udp];
    }
  }
  return s;
}

scenario('snat-99pct-150-nodes', () => {
  const est = buildEstate({ short: 'snat150', cluster: 'aks-snat-150', pools: [{ name: 'system', count: 3, mode: 'System' }, { name: 'user', count: 147 }] });
  // 150 backends get 256 ports each (Azure Load Balancer "Default port allocation"); the node at
  // 99 % is the 141st series, far beyond the 10 Azure Monitor returns by default.
  const node = nodeOf(est, 'user', 137);
  setSnatUsed(est, node, 253);
  return withUdpPortSeries(
    finishScenario(
      est,
      {
        title: 'One of 150 backends at 99 % of its SNAT ports, far down the metric list (warn)',
        description:
          'user instance 137 uses 253 of 256 TCP ports; no failed connections. Azure Monitor returns 10 series per filtered query unless top is set, and the port metrics also carry a UDP series per backend (2 used): a query without top, orderby and ProtocolType eq \'TCP\' misses the node.',
      },
      verdicts({ 'snat-exhaustion': warn([node]) }),
    ),
    2,
  );
});
// kubelet-reachability (issue #13): nodes that do not answer on 10250 while none of the six
// causes shows, and the further reads that name why (or say that nothing known does).

function reachabilityScenarios(): void {
  scenario('reach-unexplained-timeout', () => {
    const est = buildEstate({ short: 'unexpl', cluster: 'aks-unexplained', pools: ONE_POOL });
    const node = nodeOf(est, 'nodepool1', 2);
    nodeNamed(est, node).inbound = { '10250/tcp': 'timeout' };
    return finishScenario(
      est,
      {
        title: 'One node does not answer on 10250 and nothing known explains it',
        description:
          'Instance 2 times out on TCP 10250 from the tunnel agents (ground truth `inbound`), while NSGs, UFW (inactive), iptables and nftables all let it through and the kubelet runs: the six causes pass, so kubelet-reachability fails naming the node and what to read next. Never "healthy".',
      },
      verdicts({ 'kubelet-reachability': fail([node]) }),
    );
  });

  scenario('reach-kubelet-down', () => {
    const est = buildEstate({ short: 'kubdown', cluster: 'aks-kubelet-down', pools: ONE_POOL });
    const node = nodeOf(est, 'nodepool1', 2);
    nodeNamed(est, node).kubelet = { active: 'inactive' };
    return finishScenario(
      est,
      {
        title: 'The kubelet is stopped on one node: connection refused',
        description: 'Instance 2: `systemctl is-active kubelet` says inactive and nothing listens on 10250, so the probe is refused; no firewall is involved. kubelet-reachability names the stopped kubelet.',
      },
      verdicts({ 'kubelet-reachability': fail([node]) }),
    );
  });

  scenario('reach-plain-http-listener', () => {
    const est = buildEstate({ short: 'plainhttp', cluster: 'aks-plain-http', pools: ONE_POOL });
    const node = nodeOf(est, 'nodepool1', 1);
    nodeNamed(est, node).kubelet = { active: 'failed', listener: 'python3' };
    return finishScenario(
      est,
      {
        title: 'Something other than the kubelet answers on 10250 in plain HTTP',
        description:
          'Instance 1: python3 listens on 10250 (the kubelet failed to bind): TCP connects, TLS fails and plain HTTP answers 404 — the article\'s "http: server gave HTTP response to HTTPS client". kubelet-reachability names the symptom and the listener.',
      },
      verdicts({ 'kubelet-reachability': fail([node]) }),
    );
  });

  scenario('reach-nftables-drop', () => {
    const est = buildEstate({ short: 'nftdrop', cluster: 'aks-nft-drop', pools: ONE_POOL });
    const node = nodeOf(est, 'nodepool1', 2);
    nodeNamed(est, node).nftables = [{
      family: 'inet', name: 'hardening',
      chains: [{ name: 'input', hook: 'input', priority: -10, policy: 'accept', rules: ['ct state established,related accept', 'tcp dport { 10250, 10255 } counter packets 0 bytes 0 drop comment "cis 3.5"'] }],
    }];
    return finishScenario(
      est,
      {
        title: 'An nftables table outside iptables\' view drops TCP 10250',
        description: 'Instance 2: `table inet hardening` has an input-hook chain that drops 10250; `iptables --list` does not show it and UFW is inactive, so only nft list ruleset explains the timeout.',
      },
      verdicts({ 'kubelet-reachability': fail([node]) }),
    );
  });

  scenario('near-nftables-drop-other-interface', () => {
    const est = buildEstate({ short: 'nfteth1', cluster: 'aks-nft-eth1', pools: ONE_POOL });
    for (const name of allNodeNames(est)) {
      nodeNamed(est, name).nftables = [{
        family: 'inet', name: 'hardening',
        chains: [{ name: 'input', hook: 'input', priority: -10, policy: 'accept', rules: ['iifname "eth1" tcp dport 10250 drop'] }],
      }];
    }
    return finishScenario(
      est,
      {
        title: 'nftables drops 10250 only on eth1 (near miss: the tunnel arrives on eth0)',
        description: 'Every node has `iifname "eth1" tcp dport 10250 drop`; tunnel traffic arrives on eth0, so every kubelet answers and every check passes.',
      },
      verdicts({}),
    );
  });

  scenario('reach-udr-appliance-between-subnets', () => {
    const est = buildEstate({
      short: 'udr10250',
      cluster: 'aks-udr-kubelet',
      customNetwork: { addressPrefix: '10.70.0.0/16', subnets: [{ name: 'snet-system', prefix: '10.70.0.0/22' }, { name: 'snet-user', prefix: '10.70.4.0/22' }] },
      pools: [{ name: 'nodepool1', count: 2, mode: 'System', subnet: 'snet-system' }, { name: 'userpool', count: 2, mode: 'User', subnet: 'snet-user' }],
    });
    addRouteTable(
      est,
      {
        id: resourceId(est.subscriptionId, est.netRg!, 'Microsoft.Network/routeTables', 'rt-user-inspect'),
        name: 'rt-user-inspect',
        routes: [{ name: 'vnet-via-hub-firewall', addressPrefix: '10.70.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.100.0.4' }],
        disableBgpRoutePropagation: true,
      },
      [est.subnetIds['snet-user']!],
    );
    const user = allNodeNames(est, (n) => n.vmss.toLowerCase().includes('userpool'));
    return {
      ...finishScenario(
        est,
        {
          title: 'A route table sends node-to-node traffic through a firewall that drops 10250',
          description:
            'rt-user-inspect on snet-user overrides the VNet route (10.70.0.0/16 → VirtualAppliance 10.100.0.4, longest prefix, user over system); the firewall drops TCP 10250, so the replies from the user-pool kubelets to the agents (system pool) never return. NSGs and host firewalls allow it: kubelet-reachability names the route.',
        },
        verdicts({ 'kubelet-reachability': fail(user) }),
      ),
      appliances: [{ ip: '10.100.0.4', drops: [{ protocol: 'tcp' as const, port: 10250 }] }],
    };
  });

  scenario('reach-windows-timeout', () => {
    const est = buildEstate({
      short: 'wintime',
      cluster: 'aks-win-timeout',
      pools: [{ name: 'nodepool1', count: 2, mode: 'System' }, { name: 'npwt', count: 2, osType: 'Windows' }],
    });
    const win = allNodeNames(est, (n) => n.osType === 'Windows')[0]!;
    nodeNamed(est, win).inbound = { '10250/tcp': 'timeout' };
    return finishScenario(
      est,
      {
        title: 'A Windows node does not answer on 10250 and its firewall lets 10250 in',
        description: 'One Windows node times out on TCP 10250 (ground truth `inbound`); NSGs allow it, ufw/iptables do not exist there, and the Windows firewall read (RunPowerShellScript, same round) allows 10250 with the kubelet service running: unexplained, so kubelet-reachability fails naming it and what to read next.',
      },
      verdicts({ 'kubelet-reachability': fail([win]) }),
    );
  });

  scenario('reach-windows-firewall-block', () => {
    const est = buildEstate({
      short: 'winblock',
      cluster: 'aks-win-block',
      pools: [{ name: 'nodepool1', count: 2, mode: 'System' }, { name: 'npwb', count: 2, osType: 'Windows' }],
    });
    const win = allNodeNames(est, (n) => n.osType === 'Windows')[1]!;
    nodeNamed(est, win).windowsFirewall = {
      rules: [
        { name: 'kubelet', action: 'Allow', localPort: '10250', remoteAddress: 'Any', protocol: 'TCP', profile: 'Any' },
        { name: 'CIS block kubelet from VNet', action: 'Block', localPort: '10250,10255', remoteAddress: '10.224.0.0/16', protocol: 'TCP', profile: 'Any' },
      ],
    };
    return finishScenario(
      est,
      {
        title: 'The Windows firewall on one Windows node blocks 10250 from the VNet',
        description: 'The second Windows node has an inbound Block rule for TCP 10250,10255 from 10.224.0.0/16 beside the kubelet Allow rule; a block rule beats an allow rule, so the tunnel agents time out. kubelet-reachability reads the Windows firewall (RunPowerShellScript) and names the rule.',
      },
      verdicts({ 'kubelet-reachability': fail([win]) }),
    );
  });

  scenario('iptables-legacy-tables-drop', () => {
    const est = buildEstate({ short: 'iptlegacy', cluster: 'aks-ipt-legacy', pools: ONE_POOL });
    const node = nodeOf(est, 'nodepool1', 2);
    const n = nodeNamed(est, node);
    // The rule lives only in the legacy tables; the simulator prints iptables-nft's warning for
    // them as the real tool does (test/engine/host/fixtures/iptables-nft-calico-cilium.S.txt).
    n.iptablesLegacy = { chains: { INPUT: { policy: 'ACCEPT', rules: [iptablesRule('DROP', 'tcp', 'tcp dpt:10250')] } } };
    return finishScenario(
      est,
      {
        title: 'iptables-nft warns of legacy tables, which hold the DROP of 10250',
        description:
          'Instance 2: `iptables -S` (iptables-nft) prints "# Warning: iptables-legacy tables present"; its own rules let 10250 through from eth0, but `iptables-legacy -S` has `-A INPUT -p tcp -m tcp --dport 10250 -j DROP`. iptables-10250 reads the legacy tables before calling iptables clean, fails, and proposes the deletion by hand (no node script for legacy tables).',
      },
      verdicts({ 'iptables-10250': fail([node]) }),
    );
  });

  scenario('near-iptables-drop-on-eth1', () => {
    const est = buildEstate({ short: 'ipteth1', cluster: 'aks-ipt-eth1', pools: ONE_POOL });
    addSecurityRules(est, est.aksNsgId, [denyKubelet({ name: 'DenyKubeletInbound', source: '*' })]);
    const node = nodeOf(est, 'nodepool1', 1);
    addIptablesRule(nodeNamed(est, node), 'INPUT', { ...iptablesRule('DROP', 'tcp', 'tcp dpt:10250'), in: 'eth1' });
    return finishScenario(
      est,
      {
        title: 'NSG denies 10250; an iptables DROP of 10250 on eth1 only is not a cause (near miss)',
        description:
          'The subnet NSG denies TCP 10250, so every node is unreachable and its firewall is read. Instance 1 has `-A INPUT -i eth1 -p tcp -m tcp --dport 10250 -j DROP`: `iptables --list` hides the `-i eth1`, `iptables -S` shows it, and tunnel traffic arrives on eth0, so iptables-10250 passes and the NSG explains every node.',
      },
      verdicts({ 'nsg-10250': fail(allNodeNames(est)) }),
    );
  });

  scenario('ufw-allows-10250-on-eth1-only', () => {
    const est = buildEstate({ short: 'ufweth1', cluster: 'aks-ufw-eth1', pools: ONE_POOL });
    const node = nodeOf(est, 'nodepool1', 2);
    enableUfw(nodeNamed(est, node), {
      rules: [
        { to: '22/tcp', action: 'ALLOW IN', from: 'Anywhere' },
        { to: '10250/tcp on eth1', action: 'ALLOW IN', from: 'Anywhere' },
        { to: '22/tcp (v6)', action: 'ALLOW IN', from: 'Anywhere (v6)', v6: true },
        { to: '10250/tcp (v6) on eth1', action: 'ALLOW IN', from: 'Anywhere (v6)', v6: true },
      ],
    });
    return finishScenario(
      est,
      {
        title: 'UFW allows 10250 only on eth1; the tunnel arrives on eth0',
        description: 'Instance 2: `ufw allow in on eth1 to any port 10250 proto tcp` (rows `10250/tcp on eth1`, with their (v6) twins), default incoming deny: on eth0 the default policy drops 10250. ufw-10250 fails and explains the node.',
      },
      verdicts({ 'ufw-10250': fail([node]) }),
    );
  });

  scenario('reach-ufw-limit-10250', () => {
    const est = buildEstate({ short: 'ufwlimit', cluster: 'aks-ufw-limit', pools: ONE_POOL });
    const node = nodeOf(est, 'nodepool1', 2);
    const n = nodeNamed(est, node);
    enableUfw(n, { rules: [{ to: '22/tcp', action: 'ALLOW IN', from: 'Anywhere' }, { to: '10250/tcp', action: 'LIMIT IN', from: 'Anywhere' }, { to: '10250/tcp (v6)', action: 'LIMIT IN', from: 'Anywhere (v6)', v6: true }] });
    // After the tunnel's burst of connections ufw-user-limit rejects the agents: the probe is refused.
    n.inbound = { '10250/tcp': 'refused' };
    return finishScenario(
      est,
      {
        title: 'UFW rate-limits 10250 (LIMIT): the tunnel\'s bursts are refused',
        description: 'Instance 2: `ufw limit 10250/tcp`. A lone connection passes, but ufw refuses an address\'s 6th connection within 30 s and every kubectl logs/exec comes from a tunnel agent\'s address: the probe after a burst is refused. ufw-10250 warns (why), and kubelet-reachability fails naming the LIMIT rule.',
      },
      verdicts({ 'ufw-10250': warn([node]), 'kubelet-reachability': fail([node]) }),
    );
  });
}

reachabilityScenarios();

// =============================================================================================

export function buildCorpus(): CorpusEntry[] {
  return corpus.map(({ file, build }) => ({ file: `${file}.json`, scenario: build() }));
}

export function serialiseScenario(s: CorpusScenario): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

function clusterOf(s: CorpusScenario): { name: string; where: string } {
  const cluster = s.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
  const rg = cluster.id.split('/')[4]!;
  return { name: cluster.name, where: `${s.subscriptions[0]?.displayName ?? ''} / ${rg}` };
}

function verdictText(expected: CorpusScenario['expected']): string {
  const notPass = (Object.entries(expected) as Array<[CheckIdText, { status: string; nodes?: string[] }]>).filter(([, v]) => v.status !== 'pass');
  if (notPass.length === 0) return 'all pass';
  return notPass
    .map(([id, v]) => {
      const nodes = v.nodes ? (v.nodes.length ? ` (${v.nodes.map((n) => n.replace(/-\d{8}-/, '-…-')).join(', ')})` : ' (no node)') : '';
      return `${id} **${v.status}**${nodes}`;
    })
    .join('; ');
}

export function renderReadme(entries: CorpusEntry[]): string {
  const rows = entries.map(({ file, scenario: s }) => {
    const c = clusterOf(s);
    return `| [${file}](${file}) | \`${c.name}\` (${c.where}) | ${s.title.replace(/\|/g, '\\|')} | ${verdictText(s.expected)} |`;
  });
  return [
    '# Scenario corpus',
    '',
    'Generated by `npx tsx scripts/make-scenarios.ts` from the building blocks in `scripts/estate-blocks.ts`; do not edit the JSON by hand.',
    'Format: `tunnel-doctor-scenario/v1` (/work/shared/scenario-format.md) plus two extension fields: `description` (what is wrong and why the verdict follows) and `expected` (the six verdicts per docs/checks.md; `nodes` sorted, for fail/warn only).',
    '',
    'The simulated Azure serves every file at once: each scenario has its own resource groups (`rg-<short>`, `rg-<short>-net` for a custom VNet, `MC_rg-<short>_<cluster>_<region>`), so no resource id repeats across files. Cluster names are unique except `aks-shared`, deliberately in two subscriptions. Faults are scoped by path to their own cluster.',
    '',
    'Conventions for `expected.nodes`:',
    '- `nsg-10250`: nodes that at least one tunnel-agent node cannot reach on TCP 10250 (agents always run on two different nodes).',
    '- `ufw-10250` / `iptables-10250`: running Linux nodes whose firewall stops 10250. Deallocated nodes are skipped, not "unknown".',
    '- `egress-tunnel-ports`: the tunnel-agent nodes. aks-link (UDP) can only "warn" on a probe; an outbound NSG deny makes it "fail".',
    '- `snat-exhaustion`: LB backends at ≥ 80 % of allocated ports; for a NAT gateway every node behind it. Private clusters and userDefinedRouting: not-applicable.',
    '- `tunnel-agent-health`: nodes of the unhealthy agent pods; none when pods are missing, pending or too few. The autoscaler pod `konnectivity-agent-autoscaler-…` is not an agent (select by label).',
    '',
    '| File | Cluster (subscription / RG) | What is wrong | Expected (all other checks pass) |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function writeCorpus(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const entries = buildCorpus();
  const wanted = new Set(entries.map((e) => e.file));
  for (const old of readdirSync(dir)) if (old.endsWith('.json') && !wanted.has(old)) unlinkSync(join(dir, old));
  for (const { file, scenario: s } of entries) writeFileSync(join(dir, file), serialiseScenario(s));
  writeFileSync(join(dir, 'README.md'), renderReadme(entries));
  console.log(`wrote ${entries.length} scenarios and README.md to ${dir}`);
}

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) writeCorpus(SCENARIO_DIR);
