/**
 * recreate-tunnel-pods: `kubectl delete pod <name> -n kube-system` through AKS command invoke, so
 * the agent's ReplicaSet creates a fresh pod. Only a tunnel agent pod that is still there is
 * deleted: the name went through an approval card since the diagnosis listed it.
 */
import { runKubectl } from '../../azure/clusters.js';
import { tunnelAgentPods } from '../kube-pods.js';
import { readTunnelPods } from '../tunnel-pod-list.js';
import { messageOf, refused, type FixContext, type FixExecution, type FixExecutor, type Precheck } from './types.js';

/** Kubernetes object names: DNS-1123 subdomain (pods), DNS-1123 label (namespaces). */
const DNS_1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TUNNEL_NAMESPACE = 'kube-system';

type PodTarget = { ok: true; namespace: string; name: string } | { ok: false; reason: string; gone?: boolean };

function parsePodTarget(target: string): PodTarget {
  const [namespace, name, ...rest] = target.split('/');
  if (rest.length > 0 || namespace !== TUNNEL_NAMESPACE || !name || !DNS_1123_SUBDOMAIN.test(name)) {
    return { ok: false, reason: `"${target.slice(0, 120)}" is not a tunnel agent pod (${TUNNEL_NAMESPACE}/<pod name>).` };
  }
  return { ok: true, namespace, name };
}

async function precheckPod(ctx: FixContext): Promise<PodTarget> {
  const target = parsePodTarget(ctx.fix.target);
  if (!target.ok) return target;
  try {
    const listed = await readTunnelPods((command) => runKubectl(ctx.layer, ctx.cluster.id, command));
    if (!listed.ok) return { ok: false, reason: `The tunnel agent pods could not be listed (${listed.reason}).` };
    const pods = listed.pods;
    if (!pods.some((p) => p.name === target.name && p.namespace === target.namespace)) {
      return { ok: false, gone: true, reason: `Pod ${target.name} is gone (it may have been replaced already); diagnose again.` };
    }
    if (!tunnelAgentPods(pods).pods.some((p) => p.name === target.name)) {
      return { ok: false, reason: `Pod ${target.name} is not a tunnel agent pod; refusing to delete it.` };
    }
  } catch (err) {
    return { ok: false, reason: messageOf(err) };
  }
  return target;
}

export const recreateTunnelPods: FixExecutor = {
  kind: 'recreate-tunnel-pods',
  async execute(ctx): Promise<FixExecution> {
    const t = await precheckPod(ctx);
    // A pod that is already gone needs no deleting: its ReplicaSet replaced it, which is what the fix wanted.
    if (!t.ok) return t.gone ? { ...refused(t.reason), notNeeded: true } : refused(t.reason);
    const target = `${t.namespace}/${t.name}`;
    try {
      const r = await runKubectl(ctx.layer, ctx.cluster.id, `kubectl delete pod ${t.name} -n ${t.namespace}`);
      if (r.exitCode !== 0) {
        const detail = `kubectl delete pod ${t.name} exited ${r.exitCode}: ${r.logs.trim().split('\n').pop()?.slice(0, 200) ?? ''}`;
        return { result: 'failed', detail, perTarget: [{ target, result: 'failed', detail }] };
      }
      const detail = `Pod ${t.name} deleted; its ReplicaSet creates a fresh one.`;
      return { result: 'succeeded', detail, perTarget: [{ target, result: 'succeeded', detail }] };
    } catch (err) {
      const detail = `Pod ${t.name} was not deleted: ${messageOf(err)}`;
      return { result: 'failed', detail, perTarget: [{ target, result: 'failed', detail }] };
    }
  },
};

/**
 * The plan step 'recreate-tunnel-pods' (FixProposal.then): after an egress or SNAT fix, delete
 * every tunnel agent pod tunnelAgentPods() recognises in kube-system, one at a time, so their
 * ReplicaSet starts fresh ones instead of waiting out crash back-off. The names come from a
 * listing made now (not from the card) and are checked as DNS-1123 names before they go into the
 * constant command; pods already being deleted are left alone.
 */
export async function restartTunnelAgents(ctx: Pick<FixContext, 'layer' | 'cluster'>): Promise<FixExecution> {
  let agents: Array<{ namespace: string; name: string }>;
  try {
    const listed = await readTunnelPods((command) => runKubectl(ctx.layer, ctx.cluster.id, command));
    if (!listed.ok) return { result: 'failed', detail: `The tunnel agent pods could not be listed (${listed.reason}); no pod was restarted.`, perTarget: [] };
    agents = tunnelAgentPods(listed.pods)
      .pods.filter((p) => !p.deleting)
      .map((p) => ({ namespace: p.namespace, name: p.name }));
  } catch (err) {
    return { result: 'failed', detail: `The tunnel agent pods could not be listed: ${messageOf(err)}; no pod was restarted.`, perTarget: [] };
  }
  if (agents.length === 0) return { result: 'failed', detail: 'No tunnel agent pod was found in kube-system, so none was restarted.', perTarget: [] };
  const perTarget: FixExecution['perTarget'] = [];
  for (const agent of agents) {
    const target = parsePodTarget(`${agent.namespace}/${agent.name}`);
    if (!target.ok) {
      perTarget.push({ target: `${agent.namespace}/${agent.name}`.slice(0, 120), result: 'skipped', detail: target.reason });
      continue;
    }
    const where = `${target.namespace}/${target.name}`;
    try {
      const r = await runKubectl(ctx.layer, ctx.cluster.id, `kubectl delete pod ${target.name} -n ${target.namespace}`);
      perTarget.push(
        r.exitCode === 0
          ? { target: where, result: 'succeeded', detail: `Pod ${target.name} deleted.` }
          : { target: where, result: 'failed', detail: `kubectl delete pod ${target.name} exited ${r.exitCode}: ${r.logs.trim().split('\n').pop()?.slice(0, 200) ?? ''}` },
      );
    } catch (err) {
      perTarget.push({ target: where, result: 'failed', detail: `Pod ${target.name} was not deleted: ${messageOf(err)}` });
    }
  }
  const deleted = perTarget.filter((t) => t.result === 'succeeded').map((t) => t.target.split('/')[1]);
  const notDeleted = perTarget.filter((t) => t.result !== 'succeeded');
  const result = notDeleted.length === 0 ? 'succeeded' : deleted.length === 0 ? 'failed' : 'partial';
  const detail =
    (deleted.length > 0 ? `Restarted ${deleted.length} tunnel agent pod(s): ${deleted.join(', ')} (their ReplicaSet creates fresh ones).` : 'No tunnel agent pod was restarted.') +
    (notDeleted.length > 0 ? ` Not restarted: ${notDeleted.map((t) => `${t.target} (${t.detail})`).join('; ')}` : '');
  return { result, detail, perTarget };
}
