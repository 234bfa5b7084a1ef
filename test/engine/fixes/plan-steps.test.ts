/**
 * The "then" step of an approved plan (FixProposal.then): which fixes restart the tunnel agents,
 * that the plan hash covers the step, and that restarting them against the simulated Azure brings
 * the agents back only once their egress is open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { planHashOf } from '../../../src/engine/approvals/request.js';
import { runPlanStep } from '../../../src/engine/fixes/run-step.js';
import { executorFor } from '../../../src/engine/fixes/fix-kinds.js';
import { nsgBaselineOf } from '../../../src/engine/fixes/nsg-rule.js';
import { checksForFix, verifyFix } from '../../../src/engine/fixes/verify.js';
import { runKubectl } from '../../../src/azure/clusters.js';
import { parsePodList, type PodSummary } from '../../../src/engine/kube-pods.js';
import type { FixFollowUp } from '../../../src/engine/report.js';
import { egressDeniedByNsg, fixOf, scenario, startFixEnv, statusOf, type FixEnv } from './fix-env.js';

let env: FixEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** Every kube-system pod as the simulated cluster lists them now (through AKS command invoke; small here). */
async function podsOf(e: FixEnv): Promise<PodSummary[]> {
  const listed = await runKubectl(e.layer, e.cluster.id, 'kubectl get pods -n kube-system -o json');
  expect(listed.exitCode).toBe(0);
  return parsePodList(listed.logs);
}
const agentPods = async (e: FixEnv) => (await podsOf(e)).filter((p) => p.labels.app === 'konnectivity-agent');
const nonAgentNames = async (e: FixEnv) => (await podsOf(e)).filter((p) => p.labels.app !== 'konnectivity-agent').map((p) => p.name).sort();

describe('plan step: restart the tunnel agents after an egress or SNAT fix', () => {
  it('is proposed with the egress NSG fix and the SNAT load-balancer fixes, not with others', async () => {
    env = await startFixEnv(egressDeniedByNsg());
    const egress = fixOf(await env.diagnose(), 'egress-tunnel-ports', 'nsg-allow-egress');
    expect(egress.then).toEqual([{ kind: 'recreate-tunnel-pods', change: expect.stringMatching(/restart the konnectivity-agent pods in kube-system/) }]);
    expect(checksForFix(egress)).toEqual(['egress-tunnel-ports', 'tunnel-agent-health']);
    await env.close();

    env = await startFixEnv(scenario('snat-exhaustion-lb'));
    const snat = (await env.diagnose()).checks.find((c) => c.id === 'snat-exhaustion')!;
    const thenOf = (kind: string) => snat.fixes.find((f) => f.kind === kind)?.then?.map((s) => s.kind);
    expect(thenOf('lb-allocated-outbound-ports')).toEqual(['recreate-tunnel-pods']);
    expect(thenOf('lb-outbound-ips')).toEqual(['recreate-tunnel-pods']);
    expect(snat.fixes.find((f) => f.kind === 'nat-gateway')?.then).toBeUndefined();
    await env.close();

    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const inbound = (await env.diagnose()).checks.find((c) => c.id === 'nsg-10250')!;
    expect(inbound.fixes.length).toBeGreaterThan(0);
    expect(inbound.fixes.every((f) => f.then === undefined)).toBe(true);
  });

  it('is part of the approved plan: the plan hash changes with it', () => {
    const fix = { kind: 'nsg-allow-egress', target: '/x/nsg', change: '{"name":"AllowTunnelEgressTcp443"}' };
    const step: FixFollowUp = { kind: 'recreate-tunnel-pods', change: 'restart the konnectivity-agent pods' };
    const withStep = planHashOf('/c', { ...fix, then: [step] });
    expect(withStep).not.toBe(planHashOf('/c', fix));
    expect(withStep).not.toBe(planHashOf('/c', { ...fix, then: [{ ...step, change: 'restart every pod' }] }));
    // A fix without steps hashes as before `then` existed (stored requests stay valid).
    expect(planHashOf('/c', { ...fix, then: [] })).toBe(planHashOf('/c', fix));
  });

  it('restarting before the egress is open brings the agents back crash-looping; after the fix they run and the plan verifies', async () => {
    env = await startFixEnv(egressDeniedByNsg());
    const before = await env.diagnose();
    expect(statusOf(before, 'tunnel-agent-health')).toBe('fail');
    const fix = fixOf(before, 'egress-tunnel-ports', 'nsg-allow-egress');
    const baseline = nsgBaselineOf(fix);
    const others = await nonAgentNames(env);
    const oldAgents = (await agentPods(env)).map((p) => p.name);
    expect(oldAgents).toHaveLength(2);

    const early = await runPlanStep({ layer: env.layer, cluster: env.cluster }, fix.then![0]!);
    expect(early.result, early.detail).toBe('succeeded');
    expect(early.perTarget.map((t) => t.target).sort()).toEqual(oldAgents.map((n) => `kube-system/${n}`).sort());
    const relisted = await agentPods(env);
    expect(relisted.map((p) => p.name).filter((n) => oldAgents.includes(n))).toEqual([]);
    expect(relisted.map((p) => p.waitingReason)).toEqual(['CrashLoopBackOff', 'CrashLoopBackOff']);
    expect(statusOf(await env.diagnose(), 'tunnel-agent-health')).toBe('fail');

    const applied = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline });
    expect(applied.result, applied.detail).toBe('succeeded');
    // The egress is open, but the agents are still in back-off until they are restarted.
    expect(statusOf(await env.diagnose(), 'tunnel-agent-health')).toBe('fail');
    const restart = await runPlanStep({ layer: env.layer, cluster: env.cluster }, fix.then![0]!);
    expect(restart.result, restart.detail).toBe('succeeded');
    expect(restart.detail).toMatch(/Restarted 2 tunnel agent pod\(s\)/);
    expect((await agentPods(env)).map((p) => [p.phase, p.restarts, p.waitingReason])).toEqual([['Running', 0, undefined], ['Running', 0, undefined]]);
    // Only the tunnel agents were touched.
    expect(await nonAgentNames(env)).toEqual(others);

    const v = await verifyFix(env.layer, env.cluster, fix);
    expect(v.after.map((c) => [c.id, c.status])).toEqual([['egress-tunnel-ports', 'pass'], ['tunnel-agent-health', 'pass']]);
    expect(v.verdict, v.note).toBe('verified');
  });

  it('refuses a step kind it does not know and touches nothing', async () => {
    env = await startFixEnv(egressDeniedByNsg());
    const names = (await podsOf(env)).map((p) => p.name);
    const r = await runPlanStep({ layer: env.layer, cluster: env.cluster }, { kind: 'delete-namespace', change: 'x' } as unknown as FixFollowUp);
    expect(r.result).toBe('refused');
    expect((await podsOf(env)).map((p) => p.name)).toEqual(names);
  });
});
