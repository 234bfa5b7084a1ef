/**
 * NSG fixes: write the rule in `fix.change` (ARM's `{"name":…,"properties":{…}}`, as
 * planNsgOpening prints it) into the NSG in `fix.target`, only if the NSG is still exactly as the
 * diagnosis read it. The guard is ARM's optimistic concurrency: the PUT carries
 * `If-Match: <etag seen at diagnosis>`; NRP gives child rules their NSG's etag, so any rule change
 * in the NSG since then makes ARM answer 412 and nothing is written. The precheck compares the etag
 * first so the user gets the reason before any write is attempted.
 */
import type { SecurityRule } from '@azure/arm-network';
import { expectArmType, sameArmId } from '../../azure/arm-id.js';
import { isAzureError } from '../../azure/errors.js';
import { getNetworkSecurityGroup, putSecurityRule } from '../../azure/network.js';
import { validateSecurityRule } from '../nsg/evaluate.js';
import { securityRuleFromArm } from '../nsg/from-arm.js';
import { clusterNsgIds } from './cluster-nodes.js';
import { messageOf, refused, type FixContext, type FixExecution, type FixExecutor, type Precheck } from './types.js';

export const NSG_CHANGED = 'The NSG changed since the diagnosis; diagnose again.';

interface RuleWrite {
  nsgId: string;
  nsgName: string;
  name: string;
  properties: Record<string, unknown>;
}

type Parsed = { ok: true; write: RuleWrite } | { ok: false; reason: string };

/** What each NSG kind may write: a new allow in one direction, or an edit of an existing deny. */
interface RuleShape {
  access: 'Allow' | 'Deny';
  direction?: 'Inbound' | 'Outbound';
  /** The rule must already exist (an edit) or must not (a new rule). */
  exists: boolean;
}

function parseRuleWrite(ctx: FixContext, shape: RuleShape): Parsed {
  let nsg;
  try {
    nsg = expectArmType(ctx.fix.target, 'Microsoft.Network/networkSecurityGroups');
  } catch {
    return { ok: false, reason: 'The fix does not name a network security group.' };
  }
  let body: unknown;
  try {
    body = JSON.parse(ctx.fix.change);
  } catch {
    return { ok: false, reason: 'The rule in the fix is not valid JSON.' };
  }
  const b = body as { name?: unknown; properties?: unknown };
  if (typeof body !== 'object' || body === null || typeof b.name !== 'string' || typeof b.properties !== 'object' || b.properties === null) {
    return { ok: false, reason: 'The rule in the fix is not an ARM security rule ({"name", "properties"}).' };
  }
  const properties = b.properties as Record<string, unknown>;
  const flat = securityRuleFromArm({ name: b.name, properties });
  const problems = validateSecurityRule(flat);
  if (problems.length > 0) return { ok: false, reason: `Azure would refuse the rule ${b.name}: ${problems.join('; ')}.` };
  if (flat.access !== shape.access) return { ok: false, reason: `A ${ctx.fix.kind} fix must write an ${shape.access} rule; this one is ${flat.access}.` };
  if (shape.direction && flat.direction !== shape.direction) {
    return { ok: false, reason: `A ${ctx.fix.kind} fix must write an ${shape.direction} rule; this one is ${flat.direction}.` };
  }
  return { ok: true, write: { nsgId: ctx.fix.target, nsgName: nsg.name, name: b.name, properties } };
}

async function precheckRule(ctx: FixContext, shape: RuleShape): Promise<Precheck & { write?: RuleWrite }> {
  const parsed = parseRuleWrite(ctx, shape);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const { write } = parsed;
  const expected = ctx.baseline?.nsgEtag;
  if (!expected) return { ok: false, reason: `No record of NSG ${write.nsgName} as the diagnosis saw it, so a change made since could be overwritten; diagnose again.` };
  try {
    const owned = await clusterNsgIds(ctx.layer, ctx.cluster.id);
    if (!owned.some((id) => sameArmId(id, write.nsgId))) {
      return { ok: false, reason: `NSG ${write.nsgName} does not filter traffic of any node of ${ctx.cluster.name}; refusing to change it.` };
    }
    const nsg = await getNetworkSecurityGroup(ctx.layer, write.nsgId);
    if (nsg.etag !== expected) return { ok: false, reason: NSG_CHANGED };
    const existing = (nsg.securityRules ?? []).find((r) => (r.name ?? '').toLowerCase() === write.name.toLowerCase());
    if (shape.exists && !existing) return { ok: false, reason: `Rule ${write.name} is no longer in NSG ${write.nsgName}; diagnose again.` };
    if (!shape.exists && existing) return { ok: false, reason: `NSG ${write.nsgName} already has a rule named ${write.name}; diagnose again.` };
    if (shape.exists && existing?.access !== 'Deny') return { ok: false, reason: `Rule ${write.name} in NSG ${write.nsgName} is no longer a deny; diagnose again.` };
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
  return { ok: true, detail: `NSG ${write.nsgName} is as the diagnosis saw it.`, write };
}

function ruleExecutor(kind: string, shape: RuleShape): FixExecutor {
  return {
    kind,
    precheck: async (ctx) => {
      const { write: _write, ...result } = await precheckRule(ctx, shape);
      return result as Precheck;
    },
    async execute(ctx): Promise<FixExecution> {
      const check = await precheckRule(ctx, shape);
      if (!check.ok || !check.write) return refused(check.ok ? 'The rule could not be read from the fix.' : check.reason);
      const { nsgId, nsgName, name, properties } = check.write;
      const ruleId = `${nsgId}/securityRules/${name}`;
      try {
        // The SDK model flattens `properties`; it nests them again when it serialises the PUT.
        const rule = { name, ...properties } as SecurityRule & { name: string };
        await putSecurityRule(ctx.layer, nsgId, rule, { ifMatch: ctx.baseline?.nsgEtag as string });
        const detail = `Rule ${name} written to NSG ${nsgName}.`;
        return { result: 'succeeded', detail, perTarget: [{ target: ruleId, result: 'succeeded', detail }] };
      } catch (err) {
        // 412: someone changed the NSG between the precheck and the PUT; ARM wrote nothing.
        if (isAzureError(err) && (err.code === 'PreconditionFailed' || err.statusCode === 412)) return refused(NSG_CHANGED);
        const detail = `Rule ${name} was not written to NSG ${nsgName}: ${messageOf(err)}`;
        return { result: 'failed', detail, perTarget: [{ target: ruleId, result: 'failed', detail }] };
      }
    },
  };
}

export const nsgAllow10250 = ruleExecutor('nsg-allow-10250', { access: 'Allow', direction: 'Inbound', exists: false });
export const nsgAllowEgress = ruleExecutor('nsg-allow-egress', { access: 'Allow', direction: 'Outbound', exists: false });
export const nsgEditDeny = ruleExecutor('nsg-edit-deny', { access: 'Deny', exists: true });

/** What the lead stores with the approval request when the diagnosis did not keep the NSG etag. */
export async function captureNsgEtag(ctx: Pick<FixContext, 'layer' | 'fix'>): Promise<string | undefined> {
  try {
    expectArmType(ctx.fix.target, 'Microsoft.Network/networkSecurityGroups');
  } catch {
    return undefined;
  }
  return (await getNetworkSecurityGroup(ctx.layer, ctx.fix.target)).etag;
}
