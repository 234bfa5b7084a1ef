/**
 * SNAT fixes on the AKS-managed outbound load balancer: a managed-cluster update (PUT of the whole
 * cluster, as `az aks update --load-balancer-outbound-ports / --load-balancer-managed-outbound-ip-count`
 * does) setting networkProfile.loadBalancerProfile.allocatedOutboundPorts and/or
 * managedOutboundIPs.count to the values computed by the snat-exhaustion check. High risk: AKS
 * rewrites the outbound rule and outbound connections blip while it applies.
 *
 * The values come from the fix's `change`, whose lines read
 * `networkProfile.loadBalancerProfile.<field>: <now> → <new>`; the `<now>` half is the drift guard:
 * the cluster must still hold it.
 */
import type { ManagedCluster } from '@azure/arm-containerservice';
import { sameArmId } from '../../azure/arm-id.js';
import { getCluster, updateCluster } from '../../azure/clusters.js';
import { messageOf, refused, type FixContext, type FixExecution, type FixExecutor, type Precheck } from './types.js';

/** AKS limits: allocatedOutboundPorts 0–64,000 in multiples of 8; 1–100 managed outbound IPs. */
const MAX_PORTS = 64000;
const MAX_MANAGED_IPS = 100;

type Field = 'allocatedOutboundPorts' | 'managedOutboundIPs.count';

interface Setting {
  field: Field;
  from: number;
  to: number;
}

const LINE = /^networkProfile\.loadBalancerProfile\.(allocatedOutboundPorts|managedOutboundIPs\.count): (\d{1,6}) → (\d{1,6})$/;

export function parseOutboundSettings(change: string): Setting[] {
  const out: Setting[] = [];
  for (const line of change.split('\n')) {
    const m = LINE.exec(line.trim());
    if (m) out.push({ field: m[1] as Field, from: Number(m[2]), to: Number(m[3]) });
  }
  return out;
}

function invalidSetting(s: Setting): string | undefined {
  if (s.field === 'allocatedOutboundPorts' && (s.to > MAX_PORTS || s.to % 8 !== 0)) return `allocatedOutboundPorts ${s.to} is not a multiple of 8 from 0 to ${MAX_PORTS}`;
  if (s.field === 'managedOutboundIPs.count' && (s.to < 1 || s.to > MAX_MANAGED_IPS)) return `managedOutboundIPs.count ${s.to} is not from 1 to ${MAX_MANAGED_IPS}`;
  return undefined;
}

function current(cluster: ManagedCluster, field: Field): number {
  const profile = cluster.networkProfile?.loadBalancerProfile;
  return field === 'allocatedOutboundPorts' ? profile?.allocatedOutboundPorts ?? 0 : profile?.managedOutboundIPs?.count ?? 0;
}

type Checked = { ok: true; settings: Setting[]; cluster: ManagedCluster } | { ok: false; reason: string };

async function precheckOutbound(ctx: FixContext, required: Field[]): Promise<Checked> {
  if (!sameArmId(ctx.fix.target, ctx.cluster.id)) return { ok: false, reason: `The fix is for another cluster than ${ctx.cluster.name}; refusing it.` };
  const settings = parseOutboundSettings(ctx.fix.change);
  const fields = settings.map((s) => s.field).sort();
  if (settings.length === 0 || fields.join() !== [...required].sort().join()) {
    return { ok: false, reason: `The fix does not say which load balancer settings to change (${required.join(', ')}).` };
  }
  const bad = settings.map(invalidSetting).find((why) => why !== undefined);
  if (bad) return { ok: false, reason: `AKS would refuse it: ${bad}.` };
  let cluster: ManagedCluster;
  try {
    cluster = await getCluster(ctx.layer, ctx.cluster.id);
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
  const state = cluster.provisioningState ?? 'Succeeded';
  if (state !== 'Succeeded') return { ok: false, reason: `${ctx.cluster.name} is ${state}; wait for that operation to end, then diagnose again.` };
  if ((cluster.networkProfile?.outboundType ?? 'loadBalancer').toLowerCase() !== 'loadbalancer') {
    return { ok: false, reason: `${ctx.cluster.name} no longer uses the load balancer for outbound traffic; diagnose again.` };
  }
  const profile = cluster.networkProfile?.loadBalancerProfile;
  if (required.includes('managedOutboundIPs.count') && ((profile?.outboundIPs?.publicIPs?.length ?? 0) > 0 || (profile?.outboundIPPrefixes?.publicIPPrefixes?.length ?? 0) > 0)) {
    return { ok: false, reason: `${ctx.cluster.name} uses its own outbound IPs or prefixes, not managed ones: add IPs there instead.` };
  }
  const moved = settings.find((s) => current(cluster, s.field) !== s.from);
  if (moved) {
    return { ok: false, reason: `${moved.field} of ${ctx.cluster.name} is ${current(cluster, moved.field)} now, not ${moved.from} as at the diagnosis; diagnose again.` };
  }
  return { ok: true, settings, cluster };
}

function outboundExecutor(kind: string, required: Field[]): FixExecutor {
  return {
    kind,
    async execute(ctx): Promise<FixExecution> {
      const c = await precheckOutbound(ctx, required);
      if (!c.ok) return refused(c.reason);
      const next = structuredClone(c.cluster);
      next.networkProfile ??= {};
      next.networkProfile.loadBalancerProfile ??= {};
      const profile = next.networkProfile.loadBalancerProfile;
      for (const s of c.settings) {
        if (s.field === 'allocatedOutboundPorts') profile.allocatedOutboundPorts = s.to;
        else profile.managedOutboundIPs = { ...(profile.managedOutboundIPs ?? {}), count: s.to };
      }
      const what = c.settings.map((s) => `${s.field} ${s.from} → ${s.to}`).join(', ');
      try {
        await updateCluster(ctx.layer, ctx.cluster.id, next);
        const detail = `${ctx.cluster.name} updated: ${what}.`;
        return { result: 'succeeded', detail, perTarget: [{ target: ctx.cluster.id, result: 'succeeded', detail }] };
      } catch (err) {
        const detail = `${ctx.cluster.name} was not updated (${what}): ${messageOf(err)}`;
        return { result: 'failed', detail, perTarget: [{ target: ctx.cluster.id, result: 'failed', detail }] };
      }
    },
  };
}

export const lbAllocatedOutboundPorts = outboundExecutor('lb-allocated-outbound-ports', ['allocatedOutboundPorts']);
export const lbOutboundIps = outboundExecutor('lb-outbound-ips', ['managedOutboundIPs.count', 'allocatedOutboundPorts']);
