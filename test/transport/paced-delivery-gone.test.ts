/**
 * A conversation that refuses posts for good, over real HTTP: the whole bot (startBot: CloudAdapter,
 * botbuilder's connector client, the paced Outbox, the watch scheduler ticking every second) against
 * the fake connector, which answers 403 to the watch's post as Teams does once the bot was removed
 * from the chat. The watch is removed at its first refused post, not after three undelivered ones.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { deleteSecurityRule } from '../../src/azure/network.js';
import { WatchRepository } from '../../src/engine/watch/repository.js';
import { zhCN } from '../../src/app/i18n/index.js';
import { cardText } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity } from '../support/fake-connector.js';
import { botOverHttp } from '../support/bot-over-http.js';
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

/** Conversations whose posts the connector refuses, as for a bot removed from them. */
const removedFrom = new Set<string>();
const lines: Array<Record<string, any>> = [];

const t = botOverHttp(ENV, {
  log: createLogger('debug', {}, (line) => lines.push(JSON.parse(line))),
  connector: {
    fault: (req) => (req.method === 'POST' && removedFrom.has(req.conversationId) ? { status: 403 } : undefined),
  },
});

describe('a chat the bot was removed from', () => {
  it('the connector answers 403 to the watch\'s change post: the watch is removed at once', async () => {
    // Asked in Chinese, answered through the connector (no expectReplies): the answer is Chinese.
    const res = await postActivity(t.bot.url, messageActivity(`watch cluster ${CLUSTER}`, { serviceUrl: t.connector.url, conversation: CHAT, locale: 'zh-CN' }));
    expect(res.status).toBe(200);
    await t.bot.drain();
    const first = t.connector.calls.find((c) => c.method === 'POST' && c.conversationId === CHAT.id);
    expect(first).toBeDefined();
    // The card as the user ends up seeing it (the first diagnosis updates it in place).
    const card = cardOf(t.connector.visible().find((v) => v.id === first!.activityId)!.activity);
    expectValidCard(card);
    expect(cardText(card)).toContain(zhCN.watch.startedHeading(CLUSTER, '15m'));

    const repo = new WatchRepository(t.bot.store.state);
    const [watch] = await repo.all();
    expect(watch).toMatchObject({ locale: 'zh-CN', conversation: { id: CHAT.id } });
    expect(watch?.verdicts?.['nsg-10250']).toBe('fail');

    // A change to post (the deny rule goes), the bot is removed from the chat, and the watch is due now.
    await deleteSecurityRule(t.bot.layer, NSG, 'DenyKubeletInbound');
    removedFrom.add(CHAT.id);
    const postsBefore = t.connector.calls.length;
    await repo.update(watch!.id, (cur) => ({ ...cur, nextDueAt: new Date(Date.now() - 1000).toISOString() }));

    await until('the watch is removed', async () => ((await repo.all()).length === 0 ? true : undefined));
    // One refused post, no retries of it, nothing delivered, and it is not listed any more.
    expect(t.connector.faulted.filter((f) => f.conversationId === CHAT.id).map((f) => [f.method, f.status])).toEqual([['POST', 403]]);
    expect(t.connector.calls.slice(postsBefore).filter((c) => c.conversationId === CHAT.id)).toEqual([]);
    expect(await repo.get(watch!.id)).toBeUndefined();
    // What was refused was the Chinese change card.
    expect(cardText(cardOf(t.connector.faulted[0]!.activity))).toContain(zhCN.watch.changedHeading(CLUSTER, 1));
    expect(lines.some((l) => /watch removed: its conversation refuses posts/.test(l.msg) && l.watchId === watch!.id)).toBe(true);
    expect(lines.some((l) => /refused the delivery for good/.test(l.msg) && l.status === 403)).toBe(true);
  });

  it('a turn\'s own reply into a chat that refuses it fails quietly: the app is not broken by it', async () => {
    const before = t.connector.faulted.length;
    const res = await postActivity(t.bot.url, messageActivity('help', { serviceUrl: t.connector.url, conversation: CHAT }));
    expect(res.status).toBe(200);
    await t.bot.drain();
    expect(t.connector.faulted.slice(before).map((f) => f.status)).toEqual([403]);
    // No "Sorry, something went wrong" attempt either: the error went nowhere near onTurnError.
    expect(lines.some((l) => l.msg === 'turn failed')).toBe(false);
  });
});
