/**
 * Issue 4's core flow over real HTTP through CloudAdapter: a diagnosis stores its report, "Request
 * this fix" (Action.Execute → invoke adaptiveCard/action) opens an approval request, the approval
 * card's Approve runs the fix against the simulated Azure once, and the card is updated in place
 * through the (fake) connector until the re-check verifies it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity, type ConnectorCall, cardActionActivity } from '../support/fake-connector.js';
import { botOverHttp } from '../support/bot-over-http.js';
import { tempDir } from '../support/temp-dir.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const REQUESTER = { id: '29:1a2b3c-oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
const APPROVER = { id: '29:4d5e6f-lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002' };
const BYSTANDER = { id: '29:7a8b9c-dev', name: 'Developer', aadObjectId: '00000000-0000-0000-0000-00000000c003' };
const CONVERSATION = { id: 'a:fix-flow-conversation', conversationType: 'personal', tenantId: TENANT };
/** The NSG fixes PUT the whole NSG under If-Match (src/engine/fixes/nsg-write.ts). */
const RULE_PUT = 'nsg.createOrUpdate';

const ENV = {
  PORT: '0',
  SIM_LATENCY_SCALE: '0',
  STATE_SQLITE_PATH: path.join(tempDir('flow'), 'state.sqlite'),
  // The requester is an approver too: the four-eyes rule (REQUIRE_DISTINCT_APPROVER, on by default) must stop them.
  APPROVER_IDS: `${REQUESTER.aadObjectId},${APPROVER.aadObjectId}`,
};

const t = botOverHttp(ENV);

function findById(card: unknown, id: string): Json | undefined {
  let found: Json | undefined;
  const walk = (v: unknown) => {
    if (found) return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if ((v as Json).id === id) found = v as Json;
      else Object.values(v).forEach(walk);
    }
  };
  walk(card);
  return found;
}

async function diagnose(cluster: string): Promise<Json> {
  const res = await postActivity(
    t.bot.url,
    messageActivity(`diagnose ${cluster}`, { deliveryMode: 'expectReplies', from: REQUESTER, conversation: CONVERSATION }),
  );
  expect(res.status).toBe(200);
  const card = cardOf(res.body.activities.at(-1));
  expectValidCard(card);
  return card;
}

/** Clicks an Action.Execute button as `user`: Teams' invoke adaptiveCard/action. */
async function click(verb: string, data: unknown, user: typeof REQUESTER, replyToId: string): Promise<{ card: Json; ms: number }> {
  const started = performance.now();
  const res = await postActivity(t.bot.url, cardActionActivity(verb, data, {
    serviceUrl: t.connector.url,
    from: user,
    conversation: CONVERSATION,
    channelData: { tenant: { id: TENANT } },
    replyToId,
  }));
  const ms = performance.now() - started;
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  const card = res.body.value as Json;
  expectValidCard(card);
  return { card, ms };
}

const rulePuts = () => t.bot.sim!.stats().byRoute[RULE_PUT] ?? 0;
const buttonVerbs = (card: unknown) => executeActions(card).map((a) => a.verb as string);

describe('one-click fix gated by approval, over HTTP', () => {
  let requestFixData: Json;
  let approvalActivityId: string;
  let requestId: string;

  it('offers "Request this fix" on the NSG fix of aks-nsg-deny with ids only', async () => {
    const card = await diagnose('aks-nsg-deny');
    const buttons = executeActions(card).filter((a) => a.verb === 'request-fix');
    expect(buttons).toHaveLength(1);
    requestFixData = buttons[0]!.data;
    expect(Object.keys(requestFixData).sort()).toEqual(['fixId', 'reportId']);
    expect(requestFixData.fixId).toMatch(/^nsg-10250:/);
    expect(buttons[0]!.title).toBe('Request this fix');
  });

  it('refuses forged request-fix data and requests nothing', async () => {
    const calls = t.connector.calls.length;
    const edited = await click('request-fix', { ...requestFixData, fixId: 'nsg-10250:allow:other-nsg:inbound:100' }, REQUESTER, 'diagnosis-card');
    expect(cardText(edited.card)).toMatch(/has no fix/);
    const unknown = await click('request-fix', { reportId: 'A'.repeat(22), fixId: requestFixData.fixId }, REQUESTER, 'diagnosis-card');
    expect(cardText(unknown.card)).toMatch(/not stored by the bot/);
    const garbage = await click('request-fix', { reportId: '../report/x', fixId: 1 }, REQUESTER, 'diagnosis-card');
    expect(cardText(garbage.card)).toMatch(/does not name a stored report/);
    await t.bot.drain();
    expect(t.connector.calls.length).toBe(calls);
  });

  it('opens a request: the invoke answers with the diagnosis, the approval card follows as a message', async () => {
    const before = t.connector.calls.length;
    const { card } = await click('request-fix', requestFixData, REQUESTER, 'diagnosis-card');
    expect(cardText(card)).toMatch(/Fix requested/);
    // The answer replaces the clicked card: the fix waits for approval, its Request button is gone.
    expect(cardText(card)).toMatch(/Waiting for approval/);
    expect(cardText(card)).toMatch(/expires in \d+ min/);
    expect(executeActions(card).filter((a) => a.verb === 'request-fix')).toEqual([]);
    const calls = await t.connector.waitFor((c) => c.slice(before).some((x) => x.method === 'POST'));
    const post = calls.slice(before).find((x) => x.method === 'POST') as ConnectorCall;
    expect(post.conversationId).toBe(CONVERSATION.id);
    approvalActivityId = post.activityId!;
    const approval = cardOf(post.activity);
    expectValidCard(approval);
    const text = cardText(approval);
    expect(text).toMatch(/Fix waiting for approval/);
    expect(text).toContain('On-call Engineer');
    expect(text).toMatch(/0 of 1/);
    expect(text).toMatch(/"access": "Allow"/); // the exact rule, verbatim (indented)
    expect(buttonVerbs(approval)).toEqual(['approve', 'reject', 'cancel']);
    requestId = executeActions(approval)[0]!.data.requestId;
    expect(executeActions(approval).every((a) => JSON.stringify(a.data) === JSON.stringify({ requestId }))).toBe(true);
    expect(approval.refresh).toEqual({ action: { type: 'Action.Execute', title: 'Refresh', verb: 'refresh', data: { requestId } }, userIds: [REQUESTER.id] });
    // Everyone else's copy of the diagnosis card is updated too: the fix waits, no Request button.
    const shared = (x: ConnectorCall) => x.method === 'PUT' && x.activityId === 'diagnosis-card';
    const withShared = await t.connector.waitFor((c) => c.slice(before).some(shared));
    const sharedCard = cardOf(withShared.slice(before).find(shared)!.activity);
    expect(cardText(sharedCard)).toMatch(/Waiting for approval/);
    expect(executeActions(sharedCard).filter((a) => a.verb === 'request-fix')).toEqual([]);
    await t.bot.drain();
  });

  it('a second click on "Request this fix" does not open a second request', async () => {
    const before = t.connector.calls.length;
    const { card } = await click('request-fix', requestFixData, REQUESTER, 'diagnosis-card');
    expect(cardText(card)).toMatch(/already been requested/);
    await t.bot.drain();
    expect(t.connector.calls.length).toBe(before);
  });

  it('refresh shows each viewer the buttons they may use and changes nothing', async () => {
    const mine = await click('refresh', { requestId }, REQUESTER, approvalActivityId);
    expect(buttonVerbs(mine.card)).toEqual(['reject', 'cancel']);
    const lead = await click('refresh', { requestId }, APPROVER, approvalActivityId);
    expect(buttonVerbs(lead.card)).toEqual(['approve', 'reject']);
    const other = await click('refresh', { requestId }, BYSTANDER, approvalActivityId);
    expect(buttonVerbs(other.card)).toEqual([]);
    expect(rulePuts()).toBe(0);
  });

  it('refuses self-approval, a non-approver and forged request ids, executing nothing', async () => {
    const self = await click('approve', { requestId }, REQUESTER, approvalActivityId);
    expect(cardText(self.card)).toMatch(/someone else must approve/);
    expect(cardText(self.card)).toMatch(/Fix waiting for approval/);
    const stranger = await click('approve', { requestId }, BYSTANDER, approvalActivityId);
    expect(cardText(stranger.card)).toMatch(/not an approver/);
    // Who to ask, never a raw object id (issue 15). The only approver the bot has seen act is the
    // requester, who may not approve their own request: so no name, the configured list instead.
    for (const person of [BYSTANDER, REQUESTER, APPROVER]) expect(cardText(stranger.card)).not.toContain(person.aadObjectId);
    expect(cardText(stranger.card)).not.toMatch(/Ask [^.]*On-call Engineer/);
    expect(cardText(stranger.card)).toMatch(/Ask an approver listed in APPROVER_IDS/);
    const unknown = await click('approve', { requestId: 'B'.repeat(22) }, APPROVER, approvalActivityId);
    expect(cardText(unknown.card)).toMatch(/unknown to the bot/);
    const garbage = await click('approve', { requestId: 'approval/../x' }, APPROVER, approvalActivityId);
    expect(cardText(garbage.card)).toMatch(/does not name a fix request/);
    await t.bot.drain();
    expect(rulePuts()).toBe(0);
  });

  it('audits each refused click on the stored request: who, which verb, why (issue 15)', async () => {
    const refused = (await t.bot.store.audit.readAudit({ requestId, limit: 50 })).filter((r) => r.action === 'refused').reverse();
    const summary = refused.map((r) => [r.verb, r.reason, r.actor.aadObjectId, r.actor.name]);
    expect(summary).toEqual([
      ['request', 'already-requested', REQUESTER.aadObjectId, REQUESTER.name],
      ['approve', 'self-approval', REQUESTER.aadObjectId, REQUESTER.name],
      ['approve', 'not-approver', BYSTANDER.aadObjectId, BYSTANDER.name],
    ]);
    for (const r of refused) {
      expect(r.clusterId).toMatch(/\/managedClusters\/aks-nsg-deny$/i);
      expect(r.detail).toMatch(new RegExp(`^Refused ${r.verb} \\(${r.reason}\\) of `));
    }
    // A forged or unknown request id is no stored request: nothing to name, nothing recorded.
    expect(await t.bot.store.audit.readAudit({ requestId: 'B'.repeat(22), limit: 5 })).toEqual([]);
  });

  it('the approver approves: answered at once, then the card is updated in place to executed and verified', async () => {
    const before = t.connector.calls.length;
    const { card } = await click('approve', { requestId }, APPROVER, approvalActivityId);
    // The invoke answer is the card as it stood when the approval was recorded, before any Azure write.
    expect(cardText(card)).toMatch(/Fix approved: applying it/);
    expect(cardText(card)).toMatch(/1 of 1: Team Lead/);
    const isFinal = (x: ConnectorCall) => x.method === 'PUT' && x.activityId === approvalActivityId && /Fix applied and verified/.test(cardText(cardOf(x.activity)));
    const calls = await t.connector.waitFor((c) => c.slice(before).some(isFinal));
    await t.bot.drain();
    const updates = calls.slice(before).filter((x) => x.activityId === approvalActivityId);
    expect(updates.every((x) => x.method === 'PUT')).toBe(true);
    const texts = updates.map((x) => cardText(cardOf(x.activity)));
    expect(texts.some((t) => /Applying the fix/.test(t))).toBe(true);
    const final = cardOf(updates.find(isFinal)!.activity);
    expectValidCard(final);
    const finalText = cardText(final);
    expect(finalText).toMatch(/written to NSG aks-agentpool-57593371-nsg/);
    expect(finalText).toMatch(/Check before:[^]*?nsg-10250 fail[^]*Check after:[^]*?nsg-10250 pass/);
    expect(buttonVerbs(final)).toEqual([]);
    expect(final.refresh.userIds).toEqual([REQUESTER.id, APPROVER.id]);
    expect(rulePuts()).toBe(1);
  });

  it('the diagnosis card the fix came from is updated in place: the story of the fix, and no Request button for it', async () => {
    const isVerified = (x: ConnectorCall) => x.method === 'PUT' && x.activityId === 'diagnosis-card' && /Applied and verified/.test(cardText(cardOf(x.activity)));
    const calls = await t.connector.waitFor((c) => c.some(isVerified));
    const updates = calls.filter((x) => x.activityId === 'diagnosis-card');
    expect(updates.every((x) => x.method === 'PUT')).toBe(true);
    const final = cardOf(calls.find(isVerified)!.activity);
    expectValidCard(final);
    const text = cardText(final);
    expect(text).toMatch(/Requested by On-call Engineer at \{\{DATE\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, SHORT\)\}\} \{\{TIME\(/);
    expect(text).toMatch(/approved by Team Lead at \{\{DATE\(/);
    expect(executeActions(final).filter((a) => a.verb === 'request-fix')).toEqual([]);
    // On the way there it told each step: waiting for approval, applying, verified.
    const steps = updates.map((x) => cardText(cardOf(x.activity)));
    expect(steps.some((t) => /Applying…|Applied: re-checking/.test(t))).toBe(true);
  });

  it('a replayed approve (Teams retries invokes) runs nothing again', async () => {
    const replay = await click('approve', { requestId }, APPROVER, approvalActivityId);
    expect(cardText(replay.card)).toMatch(/already been carried out/);
    const refresh = await click('refresh', { requestId }, APPROVER, approvalActivityId);
    expect(cardText(refresh.card)).toMatch(/Fix applied and verified/);
    await t.bot.drain();
    expect(rulePuts()).toBe(1);
  });

  it('a new diagnosis of aks-nsg-deny finds TCP 10250 allowed', async () => {
    const card = await diagnose('aks-nsg-deny');
    // Passed checks sit in the collapsed "passed" list, one ✅ line each.
    const row = findById(findById(card, 'passed-checks'), 'check-nsg-10250');
    expect(cardText(row)).toMatch(/✅/);
    expect(executeActions(card).filter((a) => a.verb === 'request-fix')).toEqual([]);
  });

  it('the audit log tells the story in order', async () => {
    const records = (await t.bot.store.audit.readAudit({ requestId, limit: 20 })).filter((r) => r.action !== 'refused');
    expect(records.map((r) => r.action).reverse()).toEqual(['requested', 'approved', 'executed', 'verified']);
    expect(records.find((r) => r.action === 'approved')?.actor.aadObjectId).toBe(APPROVER.aadObjectId);
  });

  it('"audit cluster aks-nsg-deny" in chat shows the same story; a hostile filter is refused', async () => {
    const ask = async (text: string) => {
      const res = await postActivity(t.bot.url, messageActivity(text, { deliveryMode: 'expectReplies', from: REQUESTER, conversation: CONVERSATION }));
      expect(res.status).toBe(200);
      const card = cardOf(res.body.activities[0]);
      expectValidCard(card);
      return cardText(card);
    };
    const text = await ask('audit cluster aks-nsg-deny');
    expect(text).toMatch(/Audit log: aks-nsg-deny/);
    for (const action of ['requested', 'approved', 'executed', 'verified']) expect(text).toContain(action);
    // The refused clicks are in the request's story, by name and reason.
    expect(text).toMatch(/approve by Developer refused at \{\{DATE\([^)]*\)\}\} \{\{TIME\([^)]*\)\}\} \(not an approver\)/);
    expect(text).toMatch(/approve by On-call Engineer refused at .*\(own request\)/);
    expect(await ask('audit cluster aks-demo-healthy')).toMatch(/No fix was requested/);
    expect(await ask('audit cluster aks;reboot')).toMatch(/";"/);
  });

  it('answers an unknown verb with a refusal', async () => {
    const { card } = await click('delete-cluster', { requestId }, APPROVER, approvalActivityId);
    expect(cardText(card)).toMatch(/not one this bot answers/);
  });
});
