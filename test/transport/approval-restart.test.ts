/**
 * The restart step of an approved plan over real HTTP (issue 4), on the featured egress demo
 * (the real scenarios/ file for aks-egress-443: an outbound NSG rule blocks the konnectivity
 * egress, the agents crash-loop). The plan's "Then:" is covered by the plan hash: a stored record
 * edited to restart something else is refused, and nothing runs.
 *
 * The approved plan itself (rule written, agents restarted, both checks verified, audit trail,
 * re-diagnosis healthy) is approval-egress-demo.test.ts, with the assertions this file had.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalKey } from '../../src/engine/approvals/request-repository.js';
import { cardText, type Json } from '../support/card-walk.js';
import { APPROVER, EGRESS_DEMO_FILE, startApprovalHarness, type ApprovalHarness } from './approval-harness.js';

/** The NSG fixes PUT the whole NSG under If-Match (src/engine/fixes/nsg-write.ts). */
const RULE_PUT = 'nsg.createOrUpdate';
let h: ApprovalHarness;

beforeAll(async () => {
  h = await startApprovalHarness({ APPROVER_IDS: APPROVER.aadObjectId, SIM_SCENARIOS: EGRESS_DEMO_FILE }, 'a:approval-restart');
});

afterAll(async () => {
  await h?.close();
});

describe('approved egress fix restarts the tunnel agents', () => {
  it('refuses a stored request whose restart step was edited, running nothing', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-egress-443'), 'egress-tunnel-ports:');
    const key = approvalKey(requestId);
    const stored = (await h.bot.store.state.read([key]))[key]!;
    const fix = stored.fix as Json;
    expect(fix.then).toEqual([expect.objectContaining({ kind: 'recreate-tunnel-pods' })]);
    fix.then = [{ kind: 'recreate-tunnel-pods', change: 'restart every pod in every namespace' }];
    await h.bot.store.state.write({ [key]: stored });
    const commandsBefore = h.route('managedClusters.runCommand');
    const answer = await h.click('approve', { requestId }, APPROVER, activityId);
    expect(cardText(answer)).toMatch(/no longer matches the stored plan/);
    await h.bot.drain();
    expect(h.route(RULE_PUT)).toBe(0);
    expect(h.route('managedClusters.runCommand')).toBe(commandsBefore); // no pod was listed or deleted
  });
});
