/**
 * Reports built by hand from the contract (scenario-format.md §2, src/engine/report.ts), as the
 * engine would produce them for the cards to render.
 */
import { withApplier } from '../../src/engine/fixes/fix-kinds.js';
import type { CheckResult, FixProposal, Report } from '../../src/engine/report.js';

/** As the diagnosis hands the report on: each fix says who applies it (src/engine/fixes/fix-kinds.ts). */
function asDiagnosed(report: Report): Report {
  return { ...report, checks: report.checks.map((c) => ({ ...c, fixes: c.fixes.map(withApplier) })) };
}

const SUB = '6a1c3e2f-4b5d-4e6f-8a9b-0c1d2e3f4a5b';
const RG = 'rg-prod';
const NODE_RG = 'MC_rg-prod_aks-prod_westeurope';
export const CLUSTER_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/aks-prod`;
const NSG_ID = `/subscriptions/${SUB}/resourceGroups/${NODE_RG}/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-12345678-nsg`;
const LB_ID = `/subscriptions/${SUB}/resourceGroups/${NODE_RG}/providers/Microsoft.Network/loadBalancers/kubernetes`;

export const nodeName = (i: number) => `aks-nodepool1-12345678-vmss${i.toString(36).padStart(6, '0')}`;

function baseReport(nodeCount: number): Report {
  return {
    format: 'tunnel-doctor-report/v1',
    cluster: {
      id: CLUSTER_ID,
      name: 'aks-prod',
      tunnel: 'konnectivity',
      private: false,
      outboundType: 'loadBalancer',
      nodeCount,
      resourceGroup: RG,
      subscriptionId: SUB,
      location: 'westeurope',
      kubernetesVersion: '1.30.4',
      nodeResourceGroup: NODE_RG,
      fqdn: 'aks-prod-dns-1a2b3c4d.hcp.westeurope.azmk8s.io',
      nodePools: [
        { name: 'nodepool1', mode: 'System', osType: 'Linux', count: nodeCount, vmSize: 'Standard_D4s_v5' },
      ],
      tunnelPods: ['kube-system/konnectivity-agent-6d9f7c8b5-x2x7q', 'kube-system/konnectivity-agent-6d9f7c8b5-q8w2n'],
    },
    startedAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:00:47.000Z',
    checks: [],
    affectedNodes: [],
  };
}

/** Every check passed… because none ran yet: the foundation issue ships the report before the checks. */
export function healthyReport(): Report {
  return baseReport(3);
}

export const NSG_FIX_CHANGE =
  'az network nsg rule create --resource-group MC_rg-prod_aks-prod_westeurope --nsg-name aks-agentpool-12345678-nsg ' +
  '--name allow-kubelet-10250 --priority 190 --direction Inbound --access Allow --protocol Tcp ' +
  '--source-address-prefixes 10.224.0.0/16 --source-port-ranges * --destination-address-prefixes * --destination-port-ranges 10250';
export const UFW_FIX_CHANGE = "ufw allow proto tcp from 10.224.0.0/16 to any port 10250 comment 'aks tunnel'";

function nsgFix(target = NSG_ID): FixProposal {
  return {
    id: 'fix-nsg-1',
    kind: 'nsg-allow-10250',
    title: 'Allow TCP 10250 from the node subnet above deny-kubelet',
    target,
    change: NSG_FIX_CHANGE,
    risk: 'medium',
    needsApproval: true,
    warnings: ['AKS reconciles the NSGs it manages: a rule added there may be removed at the next cluster update.'],
  };
}

/** All six checks, one of each status and two failures. */
export function mixedReport(): Report {
  const report = baseReport(3);
  report.cluster.outboundType = 'userDefinedRouting';
  const n1 = nodeName(1);
  const n2 = nodeName(2);
  report.checks = [
    {
      id: 'tunnel-agent-health',
      status: 'fail',
      summary: 'konnectivity-agent-6d9f7c8b5-q8w2n is in CrashLoopBackOff (last terminated OOMKilled, 14 restarts)',
      nodes: [n2],
      evidence: [
        { kind: 'pod', resource: 'kube-system/konnectivity-agent-6d9f7c8b5-q8w2n', detail: 'CrashLoopBackOff; lastState.terminated.reason=OOMKilled; restarts=14' },
        { kind: 'event', resource: 'kube-system/konnectivity-agent-6d9f7c8b5-q8w2n', detail: 'OOMKilling: Memory cgroup out of memory: Killed process 4242 (proxy-agent)' },
      ],
      fixes: [
        {
          id: 'fix-pod-1',
          kind: 'restart-tunnel-pod',
          title: 'Delete the crash-looping pod so its ReplicaSet recreates it',
          target: 'kube-system/konnectivity-agent-6d9f7c8b5-q8w2n',
          change: 'kubectl delete pod -n kube-system konnectivity-agent-6d9f7c8b5-q8w2n',
          risk: 'low',
          needsApproval: true,
        },
      ],
    },
    {
      id: 'nsg-10250',
      status: 'fail',
      summary: 'NSG aks-agentpool-12345678-nsg rule deny-kubelet (priority 200) drops TCP 10250 into subnet aks-subnet',
      nodes: [n1, n2],
      evidence: [
        { kind: 'nsg-rule', resource: NSG_ID, detail: 'deny-kubelet: priority 200, Inbound, Deny, Tcp, * -> *:10250' },
        { kind: 'probe', resource: n1, detail: `10.224.0.5 -> 10.224.0.6:10250 timeout` },
      ],
      fixes: [nsgFix()],
    },
    {
      id: 'ufw-10250',
      status: 'warn',
      summary: 'UFW is active on 1 node and allows TCP 10250',
      nodes: [n1],
      evidence: [{ kind: 'command-output', resource: n1, detail: 'Status: active\n\nTo                         Action      From\n--                         ------      ----\n10250/tcp                  ALLOW       Anywhere' }],
      fixes: [
        { id: 'fix-ufw-1', kind: 'ufw-allow-10250', title: 'Allow 10250 in UFW', target: n1, change: UFW_FIX_CHANGE, risk: 'low', needsApproval: true },
      ],
    },
    { id: 'iptables-10250', status: 'pass', summary: 'Nothing in INPUT stops TCP 10250 on 3 nodes', nodes: [], evidence: [], fixes: [] },
    {
      id: 'egress-tunnel-ports',
      status: 'unknown',
      summary: 'Could not probe TCP 443 to the API server',
      nodes: [],
      evidence: [],
      fixes: [],
      unknownReason: {
        why: 'run-command on aks-nodepool1-12345678-vmss000000 answered 409 Conflict three times',
        resolve: 'Wait for the running extension operation to finish, then diagnose again',
      },
    },
    {
      id: 'snat-exhaustion',
      status: 'not-applicable',
      summary: 'Outbound type userDefinedRouting: SNAT on the load balancer does not apply',
      nodes: [],
      evidence: [{ kind: 'metric', resource: LB_ID, detail: 'not read' }],
      fixes: [],
    },
  ];
  report.affectedNodes = [n1, n2];
  report.warnings = ['Could not read NSG on the NIC of aks-nodepool1-12345678-vmss000002: 403 (needs Microsoft.Network/networkSecurityGroups/read)'];
  return asDiagnosed(report);
}

/** A cluster of `nodeCount` nodes where every check fails on every node, with evidence and a fix per node. */
export function allFailingReport(nodeCount: number): Report {
  const report = baseReport(nodeCount);
  const nodes = Array.from({ length: nodeCount }, (_, i) => nodeName(i));
  const ids: CheckResult['id'][] = ['nsg-10250', 'ufw-10250', 'iptables-10250', 'egress-tunnel-ports', 'snat-exhaustion', 'tunnel-agent-health'];
  report.checks = ids.map((id) => ({
    id,
    status: 'fail',
    summary: `${id} fails on all ${nodeCount} nodes: ` + 'the rule or policy drops TCP 10250 from the tunnel-agent nodes; '.repeat(4),
    nodes,
    evidence: nodes.map((n, i) => ({
      kind: 'command-output',
      resource: n,
      detail: `Chain INPUT (policy DROP)\nnum  target  prot opt source  destination\n1    DROP    tcp  --  anywhere  anywhere  tcp dpt:10250 /* node ${i} */\n`.repeat(3),
    })),
    fixes: nodes.map((n, i) => ({
      id: `fix-${id}-${i}`,
      kind: 'iptables-delete-rule',
      title: `Delete INPUT rule 1 on ${n}`,
      target: n,
      change: `iptables --delete INPUT 1  # on ${n}; ` + 'x'.repeat(400),
      risk: 'high' as const,
      needsApproval: true,
      warnings: ['Host changes are not preserved when the node is reimaged.', 'Changes on nodes may affect support.', 'Third warning.'],
    })),
  }));
  report.affectedNodes = nodes;
  report.warnings = Array.from({ length: 40 }, (_, i) => `Note ${i}: ` + 'n'.repeat(200));
  return asDiagnosed(report);
}

/**
 * One fault, two failing checks, as the engine reports scenario aks-egress-443: an NSG rule denies
 * TCP 443 out (egress-tunnel-ports), so both konnectivity agents crash-loop (tunnel-agent-health).
 * The egress fix's plan restarts the agents afterwards (FixProposal.then).
 */
export function egressBlockedReport(): Report {
  const report = baseReport(3);
  const [n0, n1] = [nodeName(0), nodeName(1)];
  const pods = ['konnectivity-agent-6d9f7c8b5-x2x7q', 'konnectivity-agent-6d9f7c8b5-q8w2n'];
  const pass = (id: CheckResult['id'], summary: string): CheckResult => ({ id, status: 'pass', summary, nodes: [], evidence: [], fixes: [] });
  report.checks = [
    pass('nsg-10250', 'Every NSG on the path allows TCP 10250 from the 2 tunnel-agent nodes to all 3 running nodes'),
    pass('ufw-10250', 'Every running Linux node (3) answers on TCP 10250 from the tunnel agents, so UFW is not in the way'),
    pass('iptables-10250', 'Every running Linux node (3) answers on TCP 10250 from the tunnel agents, so iptables is not in the way'),
    {
      id: 'egress-tunnel-ports',
      status: 'fail',
      summary:
        'NSG aks-agentpool-12345678-nsg rule Deny-Internet-HTTPS-Outbound (priority 300) denies TCP 443 out of subnet aks-subnet to the API server aks-prod-dns-1a2b3c4d.hcp.westeurope.azmk8s.io (konnectivity needs egress TCP 443)',
      nodes: [n0, n1],
      evidence: [{ kind: 'nsg-rule', resource: NSG_ID, detail: 'Deny-Internet-HTTPS-Outbound: priority 300, Outbound, Deny, Tcp, * -> Internet:443' }],
      fixes: [
        {
          id: 'egress-tunnel-ports:allow:aks-agentpool-12345678-nsg:outbound:299',
          kind: 'nsg-allow-egress',
          title:
            'Add outbound rule AllowTunnelEgressTcp443 to NSG aks-agentpool-12345678-nsg at priority 299, allowing TCP 443 from the node subnets to AzureCloud ahead of Deny-Internet-HTTPS-Outbound (300)',
          target: NSG_ID,
          change:
            '{"name":"AllowTunnelEgressTcp443","properties":{"description":"Tunnel Doctor: allow TCP 443 to the AKS API server (konnectivity-agent tunnel egress)","protocol":"Tcp","sourcePortRange":"*","destinationPortRange":"443","sourceAddressPrefix":"10.224.0.0/16","destinationAddressPrefix":"AzureCloud","access":"Allow","priority":299,"direction":"Outbound"}}',
          risk: 'medium',
          needsApproval: true,
          warnings: ['AKS manages this NSG and may reconcile changes to it; a custom rule here is supported but keep it in your IaC'],
          then: [
            {
              kind: 'recreate-tunnel-pods',
              change:
                'restart the konnectivity-agent pods in kube-system (kubectl delete pod <each agent pod> -n kube-system, through AKS command invoke; their ReplicaSet recreates them), so they leave crash back-off now that their egress is open',
            },
          ],
        },
      ],
    },
    pass('snat-exhaustion', 'load balancer kubernetes: no failed SNAT connections; peak use 4% of allocated ports'),
    {
      id: 'tunnel-agent-health',
      status: 'fail',
      summary: `${pods[0]}: container konnectivity-agent CrashLoopBackOff; ${pods[1]}: container konnectivity-agent CrashLoopBackOff; 0 of 2 konnectivity-agent replicas ready`,
      nodes: [n0, n1],
      evidence: pods.map((p) => ({ kind: 'pod', resource: `kube-system/${p}`, detail: 'CrashLoopBackOff; restarts=9' })),
      fixes: pods.map((p) => ({
        id: `tunnel-agent-health:recreate:${p}`,
        kind: 'recreate-tunnel-pods',
        title: `Delete ${p} (container konnectivity-agent CrashLoopBackOff) so its ReplicaSet creates a fresh pod`,
        target: `kube-system/${p}`,
        change: `kubectl delete pod -n kube-system ${p}`,
        risk: 'medium' as const,
        needsApproval: true,
        warnings: ['The replacement may be scheduled on another node; while it starts, the tunnel runs on the remaining agents.'],
      })),
    },
  ];
  report.affectedNodes = [n0, n1];
  return asDiagnosed(report);
}
