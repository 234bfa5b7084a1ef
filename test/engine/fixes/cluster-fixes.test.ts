import { afterEach, describe, expect, it } from 'vitest';
import { getCluster, updateCluster } from '../../../src/azure/clusters.js';
import { byHandReason, describeFixKinds, executorFor, FIX_KINDS } from '../../../src/engine/fixes/fix-kinds.js';
import { parseOutboundSettings } from '../../../src/engine/fixes/outbound.js';
import { verifyFix } from '../../../src/engine/fixes/verify.js';
import type { FixProposal } from '../../../src/engine/report.js';
import { fixOf, scenario, startFixEnv, statusOf, type FixEnv } from './fix-env.js';

let env: FixEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const ctxOf = (e: FixEnv, fix: FixProposal) => ({ layer: e.layer, cluster: e.cluster, fix });

describe('recreate-tunnel-pods', () => {
  it.each(['agents-crashloop'])('%s: deletes the agent pod, its replacement is healthy, the check passes', async (file) => {
    env = await startFixEnv(scenario(file));
    const before = await env.diagnose();
    const fix = fixOf(before, 'tunnel-agent-health', 'recreate-tunnel-pods');
    const done = await executorFor(fix.kind)!.execute(ctxOf(env, fix));
    expect(done.result, done.detail).toBe('succeeded');
    const after = await env.diagnose();
    expect(after.cluster.tunnelPods).not.toContain(fix.target);
    const v = await verifyFix(env.layer, env.cluster, fix);
    expect(v.verdict, v.note).toBe('verified');
    expect(statusOf(after, 'tunnel-agent-health')).toBe('pass');
    // The pod is gone now: a second run is refused, and marked as not needed rather than failed.
    const again = await executorFor(fix.kind)!.execute(ctxOf(env, fix));
    expect(again.result).toBe('refused');
    expect(again.detail).toMatch(/gone/);
    expect(again.notNeeded).toBe(true);
  });

  it('refuses a forged pod: not kube-system, not DNS-1123, or not a tunnel agent', async () => {
    env = await startFixEnv(scenario('agents-crashloop'));
    const fix = fixOf(await env.diagnose(), 'tunnel-agent-health', 'recreate-tunnel-pods');
    const pods = env.scenarios[0]!.pods ?? [];
    const notAgent = pods.find((p) => p.namespace === 'kube-system' && !p.name.startsWith('konnectivity-agent'));
    const targets = ['default/' + fix.target.split('/')[1], `${fix.target};rm`, 'kube-system/Bad_Name', ...(notAgent ? [`kube-system/${notAgent.name}`] : [])];
    for (const target of targets) {
      const r = await executorFor(fix.kind)!.execute(ctxOf(env, { ...fix, target }));
      expect(r.result, target).toBe('refused');
    }
    expect(notAgent, 'the scenario has a non-agent kube-system pod to forge with').toBeDefined();
    expect(statusOf(await env.diagnose(), 'tunnel-agent-health')).toBe('fail');
  });
});

describe('SNAT fixes (managed cluster update)', () => {
  it('lb-allocated-outbound-ports: sets the computed value on the cluster', async () => {
    env = await startFixEnv(scenario('snat-exhaustion-lb'));
    const before = await env.diagnose();
    const fix = fixOf(before, 'snat-exhaustion', 'lb-allocated-outbound-ports');
    const [setting] = parseOutboundSettings(fix.change);
    expect(setting).toMatchObject({ field: 'allocatedOutboundPorts', from: 0 });
    const done = await executorFor(fix.kind)!.execute(ctxOf(env, fix));
    expect(done.result, done.detail).toBe('succeeded');
    expect(env.writes().clusterPuts).toBe(1);
    const cluster = await getCluster(env.layer, env.cluster.id);
    expect(cluster.networkProfile?.loadBalancerProfile?.allocatedOutboundPorts).toBe(setting!.to);
    expect(cluster.networkProfile?.loadBalancerProfile?.managedOutboundIPs?.count).toBe(1);
    // The simulator does not carry the cluster's profile down to the load balancer and its
    // metrics, and real SNAT metrics look back over minutes: verification re-runs the check and
    // honestly reports it still failing, saying why.
    // The plan restarts the tunnel agents after the change, so the re-check covers them too.
    expect(fix.then?.map((s) => s.kind)).toEqual(['recreate-tunnel-pods']);
    const v = await verifyFix(env.layer, env.cluster, fix);
    expect(v.after.map((c) => c.id)).toEqual(['snat-exhaustion', 'tunnel-agent-health']);
    if (v.verdict === 'still-failing') expect(v.note).toMatch(/SNAT metrics cover the last minutes/);
  });

  it('lb-outbound-ips: raises the managed IP count and the ports together', async () => {
    env = await startFixEnv(scenario('snat-exhaustion-lb'));
    const fix = fixOf(await env.diagnose(), 'snat-exhaustion', 'lb-outbound-ips');
    const settings = parseOutboundSettings(fix.change);
    const done = await executorFor(fix.kind)!.execute(ctxOf(env, fix));
    expect(done.result, done.detail).toBe('succeeded');
    const profile = (await getCluster(env.layer, env.cluster.id)).networkProfile?.loadBalancerProfile;
    expect(profile?.managedOutboundIPs?.count).toBe(settings.find((s) => s.field === 'managedOutboundIPs.count')!.to);
    expect(profile?.allocatedOutboundPorts).toBe(settings.find((s) => s.field === 'allocatedOutboundPorts')!.to);
  });

  it('drift: the value changed since the diagnosis → refused, no cluster PUT', async () => {
    env = await startFixEnv(scenario('snat-exhaustion-lb'));
    const fix = fixOf(await env.diagnose(), 'snat-exhaustion', 'lb-allocated-outbound-ports');
    const cluster = await getCluster(env.layer, env.cluster.id);
    cluster.networkProfile!.loadBalancerProfile!.allocatedOutboundPorts = 1024;
    await updateCluster(env.layer, env.cluster.id, cluster);
    const puts = env.writes().clusterPuts;
    const r = await executorFor(fix.kind)!.execute(ctxOf(env, fix));
    expect(r.result).toBe('refused');
    expect(r.detail).toMatch(/1024 now, not 0/);
    expect(env.writes().clusterPuts).toBe(puts);
  });

  it('refuses another cluster as target and values AKS would refuse', async () => {
    env = await startFixEnv(scenario('snat-exhaustion-lb'));
    const fix = fixOf(await env.diagnose(), 'snat-exhaustion', 'lb-allocated-outbound-ports');
    const forged: FixProposal[] = [
      { ...fix, target: fix.target.replace('aks-snat-lb', 'aks-other') },
      { ...fix, change: fix.change.replace(/→ \d+$/m, '→ 12801') },
      { ...fix, change: 'az aks update' },
    ];
    for (const f of forged) expect((await executorFor(f.kind)!.execute(ctxOf(env, f))).result, f.change).toBe('refused');
    expect(env.writes().clusterPuts).toBe(0);
  });
});

describe('fix kinds', () => {
  it('throws when a kind is described twice, or with another kind\'s executor', () => {
    const one = { kind: 'ufw-disable', verifiedBy: [], onNodes: true, executor: executorFor('ufw-disable')! };
    expect(() => describeFixKinds([one, one])).toThrow(/described twice/);
    expect(() => describeFixKinds([{ ...one, kind: 'ufw-allow-10250' }])).toThrow(/names the executor of "ufw-disable"/);
  });

  it('the bot applies exactly these kinds', () => {
    expect([...FIX_KINDS.values()].filter((k) => k.executor).map((k) => k.kind).sort()).toEqual([
      'iptables-delete-rule', 'iptables-insert-accept', 'lb-allocated-outbound-ports', 'lb-outbound-ips',
      'nsg-allow-10250', 'nsg-allow-egress', 'nsg-delete-deny', 'nsg-edit-deny', 'recreate-tunnel-pods', 'ufw-allow-10250', 'ufw-disable',
    ]);
    const base = { id: 'x', title: 't', target: 't', change: 'c', risk: 'low' as const, needsApproval: true };
    const byBot = (f: Parameters<typeof byHandReason>[0]) => byHandReason(f) === undefined;
    expect(byBot({ ...base, kind: 'manual' })).toBe(false);
    expect(byBot({ ...base, kind: 'nat-gateway' })).toBe(false);
    expect(byBot({ ...base, kind: 'raise-agent-memory' })).toBe(false);
    expect(byBot({ ...base, kind: 'iptables-delete-rule' })).toBe(false);
    expect(byBot({ ...base, kind: 'iptables-delete-rule', scriptId: 'iptables-delete-rule' })).toBe(true);
    expect(byBot({ ...base, kind: 'a-kind-nobody-described' })).toBe(false);
  });
});
