/**
 * Network: NSGs (with Azure's default rules), the whole-NSG PUT and security rules (PUT/DELETE as
 * long-running operations, etag renewed on every write), and the scale-set NICs synthesised from
 * nodes.
 *
 * Conditional writes. The whole-NSG PUT honours `If-Match: <etag>` (answering 412 when the NSG
 * changed): ARM's optimistic concurrency, which Kubernetes' Azure cloud provider relies on for
 * every NSG update (kubernetes-sigs/cloud-provider-azure, securitygroupclient CreateOrUpdate sends
 * the etag it read as If-Match and re-reads on 412). Whether ARM compares a child security rule's
 * If-Match with the NSG's etag is not documented; the simulator answers a rule write under If-Match
 * only as HTTP defines it (RFC 9110 §13.1.1: If-Match is false when there is no current
 * representation), so a create carrying If-Match fails with 412.
 */
import type { ArmResource } from '../../scenario/types.js';
import { ArmHttpError, badRequest, newEtag, ok, resourceGroupNotFound, resourceNotFound } from '../arm-http.js';
import type { Estate } from '../estate.js';
import { nsgForRead } from '../nsg-shape.js';
import { securityRuleProblems } from '../nsg-rules.js';
import { scaleSetNics } from '../vmss-synth.js';
import { idFromPath, page, param, RG, route, SUB, type Route, type RouteContext } from '../world.js';
import { instanceOf, scaleSetOf } from './compute.js';

const NSG_TYPE = 'Microsoft.Network/networkSecurityGroups';
const NSG = `${RG}/providers/Microsoft.Network/networkSecurityGroups/(?<nsg>[^/]+)`;
const VMSS = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/(?<vmss>[^/]+)`;

type Json = Record<string, any>;

function nsgOf(ctx: RouteContext) {
  return ctx.world.require(idFromPath(ctx, 8), NSG_TYPE);
}

function ruleNotFound(ctx: RouteContext, kind: string): ArmHttpError {
  return resourceNotFound(`${NSG_TYPE}/${param(ctx, 'nsg')}/${kind}`, param(ctx, 'rule'), param(ctx, 'rg'));
}

function findRule(rules: Json[], name: string): Json | undefined {
  return rules.find((r) => String(r.name).toLowerCase() === name.toLowerCase());
}

function header(ctx: RouteContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * If-Match / If-None-Match on a child rule (see the header). A rule carries its NSG's etag, so an
 * If-Match on an existing rule is compared with it; on a rule that does not exist it always fails.
 */
function checkPreconditions(ctx: RouteContext, nsg: ArmResource, existing: Json | undefined): void {
  const ifMatch = header(ctx, 'if-match');
  const ifNoneMatch = header(ctx, 'if-none-match');
  if (ifMatch !== undefined && existing === undefined) {
    throw new ArmHttpError(412, 'PreconditionFailed', `Precondition failed: If-Match is ${ifMatch} but the rule does not exist.`);
  }
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== nsg.etag) {
    throw new ArmHttpError(412, 'PreconditionFailed', `Precondition failed: the etag in If-Match (${ifMatch}) does not match the current etag of the resource (${nsg.etag}).`);
  }
  if (ifNoneMatch === '*' && existing !== undefined) {
    throw new ArmHttpError(412, 'PreconditionFailed', 'Precondition failed: If-None-Match is * but the rule already exists.');
  }
}

/** If-Match on the NSG itself: the etag must be the NSG's current one ("*": it must exist). */
function checkNsgPreconditions(ctx: RouteContext, nsg: ArmResource | undefined): void {
  const ifMatch = header(ctx, 'if-match');
  if (ifMatch === undefined) return;
  if (!nsg) throw new ArmHttpError(412, 'PreconditionFailed', `Precondition failed: If-Match is ${ifMatch} but the network security group does not exist.`);
  if (ifMatch !== '*' && ifMatch !== nsg.etag) {
    throw new ArmHttpError(412, 'PreconditionFailed', `Precondition failed: the etag in If-Match (${ifMatch}) does not match the current etag of the resource (${nsg.etag}).`);
  }
}

/**
 * The security rules of a whole-NSG PUT, checked as NRP checks each rule (SecurityRuleInvalid) and
 * the set (SecurityRuleConflict: "Rules cannot have the same Priority and Direction").
 */
function rulesOfNsgBody(nsg: ArmResource, body: Json): Json[] {
  const given: unknown = body.properties?.securityRules ?? [];
  if (!Array.isArray(given)) throw badRequest('InvalidRequestFormat', 'Cannot parse the request: properties.securityRules must be an array.');
  const seen = new Map<string, string>();
  return given.map((raw: Json) => {
    const name = String(raw?.name ?? '');
    const properties: Json = raw?.properties ?? {};
    const problems = securityRuleProblems(name, { properties });
    if (problems.length > 0) throw badRequest('SecurityRuleInvalid', `Security rule ${name} is invalid: ${problems.join('; ')}`);
    const key = `${String(properties.direction).toLowerCase()}:${String(properties.priority)}`;
    const clash = seen.get(key);
    if (clash !== undefined) {
      throw badRequest('SecurityRuleConflict', `Security rule ${name} conflicts with rule ${clash}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`);
    }
    seen.set(key, name);
    const { provisioningState: _state, ...writable } = properties;
    return { name, id: `${nsg.id}/securityRules/${name}`, type: `${NSG_TYPE}/securityRules`, properties: { ...writable, provisioningState: 'Updating' } };
  });
}

function rulesOf(nsg: ArmResource): Json[] {
  nsg.properties ??= {};
  if (!Array.isArray(nsg.properties.securityRules)) nsg.properties.securityRules = [];
  return nsg.properties.securityRules as Json[];
}

/** The long-running part of a rule write: provisioningState goes Updating → Succeeded. */
function startRuleOperation(ctx: RouteContext, found: { estate: Estate; resource: ArmResource }) {
  const { estate, resource: nsg } = found;
  return ctx.world.board.start({
    estate,
    subscriptionId: param(ctx, 'sub'),
    provider: 'Microsoft.Network',
    location: String(nsg.location ?? 'eastus'),
    durationMs: ctx.world.scaled(estate.latency.armMs * 3),
    work: () => {
      for (const r of rulesOf(nsg)) if (r.properties) r.properties.provisioningState = 'Succeeded';
      return {};
    },
  });
}

export const networkRoutes: Route[] = [
  route('nsg.listAll', 'GET', `${SUB}/providers/Microsoft.Network/networkSecurityGroups`, (ctx) =>
    page(ctx, ctx.world.estates.flatMap((e) => e.resourcesOfType(NSG_TYPE, param(ctx, 'sub'))).map(nsgForRead)),
  ),
  route('nsg.list', 'GET', `${RG}/providers/Microsoft.Network/networkSecurityGroups`, (ctx) => {
    const [sub, rg] = [param(ctx, 'sub'), param(ctx, 'rg')];
    if (!ctx.world.estates.some((e) => e.hasResourceGroup(sub, rg))) throw resourceGroupNotFound(rg);
    return page(ctx, ctx.world.estates.flatMap((e) => e.resourcesOfType(NSG_TYPE, sub, rg)).map(nsgForRead));
  }),
  route('nsg.get', 'GET', NSG, (ctx) => ok(nsgForRead(nsgOf(ctx).resource))),
  route('nsg.createOrUpdate', 'PUT', NSG, (ctx) => {
    const found = nsgOf(ctx);
    const nsg = found.resource;
    checkNsgPreconditions(ctx, nsg);
    const body = ctx.body;
    if (typeof body !== 'object' || body === null) throw badRequest('InvalidRequestFormat', 'Cannot parse the request: the body must be a network security group.');
    const rules = rulesOfNsgBody(nsg, body);
    nsg.properties ??= {};
    nsg.properties.securityRules = rules;
    if (body.tags !== undefined) nsg.tags = body.tags;
    // Every write gives the NSG — and so each of its rules — a new etag.
    nsg.etag = newEtag();
    const op = startRuleOperation(ctx, found);
    return ok(nsgForRead(nsg), 200, ctx.world.board.headers(op, ctx.baseUrl, ctx.apiVersion, false));
  }),
  route('securityRules.list', 'GET', `${NSG}/securityRules`, (ctx) => page(ctx, nsgForRead(nsgOf(ctx).resource).properties?.securityRules ?? [])),
  route('securityRules.get', 'GET', `${NSG}/securityRules/(?<rule>[^/]+)`, (ctx) => {
    const rule = findRule(nsgForRead(nsgOf(ctx).resource).properties?.securityRules ?? [], param(ctx, 'rule'));
    if (!rule) throw ruleNotFound(ctx, 'securityRules');
    return ok(rule);
  }),
  route('defaultSecurityRules.list', 'GET', `${NSG}/defaultSecurityRules`, (ctx) => page(ctx, nsgForRead(nsgOf(ctx).resource).properties?.defaultSecurityRules ?? [])),
  route('defaultSecurityRules.get', 'GET', `${NSG}/defaultSecurityRules/(?<rule>[^/]+)`, (ctx) => {
    const rule = findRule(nsgForRead(nsgOf(ctx).resource).properties?.defaultSecurityRules ?? [], param(ctx, 'rule'));
    if (!rule) throw ruleNotFound(ctx, 'defaultSecurityRules');
    return ok(rule);
  }),
  route('securityRules.createOrUpdate', 'PUT', `${NSG}/securityRules/(?<rule>[^/]+)`, (ctx) => {
    const found = nsgOf(ctx);
    const nsg = found.resource;
    const name = param(ctx, 'rule');
    const rules = rulesOf(nsg);
    const existing = findRule(rules, name);
    checkPreconditions(ctx, nsg, existing);
    const body = ctx.body;
    if (typeof body !== 'object' || body === null) throw badRequest('InvalidRequestFormat', 'Cannot parse the request: the body must be a security rule.');
    const properties: Json = body.properties ?? {};
    const problems = securityRuleProblems(name, { properties });
    if (problems.length > 0) throw badRequest('SecurityRuleInvalid', `Security rule ${name} is invalid: ${problems.join('; ')}`);
    const clash = rules.find(
      (r) => String(r.name).toLowerCase() !== name.toLowerCase() && r.properties?.priority === properties.priority && String(r.properties?.direction).toLowerCase() === String(properties.direction).toLowerCase(),
    );
    if (clash) {
      throw badRequest('SecurityRuleConflict', `Security rule ${name} conflicts with rule ${clash.name}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`);
    }
    const stored: Json = {
      name: existing?.name ?? name,
      id: existing?.id ?? `${nsg.id}/securityRules/${name}`,
      type: `${NSG_TYPE}/securityRules`,
      properties: { ...properties, provisioningState: 'Updating' },
    };
    if (existing) rules[rules.indexOf(existing)] = stored;
    else rules.push(stored);
    // Every write gives the NSG — and so each of its rules — a new etag.
    nsg.etag = newEtag();
    const op = startRuleOperation(ctx, found);
    return ok({ ...stored, etag: nsg.etag }, existing ? 200 : 201, ctx.world.board.headers(op, ctx.baseUrl, ctx.apiVersion, false));
  }),
  route('securityRules.delete', 'DELETE', `${NSG}/securityRules/(?<rule>[^/]+)`, (ctx) => {
    const found = nsgOf(ctx);
    const rules = rulesOf(found.resource);
    const existing = findRule(rules, param(ctx, 'rule'));
    if (!existing) return { status: 204 };
    checkPreconditions(ctx, found.resource, existing);
    rules.splice(rules.indexOf(existing), 1);
    found.resource.etag = newEtag();
    const op = startRuleOperation(ctx, found);
    return { status: 202, headers: ctx.world.board.headers(op, ctx.baseUrl, ctx.apiVersion) };
  }),
  route('vmss.networkInterfaces', 'GET', `${VMSS}/networkInterfaces`, (ctx) => {
    const { estate, vmssId } = scaleSetOf(ctx);
    return page(ctx, estate.nodesOf(vmssId).flatMap((n) => scaleSetNics(estate, n)));
  }),
  route('vmss.vm.networkInterfaces', 'GET', `${VMSS}/virtualMachines/(?<i>[^/]+)/networkInterfaces`, (ctx) => {
    const { estate, node } = instanceOf(ctx);
    return page(ctx, scaleSetNics(estate, node));
  }),
  route('vmss.vm.networkInterface', 'GET', `${VMSS}/virtualMachines/(?<i>[^/]+)/networkInterfaces/(?<nic>[^/]+)`, (ctx) => {
    const { estate, node } = instanceOf(ctx);
    const nic = scaleSetNics(estate, node).find((n) => String(n.name).toLowerCase() === param(ctx, 'nic').toLowerCase());
    if (!nic) throw resourceNotFound('Microsoft.Network/networkInterfaces', param(ctx, 'nic'), param(ctx, 'rg'));
    return ok(nic);
  }),
];
