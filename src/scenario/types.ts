/**
 * `tunnel-doctor-scenario/v1` (../shared/scenario-format.md section 1): one simulated Azure estate.
 * Every field here is part of the contract; new fields must be optional.
 */

export const SCENARIO_FORMAT = 'tunnel-doctor-scenario/v1' as const;

/** An ARM resource exactly as an ARM GET returns it. */
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  etag?: string;
  properties?: Record<string, any>;
  [key: string]: unknown;
}

export interface UfwRule {
  /** As ufw prints the "To" column: "22/tcp", "10250", "10250/tcp", "Anywhere", "10.0.0.0/8 10250/tcp" … */
  to: string;
  /** "ALLOW" | "DENY" | "REJECT" | "LIMIT", optionally with " IN"/" OUT". */
  action: string;
  /** As ufw prints the "From" column: "Anywhere", "10.224.0.0/16", … */
  from: string;
  /** true for the "(v6)" duplicate rows ufw prints for IPv6. */
  v6?: boolean;
}

export interface UfwState {
  enabled: boolean;
  defaultIncoming?: 'deny' | 'allow' | 'reject';
  defaultOutgoing?: 'deny' | 'allow' | 'reject';
  rules: UfwRule[];
}

export interface IptablesRule {
  target: string;
  prot: string;
  /** iptables 1.8 prints an "opt" column ("--" usually). */
  opt?: string;
  source: string;
  destination: string;
  /** The trailing match text exactly as `iptables --list` prints it: "tcp dpt:10250", "multiport dports 10250,10255" … */
  match?: string;
  /** Extension: the input interface (`-i`): "eth1", "!eth0", "cali+". `--list` hides it; `-S` and `-v` show it. */
  in?: string;
}

export interface IptablesChain {
  /** Built-in chains have a policy; user chains have none (printed with references). */
  policy?: 'ACCEPT' | 'DROP';
  rules: IptablesRule[];
}

export interface IptablesState {
  chains: Record<string, IptablesChain>;
}

/** `not-https`: TCP connects, but what answers speaks plain HTTP, not the kubelet's TLS. */
export type ProbeOutcome = 'open' | 'timeout' | 'refused' | 'not-https';

/** What runs and listens on 10250 (`systemctl is-active kubelet`, `ss -ltnp 'sport = :10250'`). */
export interface KubeletState {
  /** What `systemctl is-active kubelet` prints: "active" (default), "inactive", "failed", "activating". */
  active?: string;
  /** Whether the kubelet listens on 10250 (default: true when active). */
  listening?: boolean;
  /** Another process listening on 10250 in plain HTTP instead of the kubelet, e.g. "python3". */
  listener?: string;
}

/** An inbound Windows firewall rule as Get-NetFirewallRule / -PortFilter / -AddressFilter show it. */
export interface WindowsFirewallRule {
  name: string;
  action: 'Allow' | 'Block';
  /** LocalPort: "10250", "Any", "10000-11000", "10250,10255". */
  localPort: string;
  /** RemoteAddress: "Any" (default), "10.224.0.0/16", "LocalSubnet", comma-separated. */
  remoteAddress?: string;
  protocol?: 'TCP' | 'Any';
  profile?: string;
}

/** The Windows firewall of a Windows node; absent = the simulated AKS default (see src/sim/host/windows-firewall.ts). */
export interface WindowsFirewallState {
  /** Per profile (Domain, Private, Public): enabled, and DefaultInboundAction (NotConfigured means Block). */
  profiles?: Record<string, { enabled: boolean; defaultInboundAction: 'Block' | 'Allow' | 'NotConfigured' }>;
  rules: WindowsFirewallRule[];
}

/** One nftables table as `nft list ruleset` prints it (rules in nft's own syntax). */
export interface NftTable {
  family: 'inet' | 'ip' | 'ip6' | 'arp' | 'bridge' | 'netdev';
  name: string;
  chains: Array<{
    name: string;
    /** Base chains: the netfilter hook, type filter, priority and policy. */
    hook?: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
    priority?: number;
    policy?: 'accept' | 'drop';
    /** e.g. "tcp dport 10250 drop", "iifname \"eth1\" tcp dport 10250 reject", "ip saddr 10.0.0.0/8 accept". */
    rules: string[];
  }>;
}

export interface ScenarioNode {
  vmss: string;
  instanceId: string;
  computerName: string;
  privateIp: string;
  osType: 'Linux' | 'Windows';
  powerState: string;
  ufw?: UfwState;
  iptables?: IptablesState;
  /** Verbatim output per command line, used instead of the rendering. */
  outputs?: Record<string, string>;
  /** Ground truth for probes to this node, e.g. { "10250/tcp": "timeout" }. */
  inbound?: Record<string, ProbeOutcome>;
  /** Extension: the kubelet's service state; absent = active and listening on 10250. */
  kubelet?: KubeletState;
  /** Extension: nftables tables outside iptables' view (`nft list ruleset`). */
  nftables?: NftTable[];
  /**
   * Extension: rules in the iptables-legacy tables of a node whose `iptables` is iptables-nft. They
   * filter too, but `iptables --list` shows only a warning (`iptables-legacy tables present`).
   */
  iptablesLegacy?: IptablesState;
  /** Extension: a Windows node's firewall. */
  windowsFirewall?: WindowsFirewallState;
}

export interface ScenarioPod {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  node?: string;
  phase: string;
  restarts?: number;
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string } | null;
  /** Extension: container resources as the pod spec has them. */
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  /** Extension: waiting reason, e.g. "CrashLoopBackOff". */
  waitingReason?: string;
}

export interface MetricSeries {
  dimensions?: Record<string, string>;
  data: Array<{ timeStamp: string; total?: number; average?: number; maximum?: number; minimum?: number; count?: number }>;
}

export interface ScenarioFault {
  method?: string;
  /** A regular expression matched against the request path. */
  path: string;
  status: number;
  code?: string;
  message?: string;
  /** How many matching requests fail; absent = every one. */
  times?: number;
  /** For 429: seconds in the Retry-After header. */
  retryAfter?: number;
}

export interface Scenario {
  format: typeof SCENARIO_FORMAT;
  title: string;
  tenantId?: string;
  subscriptions: Array<{ subscriptionId: string; displayName?: string }>;
  resources: ArmResource[];
  nodes: ScenarioNode[];
  pods?: ScenarioPod[];
  configMaps?: Array<Record<string, any>>;
  events?: Array<Record<string, any>>;
  egress?: { blocked: Array<{ protocol: 'tcp' | 'udp'; port: number; destination?: string }> };
  metrics?: Record<string, Record<string, MetricSeries[]>>;
  latency?: { armMs?: number; runCommandMs?: number; kubectlMs?: number };
  faults?: ScenarioFault[];
  /**
   * Extension: network virtual appliances that route tables send traffic to (next hop
   * VirtualAppliance, by its IP), with the flows each drops; an appliance not listed forwards all.
   */
  appliances?: Array<{ ip: string; drops: Array<{ protocol: 'tcp' | 'udp'; port: number }> }>;
  /** Extension: the checks' expected verdicts, asserted by the scenario corpus test. */
  expected?: Record<string, { status: string; nodes?: string[] }>;
}
