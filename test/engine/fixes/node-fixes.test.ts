import { afterEach, describe, expect, it } from 'vitest';
import { runShellScript } from '../../../src/azure/compute.js';
import { byHandReason, executorFor } from '../../../src/engine/fixes/fix-kinds.js';
import { verifyFix } from '../../../src/engine/fixes/verify.js';
import { iptablesInsertAcceptParameters, NODE_SCRIPTS } from '../../../src/engine/node-scripts.js';
import type { FixProposal } from '../../../src/engine/report.js';
import { fixOf, scenario, startFixEnv, statusOf, type FixEnv } from './fix-env.js';

let env: FixEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const ctxOf = (e: FixEnv, fix: FixProposal) => ({ layer: e.layer, cluster: e.cluster, fix });

describe('node-script fix executors', () => {
  it.each([
    ['ufw-enabled', 'ufw-10250', 'ufw-allow-10250'],
    ['ufw-enabled', 'ufw-10250', 'ufw-disable'],
    ['iptables-drop-10250', 'iptables-10250', 'iptables-delete-rule'],
    ['iptables-policy-drop', 'iptables-10250', 'iptables-insert-accept'],
  ] as const)('%s: %s fix %s runs on the node and the check passes', async (file, check, kind) => {
    env = await startFixEnv(scenario(file));
    const before = await env.diagnose();
    const fix = fixOf(before, check, kind);
    expect(fix.appliedBy).toBe('bot');
    const nodes = fix.target.split(',');
    const runsBefore = env.writes().runCommands;
    const done = await executorFor(fix.kind)!.execute(ctxOf(env, fix));
    expect(done.result, done.detail).toBe('succeeded');
    expect(done.perTarget.map((t) => [t.target, t.result])).toEqual(nodes.map((n) => [n, 'succeeded']));
    // one fix run per node (+ one host-firewall read per node for the numbered delete)
    expect(env.writes().runCommands - runsBefore).toBe(nodes.length * (kind === 'iptables-delete-rule' ? 2 : 1));
    const v = await verifyFix(env.layer, env.cluster, fix, { before: before.checks });
    expect(v.verdict, v.note).toBe('verified');
    expect(statusOf(await env.diagnose(), check)).toBe('pass');
  });

  it('a ufw fix on a node that an nftables rule also blocks is not verified: kubelet-reachability names the rule', async () => {
    const blocked = scenario('ufw-enabled');
    const node = blocked.nodes.find((n) => n.ufw?.enabled)!;
    node.nftables = [{ family: 'inet', name: 'hardening', chains: [{ name: 'input', hook: 'input', rules: ['tcp dport 10250 drop'] }] }];
    env = await startFixEnv(blocked);
    const before = await env.diagnose();
    const fix = fixOf(before, 'ufw-10250', 'ufw-allow-10250');
    expect((await executorFor(fix.kind)!.execute(ctxOf(env, fix))).result).toBe('succeeded');
    const v = await verifyFix(env.layer, env.cluster, fix, { before: before.checks });
    expect(v.after.map((c) => [c.id, c.status])).toEqual([['ufw-10250', 'pass'], ['kubelet-reachability', 'fail']]);
    expect(v.verdict).toBe('still-failing');
    expect(v.note).toContain('an nftables rule outside iptables\' view drops TCP 10250');
  });

  it('forged node name, a node of another cluster, a deallocated node → refused, nothing run', async () => {
    const other = scenario('healthy-deallocated-node');
    env = await startFixEnv(scenario('ufw-enabled'), [other]);
    const fix = fixOf(await env.diagnose(), 'ufw-10250', 'ufw-allow-10250');
    const runs = env.writes().runCommands;
    for (const target of ['aks-nodepool1-00000000-vmss000009', `${fix.target},aks-nodepool1-91919684-vmss000000`, 'aks-x;reboot', '']) {
      const r = await executorFor(fix.kind)!.execute(ctxOf(env, { ...fix, target }));
      expect(r.result, target).toBe('refused');
    }
    expect(env.writes().runCommands).toBe(runs);

    // The deallocated node, asked of its own cluster.
    const { clusterOf } = await import('./fix-env.js');
    const r = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: clusterOf(other), fix: { ...fix, target: 'aks-nodepool1-91919684-vmss000003' } });
    expect(r.result).toBe('refused');
    expect(r.detail).toMatch(/deallocated/);
    expect(env.writes().runCommands).toBe(runs);
  });

  it('script parameters are validated again: a ";" or a swapped script is refused', async () => {
    env = await startFixEnv(scenario('iptables-policy-drop'));
    const fix = fixOf(await env.diagnose(), 'iptables-10250', 'iptables-insert-accept');
    const runs = env.writes().runCommands;
    const bad: FixProposal[] = [
      { ...fix, params: { ...fix.params, SOURCE_CIDR: '10.0.0.0/8;reboot' } },
      { ...fix, params: { ...fix.params, CHAIN: 'INPUT;id' } },
      { ...fix, params: { ...fix.params, EXTRA: '1' } },
      { ...fix, scriptId: 'ufw-disable', params: {} },
    ];
    for (const f of bad) {
      const r = await executorFor(f.kind)!.execute(ctxOf(env, f));
      expect(r.result, JSON.stringify(f.params)).toBe('refused');
    }
    expect(env.writes().runCommands).toBe(runs);
  });

  it('a UFW fix without a script (ufw insert 1 advice) is not executable', async () => {
    env = await startFixEnv(scenario('ufw-enabled'));
    const fix = fixOf(await env.diagnose(), 'ufw-10250', 'ufw-allow-10250');
    const { scriptId: _s, params: _p, ...advice } = fix;
    const manual: FixProposal = { ...advice, change: 'ufw insert 1 allow 10250/tcp' };
    expect(byHandReason(manual)).toMatch(/by hand/);
    const runs = env.writes().runCommands;
    const r = await executorFor(manual.kind)!.execute(ctxOf(env, manual));
    expect(r.result).toBe('refused');
    expect(env.writes().runCommands).toBe(runs);
  });

  it('drift: the iptables chain changed since the diagnosis → the numbered delete is refused', async () => {
    env = await startFixEnv(scenario('iptables-drop-10250'));
    const fix = fixOf(await env.diagnose(), 'iptables-10250', 'iptables-delete-rule');
    const node = (await import('../../../src/engine/fixes/cluster-nodes.js')).clusterInstances;
    const inst = (await node(env.layer, env.cluster.id)).find((i) => i.computerName === fix.target)!;
    // Someone inserts a rule at the top: the DROP is now rule 2, rule 1 is an ACCEPT.
    await runShellScript(env.layer, inst.vmssId, inst.instanceId, NODE_SCRIPTS['iptables-insert-accept'].lines, iptablesInsertAcceptParameters('INPUT', '192.168.0.0/16'));
    const runs = env.writes().runCommands;
    const r = await executorFor(fix.kind)!.execute(ctxOf(env, fix));
    expect(r.result).toBe('refused');
    expect(r.detail).toMatch(/not the rule the diagnosis found/);
    // Only the read of the chain ran, no delete: the DROP is still there.
    expect(env.writes().runCommands - runs).toBe(1);
    expect(statusOf(await env.diagnose(), 'iptables-10250')).toBe('fail');
  });
});
