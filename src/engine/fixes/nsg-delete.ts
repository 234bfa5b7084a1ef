/**
 * 'nsg-delete-deny': delete the deny rule named in `fix.change` ("DELETE <rule id>") from the NSG in
 * `fix.target`, with the same guard as the other NSG fixes: the NSG must still carry the etag the
 * diagnosis saw, and the NSG is PUT back without the rule under `If-Match` (nsg-write.ts), so a
 * change in between makes ARM write nothing.
 */
import type { NetworkSecurityGroup } from '@azure/arm-network';
import { sameArmId } from '../../azure/arm-id.js';
import { getNetworkSecurityGroup } from '../../azure/network.js';
import { clusterNsgIds } from './cluster-nodes.js';
import { NSG_CHANGED } from './nsg-rule.js';
import { writeNsg } from './nsg-write.js';
import { messageOf, refused, type FixContext, type FixExecution, type FixExecutor, type Precheck } from './types.js';

const DELETE = /^DELETE (\/subscriptions\/[^\s]+\/providers\/Microsoft\.Network\/networkSecurityGroups\/[^/\s]+)\/securityRules\/(\w(?:[\w.-]{0,78}\w)?)$/i;

async function precheckDelete(ctx: FixContext): Promise<Precheck & { rule?: string; read?: NetworkSecurityGroup }> {
  const m = DELETE.exec(ctx.fix.change.trim());
  if (!m || !sameArmId(m[1] as string, ctx.fix.target)) return { ok: false, reason: 'The fix does not name a rule of its NSG to delete.' };
  const rule = m[2] as string;
  const nsgName = ctx.fix.target.split('/').pop() ?? ctx.fix.target;
  const expected = ctx.baseline?.nsgEtag;
  if (!expected) return { ok: false, reason: `No record of NSG ${nsgName} as the diagnosis saw it, so a change made since could be lost; diagnose again.` };
  let nsg: NetworkSecurityGroup;
  try {
    const owned = await clusterNsgIds(ctx.layer, ctx.cluster.id);
    if (!owned.some((id) => sameArmId(id, ctx.fix.target))) {
      return { ok: false, reason: `NSG ${nsgName} does not filter traffic of any node of ${ctx.cluster.name}; refusing to change it.` };
    }
    nsg = await getNetworkSecurityGroup(ctx.layer, ctx.fix.target);
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
  if (nsg.etag !== expected) return { ok: false, reason: NSG_CHANGED, read: nsg };
  const existing = (nsg.securityRules ?? []).find((r) => (r.name ?? '').toLowerCase() === rule.toLowerCase());
  if (!existing) return { ok: false, reason: `Rule ${rule} is no longer in NSG ${nsgName}; diagnose again.`, read: nsg };
  // Only a deny may be deleted by this fix: deleting an allow could open nothing and close something.
  if (existing.access !== 'Deny') return { ok: false, reason: `Rule ${rule} in NSG ${nsgName} is not a deny; refusing to delete it.`, read: nsg };
  return { ok: true, detail: `NSG ${nsgName} is as the diagnosis saw it.`, rule, read: nsg };
}

export const nsgDeleteDeny: FixExecutor = {
  kind: 'nsg-delete-deny',
  async execute(ctx): Promise<FixExecution> {
    const check = await precheckDelete(ctx);
    if (!check.ok || !check.rule || !check.read) return refused(check.ok ? 'The rule could not be read from the fix.' : check.reason);
    const nsgName = ctx.fix.target.split('/').pop() ?? ctx.fix.target;
    return writeNsg(
      ctx,
      {
        nsgId: ctx.fix.target,
        nsgName,
        read: check.read,
        edit: { remove: check.rule },
        ruleId: `${ctx.fix.target}/securityRules/${check.rule}`,
        done: `Rule ${check.rule} deleted from NSG ${nsgName}.`,
        failed: `Rule ${check.rule} was not deleted`,
      },
      () => precheckDelete(ctx),
      NSG_CHANGED,
    );
  },
};
