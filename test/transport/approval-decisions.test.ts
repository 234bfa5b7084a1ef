/**
 * The approval decisions over real HTTP through CloudAdapter (issue 4): reject, cancel, a
 * high-risk fix that needs two distinct approvers, and clicks after completion — each checked
 * against what the simulated Azure actually served, so "nothing executed" is counted, not assumed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalKey } from '../../src/engine/approvals/request-repository.js';
import { CLAIM_GRACE_MS } from '../../src/engine/approvals/request.js';
import { cardText } from '../support/card-walk.js';
import { APPROVER, APPROVER_2, buttonVerbs, BYSTANDER, REQUESTER, startApprovalHarness, type ApprovalHarness } from './approval-harness.js';

/** The NSG fixes PUT the whole NSG under If-Match (src/engine/fixes/nsg-write.ts). */
const RULE_PUT = 'nsg.createOrUpdate';
const CLUSTER_PUT = 'managedClusters.createOrUpdate';
const FINAL = /Fix applied and verified|Fix applied, but the check still fails|The fix was not applied/;

let h: ApprovalHarness;

beforeAll(async () => {
  h = await startApprovalHarness(
    { APPROVER_IDS: `${APPROVER.aadObjectId},${APPROVER_2.aadObjectId}`, HIGH_RISK_APPROVALS: '2' },
    'a:approval-decisions',
  );
});

afterAll(async () => {
  await h?.close();
});

/** The request's transitions, oldest first (refused clicks, which change nothing, are left to refusalsOf). */
async function auditActions(requestId: string): Promise<string[]> {
  return (await h.bot.store.audit.readAudit({ requestId, limit: 50 })).filter((r) => r.action !== 'refused').map((r) => r.action).reverse();
}

/** The request's refused clicks, oldest first: "<verb> <reason> <who>". */
async function refusalsOf(requestId: string): Promise<string[]> {
  return (await h.bot.store.audit.readAudit({ requestId, limit: 50 }))
    .filter((r) => r.action === 'refused')
    .map((r) => `${r.verb} ${r.reason} ${r.actor.name}`)
    .reverse();
}

describe('approval decisions over HTTP', () => {
  it('an approver rejects: nothing reaches Azure, and later clicks are refused', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const azureBefore = h.azureRequests();

    const stranger = await h.click('reject', { requestId }, BYSTANDER, activityId);
    expect(cardText(stranger)).toMatch(/not an approver/);
    expect(cardText(stranger)).toMatch(/Fix waiting for approval/);

    const since = h.connector.calls.length;
    const rejected = await h.click('reject', { requestId }, APPROVER, activityId);
    expect(cardText(rejected)).toMatch(/Fix rejected/);
    expect(cardText(rejected)).toMatch(/Rejected by Team Lead/);
    expect(buttonVerbs(rejected)).toEqual([]);
    // Everyone's copy of the card is updated in place.
    expect(cardText(await h.waitForCard(activityId, /Fix rejected/, since))).toMatch(/Rejected by Team Lead/);

    const late = await h.click('approve', { requestId }, APPROVER_2, activityId);
    expect(cardText(late)).toMatch(/was already rejected[^]*Nothing was done/);
    await h.bot.drain();
    expect(h.azureRequests()).toBe(azureBefore);
    expect(h.route(RULE_PUT)).toBe(0);
    expect(await auditActions(requestId)).toEqual(['requested', 'rejected']);
    expect(await refusalsOf(requestId)).toEqual(['reject not-approver Developer', 'approve already-decided Security Lead']);
  });

  it('a refusal names the approvers the bot has seen act, never an object id (issue 15)', async () => {
    // Team Lead rejected and Security Lead clicked above, both under object ids listed in APPROVER_IDS.
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const stranger = await h.click('approve', { requestId }, BYSTANDER, activityId);
    const text = cardText(stranger);
    expect(text).toMatch(/You are not an approver, so nothing was done\. Ask (Team Lead or Security Lead|Security Lead or Team Lead) to approve it\./);
    for (const person of [BYSTANDER, APPROVER, APPROVER_2]) expect(text).not.toContain(person.aadObjectId);
    // In Chinese too.
    const zh = cardText(await h.click('approve', { requestId }, BYSTANDER, activityId, { locale: 'zh-CN' }));
    expect(zh).toMatch(/你不是审批人，因此未执行任何操作。 请让 (Team Lead 或 Security Lead|Security Lead 或 Team Lead) 批准。/);
    await h.click('cancel', { requestId }, REQUESTER, activityId);
    expect(await refusalsOf(requestId)).toEqual(['approve not-approver Developer', 'approve not-approver Developer']);
  });

  it('only the requester may cancel; their cancel stops the request with nothing executed', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const azureBefore = h.azureRequests();

    for (const other of [APPROVER, BYSTANDER]) {
      const refused = await h.click('cancel', { requestId }, other, activityId);
      expect(cardText(refused)).toMatch(/Only the person who requested this fix can cancel it/);
      expect(cardText(refused)).toMatch(/Fix waiting for approval/);
    }
    const cancelled = await h.click('cancel', { requestId }, REQUESTER, activityId);
    expect(cardText(cancelled)).toMatch(/Fix request cancelled/);
    expect(cardText(cancelled)).toMatch(/Cancelled by On-call Engineer/);
    expect(buttonVerbs(cancelled)).toEqual([]);

    const late = await h.click('approve', { requestId }, APPROVER, activityId);
    expect(cardText(late)).toMatch(/was already cancelled/);
    await h.bot.drain();
    expect(h.azureRequests()).toBe(azureBefore);
    expect(h.route(RULE_PUT)).toBe(0);
    expect(await auditActions(requestId)).toEqual(['requested', 'cancelled']);
  });

  it('an approval whose process died before applying it is shown and recorded as never applied, never run', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    // As a bot instance that died right after storing the approval would leave it: approved, never claimed.
    const key = approvalKey(requestId);
    const stored = (await h.bot.store.state.read([key]))[key]!;
    const at = new Date(Date.now() - CLAIM_GRACE_MS - 60_000).toISOString();
    const by = { id: APPROVER.id, name: APPROVER.name, aadObjectId: APPROVER.aadObjectId };
    Object.assign(stored, { state: 'approved', approvals: [{ by, at }], history: [...(stored.history as unknown[]), { state: 'approved', at, by }] });
    await h.bot.store.state.write({ [key]: stored });
    const azureBefore = h.azureRequests();

    const refreshed = await h.click('refresh', { requestId }, REQUESTER, activityId);
    const text = cardText(refreshed);
    expect(text).toMatch(/Fix interrupted/);
    expect(text).toMatch(/bot stopped before applying it: nothing was changed[^]*request the fix again/);
    expect(buttonVerbs(refreshed)).toEqual([]);
    const late = await h.click('approve', { requestId }, APPROVER_2, activityId);
    expect(cardText(late)).toMatch(/will not be run on its own[^]*Nothing was done/);
    await h.bot.drain();
    expect(h.azureRequests()).toBe(azureBefore);
    const records = (await h.bot.store.audit.readAudit({ requestId, limit: 10 })).reverse();
    expect(records.map((r) => [r.action, r.result])).toEqual([['requested', undefined], ['failed', 'failed'], ['refused', undefined]]);
    expect(records[2]).toMatchObject({ verb: 'approve', reason: 'already-decided', actor: { aadObjectId: APPROVER_2.aadObjectId } });
  });

  it('the refresh of a request past its time limit says it expired and that nothing was changed', async () => {
    const { activityId, requestId } = await h.requestFix(await h.diagnose('aks-nsg-deny'), 'nsg-10250:');
    const key = approvalKey(requestId);
    const stored = (await h.bot.store.state.read([key]))[key]!;
    stored.expiresAt = new Date(Date.now() - 60_000).toISOString();
    await h.bot.store.state.write({ [key]: stored });
    const refreshed = await h.click('refresh', { requestId }, APPROVER, activityId);
    expect(cardText(refreshed)).toMatch(/Fix request expired/);
    expect(cardText(refreshed)).toMatch(/This request expired at [^]*0 of 1 approval\(s\); nothing was changed/);
    expect(buttonVerbs(refreshed)).toEqual([]);
    const late = await h.click('approve', { requestId }, APPROVER, activityId);
    expect(cardText(late)).toMatch(/expired/);
    await h.bot.drain();
    expect(h.route(RULE_PUT)).toBe(0);
    expect(await auditActions(requestId)).toEqual(['requested', 'expired']);
  });

  it('a high-risk SNAT fix needs two distinct approvers and then runs exactly once; clicks after completion are refused', async () => {
    const { activityId, card, requestId } = await h.requestFix(await h.diagnose('aks-snat-lb'), 'snat-exhaustion:lb-allocated-outbound-ports');
    const text = cardText(card);
    expect(text).toMatch(/Risk high/);
    expect(text).toMatch(/0 of 2/);
    // The plan the approvers approve includes restarting the tunnel agents after the change.
    expect(text).toMatch(/Then: [^]{0,40}restart the tunnel agent pods in kube-system/);

    const first = await h.click('approve', { requestId }, APPROVER, activityId);
    expect(cardText(first)).toMatch(/Fix waiting for approval/);
    expect(cardText(first)).toMatch(/1 of 2: Team Lead/);
    expect(buttonVerbs(first)).toEqual(['reject']);
    const twice = await h.click('approve', { requestId }, APPROVER, activityId);
    expect(cardText(twice)).toMatch(/already approved this request; it needs 1 more approval/);
    await h.bot.drain();
    expect(h.route(CLUSTER_PUT)).toBe(0);
    // The second approver's view still offers Approve.
    expect(buttonVerbs(await h.click('refresh', { requestId }, APPROVER_2, activityId))).toEqual(['approve', 'reject']);

    // The second approval, clicked twice at once (Teams retries): one execution.
    const since = h.connector.calls.length;
    const answers = await Promise.all([1, 2].map(() => h.click('approve', { requestId }, APPROVER_2, activityId)));
    const texts = answers.map(cardText);
    expect(texts.filter((t) => /Fix approved: applying it/.test(t))).toHaveLength(1);
    expect(texts.some((t) => /2 of 2: Team Lead, Security Lead/.test(t))).toBe(true);
    const final = await h.waitForCard(activityId, FINAL, since);
    await h.bot.drain();
    expect(h.route(CLUSTER_PUT)).toBe(1);
    const finalText = cardText(final);
    expect(finalText).toMatch(/Fix applied/);
    expect(finalText).toMatch(/Then: [^]{0,40}succeeded: Restarted 2 tunnel agent pod\(s\)/);
    expect(finalText).toMatch(/Check after:[^]*snat-exhaustion[^]*tunnel-agent-health pass/);
    expect(buttonVerbs(final)).toEqual([]);

    for (const [verb, who] of [['approve', APPROVER_2], ['reject', APPROVER], ['cancel', REQUESTER]] as const) {
      const late = await h.click(verb, { requestId }, who, activityId);
      const lateText = cardText(late);
      expect(lateText, `${verb} after completion`).toMatch(/has already been carried out[^]*Nothing was done/);
      expect(lateText).toMatch(FINAL);
      expect(buttonVerbs(late)).toEqual([]);
    }
    await h.bot.drain();
    expect(h.route(CLUSTER_PUT)).toBe(1);
    const actions = await auditActions(requestId);
    expect(actions).toEqual(['requested', 'approved', 'approved', 'executed', 'verified']);
    const executed = (await h.bot.store.audit.readAudit({ requestId, limit: 50 })).find((r) => r.action === 'executed');
    expect(executed?.detail).toMatch(/Then recreate-tunnel-pods: succeeded: Restarted 2 tunnel agent pod/);
  });
});
