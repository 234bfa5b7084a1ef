/**
 * The incident channel over real HTTP through CloudAdapter and the fake connector: installing the bot
 * in a team stores the channel's conversation reference; with INCIDENT_CHANNEL_ID set, diagnoses that
 * find a cause and every approval step are summarised in the channel, one thread per cluster.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentThreadKey } from '../../src/app/incident-feed.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity, type ConnectorCall, cardActionActivity } from '../support/fake-connector.js';
import { botOverHttp } from '../support/bot-over-http.js';
import { tempDir } from '../support/temp-dir.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CHANNEL = '19:0a1b2c3d4e5f60718293a4b5c6d7e8f9@thread.tacv2';
const BOT = { id: '28:tunnel-doctor', name: 'Tunnel Doctor' };
const REQUESTER = { id: '29:1a2b3c-oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
const APPROVER = { id: '29:4d5e6f-lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002' };
const PERSONAL = { id: 'a:incident-personal-chat', conversationType: 'personal', tenantId: TENANT };
const NSG_DENY_ID = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg-nsgdeny/providers/Microsoft.ContainerService/managedClusters/aks-nsg-deny';

const ENV = {
  PORT: '0',
  SIM_LATENCY_SCALE: '0',
  STATE_SQLITE_PATH: path.join(tempDir('incident'), 'state.sqlite'),
  APPROVER_IDS: APPROVER.aadObjectId,
  INCIDENT_CHANNEL_ID: CHANNEL,
};

const t = botOverHttp(ENV);

const inChannel = (calls: ConnectorCall[]) => calls.filter((c) => c.method === 'POST' && c.conversationId.startsWith(CHANNEL));

async function diagnoseInPersonalChat(cluster: string): Promise<Json> {
  const res = await postActivity(t.bot.url, messageActivity(`diagnose cluster ${cluster}`, { deliveryMode: 'expectReplies', from: REQUESTER, conversation: PERSONAL }));
  expect(res.status).toBe(200);
  await t.bot.drain();
  return cardOf(res.body.activities.at(-1));
}

/** The summaries posted into the channel since `before`, after everything in flight settled. */
async function channelPostsSince(before: number): Promise<ConnectorCall[]> {
  await t.bot.drain();
  return inChannel(t.connector.calls.slice(before));
}

describe('incident channel', () => {
  let rootId: string;

  it('a conversationUpdate adding the bot to a team channel stores the channel reference', async () => {
    const res = await postActivity(t.bot.url, {
      type: 'conversationUpdate',
      id: 'install-1',
      channelId: 'msteams',
      serviceUrl: t.connector.url,
      timestamp: new Date().toISOString(),
      from: { id: '29:team-owner', name: 'Team Owner', aadObjectId: '00000000-0000-0000-0000-00000000d004' },
      recipient: BOT,
      conversation: { id: CHANNEL, conversationType: 'channel', isGroup: true, tenantId: TENANT },
      membersAdded: [BOT],
      channelData: { eventType: 'teamMemberAdded', team: { id: CHANNEL, name: 'SRE' }, channel: { id: CHANNEL }, tenant: { id: TENANT } },
    });
    expect(res.status).toBe(200);
    await t.bot.drain();
    const key = `conversation/${CHANNEL}`;
    const stored = (await t.bot.store.state.read([key]))[key] as Json;
    expect(stored.handle).toMatchObject({ id: CHANNEL, channelId: 'msteams', conversationType: 'channel' });
    expect(stored.handle.ref).toMatchObject({ serviceUrl: t.connector.url, conversation: { id: CHANNEL, tenantId: TENANT } });
    // Stored as the channel, not as whoever installed it or the install activity.
    expect(stored.handle.ref.activityId).toBeUndefined();
    expect(stored.handle.ref.user).toBeUndefined();
  });

  it('a diagnosis from a personal chat that finds a cause posts a summary into the channel, starting the cluster thread', async () => {
    const before = t.connector.calls.length;
    const card = await diagnoseInPersonalChat('aks-nsg-deny');
    expect(cardText(card)).toMatch(/aks-nsg-deny/);
    const posts = await channelPostsSince(before);
    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    expect(post.conversationId).toBe(CHANNEL);
    const summary = cardOf(post.activity);
    expectValidCard(summary);
    const text = cardText(summary);
    expect(text).toMatch(/1 cause found on aks-nsg-deny/);
    expect(text).toMatch(/10250/);
    expect(text).toContain('On-call Engineer');
    rootId = post.activityId!;
    const key = incidentThreadKey(NSG_DENY_ID);
    expect(key).toBe(`incident-thread/${NSG_DENY_ID.toLowerCase()}`);
    expect((await t.bot.store.state.read([key]))[key]).toMatchObject({ channelId: CHANNEL, rootActivityId: rootId });
  });

  it('a second diagnosis of the same cluster replies in its thread', async () => {
    const before = t.connector.calls.length;
    await diagnoseInPersonalChat('AKS-NSG-DENY');
    const posts = await channelPostsSince(before);
    expect(posts.map((p) => p.conversationId)).toEqual([`${CHANNEL};messageid=${rootId}`]);
    expect(cardText(cardOf(posts[0]!.activity))).toMatch(/cause found on aks-nsg-deny/);
  });

  it('a healthy cluster posts nothing', async () => {
    const before = t.connector.calls.length;
    const card = await diagnoseInPersonalChat('aks-demo-healthy');
    expect(cardText(card)).toMatch(/aks-demo-healthy/);
    expect(await channelPostsSince(before)).toEqual([]);
  });

  it('requesting and approving the fix post each step into the same thread', async () => {
    const card = await diagnoseInPersonalChat('aks-nsg-deny');
    const request = executeActions(card).find((a) => a.verb === 'request-fix')!;
    expect(request).toBeDefined();
    let before = t.connector.calls.length;
    const invoke = (verb: string, data: unknown, from: typeof REQUESTER, replyToId: string) =>
      postActivity(t.bot.url, cardActionActivity(verb, data, {
        serviceUrl: t.connector.url,
        from,
        conversation: PERSONAL,
        channelData: { tenant: { id: TENANT } },
        replyToId,
      }));
    expect((await invoke('request-fix', request.data, REQUESTER, 'diagnosis-card')).status).toBe(200);
    let posts = await channelPostsSince(before);
    // The third diagnosis summary came before `before`; now only the request.
    expect(posts.map((p) => p.conversationId)).toEqual([`${CHANNEL};messageid=${rootId}`]);
    const requested = cardOf(posts[0]!.activity);
    expectValidCard(requested);
    expect(cardText(requested)).toMatch(/Fix requested for aks-nsg-deny/);
    expect(cardText(requested)).toContain('On-call Engineer');

    const approvalCard = t.connector.calls.slice(before).find((c) => c.method === 'POST' && c.conversationId === PERSONAL.id)!;
    const requestId = executeActions(cardOf(approvalCard.activity))[0]!.data.requestId as string;
    before = t.connector.calls.length;
    expect((await invoke('approve', { requestId }, APPROVER, approvalCard.activityId!)).status).toBe(200);
    posts = await channelPostsSince(before);
    expect(posts.every((p) => p.conversationId === `${CHANNEL};messageid=${rootId}`)).toBe(true);
    const steps = posts.map((p) => cardText(cardOf(p.activity)));
    expect(steps[0]).toMatch(/Fix approved for aks-nsg-deny/);
    expect(steps[0]).toContain('Team Lead');
    expect(steps.some((t) => /Fix applied to aks-nsg-deny/.test(t))).toBe(true);
    expect(steps.at(-1)).toMatch(/Fix verified on aks-nsg-deny/);
    for (const p of posts) expectValidCard(cardOf(p.activity));
  });

  it('uninstalling removes the stored reference', async () => {
    const res = await postActivity(t.bot.url, {
      type: 'installationUpdate',
      action: 'remove',
      id: 'uninstall-1',
      channelId: 'msteams',
      serviceUrl: t.connector.url,
      from: { id: '29:team-owner' },
      recipient: BOT,
      conversation: { id: CHANNEL, conversationType: 'channel', tenantId: TENANT },
      channelData: { team: { id: CHANNEL }, tenant: { id: TENANT } },
    });
    expect(res.status).toBe(200);
    const key = `conversation/${CHANNEL}`;
    expect((await t.bot.store.state.read([key]))[key]).toBeUndefined();
  });
});
