/**
 * A simulated Windows node's firewall: what the windows-firewall script prints (one line per
 * profile, per inbound rule covering TCP 10250, the kubelet service and the listener), and what it
 * does to a new TCP connection — as Windows Defender Firewall decides it (learn.microsoft.com,
 * "Windows Firewall rules", rule precedence: an explicit block rule beats an allow rule; with no
 * matching rule the profile's default inbound action applies, and NotConfigured means Block).
 */
import type { ProbeOutcome, ScenarioNode, WindowsFirewallRule, WindowsFirewallState } from '../../scenario/types.js';

/** Absent state: all three profiles on, inbound blocked by default, and an allow for the kubelet
 * (assumed: AKS Windows nodes answer on 10250, so something lets it in). */
export const DEFAULT_WINDOWS_FIREWALL: WindowsFirewallState = {
  profiles: {
    Domain: { enabled: true, defaultInboundAction: 'NotConfigured' },
    Private: { enabled: true, defaultInboundAction: 'NotConfigured' },
    Public: { enabled: true, defaultInboundAction: 'NotConfigured' },
  },
  rules: [{ name: 'kubelet', action: 'Allow', localPort: '10250', remoteAddress: 'Any', protocol: 'TCP', profile: 'Any' }],
};

const firewallOf = (node: ScenarioNode): WindowsFirewallState => node.windowsFirewall ?? DEFAULT_WINDOWS_FIREWALL;
const profilesOf = (fw: WindowsFirewallState) => fw.profiles ?? DEFAULT_WINDOWS_FIREWALL.profiles ?? {};

function covers10250(localPort: string): boolean {
  return localPort.split(',').map((p) => p.trim()).some((p) => {
    if (p === 'Any' || p === '10250') return true;
    const m = /^(\d+)-(\d+)$/.exec(p);
    return m !== null && Number(m[1]) <= 10250 && Number(m[2]) >= 10250;
  });
}

function ipNumber(t: string): number {
  return t.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function remoteMatches(remote: string | undefined, src: string): boolean {
  return (remote ?? 'Any').split(',').map((r) => r.trim()).some((r) => {
    if (r === 'Any' || r === 'LocalSubnet') return true;
    const [base, len] = r.split('/');
    const size = 2 ** (32 - Number(len ?? 32));
    return Math.floor(ipNumber(src) / size) === Math.floor(ipNumber(base ?? '') / size);
  });
}

const applies = (r: WindowsFirewallRule, src: string) => covers10250(r.localPort) && remoteMatches(r.remoteAddress, src);

/** Ground truth for TCP `port` from `sourceIp` to a Windows node: 'pass' or 'timeout' (a drop). */
export function windowsFirewallOutcome(node: ScenarioNode, sourceIp: string, port: number, protocol: 'tcp' | 'udp'): ProbeOutcome | 'pass' {
  if (node.osType !== 'Windows' || protocol !== 'tcp' || port !== 10250) return 'pass';
  const fw = firewallOf(node);
  const enabled = Object.values(profilesOf(fw)).filter((p) => p.enabled);
  if (enabled.length === 0) return 'pass';
  const rules = fw.rules.filter((r) => applies(r, sourceIp));
  if (rules.some((r) => r.action === 'Block')) return 'timeout';
  if (rules.some((r) => r.action === 'Allow')) return 'pass';
  return enabled.some((p) => p.defaultInboundAction !== 'Allow') ? 'timeout' : 'pass';
}

/** The windows-firewall script's output for this node. */
export function renderWindowsFirewall(node: ScenarioNode): string {
  const fw = firewallOf(node);
  const out = ['TD-BEGIN windows-firewall'];
  for (const [name, p] of Object.entries(profilesOf(fw))) out.push(`profile ${name} enabled=${p.enabled ? 'True' : 'False'} inbound=${p.defaultInboundAction}`);
  const rows = fw.rules
    .filter((r) => covers10250(r.localPort))
    .map((r) => `rule ${r.action} ports=${r.localPort} remote=${r.remoteAddress ?? 'Any'} profile=${r.profile ?? 'Any'} name=${r.name}`);
  out.push(...rows.slice(0, 40));
  if (rows.length > 40) out.push(`TD-ELIDED ${rows.length - 40}`);
  const active = node.kubelet?.active ?? 'active';
  out.push(`service kubelet ${active === 'active' ? 'Running' : 'Stopped'}`);
  out.push(node.kubelet?.listener ? `listen ${node.kubelet.listener}` : active === 'active' && node.kubelet?.listening !== false ? 'listen kubelet' : 'listen none');
  out.push('TD-END');
  return `${out.join('\r\n')}\r\n`;
}
