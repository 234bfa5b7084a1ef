/**
 * Reads the windows-firewall script's output (src/engine/node-scripts.ts) and judges a new TCP
 * connection to 10250 the way Windows Defender Firewall does (learn.microsoft.com, "Windows
 * Firewall rules": an explicit block rule takes precedence over an allow rule; with no rule the
 * profile's DefaultInboundAction applies, NotConfigured meaning Block; a disabled profile filters
 * nothing). Which profile the node's NIC is in is not read: every enabled profile is assumed to
 * apply, and the verdict says so when they disagree.
 */
import { cidrContains, ipv4ToNumber, parseIpv4Cidr } from './ipv4.js';

export interface WindowsFirewallRead {
  complete: boolean;
  profiles: Array<{ name: string; enabled: boolean; inbound: string }>;
  rules: Array<{ action: string; ports: string; remote: string; profile: string; name: string }>;
  elided: number;
  /** Get-Service kubelet: Running, Stopped, … or "missing". */
  service?: string;
  listeners: string[];
  nothingListens: boolean;
}

export function parseWindowsFirewall(stdout: string): WindowsFirewallRead {
  const lines = stdout.replace(/\r\n/g, '\n').split('\n').map((l) => l.trim());
  const begin = lines.indexOf('TD-BEGIN windows-firewall');
  const end = lines.lastIndexOf('TD-END');
  const read: WindowsFirewallRead = { complete: begin >= 0 && end > begin, profiles: [], rules: [], elided: 0, listeners: [], nothingListens: false };
  for (const line of lines.slice(begin + 1, end > begin ? end : lines.length)) {
    let m: RegExpExecArray | null;
    if ((m = /^profile (\S+) enabled=(True|False) inbound=(\S+)$/.exec(line))) read.profiles.push({ name: m[1] as string, enabled: m[2] === 'True', inbound: m[3] as string });
    else if ((m = /^rule (Allow|Block) ports=(\S*) remote=(\S*) profile=(\S*) name=(.*)$/.exec(line))) read.rules.push({ action: m[1] as string, ports: m[2] as string, remote: m[3] as string, profile: m[4] as string, name: m[5] as string });
    else if ((m = /^TD-ELIDED (\d+)$/.exec(line))) read.elided = Number(m[1]);
    else if ((m = /^service kubelet (\S+)$/.exec(line))) read.service = m[1] as string;
    else if (line === 'listen none') read.nothingListens = true;
    else if ((m = /^listen (\S+)$/.exec(line))) read.listeners.push(m[1] as string);
  }
  return read;
}

function remoteMatches(remote: string, sourceIp: string): boolean {
  const src = ipv4ToNumber(sourceIp);
  return remote.split(',').map((r) => r.trim()).some((r) => {
    if (r === 'Any' || r === '' || r === 'LocalSubnet') return true; // LocalSubnet: the agents share the node's VNet
    const c = parseIpv4Cidr(r.includes('/') ? r : `${r}/32`);
    return c !== undefined && src !== undefined && cidrContains(c, src);
  });
}

export interface WindowsFirewallVerdict {
  outcome: 'allow' | 'block';
  reason: string;
}

export function windowsFirewallVerdict(read: WindowsFirewallRead, sourceIp: string): WindowsFirewallVerdict {
  const enabled = read.profiles.filter((p) => p.enabled);
  if (enabled.length === 0) return { outcome: 'allow', reason: 'every firewall profile is disabled' };
  const matching = read.rules.filter((r) => remoteMatches(r.remote, sourceIp));
  const block = matching.find((r) => r.action === 'Block');
  if (block) return { outcome: 'block', reason: `inbound rule "${block.name}" (Block, ports ${block.ports}, remote ${block.remote}) blocks it, and a block rule beats any allow rule` };
  const allow = matching.find((r) => r.action === 'Allow');
  if (allow) return { outcome: 'allow', reason: `inbound rule "${allow.name}" (Allow, ports ${allow.ports}) allows it` };
  const blocking = enabled.filter((p) => p.inbound !== 'Allow');
  if (blocking.length === 0) return { outcome: 'allow', reason: 'no rule matches and the enabled profiles allow inbound by default' };
  return { outcome: 'block', reason: `no inbound rule allows TCP 10250 from ${sourceIp}, and the default inbound action of the ${blocking.map((p) => p.name).join('/')} profile${blocking.length > 1 ? 's' : ''} is ${blocking[0]?.inbound === 'NotConfigured' ? 'NotConfigured (Block)' : blocking[0]?.inbound}` };
}
