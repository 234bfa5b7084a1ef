/**
 * NSG fixes: write the rule in `fix.change` (ARM's `{"name":…,"properties":{…}}`, as
 * planNsgOpening prints it) into the NSG in `fix.target`, only if the NSG is still exactly as the
 * diagnosis read it. The precheck reads the NSG and compares its etag with the one the checks read
 * (fix.nsgEtag, kept as the baseline); the write is the whole NSG PUT back with
 * `If-Match: <that etag>` (nsg-write.ts), so a change made in between makes ARM answer 412 and
 * nothing is written.
 */
import type { NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import { expectArmType, sameArmId } from '../../azure/arm-id.js';
import { getNetworkSecurityGroup } from '../../azure/network.js';
import { validateSecurityRule } from '../nsg/evaluate.js';
import { securityRuleFromArm } from '../nsg/from-arm.js';
import { clusterNsgIds } from './cluster-nodes.js';
import { writeNsg } from './nsg-write.js';
import { messageOf, refused, type FixBaseline, type FixContext, type FixExecution, type FixExecutor, type Precheck } from './types.js';

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

async function precheckRule(ctx: FixContext, shape: RuleShape): Promise<Precheck & { write?: RuleWrite; read?: NetworkSecurityGroup }> {
  const parsed = parseRuleWrite(ctx, shape);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const { write } = parsed;
  const expected = ctx.baseline?.nsgEtag;
  if (!expected) return { ok: false, reason: `No record of NSG ${write.nsgName} as the diagnosis saw it, so a change made since could be overwritten; diagnose again.` };
  let nsg: NetworkSecurityGroup;
  try {
    const owned = await clusterNsgIds(ctx.layer, ctx.cluster.id);
    if (!owned.some((id) => sameArmId(id, write.nsgId))) {
      return { ok: false, reason: `NSG ${write.nsgName} does not filter traffic of any node of ${ctx.cluster.name}; refusing to change it.` };
    }
    nsg = await getNetworkSecurityGroup(ctx.layer, write.nsgId);
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
  if (nsg.etag !== expected) return { ok: false, reason: NSG_CHANGED, read: nsg };
  const existing = (nsg.securityRules ?? []).find((r) => (r.name ?? '').toLowerCase() === write.name.toLowerCase());
  if (shape.exists && !existing) return { ok: false, reason: `Rule ${write.name} is no longer in NSG ${write.nsgName}; diagnose again.`, read: nsg };
  if (!shape.exists && existing) return { ok: false, reason: `NSG ${write.nsgName} already has a rule named ${write.name}; diagnose again.`, read: nsg };
  if (shape.exists && existing?.access !== 'Deny') return { ok: false, reason: `Rule ${write.name} in NSG ${write.nsgName} is no longer a deny; diagnose again.`, read: nsg };
  return { ok: true, detail: `NSG ${write.nsgName} is as the diagnosis saw it.`, write, read: nsg };
}

function ruleExecutor(kind: string, shape: RuleShape): FixExecutor {
  return {
    kind,
    async execute(ctx): Promise<FixExecution> {
      const check = await precheckRule(ctx, shape);
      if (!check.ok || !check.write || !check.read) return refused(check.ok ? 'The rule could not be read from the fix.' : check.reason);
      const { nsgId, nsgName, name, properties } = check.write;
      // The SDK model flattens `properties`; it nests them again when it serialises the PUT.
      const rule = { name, ...properties } as SecurityRule & { name: string };
      return writeNsg(
        ctx,
        {
          nsgId,
          nsgName,
          read: check.read,
          edit: { put: rule },
          ruleId: `${nsgId}/securityRules/${name}`,
          done: `Rule ${name} written to NSG ${nsgName}.`,
          failed: `Rule ${name} was not written to NSG ${nsgName}`,
        },
        () => precheckRule(ctx, shape),
        NSG_CHANGED,
      );
    },
  };
}

export const nsgAllow10250 = ruleExecutor('nsg-allow-10250', { access: 'Allow', direction: 'Inbound', exists: false });
export const nsgAllowEgress = ruleExecutor('nsg-allow-egress', { access: 'Allow', direction: 'Outbound', exists: false });
export const nsgEditDeny = ruleExecutor('nsg-edit-deny', { access: 'Deny', exists: true });

/**
 * The baseline an NSG fix is approved against: the etag of the NSG as the checks read it during the
 * diagnosis (fix.nsgEtag). Never read again here: a second read would take in any change made
 * since, which is exactly what the guard is for.
 */
export function nsgBaselineOf(fix: Pick<FixContext['fix'], 'nsgEtag'>): FixBaseline {
  return fix.nsgEtag ? { nsgEtag: fix.nsgEtag } : {};
}
