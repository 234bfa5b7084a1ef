/**
 * Host-firewall fixes: run the constant node script named by `fix.scriptId` on each node of
 * `fix.target`, one VM at a time (a wrong change then stops at the first node, and run-command
 * allows one command per VM anyway). The parameters are validated again here: they went through an
 * approval card and a store since the diagnosis checked them, and run-command splices them into
 * script text on the node (see ../node-scripts.ts). Node names are resolved against the cluster's
 * own scale sets, never used as given.
 */
import type { ScaleSetInstance } from '../../azure/compute.js';
import { runShellScript } from '../../azure/compute.js';
import { parseFixScriptOutput } from '../host/script-output.js';
import { parseHostFirewall } from '../host/script-output.js';
import { NODE_SCRIPTS, validateScriptParameters, type NodeScriptId, type ScriptParameter } from '../node-scripts.js';
import { clusterInstances, parseNodeTarget } from './cluster-nodes.js';
import { messageOf, refused, type FixContext, type FixExecution, type FixExecutor, type Precheck, type TargetOutcome } from './types.js';

interface NodePlan {
  scriptId: NodeScriptId;
  params: ScriptParameter[];
  nodes: ScaleSetInstance[];
}

type Planned = { ok: true; plan: NodePlan } | { ok: false; reason: string };

/** Extra check before a script that addresses a rule by number (numbers shift when a chain changes). */
type NodeStateCheck = (ctx: FixContext, plan: NodePlan) => Promise<string | undefined>;

async function planNodeScript(ctx: FixContext, scriptId: NodeScriptId): Promise<Planned> {
  const { fix } = ctx;
  if (fix.scriptId === undefined) return { ok: false, reason: 'No node script applies this fix; it must be done by hand.' };
  if (fix.scriptId !== scriptId) return { ok: false, reason: `A ${fix.kind} fix runs script ${scriptId}, not "${String(fix.scriptId).slice(0, 40)}".` };
  let params: ScriptParameter[];
  try {
    params = validateScriptParameters(scriptId, fix.params ?? {});
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
  const target = parseNodeTarget(fix.target);
  if (!target.ok) return target;
  let instances: ScaleSetInstance[];
  try {
    instances = await clusterInstances(ctx.layer, ctx.cluster.id);
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
  const nodes: ScaleSetInstance[] = [];
  for (const name of target.names) {
    const node = instances.find((i) => i.computerName.toLowerCase() === name.toLowerCase());
    if (!node) return { ok: false, reason: `${name} is not a node of ${ctx.cluster.name}; refusing the fix.` };
    if (node.osType === 'Windows') return { ok: false, reason: `${name} is a Windows node; the fix scripts are for Linux.` };
    if (node.powerState !== 'running') return { ok: false, reason: `${name} is ${node.powerState} now, not running as at the diagnosis; diagnose again.` };
    nodes.push(node);
  }
  return { ok: true, plan: { scriptId, params, nodes } };
}

/**
 * iptables-delete-rule addresses the rule by number: read the chain again on each node and check
 * that the numbered rule is still a DROP/REJECT that can match TCP 10250, else refuse.
 */
export const ruleStillThere: NodeStateCheck = async (ctx, plan) => {
  const chain = plan.params.find((p) => p.name === 'CHAIN')?.value ?? '';
  const num = Number(plan.params.find((p) => p.name === 'RULE_NUMBER')?.value);
  for (const node of plan.nodes) {
    let out;
    try {
      out = await runShellScript(ctx.layer, node.vmssId, node.instanceId, NODE_SCRIPTS['host-firewall'].lines);
    } catch (err) {
      return `Could not read iptables on ${node.computerName}: ${messageOf(err)}`;
    }
    const listing = parseHostFirewall(out.stdout);
    const rule = listing.iptables?.chains[chain]?.rules.find((r) => r.num === num);
    if (!listing.iptablesComplete || !listing.iptables) return `The iptables listing of ${node.computerName} could not be read whole; diagnose again.`;
    const matchesPort = !/\bdpts?:/.test(rule?.match ?? '') || /\b10250\b/.test(rule?.match ?? '') || /dpts:\d+:\d+/.test(rule?.match ?? '');
    if (!rule || (rule.target !== 'DROP' && rule.target !== 'REJECT') || !matchesPort || !/^(tcp|all|0|6)$/.test(rule.prot)) {
      return `Rule ${num} of chain ${chain} on ${node.computerName} is not the rule the diagnosis found (the chain changed); diagnose again.`;
    }
  }
  return undefined;
};

function nodeScriptExecutor(kind: string, scriptId: NodeScriptId, stateCheck?: NodeStateCheck): FixExecutor {
  const precheckPlan = async (ctx: FixContext): Promise<Planned> => {
    const planned = await planNodeScript(ctx, scriptId);
    if (!planned.ok || !stateCheck) return planned;
    const drift = await stateCheck(ctx, planned.plan);
    return drift ? { ok: false, reason: drift } : planned;
  };
  return {
    kind,
    async execute(ctx): Promise<FixExecution> {
      const planned = await precheckPlan(ctx);
      if (!planned.ok) return refused(planned.reason);
      const { plan } = planned;
      const perTarget: TargetOutcome[] = [];
      let stopped = false;
      for (const node of plan.nodes) {
        if (stopped) {
          perTarget.push({ target: node.computerName, result: 'skipped', detail: 'Not run: an earlier node failed.' });
          continue;
        }
        perTarget.push(await runOnNode(ctx, plan, node));
        stopped = perTarget[perTarget.length - 1]?.result !== 'succeeded';
      }
      const ok = perTarget.filter((t) => t.result === 'succeeded').length;
      const result = ok === perTarget.length ? 'succeeded' : ok > 0 ? 'partial' : 'failed';
      const change = ctx.fix.change;
      const detail =
        result === 'succeeded'
          ? `\`${change}\` ran on ${ok === 1 ? plan.nodes[0]?.computerName : `${ok} nodes`}.`
          : `\`${change}\` succeeded on ${ok} of ${perTarget.length} nodes: ${perTarget.filter((t) => t.result === 'failed').map((t) => t.detail).join(' ')}`;
      return { result, detail, perTarget };
    },
  };
}

async function runOnNode(ctx: FixContext, plan: NodePlan, node: ScaleSetInstance): Promise<TargetOutcome> {
  try {
    const out = await runShellScript(ctx.layer, node.vmssId, node.instanceId, NODE_SCRIPTS[plan.scriptId].lines, plan.params);
    const parsed = parseFixScriptOutput(out.stdout, plan.scriptId);
    if (parsed.scriptErrors.length > 0) return { target: node.computerName, result: 'failed', detail: `${node.computerName}: the script refused to run (${parsed.scriptErrors.join('; ')}).` };
    if (parsed.exitCode === undefined) return { target: node.computerName, result: 'failed', detail: `${node.computerName}: the script's result was not in its output; check the node by hand.` };
    if (parsed.exitCode !== 0) {
      const said = parsed.output.split('\n').slice(-2).join(' ').slice(0, 200);
      return { target: node.computerName, result: 'failed', detail: `${node.computerName}: \`${parsed.command ?? ctx.fix.change}\` exited ${parsed.exitCode}${said ? ` (${said})` : ''}.` };
    }
    return { target: node.computerName, result: 'succeeded', detail: `${node.computerName}: \`${parsed.command ?? ctx.fix.change}\` succeeded.` };
  } catch (err) {
    return { target: node.computerName, result: 'failed', detail: `${node.computerName}: ${messageOf(err)}` };
  }
}

export const ufwAllow10250 = nodeScriptExecutor('ufw-allow-10250', 'ufw-allow-kubelet');
export const ufwDisable = nodeScriptExecutor('ufw-disable', 'ufw-disable');
export const iptablesDeleteRule = nodeScriptExecutor('iptables-delete-rule', 'iptables-delete-rule', ruleStillThere);
export const iptablesInsertAccept = nodeScriptExecutor('iptables-insert-accept', 'iptables-insert-accept');
