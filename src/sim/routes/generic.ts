/**
 * Any other scenario resource, read as ARM serves it: GET by id (virtualNetworks, subnets,
 * loadBalancers, publicIPAddresses, routeTables, natGateways, applicationSecurityGroups …),
 * child resources held in the parent's properties (…/virtualNetworks/{v}/subnets/{s}), and
 * lists of a type per subscription or resource group.
 */
import { ok, resourceGroupNotFound, resourceNotFound } from '../arm-http.js';
import { armView } from '../arm-view.js';
import { findSubnet } from '../node-network.js';
import { page, param, route, SUB, type Route, type RouteContext } from '../world.js';

type Json = Record<string, any>;

function childCollection(parent: Json | undefined, childType: string): Json[] | undefined {
  const props = parent?.properties;
  if (!props) return undefined;
  const key = Object.keys(props).find((k) => k.toLowerCase() === childType.toLowerCase());
  const list = key ? props[key] : undefined;
  return Array.isArray(list) ? list : undefined;
}

function withChildIdentity(parentId: string, parentType: string, childType: string, child: Json): Json {
  return { ...child, id: child.id ?? `${parentId}/${childType}/${child.name}`, type: child.type ?? `${parentType}/${childType}` };
}

function notFound(ctx: RouteContext): never {
  const parts = ctx.path.split('/');
  throw resourceNotFound(parts.slice(6, -1).join('/') || 'resource', parts[parts.length - 1] ?? '', parts[4] ?? '');
}

export const genericRoutes: Route[] = [
  route('resources.list', 'GET', `${SUB}(?:/resourceGroups/(?<rg>[^/]+))?/providers/(?<ns>[^/]+)/(?<type>[^/]+)`, (ctx) => {
    const sub = param(ctx, 'sub');
    const rg = ctx.params.rg;
    if (rg !== undefined && !ctx.world.estates.some((e) => e.hasResourceGroup(sub, rg))) throw resourceGroupNotFound(rg);
    const fullType = `${param(ctx, 'ns')}/${param(ctx, 'type')}`;
    return page(ctx, ctx.world.estates.flatMap((e) => e.resourcesOfType(fullType, sub, rg)).map(armView));
  }),
  route('resources.get', 'GET', `${SUB}/resourceGroups/(?<rg>[^/]+)/providers/.+`, (ctx) => {
    const found = ctx.world.find(ctx.path);
    if (found) return ok(armView(found.resource));
    const parts = ctx.path.split('/');
    // …/{parentType}/{parent}/{childType}: a child collection
    const collectionParent = ctx.world.find(parts.slice(0, -1).join('/'));
    if (collectionParent && parts.length >= 10) {
      const childType = parts[parts.length - 1] as string;
      const list = childCollection(collectionParent.resource, childType);
      if (list) return page(ctx, list.map((c) => withChildIdentity(collectionParent.resource.id, collectionParent.resource.type, childType, c)));
    }
    // …/{parent}/{childType}/{child}: one child resource
    if (parts.length >= 11) {
      const parentId = parts.slice(0, -2).join('/');
      const childType = parts[parts.length - 2] as string;
      const childName = (parts[parts.length - 1] as string).toLowerCase();
      for (const estate of ctx.world.estates) {
        if (childType.toLowerCase() === 'subnets') {
          const subnet = findSubnet(estate, ctx.path);
          if (subnet) return ok(subnet);
          continue;
        }
        const parent = estate.resource(parentId);
        const child = childCollection(parent, childType)?.find((c) => String(c.name).toLowerCase() === childName);
        if (parent && child) return ok(withChildIdentity(parent.id, parent.type, childType, child));
      }
    }
    return notFound(ctx);
  }),
];
