/**
 * 'nsg-delete-deny': delete the deny rule named in `fix.change` ("DELETE <rule id>") from the NSG in
 * `fix.target`, with the same guard as the other NSG fixes: the NSG must still carry the etag the
 * diagnosis saw, and the DELETE carries `If-Match` so a change in between makes ARM delete nothing.
 */
import { sameArmId } from '../../azure/arm-id.js';
import { isAzureError } from '../../azure/errors.js';
import { deleteSecurityRule, getNetworkSecurityGroup } from '../../azure/network.js';
import { clusterNsgIds } from './cluster-nodes.js';
import { NSG_CHANGED } from './nsg-rule.js';
import { messageOf, refused, type FixContext, type FixExecution, type FixExecutor, type Precheck } from './types.js';

const DELETE = /^DELETE (\/subscriptions\/[^\s]+\/providers\/Microsoft\.Network\/networkSecurityGroups\/[^/\s]+)\/securityRules\/(\w(?:[\w.-]{0,78}\w)?)$/i;

async function precheckDelete(ctx: FixContext): Promise<Precheck & { rule?: string }> {
  const m = DELETE.exec(ctx.fix.change.trim());
  if (!m || !sameArmId(m[1] as string, ctx.fix.target)) return { ok: false, reason: 'The fix does not name a rule of its NSG to delete.' };
  const rule = m[2] as string;
  const nsgName = ctx.fix.target.split('/').pop() ?? ctx.fix.target;
  const expected = ctx.baseline?.nsgEtag;
  if (!expected) return { ok: false, reason: `No record of NSG ${nsgName} as the diagnosis saw it, so a change made since could be lost; diagnose again.` };
  try {
    const owned = await clusterNsgIds(ctx.layer, ctx.cluster.id);
    if (!owned.some((id) => sameArmId(id, ctx.fix.target))) {
      return { ok: false, reason: `NSG ${nsgName} does not filter traffic of any node of ${ctx.cluster.name}; refusing to change it.` };
    }
    const nsg = await getNetworkSecurityGroup(ctx.layer, ctx.fix.target);
    if (nsg.etag !== expected) return { ok: false, reason: NSG_CHANGED };
    const existing = (nsg.securityRules ?? []).find((r) => (r.name ?? '').toLowerCase() === rule.toLowerCase());
    if (!existing) return { ok: false, reason: `Rule ${rule} is no longer in NSG ${nsgName}; diagnose again.` };
    // Only a deny may be deleted by this fix: deleting an allow could open nothing and close something.
    if (existing.access !== 'Deny') return { ok: false, reason: `Rule ${rule} in NSG ${nsgName} is not a deny; refusing to delete it.` };
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
  return { ok: true, detail: `NSG ${nsgName} is as the diagnosis saw it.`, rule };
}

export const nsgDeleteDeny: FixExecutor = {
  kind: 'nsg-delete-deny',
  precheck: async (ctx) => {
    const { rule: _rule, ...result } = await precheckDelete(ctx);
    return result as Precheck;
  },
  async execute(ctx): Promise<FixExecution> {
    const check = await precheckDelete(ctx);
    if (!check.ok || !check.rule) return refused(check.ok ? 'The rule could not be read from the fix.' : check.reason);
    const ruleId = `${ctx.fix.target}/securityRules/${check.rule}`;
    try {
      await deleteSecurityRule(ctx.layer, ctx.fix.target, check.rule, { ifMatch: ctx.baseline?.nsgEtag as string });
      const detail = `Rule ${check.rule} deleted from NSG ${ctx.fix.target.split('/').pop()}.`;
      return { result: 'succeeded', detail, perTarget: [{ target: ruleId, result: 'succeeded', detail }] };
    } catch (err) {
      if (isAzureError(err) && (err.code === 'PreconditionFailed' || err.statusCode === 412)) return refused(NSG_CHANGED);
      const detail = `Rule ${check.rule} was not deleted: ${messageOf(err)}`;
      return { result: 'failed', detail, perTarget: [{ target: ruleId, result: 'failed', detail }] };
    }
  },
};
