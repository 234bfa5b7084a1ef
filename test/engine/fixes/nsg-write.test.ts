/**
 * NSG writes that hold on Azure (issue #12 item 9): the fixes PUT the whole NSG under If-Match with
 * the etag the diagnosis read; a 412 is followed by a re-read and a re-plan, never a blind retry;
 * and the baseline is the etag the checks read, not a second read taken when the report is stored.
 */
import type { NetworkSecurityGroup } from '@azure/arm-network';
import { afterEach, describe, expect, it } from 'vitest';
import { getNetworkSecurityGroup, putNetworkSecurityGroup, putSecurityRule } from '../../../src/azure/network.js';
import { executorFor } from '../../../src/engine/fixes/fix-kinds.js';
import { NSG_CHANGED, nsgBaselineOf } from '../../../src/engine/fixes/nsg-rule.js';
import { describeDrift, rulesAfter, writeNsg } from '../../../src/engine/fixes/nsg-write.js';
import { fixOf, scenario, startFixEnv, type FixEnv } from './fix-env.js';

let env: FixEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const someoneElses = {
  name: 'SomeoneElses', priority: 3000, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
  sourcePortRange: '*', destinationPortRange: '8080', sourceAddressPrefix: '*', destinationAddressPrefix: '*',
};

function putCounts(e: FixEnv) {
  const s = e.sim.stats();
  return { nsgPuts: s.byRoute['nsg.createOrUpdate'] ?? 0, rulePuts: s.byRoute['securityRules.createOrUpdate'] ?? 0, ruleDeletes: s.byRoute['securityRules.delete'] ?? 0 };
}

describe('NSG fixes write the whole NSG under If-Match', () => {
  it('the fix carries the etag the checks read; the write is one NSG PUT and no rule PUT', async () => {
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250');
    const read = await getNetworkSecurityGroup(env.layer, fix.target);
    expect(fix.nsgEtag).toBe(read.etag);
    const done = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline: nsgBaselineOf(fix) });
    expect(done.result, done.detail).toBe('succeeded');
    expect(putCounts(env)).toEqual({ nsgPuts: 1, rulePuts: 0, ruleDeletes: 0 });
    const after = await getNetworkSecurityGroup(env.layer, fix.target);
    // Every rule that was there is still there, with the new one beside it.
    expect(after.securityRules?.map((r) => r.name).sort()).toEqual([...(read.securityRules ?? []).map((r) => r.name), JSON.parse(fix.change).name].sort());
    expect(after.etag).not.toBe(read.etag);
  });

  it('a change between the diagnosis and storing the report is caught: the baseline is not read again', async () => {
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250');
    // Someone edits the NSG right after the checks read it, before the report's baselines are kept.
    await putSecurityRule(env.layer, fix.target, someoneElses);
    const baseline = nsgBaselineOf(fix);
    expect(baseline.nsgEtag).toBe(fix.nsgEtag);
    const done = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline });
    expect(done).toMatchObject({ result: 'refused', detail: NSG_CHANGED });
    expect(putCounts(env).nsgPuts).toBe(0);
  });

  it('a 412 (changed between the read and the PUT) → re-read and re-plan: refused, saying what changed; nothing written, no retry', async () => {
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250');
    const read = await getNetworkSecurityGroup(env.layer, fix.target);
    await putSecurityRule(env.layer, fix.target, someoneElses);
    const ctx = { layer: env.layer, cluster: env.cluster, fix, baseline: nsgBaselineOf(fix) };
    let replans = 0;
    const rule = { name: JSON.parse(fix.change).name, ...JSON.parse(fix.change).properties };
    const done = await writeNsg(
      ctx,
      { nsgId: fix.target, nsgName: 'nsg', read, edit: { put: rule }, ruleId: `${fix.target}/securityRules/${rule.name}`, done: 'written', failed: 'not written' },
      async () => {
        replans += 1;
        const again = await getNetworkSecurityGroup(env!.layer, fix.target);
        return { ok: false, reason: NSG_CHANGED, read: again };
      },
      NSG_CHANGED,
    );
    expect(done.result).toBe('refused');
    expect(done.detail).toBe('The NSG changed since the diagnosis (rules added: SomeoneElses); diagnose again.');
    expect(replans).toBe(1);
    expect(putCounts(env).nsgPuts).toBe(1);
    const names = (await getNetworkSecurityGroup(env.layer, fix.target)).securityRules?.map((r) => r.name);
    expect(names).toContain('SomeoneElses');
    expect(names).not.toContain(rule.name);
  });

  it('the executor on a 412 with the NSG unchanged: re-reads, finds nothing to re-plan against, refuses; one PUT, no retry', async () => {
    const s = scenario('nsg-deny-10250-subnet');
    // ARM answers the NSG PUT 412 once, though nobody changed the NSG (a precondition race on its side).
    s.faults = [...(s.faults ?? []), { method: 'PUT', path: '/networkSecurityGroups/[^/]+$', status: 412, code: 'PreconditionFailed', message: 'Precondition failed.', times: 1 }];
    env = await startFixEnv(s);
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250');
    const reads = () => env!.sim.stats().byRoute['nsg.get'] ?? 0;
    const readsBefore = reads();
    const done = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline: nsgBaselineOf(fix) });
    expect(done.result).toBe('refused');
    expect(done.detail).toMatch(/\(412\) although it still reads as the diagnosis saw it; nothing was written/);
    // The precheck read, then the re-read after the 412; the PUT was tried once.
    expect(reads() - readsBefore).toBeGreaterThanOrEqual(2);
    // One PUT reached ARM (answered 412); it was not sent again.
    expect(putCounts(env).nsgPuts).toBe(1);
    expect((await getNetworkSecurityGroup(env.layer, fix.target)).securityRules?.map((r) => r.name)).not.toContain(JSON.parse(fix.change).name);
  });

  it('nsg-delete-deny PUTs the NSG without the rule, keeping the others', async () => {
    env = await startFixEnv(scenario('nsg-deny-at-priority-100'));
    const fix = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-delete-deny');
    const before = await getNetworkSecurityGroup(env.layer, fix.target);
    const done = await executorFor(fix.kind)!.execute({ layer: env.layer, cluster: env.cluster, fix, baseline: nsgBaselineOf(fix) });
    expect(done.result, done.detail).toBe('succeeded');
    expect(putCounts(env)).toEqual({ nsgPuts: 1, rulePuts: 0, ruleDeletes: 0 });
    const names = (await getNetworkSecurityGroup(env.layer, fix.target)).securityRules?.map((r) => r.name);
    expect(names).toEqual((before.securityRules ?? []).map((r) => r.name).filter((n) => n !== 'Deny-Kubelet-Hardening'));
  });
});

describe('the simulated Azure on NSG writes', () => {
  it('honours If-Match on the whole-NSG PUT, refuses a child-rule create under If-Match, and checks the rule set', async () => {
    env = await startFixEnv(scenario('nsg-deny-10250-subnet'));
    const id = fixOf(await env.diagnose(), 'nsg-10250', 'nsg-allow-10250').target;
    const read: NetworkSecurityGroup = await getNetworkSecurityGroup(env.layer, id);
    // A create with If-Match: HTTP says false when there is no current representation.
    await expect(putSecurityRule(env.layer, id, someoneElses, { ifMatch: read.etag! })).rejects.toMatchObject({ statusCode: 412 });
    await expect(putNetworkSecurityGroup(env.layer, id, read, { ifMatch: 'W/"stale"' })).rejects.toMatchObject({ statusCode: 412 });
    const clash = { ...someoneElses, name: 'Clash', priority: read.securityRules![0]!.priority, direction: read.securityRules![0]!.direction };
    await expect(putNetworkSecurityGroup(env.layer, id, { ...read, securityRules: [...read.securityRules!, clash] }, { ifMatch: read.etag! })).rejects.toMatchObject({ statusCode: 400, code: 'SecurityRuleConflict' });
    const written = await putNetworkSecurityGroup(env.layer, id, { ...read, securityRules: rulesAfter(read, { put: someoneElses }) }, { ifMatch: read.etag! });
    expect(written.etag).not.toBe(read.etag);
    expect(written.securityRules?.find((r) => r.name === 'SomeoneElses')).toMatchObject({ priority: 3000, provisioningState: 'Succeeded' });
    expect(written.defaultSecurityRules).toHaveLength(6);
    expect(describeDrift(read, written)).toBe('rules added: SomeoneElses');
  });
});
