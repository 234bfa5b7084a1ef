/**
 * The RBAC action ARM checks for one HTTP request, derived from the request the way ARM derives it
 * (provider namespace + resource types along the path + read / write / delete / <name>/action,
 * https://learn.microsoft.com/azure/role-based-access-control/resource-provider-operations).
 * toAzureError (errors.ts) uses it to name the exact action a 403 refused (e.g. the LRO status
 * poll, which no module knows it makes); the role coverage test turns the simulator's access log
 * into actions with it. Imports nothing: errors.ts, which every area module imports, needs it.
 */
const OPERATION_VERB: Record<string, 'read' | 'write' | 'delete'> = { GET: 'read', HEAD: 'read', PUT: 'write', PATCH: 'write', DELETE: 'delete' };

/**
 * The RBAC action ARM checks for one request (`path` without the host; a query is ignored), or
 * undefined when the path is not an ARM resource path. Extension resources (…/providers/A/x/y/
 * providers/Microsoft.Insights/metrics) take the last provider's namespace, as ARM does.
 */
export function armActionOf(method: string, path: string): string | undefined {
  const verbOf = OPERATION_VERB[method.toUpperCase()];
  const clean = (path.split('?')[0] ?? '').replace(/\/+$/, '');
  const segments = clean.split('/').slice(1);
  if (segments.length === 0 || segments.some((s) => s === '')) return undefined;
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] === 'tenants' && segments.length === 1) return verbOf === 'read' ? 'Microsoft.Resources/tenants/read' : undefined;
  // A Resource Graph query is a POST but a read: "Microsoft.ResourceGraph/resources/read — Submits a
  // query on resources within specified subscriptions, management groups or tenant scope"
  // (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance).
  if (lower.join('/') === 'providers/microsoft.resourcegraph/resources' && method.toUpperCase() === 'POST') return 'Microsoft.ResourceGraph/resources/read';
  if (lower[0] !== 'subscriptions') return undefined;
  const providersAt = lower.lastIndexOf('providers');
  if (providersAt < 0) {
    // /subscriptions[/{id}[/resourceGroups[/{rg}]]]
    if (!verbOf) return undefined;
    if (segments.length <= 2) return `Microsoft.Resources/subscriptions/${verbOf}`;
    if (lower[2] === 'resourcegroups' && segments.length <= 4) return `Microsoft.Resources/subscriptions/resourceGroups/${verbOf}`;
    return undefined;
  }
  const namespace = segments[providersAt + 1];
  const rest = segments.slice(providersAt + 2);
  if (!namespace || !namespace.includes('.') || rest.length === 0) return undefined;
  // rest = type, name, childType, childName, … [, action]: types sit at the even positions.
  const types = rest.filter((_, i) => i % 2 === 0);
  if (method.toUpperCase() === 'POST') {
    // POST …/{type}/{name}/{action}: the last segment is the action, at an even position.
    if (rest.length % 2 === 0 || rest.length < 3) return undefined;
    const action = types.pop();
    return `${[namespace, ...types].join('/')}/${action}/action`;
  }
  if (!verbOf) return undefined;
  return `${[namespace, ...types].join('/')}/${verbOf}`;
}
