/**
 * What OpenBSD netcat (Ubuntu's `netcat-openbsd`, the `nc` on AKS nodes) prints with -v, on
 * stderr: "Connection to H P port [tcp/<service>|*] succeeded!" on success, else
 * "nc: connect to H port P (tcp) timed out: Operation now in progress" (the -w timeout fired
 * while connect() was still in progress) or "... failed: Connection refused" (a RST came back).
 * For UDP with -z nc cannot see a drop, so it reports success unless an ICMP port-unreachable
 * makes its test write fail — then it prints nothing and exits 1.
 */
import type { ProbeOutcome } from '../../scenario/types.js';
import { serviceName } from './services.js';

export interface NcResult {
  /** nc -v writes its messages to stderr. */
  stderr: string;
  exitCode: number;
}

export function ncMessage(host: string, port: number, protocol: 'tcp' | 'udp', outcome: ProbeOutcome): NcResult {
  const succeeded = `Connection to ${host} ${port} port [${protocol}/${serviceName(port) ?? '*'}] succeeded!\n`;
  if (protocol === 'udp') return outcome === 'refused' ? { stderr: '', exitCode: 1 } : { stderr: succeeded, exitCode: 0 };
  // A plain-HTTP listener still accepts the TCP connection: nc cannot tell it from the kubelet.
  if (outcome === 'open' || outcome === 'not-https') return { stderr: succeeded, exitCode: 0 };
  if (outcome === 'timeout') {
    return { stderr: `nc: connect to ${host} port ${port} (tcp) timed out: Operation now in progress\n`, exitCode: 1 };
  }
  return { stderr: `nc: connect to ${host} port ${port} (tcp) failed: Connection refused\n`, exitCode: 1 };
}
