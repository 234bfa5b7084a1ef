/**
 * The incident channel in its configured language, and a channel that refuses posts, over real HTTP
 * (startBot, CloudAdapter, the paced Outbox, the fake connector): with INCIDENT_LOCALE=zh-CN the
 * summaries are Chinese whatever language the person who diagnosed speaks; once the connector
 * answers 403 (the bot was removed from the team) the feed says so once, forgets the channel's
 * handle, and stops posting there.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { incidentThreadKey } from '../../src/app/incident-feed.js';
import { en, zhCN } from '../../src/app/i18n/index.js';
import { cardText } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity } from '../support/fake-connector.js';
import { botOverHttp } from '../support/bot-over-http.js';
import { tempDir } from '../support/temp-dir.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CHANNEL = '19:c0ffee00c0ffee00c0ffee00c0ffee00@thread.tacv2';
const BOT = { id: '28:tunnel-doctor', name: 'Tunnel Doctor' };
const PERSONAL = { id: 'a:incident-locale-chat', conversationType: 'personal', tenantId: TENANT };
const NSG_DENY_ID = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg-nsgdeny/providers/Microsoft.ContainerService/managedClusters/aks-nsg-deny';
const ENV = {
  PORT: '0',
  SIM_LATENCY_SCALE: '0',
  STATE_SQLITE_PATH: path.join(tempDir('incident-zh'), 'state.sqlite'),
  INCIDENT_CHANNEL_ID: CHANNEL,
  INCIDENT_LOCALE: 'zh-CN',
};

let refusing = false;
const lines: Array<Record<string, any>> = [];

const t = botOverHttp(ENV, {
  log: createLogger('debug', {}, (line) => lines.push(JSON.parse(line))),
  connector: {
    // The channel and its threads, once the bot is removed from the team.
    fault: (req) => (refusing && req.conversationId.startsWith(CHANNEL) ? { status: 403 } : undefined),
  },
});

async function diagnoseInEnglish(): Promise<void> {
  const res = await postActivity(t.bot.url, messageActivity('diagnose cluster aks-nsg-deny', { deliveryMode: 'expectReplies', conversation: PERSONAL, locale: 'en-US' }));
  expect(res.status).toBe(200);
  await t.bot.drain();
}

/** After the install (which greets the channel with the help card). */
let installed = 0;
const channelPosts = () => t.connector.calls.slice(installed).filter((c) => c.method === 'POST' && c.conversationId.startsWith(CHANNEL));
const channelRefusals = () => t.connector.faulted.filter((c) => c.conversationId.startsWith(CHANNEL));
const HANDLE_KEY = `conversation/${CHANNEL}`;

describe('incident channel language and refusal', () => {
  it('INCIDENT_LOCALE=zh-CN: the summary of an English-speaking user\'s diagnosis is Chinese', async () => {
    const install = await postActivity(t.bot.url, {
      type: 'conversationUpdate',
      id: 'install-zh',
      channelId: 'msteams',
      serviceUrl: t.connector.url,
      timestamp: new Date().toISOString(),
      from: { id: '29:team-owner', name: 'Team Owner' },
      recipient: BOT,
      conversation: { id: CHANNEL, conversationType: 'channel', isGroup: true, tenantId: TENANT },
      membersAdded: [BOT],
      channelData: { eventType: 'teamMemberAdded', team: { id: CHANNEL }, channel: { id: CHANNEL }, tenant: { id: TENANT } },
    });
    expect(install.status).toBe(200);
    await t.bot.drain();
    installed = t.connector.calls.length;
    await diagnoseInEnglish();
    const posts = channelPosts();
    expect(posts).toHaveLength(1);
    const summary = cardOf(posts[0]!.activity);
    expectValidCard(summary);
    const text = cardText(summary);
    expect(text).toContain(zhCN.incident.diagnosisHeadline('aks-nsg-deny', 1));
    expect(text).toContain(zhCN.incident.fact.cluster);
    expect(text).toContain(zhCN.checkTitle['nsg-10250']);
    expect(text).not.toContain(en.incident.diagnosisHeadline('aks-nsg-deny', 1));
    expect(text).not.toContain(en.checkTitle['nsg-10250']);
  });

  it('a channel that answers 403: logged once, the handle and the thread are forgotten, nothing more is tried', async () => {
    refusing = true;
    await diagnoseInEnglish();
    // The thread reply was refused once, without retries.
    expect(channelRefusals().map((f) => f.status)).toEqual([403]);
    const refusedLines = lines.filter((l) => /incident channel refused the post/.test(l.msg));
    expect(refusedLines).toHaveLength(1);
    expect(refusedLines[0]).toMatchObject({ level: 'warn', channelId: CHANNEL, status: 403 });
    expect((await t.bot.store.state.read([HANDLE_KEY]))[HANDLE_KEY]).toBeUndefined();
    const threadKey = incidentThreadKey(NSG_DENY_ID);
    expect((await t.bot.store.state.read([threadKey]))[threadKey]).toBeUndefined();

    // The next summary is not even tried: the bot no longer knows the channel, and says that once.
    await diagnoseInEnglish();
    await diagnoseInEnglish();
    expect(channelRefusals()).toHaveLength(1);
    expect(channelPosts()).toHaveLength(1);
    expect(lines.filter((l) => /incident channel refused the post/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => /incident channel not known to the bot/.test(l.msg))).toHaveLength(1);
  });
});
