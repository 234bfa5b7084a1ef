/**
 * IPv4 addresses and CIDR blocks as plain numbers, for NSG and route matching.
 * IPv4 only: AKS node, pod and API-server addresses the tunnel checks look at are IPv4.
 * Malformed input throws rather than "not matching", so a typo in a rule is reported,
 * never silently read as "this rule does not apply".
 */

export class AddressFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressFormatError';
  }
}

export interface Ipv4Block {
  /** Network address as an unsigned 32-bit number (host bits cleared). */
  network: number;
  /** Prefix length 0..32. */
  length: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parses a dotted-quad IPv4 address; undefined when it is not one. Leading zeros are refused
 * (`010.0.0.1` is octal to some tools and decimal to others, so it is ambiguous). */
export function tryParseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function parseIpv4(text: string): number {
  const value = tryParseIpv4(text.trim());
  if (value === undefined) throw new AddressFormatError(`"${text}" is not a valid IPv4 address`);
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Clears host bits with arithmetic (not `&`, which would go through signed 32-bit ints). */
function networkOf(address: number, length: number): number {
  const size = 2 ** (32 - length);
  return address - (address % size);
}

/**
 * Parses "10.224.0.0/16" or a single address "10.224.0.4" (= /32).
 * Host bits are cleared: Azure stores "10.224.0.4/16" in a rule as written and matches it as
 * 10.224.0.0/16, so we match it the same way instead of rejecting it.
 */
export function tryParseIpv4Block(text: string): Ipv4Block | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  if (slash === -1) {
    const address = tryParseIpv4(trimmed);
    return address === undefined ? undefined : { network: address, length: 32 };
  }
  const address = tryParseIpv4(trimmed.slice(0, slash));
  const lengthText = trimmed.slice(slash + 1);
  if (address === undefined || !/^(0|[1-9][0-9]?)$/.test(lengthText)) return undefined;
  const length = Number(lengthText);
  if (length > 32) return undefined;
  return { network: networkOf(address, length), length };
}

export function parseIpv4Block(text: string): Ipv4Block {
  const block = tryParseIpv4Block(text);
  if (!block) throw new AddressFormatError(`"${text}" is not a valid IPv4 address or CIDR block`);
  return block;
}

export function blockContains(block: Ipv4Block, address: number): boolean {
  return networkOf(address, block.length) === block.network;
}

export function formatBlock(block: Ipv4Block): string {
  return `${formatIpv4(block.network)}/${block.length}`;
}

/** Loose IPv6 shape check: rules may carry IPv6 prefixes (dual-stack NSGs); they never match
 * an IPv4 flow, but they are not malformed either. */
export function looksLikeIpv6(text: string): boolean {
  return /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(\/(0|[1-9][0-9]{0,2}))?$/.test(text.trim());
}

/** Address ranges that are never on the public internet (RFC 1918, RFC 6598 shared space,
 * loopback, link-local). Used to keep Azure service tags (public Azure ranges) off private IPs. */
export const NON_PUBLIC_IPV4_BLOCKS: readonly Ipv4Block[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '0.0.0.0/8',
].map(parseIpv4Block);

export function isNonPublicIpv4(address: number): boolean {
  return NON_PUBLIC_IPV4_BLOCKS.some((block) => blockContains(block, address));
}
