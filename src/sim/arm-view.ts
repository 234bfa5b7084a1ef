/**
 * A scenario resource as ARM's network resource provider serves it: every resource and every
 * nested child resource (routes, subnets, frontendIPConfigurations, outboundRules …, the arrays of
 * `{ name, properties }` under `properties`) carries `properties.provisioningState`, and each child
 * its own id (`<parent id>/<collection>/<name>`) and the parent's etag — as the REST API spec
 * examples show (e.g. specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/
 * examples/RouteTableGet.json), and some types have fields ARM always sets (withTypeDefaults).
 * Scenario authors may leave those out; a GET fills them in on a copy.
 */
import { createHash } from 'node:crypto';
import type { ArmResource } from '../scenario/types.js';

type Json = Record<string, any>;

function isChildResource(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && typeof (value as Json).name === 'string' && typeof (value as Json).properties === 'object';
}

function withChildren(parentId: string, etag: string | undefined, properties: Json): Json {
  const out: Json = { ...properties };
  out.provisioningState ??= 'Succeeded';
  for (const [key, value] of Object.entries(properties)) {
    if (!Array.isArray(value) || value.length === 0 || !value.every(isChildResource)) continue;
    out[key] = value.map((child: Json) => {
      const id = child.id ?? `${parentId}/${key}/${child.name}`;
      return { ...child, id, ...(etag && !child.etag ? { etag } : {}), properties: withChildren(id, etag, child.properties) };
    });
  }
  return out;
}

/** A VNet always lists its peerings, empty when it has none (REST spec example
 * Microsoft.Network/stable/2024-05-01/examples/VirtualNetworkGetWithSubnetDelegation.json). */
function withTypeDefaults(type: string, id: string, properties: Json): Json {
  if (type === 'microsoft.network/virtualnetworks') return { virtualNetworkPeerings: [], ...properties };
  // An ASG carries its resourceGuid (example .../stable/2024-07-01/examples/ApplicationSecurityGroupGet.json).
  if (type === 'microsoft.network/applicationsecuritygroups') return { resourceGuid: stableGuid(id), ...properties };
  return properties;
}

/** The same GUID on every GET of one resource: derived from its id (ids are case-insensitive). */
function stableGuid(id: string): string {
  const hex = createHash('sha256').update(id.toLowerCase()).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The resource as a GET returns it (a copy); non-network resources are returned as stored. */
export function armView(resource: ArmResource): ArmResource {
  const type = resource.type.toLowerCase();
  if (!type.startsWith('microsoft.network/')) return resource;
  return { ...resource, properties: withChildren(resource.id, resource.etag, withTypeDefaults(type, resource.id, resource.properties ?? {})) };
}
