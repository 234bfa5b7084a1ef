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

/**
 * A nested child resource: `{ name, properties }`, or `{ name, id }` as a scenario may write a child
 * with nothing to configure (a backend pool) — ARM still serves it with `properties`.
 */
function isChildResource(value: unknown): value is Json {
  if (typeof value !== 'object' || value === null || typeof (value as Json).name !== 'string') return false;
  const v = value as Json;
  return typeof v.properties === 'object' || (v.properties === undefined && typeof v.id === 'string');
}

/**
 * `parentType`: the type of the resource whose first-level children these are; each such child
 * carries `<parent type>/<collection>` as its type (e.g. "Microsoft.Network/loadBalancers/
 * frontendIPConfigurations", example …/stable/2024-07-01/examples/LoadBalancerGet.json).
 */
function withChildren(parentId: string, etag: string | undefined, properties: Json, parentType?: string): Json {
  const out: Json = { ...properties };
  out.provisioningState ??= 'Succeeded';
  for (const [key, value] of Object.entries(properties)) {
    if (!Array.isArray(value) || value.length === 0 || !value.every(isChildResource)) continue;
    out[key] = value.map((child: Json) => {
      const id = child.id ?? `${parentId}/${key}/${child.name}`;
      const type = child.type ?? (parentType ? `${parentType}/${key}` : undefined);
      return { ...child, id, ...(etag && !child.etag ? { etag } : {}), ...(type ? { type } : {}), properties: withChildren(id, etag, child.properties ?? {}) };
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
  // A load balancer carries its resourceGuid and lists every rule collection, empty when it has
  // none ("inboundNatPools": [] in example …/stable/2024-07-01/examples/LoadBalancerGet.json).
  if (type === 'microsoft.network/loadbalancers') {
    return { resourceGuid: stableGuid(id), frontendIPConfigurations: [], backendAddressPools: [], loadBalancingRules: [], probes: [], inboundNatRules: [], inboundNatPools: [], ...properties };
  }
  // A public IP's idle timeout defaults to 4 minutes and is always served (REST spec
  // PublicIPAddressPropertiesFormat.idleTimeoutInMinutes; example …/stable/2024-05-01/examples/PublicIpAddressGet.json).
  if (type === 'microsoft.network/publicipaddresses') return { resourceGuid: stableGuid(id), idleTimeoutInMinutes: 4, ipTags: [], ...properties };
  // A NAT gateway's idle timeout defaults to 4 minutes (Learn, "Azure NAT Gateway resource": "The
  // default TCP idle timeout is 4 minutes"); example …/stable/2024-07-01/examples/NatGatewayGet.json.
  if (type === 'microsoft.network/natgateways') return { resourceGuid: stableGuid(id), idleTimeoutInMinutes: 4, ...properties };
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
  // Every network resource has an etag, and its children carry it (every GET example of the
  // network specs, e.g. LoadBalancerGet.json); a scenario that names none gets a stable one.
  const etag = resource.etag ?? `W/"${stableGuid(`${resource.id}#etag`)}"`;
  return { ...resource, etag, properties: withChildren(resource.id, etag, withTypeDefaults(type, resource.id, resource.properties ?? {}), resource.type) };
}
