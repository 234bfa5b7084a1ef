/**
 * IPv4 arithmetic for the host-firewall verdicts (ufw and iptables print IPv4 rules with
 * dotted quads and /prefix lengths). Tunnel traffic to the kubelet is IPv4 on AKS.
 */

export function ipv4ToNumber(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export interface Ipv4Cidr {
  network: number;
  length: number;
}

/** "10.0.0.0/8", "10.224.0.5" (= /32). Host bits are cleared, as iptables and ufw do. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const ip = ipv4ToNumber(addr);
  if (ip === undefined) return undefined;
  let length = 32;
  if (len !== undefined) {
    if (!/^(3[0-2]|[12]?[0-9])$/.test(len)) return undefined;
    length = Number(len);
  }
  return { network: ip - (ip % 2 ** (32 - length)), length };
}

export function cidrContains(cidr: Ipv4Cidr, ip: number): boolean {
  const size = 2 ** (32 - cidr.length);
  return ip >= cidr.network && ip < cidr.network + size;
}
