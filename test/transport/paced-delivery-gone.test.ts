/**
 * A conversation that refuses posts for good, over real HTTP: the whole bot (startBot: CloudAdapter,
 * botbuilder's connector client, the paced Outbox, the watch scheduler ticking every second) against
 * the fake connector, which answers 403 to the watch's post as Teams does once the bot was removed
 * from the chat. The watch is removed at its first refused post, not after three undelivered ones.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startBot, type RunningBot } from '../../src/start-bot.js';
import { deleteSecurityRule } from '../../src/azure/network.js';
import { WatchRepository } from '../../src/engine/watch/repository.js';
import { zhCN } from '../../src/app/i18n/index.js';
import { cardText } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity, startFakeConnector, type FakeConnector } from '../support/fake-connector.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const CLUSTER = 'aks-nsg-deny';
const NSG = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/MC_rg-nsgdeny_aks-nsg-deny_eastus/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-57593371-nsg';
const CHAT = { id: 'a:bot-removed-chat', conversationType: 'personal', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' };
const ENV = {
  PORT: '0',
  SIM_LATENCY_SCALE: '0',
  WATCH_TICK_SECONDS: '1',
  STATE_SQLITE_PATH: path.join(tempDir('gone'), 'state.sqlite'),
};

let bot: RunningBot;
let connector: FakeConnector;
/** Conversations whose posts the connector refuses, as for a bot removed from them. */
const removedFrom = new Set<string>();
const lines: Array<Record<string, any>> = [];

beforeAll(async () => {
  connector = await startFakeConnector({
    fault: (req) => (req.method === 'POST' && removedFrom.has(req.conversationId) ? { status: 403 } : undefined),
  });
  bot = await startBot(parseConfig(ENV), createLogger('debug', {}, (line) => lines.push(JSON.parse(line))));
});

afterAll(async () => {
  await bot?.close();
  await connector?.close();
});


describe('a chat the bot was removed from', () => {
  it('the connector answers 403 to the watch\'s change post: the watch is removed at once', async () => {
    // Asked in Chinese, answered through the connector (no expectReplies): the answer is Chinese.
    const res = await postActivity(bot.url, messageActivity(`watch cluster ${CLUSTER}`, { serviceUrl: connector.url, conversation: CHAT, locale: 'zh-CN' }));
    expect(res.status).toBe(200);
    await bot.drain();
    const first = connector.calls.find((c) => c.method === 'POST' && c.conversationId === CHAT.id);
    expect(first).toBeDefined();
    // The card as the user ends up seeing it (the first diagnosis updates it in place).
    const card = cardOf(connector.visible().find((v) => v.id === first!.activityId)!.activity);
    expectValidCard(card);
    expect(cardText(card)).toContain(zhCN.watch.startedHeading(CLUSTER, '15m'));

    const repo = new WatchRepository(bot.store.state);
    const [watch] = await repo.all();
    expect(watch).toMatchObject({ locale: 'zh-CN', conversation: { id: CHAT.id } });
    expect(watch?.verdicts?.['nsg-10250']).toBe('fail');

    // A change to post (the deny rule goes), the bot is removed from the chat, and the watch is due now.
    await deleteSecurityRule(bot.layer, NSG, 'DenyKubeletInbound');
    removedFrom.add(CHAT.id);
    const postsBefore = connector.calls.length;
    await repo.update(watch!.id, (cur) => ({ ...cur, nextDueAt: new Date(Date.now() - 1000).toISOString() }));

    await until('the watch is removed', async () => ((await repo.all()).length === 0 ? true : undefined));
    // One refused post, no retries of it, nothing delivered, and it is not listed any more.
    expect(connector.faulted.filter((f) => f.conversationId === CHAT.id).map((f) => [f.method, f.status])).toEqual([['POST', 403]]);
    expect(connector.calls.slice(postsBefore).filter((c) => c.conversationId === CHAT.id)).toEqual([]);
    expect(await repo.get(watch!.id)).toBeUndefined();
    // What was refused was the Chinese change card.
    expect(cardText(cardOf(connector.faulted[0]!.activity))).toContain(zhCN.watch.changedHeading(CLUSTER, 1));
    expect(lines.some((l) => /watch removed: its conversation refuses posts/.test(l.msg) && l.watchId === watch!.id)).toBe(true);
    expect(lines.some((l) => /refused the delivery for good/.test(l.msg) && l.status === 403)).toBe(true);
  });

  it('a turn\'s own reply into a chat that refuses it fails quietly: the app is not broken by it', async () => {
    const before = connector.faulted.length;
    const res = await postActivity(bot.url, messageActivity('help', { serviceUrl: connector.url, conversation: CHAT }));
    expect(res.status).toBe(200);
    await bot.drain();
    expect(connector.faulted.slice(before).map((f) => f.status)).toEqual([403]);
    // No "Sorry, something went wrong" attempt either: the error went nowhere near onTurnError.
    expect(lines.some((l) => l.msg === 'turn failed')).toBe(false);
  });
});
