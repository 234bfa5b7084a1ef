/**
 * How an NSG fix changes an NSG so that the change holds on Azure: the NSG read by the precheck
 * (whose etag must be the one the diagnosis saw), its `securityRules` edited here, and the whole
 * NSG PUT back with `If-Match: <that etag>` — the pattern Kubernetes' Azure cloud provider uses
 * (kubernetes-sigs/cloud-provider-azure: read, edit securityRules, CreateOrUpdate with If-Match).
 * A 412 means someone changed the NSG between the read and the PUT: nothing was written; the NSG is
 * read again and the fix planned again against it (never retried blindly), which refuses it with
 * what changed, since the approvers approved a change to the NSG as the diagnosis saw it.
 */
import type { NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import { isAzureError } from '../../azure/errors.js';
import { putNetworkSecurityGroup } from '../../azure/network.js';
import { messageOf, refused, type FixExecution } from './types.js';

export type RuleEdit = { put: SecurityRule & { name: string } } | { remove: string };

const same = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

/** The NSG's rules with the edit applied: a rule put replaces the one of the same name, or joins. */
export function rulesAfter(nsg: NetworkSecurityGroup, edit: RuleEdit): SecurityRule[] {
  const rules = nsg.securityRules ?? [];
  if ('remove' in edit) return rules.filter((r) => !same(r.name, edit.remove));
  const at = rules.findIndex((r) => same(r.name, edit.put.name));
  return at < 0 ? [...rules, edit.put] : rules.map((r, i) => (i === at ? edit.put : r));
}

const ruleKey = (r: SecurityRule) => JSON.stringify({ ...r, etag: undefined, provisioningState: undefined, id: undefined });

/** "rules added: X; removed: Y; changed: Z" between two reads of the same NSG. */
export function describeDrift(before: NetworkSecurityGroup, after: NetworkSecurityGroup): string {
  const names = (n: NetworkSecurityGroup) => new Map((n.securityRules ?? []).map((r) => [(r.name ?? '').toLowerCase(), r]));
  const [b, a] = [names(before), names(after)];
  const added = [...a.keys()].filter((k) => !b.has(k)).map((k) => a.get(k)?.name);
  const removed = [...b.keys()].filter((k) => !a.has(k)).map((k) => b.get(k)?.name);
  const changed = [...a.keys()].filter((k) => b.has(k) && ruleKey(b.get(k)!) !== ruleKey(a.get(k)!)).map((k) => a.get(k)?.name);
  const parts = [
    ...(added.length > 0 ? [`rules added: ${added.join(', ')}`] : []),
    ...(removed.length > 0 ? [`removed: ${removed.join(', ')}`] : []),
    ...(changed.length > 0 ? [`changed: ${changed.join(', ')}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : 'its rules read the same, but its etag changed';
}

export interface NsgWrite {
  nsgId: string;
  nsgName: string;
  /** The NSG as the precheck read it; its etag is the diagnosis-time one. */
  read: NetworkSecurityGroup;
  edit: RuleEdit;
  /** ARM id of the rule, for the per-target outcome. */
  ruleId: string;
  /** What the chat says when it worked ("Rule X written to NSG Y."). */
  done: string;
  /** What the chat says when ARM refused it for another reason. */
  failed: string;
}

/**
 * PUTs the edited NSG under If-Match. On 412 calls `replan` (the executor's own precheck, which
 * reads the NSG again) and refuses with its reason, or with `changed` ("…changed since the
 * diagnosis; …") saying what changed.
 */
export async function writeNsg(
  ctx: { layer: Parameters<typeof putNetworkSecurityGroup>[0] },
  write: NsgWrite,
  replan: () => Promise<{ ok: boolean; reason?: string; read?: NetworkSecurityGroup }>,
  changed: string,
): Promise<FixExecution> {
  const { read } = write;
  if (!read.etag) return refused(`NSG ${write.nsgName} came back without an etag, so the write could not be made conditional; diagnose again.`);
  try {
    await putNetworkSecurityGroup(ctx.layer, write.nsgId, { ...read, securityRules: rulesAfter(read, write.edit) }, { ifMatch: read.etag });
    return { result: 'succeeded', detail: write.done, perTarget: [{ target: write.ruleId, result: 'succeeded', detail: write.done }] };
  } catch (err) {
    if (isAzureError(err) && (err.code === 'PreconditionFailed' || err.statusCode === 412)) {
      // Re-read and re-plan: the precheck reads the NSG again and judges it against the baseline.
      const again = await replan();
      if (again.ok) return refused(`ARM refused the write to NSG ${write.nsgName} (412) although it still reads as the diagnosis saw it; nothing was written. Diagnose again.`);
      if (again.reason !== undefined && again.reason !== changed) return refused(again.reason);
      return refused(again.read ? changed.replace(';', ` (${describeDrift(read, again.read)});`) : changed);
    }
    const detail = `${write.failed}: ${messageOf(err)}`;
    return { result: 'failed', detail, perTarget: [{ target: write.ruleId, result: 'failed', detail }] };
  }
}
