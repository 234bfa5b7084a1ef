/**
 * The address spaces of the estate's virtual networks: what the VirtualNetwork tag starts from
 * (network-oracle.ts) and which destinations stay inside the VNet for routing (udr-path.ts).
 */
import type { Estate } from './estate.js';

export function virtualNetworkPrefixes(estate: Estate): string[] {
  return estate
    .resources()
    .filter((r) => r.type.toLowerCase() === 'microsoft.network/virtualnetworks')
    .flatMap((r) => (Array.isArray(r.properties?.addressSpace?.addressPrefixes) ? (r.properties.addressSpace.addressPrefixes as string[]) : []));
}
