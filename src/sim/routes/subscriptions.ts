/**
 * Subscriptions and tenants (SubscriptionClient of @azure/arm-resources-subscriptions):
 * GET /subscriptions merges every scenario's subscriptions.
 */
import { ok, subscriptionNotFound } from '../arm-http.js';
import { page, param, route, type Route, type RouteContext } from '../world.js';

/** Used when a scenario names no tenant. */
const DEFAULT_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

function subscriptions(ctx: RouteContext): Array<Record<string, unknown>> {
  const seen = new Map<string, Record<string, unknown>>();
  for (const estate of ctx.world.estates) {
    const tenantId = estate.scenario.tenantId ?? DEFAULT_TENANT;
    for (const s of estate.scenario.subscriptions) {
      const key = s.subscriptionId.toLowerCase();
      if (seen.has(key)) continue;
      seen.set(key, {
        id: `/subscriptions/${s.subscriptionId}`,
        authorizationSource: 'RoleBased',
        managedByTenants: [],
        subscriptionId: s.subscriptionId,
        tenantId,
        displayName: s.displayName ?? s.subscriptionId,
        state: 'Enabled',
        subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'EnterpriseAgreement_2014-09-01', spendingLimit: 'Off' },
      });
    }
  }
  return [...seen.values()];
}

export const subscriptionRoutes: Route[] = [
  route('subscriptions.list', 'GET', '/subscriptions', (ctx) => page(ctx, subscriptions(ctx))),
  route('subscriptions.get', 'GET', '/subscriptions/(?<sub>[^/]+)', (ctx) => {
    const sub = param(ctx, 'sub').toLowerCase();
    const found = subscriptions(ctx).find((s) => String(s.subscriptionId).toLowerCase() === sub);
    if (!found) throw subscriptionNotFound(param(ctx, 'sub'));
    return ok(found);
  }),
  route('tenants.list', 'GET', '/tenants', (ctx) => {
    const tenants = [...new Set(ctx.world.estates.map((e) => e.scenario.tenantId ?? DEFAULT_TENANT))];
    return page(ctx, tenants.map((t) => ({ id: `/tenants/${t}`, tenantId: t, tenantCategory: 'Home', displayName: 'Contoso', defaultDomain: 'contoso.onmicrosoft.com' })));
  }),
];
