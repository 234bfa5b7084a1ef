import { afterEach, describe, expect, it } from 'vitest';
import { getNetworkSecurityGroup, putSecurityRule } from '../../../src/azure/network.js';
import { executorFor } from '../../../src/engine/fixes/fix-kinds.js';
import { NSG_CHANGED } from '../../../src/engine/fixes/nsg-rule.js';
import { verifyFix } from '../../../src/engine/fixes/verify.js';
import { clusterOf, fixOf, scenario, startFixEnv, statusOf, type FixEnv } from './fix-env.js';

let env: FixEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('NSG fix executors', () => {
  it('nsg-allow-10250: writes the proposed rule with If-Match, and the cause is gone', async () => {
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const before = await env.diagnose();
    const fix = fixOf(before, 'nsg-10250', 'nsg-allow-10250');
    const nsgEtag = fix.nsgEtag;
    expect(nsgEtag).toBeTruthy();
    const ctx = { layer: env.layer, cluster: env.cluster, fix, baseline: { nsgEtag } };
    expect(fix.appliedBy).toBe('bot');
    const done = await executorFor(fix.kind)!.execute(ctx);
    expect(done.result, done.detail).toBe('succeeded');
    expect(env.writes().rulePuts).toBe(1);
    const nsg = await getNetworkSecurityGroup(env.layer, fix.target);
    const written = nsg.securityRules?.find((r) => r.name === JSON.parse(fix.change).name);
    expect(written).toMatchObject({ access: 'Allow', direction: 'Inbound', destinationPortRange: '10250' });

    const v = await verifyFix(env.layer, env.cluster, fix, { before: before.checks });
    expect(v.verdict, v.note).toBe('verified');
    // The node must answer again too: kubelet-reachability is re-run with the proposing check.
    expect(v.after.map((c) => [c.id, c.status])).toEqual([['nsg-10250', 'pass'], ['kubelet-reachability', 'pass']]);
    expect(statusOf(await env.diagnose(), 'nsg-10250')).toBe('pass');
  });

  it('verifyFix says still-failing when the fix was not applied', async () => {
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250');
    const v = await verifyFix(env.layer, env.cluster, fix);
    expect(v.verdict).toBe('still-failing');
    expect(v.note).toMatch(/nsg-10250/);
  });

  it('nsg-allow-egress: the outbound allow opens TCP 443 and egress-tunnel-ports passes', async () => {
    // The scenario also lists 443 under egress.blocked (a block outside ARM's view, which no NSG
    // write can lift); without it the simulator derives the probe from the NSG alone.
    const s = scenario('egress-443-nsg-outbound-deny');
    delete s.egress;
    env = await startFixEnv(s);
    const before = await env.diagnose();
    expect(statusOf(before, 'egress-tunnel-ports')).toBe('fail');
    const fix = fixOf(before, 'egress-tunnel-ports', 'nsg-allow-egress');
    const nsgEtag = fix.nsgEtag;
    const done = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline: { nsgEtag } });
    expect(done.result, done.detail).toBe('succeeded');
    expect((await verifyFix(env.layer, env.cluster, fix)).verdict).toBe('verified');
    expect(statusOf(await env.diagnose(), 'egress-tunnel-ports')).toBe('pass');
  });

  it('nsg-edit-deny: the deny at priority 100 loses port 10250 and keeps the rest', async () => {
    const s = scenario('nsg-deny-at-priority-100');
    const nsgRes = s.resources.find((r) => r.type === 'Microsoft.Network/networkSecurityGroups')!;
    const deny = (nsgRes.properties!.securityRules as Array<{ name: string; properties: Record<string, unknown> }>).find((r) => r.name === 'Deny-Kubelet-Hardening')!;
    deny.properties.destinationPortRange = '10250-10255';
    env = await startFixEnv(s);
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-edit-deny');
    const nsgEtag = fix.nsgEtag;
    const done = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline: { nsgEtag } });
    expect(done.result, done.detail).toBe('succeeded');
    const rule = (await getNetworkSecurityGroup(env.layer, fix.target)).securityRules?.find((r) => r.name === 'Deny-Kubelet-Hardening');
    expect(rule).toMatchObject({ access: 'Deny', priority: 100, destinationPortRange: '10251-10255' });
    expect((await verifyFix(env.layer, env.cluster, fix)).verdict).toBe('verified');
    expect(statusOf(await env.diagnose(), 'nsg-10250')).toBe('pass');
  });

  it('nsg-delete-deny: the deny at priority 100 is deleted (If-Match), and the check then passes', async () => {
    env = await startFixEnv(scenario('nsg-deny-at-priority-100'));
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-delete-deny');
    expect(fix.appliedBy).toBe('bot');
    expect(fix.byHandReason).toBeUndefined();
    const nsgEtag = fix.nsgEtag;
    const done = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline: { nsgEtag } });
    expect(done.result, done.detail).toBe('succeeded');
    expect((await getNetworkSecurityGroup(env.layer, fix.target)).securityRules?.some((r) => r.name === 'Deny-Kubelet-Hardening')).toBe(false);
    expect((await verifyFix(env.layer, env.cluster, fix)).verdict).toBe('verified');
    expect(statusOf(await env.diagnose(), 'nsg-10250')).toBe('pass');
  });

  it('nsg-delete-deny refuses a forged change naming another rule or an allow, and a stale etag', async () => {
    const e = await startFixEnv(scenario('nsg-deny-at-priority-100'));
    env = e;
    const fix = fixOf(await e.diagnose(), 'nsg-10250', 'nsg-delete-deny');
    const nsgEtag = fix.nsgEtag;
    const run = (change: string, etag = nsgEtag) =>
      executorFor(fix.kind)!.execute({ layer: e.layer, cluster: e.cluster, fix: { ...fix, change }, baseline: { nsgEtag: etag } });
    expect((await run(`DELETE ${fix.target}/securityRules/NoSuchRule`)).result).toBe('refused');
    expect((await run(`DELETE ${fix.target.replace(/networkSecurityGroups\/[^/]+$/, 'networkSecurityGroups/other-nsg')}/securityRules/Deny-Kubelet-Hardening`)).result).toBe('refused');
    expect((await run('DELETE ; az group delete')).result).toBe('refused');
    expect((await run(fix.change, '"stale"')).detail).toBe(NSG_CHANGED);
    expect((await getNetworkSecurityGroup(env.layer, fix.target)).securityRules?.some((r) => r.name === 'Deny-Kubelet-Hardening')).toBe(true);
  });

  it('drift: another rule written after the diagnosis → refused, nothing written', async () => {
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250');
    const nsgEtag = fix.nsgEtag;
    await putSecurityRule(env.layer, fix.target, {
      name: 'SomeoneElses', priority: 3000, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      sourcePortRange: '*', destinationPortRange: '8080', sourceAddressPrefix: '*', destinationAddressPrefix: '*',
    });
    const putsBefore = env.writes().rulePuts;
    const ctx = { layer: env.layer, cluster: env.cluster, fix, baseline: { nsgEtag } };
    const done = await executorFor(fix.kind)!.execute(ctx);
    expect(done).toMatchObject({ result: 'refused', detail: NSG_CHANGED });
    expect(env.writes().rulePuts).toBe(putsBefore);
    const names = (await getNetworkSecurityGroup(env.layer, fix.target)).securityRules?.map((r) => r.name);
    expect(names).not.toContain(JSON.parse(fix.change).name);
  });

  it('refuses without a baseline etag, and a stale etag reaching ARM is refused by the 412', async () => {
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250');
    const none = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix });
    expect(none.result).toBe('refused');
    const stale = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline: { nsgEtag: 'W/"00000000-0000-0000-0000-000000000000"' } });
    expect(stale).toMatchObject({ result: 'refused', detail: NSG_CHANGED });
    expect(env.writes().rulePuts).toBe(0);
  });

  it('forged: an NSG of another cluster, or a deny passed off as an allow → refused', async () => {
    const other = scenario('nsg-deny-at-priority-100');
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'), [other]);
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250');
    const otherNsg = other.resources.find((r) => r.type === 'Microsoft.Network/networkSecurityGroups')!.id;
    const foreign = { ...fix, target: otherNsg };
    const nsgEtag = (await getNetworkSecurityGroup(env.layer, otherNsg)).etag;
    const r1 = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix: foreign, baseline: { nsgEtag } });
    expect(r1.result).toBe('refused');
    expect(r1.detail).toMatch(/does not filter traffic of any node/);
    const body = JSON.parse(fix.change);
    body.properties.access = 'Deny';
    const ownEtag = fix.nsgEtag;
    const r2 = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix: { ...fix, change: JSON.stringify(body) }, baseline: { nsgEtag: ownEtag } });
    expect(r2.result).toBe('refused');
    expect(env.writes().rulePuts).toBe(0);
    // The same NSG fix is fine for the cluster it belongs to.
    expect(clusterOf(other).name).not.toBe(env.cluster.name);
  });
});
