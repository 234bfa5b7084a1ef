/**
 * The restart step of an approved plan over real HTTP (issue 4): on a cluster whose outbound NSG
 * blocks the konnectivity egress (agents crash-looping), the approved egress fix opens TCP 443,
 * then restarts the agents as part of the same plan, and the re-check covers both the egress and
 * the agents. The plan's "Then:" is covered by the plan hash: a stored record edited to restart
 * something else is refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalKey } from '../../src/engine/approvals/request-repository.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { egressDeniedByNsg } from '../engine/fixes/fix-env.js';
import { APPROVER, buttonVerbs, REQUESTER, startApprovalHarness, type ApprovalHarness } from './approval-harness.js';

const RULE_PUT = 'securityRules.createOrUpdate';
let h: ApprovalHarness;

beforeAll(async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'td-restart-')), 'egress-nsg-crashloop.json');
  writeFileSync(file, JSON.stringify(egressDeniedByNsg()));
  h = await startApprovalHarness({ APPROVER_IDS: APPROVER.aadObjectId, SIM_SCENARIOS: file }, 'a:approval-restart');
});

afterAll(async () => {
  await h?.close();
});

function rowText(card: Json, checkId: string): string {
  let found: unknown;
  const walk = (v: unknown) => {
    if (found) return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if ((v as Json).id === `check-${checkId}`) found = v;
      else Object.values(v).forEach(walk);
    }
  };
  walk(card);
  return cardText(found);
}

describe('approved egress fix restarts the tunnel agents', () => {
  it('refuses a stored request whose restart step was edited, running nothing', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-egress-nsg'), 'egress-tunnel-ports:');
    const key = approvalKey(requestId);
    const stored = (await h.bot.store.state.read([key]))[key]!;
    const fix = stored.fix as Json;
    fix.then = [{ kind: 'recreate-tunnel-pods', change: 'restart every pod in every namespace' }];
    await h.bot.store.state.write({ [key]: stored });
    const answer = await h.click('approve', { requestId }, APPROVER, activityId);
    expect(cardText(answer)).toMatch(/no longer matches the stored plan/);
    await h.bot.drain();
    expect(h.route(RULE_PUT)).toBe(0);
  });

  it('opens the egress, restarts the agents, and verifies both, on one approval', async () => {
    const diagnosis = await h.diagnose('aks-egress-nsg');
    expect(rowText(diagnosis, 'egress-tunnel-ports')).toMatch(/Failed/);
    expect(rowText(diagnosis, 'tunnel-agent-health')).toMatch(/Failed/);
    const { activityId, card, requestId } = await h.requestFix(diagnosis, 'egress-tunnel-ports:');
    const plan = cardText(card);
    expect(plan).toMatch(/"name":"AllowTunnelEgressTcp443"/);
    expect(plan).toMatch(/Then: [^]{0,40}restart the konnectivity-agent pods in kube-system/);
    const commandsBefore = h.route('managedClusters.runCommand');

    const since = h.connector.calls.length;
    const approved = await h.click('approve', { requestId }, APPROVER, activityId);
    expect(cardText(approved)).toMatch(/Fix approved: applying it/);
    const final = await h.waitForCard(activityId, /Fix applied and verified|still fails|not applied/, since);
    await h.bot.drain();
    const text = cardText(final);
    expect(text).toMatch(/Fix applied and verified/);
    expect(text).toMatch(/Rule AllowTunnelEgressTcp443 written/);
    expect(text).toMatch(/Then: [^]{0,40}succeeded: Restarted 2 tunnel agent pod\(s\): konnectivity-agent-/);
    expect(text).toMatch(/Check before:[^]*tunnel-agent-health fail[^]*Check after:[^]*egress-tunnel-ports pass[^]*tunnel-agent-health pass/);
    expect(buttonVerbs(final)).toEqual([]);
    expect(h.route(RULE_PUT)).toBe(1);
    // One listing and two deletes for the restart, then the re-check's own commands.
    expect(h.route('managedClusters.runCommand') - commandsBefore).toBeGreaterThanOrEqual(3);

    const records = (await h.bot.store.audit.readAudit({ requestId, limit: 20 })).reverse();
    expect(records.map((r) => r.action)).toEqual(['requested', 'approved', 'executed', 'verified']);
    expect(records[0]?.detail).toMatch(/then recreate-tunnel-pods: restart the konnectivity-agent pods/);
    expect(records[2]?.detail).toMatch(/Then recreate-tunnel-pods: succeeded: Restarted 2 tunnel agent pod/);

    const again = await h.diagnose('aks-egress-nsg', REQUESTER);
    expect(rowText(again, 'egress-tunnel-ports')).toMatch(/Passed/);
    expect(rowText(again, 'tunnel-agent-health')).toMatch(/Passed/);
    expect(executeActions(again).filter((a) => a.verb === 'request-fix')).toEqual([]);
  });
});
