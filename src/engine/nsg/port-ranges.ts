/**
 * NSG port ranges: "*", "10250", "10000-11000", in the singular field or the plural list.
 * Azure allows 0..65535 ("Integer or range between 0 and 65535. Asterisk '*' can also be used
 * to match all ports" — SecurityRule.sourcePortRange in the Microsoft.Network REST spec).
 */

export class PortRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortRangeError';
  }
}

export interface PortSpan {
  from: number;
  to: number;
}

export const ALL_PORTS: PortSpan = { from: 0, to: 65535 };

const PORT = /^(0|[1-9][0-9]{0,4})$/;

function parsePort(text: string, whole: string): number {
  if (!PORT.test(text)) throw new PortRangeError(`"${whole}" is not a valid port or port range`);
  const port = Number(text);
  if (port > 65535) throw new PortRangeError(`"${whole}" is outside the port range 0-65535`);
  return port;
}

/** One entry: "*", "N" or "N-M". A comma list in a single field ("22,80") is accepted too,
 * as the portal writes it before ARM splits it into the plural property. */
export function parsePortRange(text: string): PortSpan[] {
  const whole = text.trim();
  if (whole === '') throw new PortRangeError('an empty port range is not valid; use "*" for all ports');
  return whole.split(',').map((piece) => {
    const part = piece.trim();
    if (part === '*') return ALL_PORTS;
    const dash = part.indexOf('-');
    if (dash === -1) {
      const port = parsePort(part, whole);
      return { from: port, to: port };
    }
    const from = parsePort(part.slice(0, dash).trim(), whole);
    const to = parsePort(part.slice(dash + 1).trim(), whole);
    if (from > to) throw new PortRangeError(`"${whole}" runs backwards (${from} > ${to})`);
    return { from, to };
  });
}

/** The union of the singular and plural fields, as Azure evaluates them. */
export function portSpansOf(single: string | undefined, plural: readonly string[] | undefined): PortSpan[] {
  const texts = [...(single !== undefined && single.trim() !== '' ? [single] : []), ...(plural ?? [])];
  return texts.flatMap(parsePortRange);
}

export function spansContain(spans: readonly PortSpan[], port: number): boolean {
  return spans.some((span) => port >= span.from && port <= span.to);
}

export function spansCoverAll(spans: readonly PortSpan[]): boolean {
  return spans.some((span) => span.from === 0 && span.to === 65535);
}
