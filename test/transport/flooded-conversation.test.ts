/**
 * Issue 10, item 5, over real HTTP: 200 `diagnose` messages into one conversation. The bot runs a
 * bounded number, says "busy" once, and a `help` sent right after is answered before the flood
 * (it used to wait behind ~200 progress cards in the conversation's paced delivery); another
 * conversation is served as usual. On shutdown, diagnoses that never started are dropped, counted
 * and their cards say so, while those running finish within the grace period.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBot, type RunningBot } from '../../src/start-bot.js';
import { DEFAULT_DIAGNOSIS_QUEUE } from '../../src/app/diagnosis-queue.js';
import { cardText } from '../support/card-walk.js';
import { cardOf, messageActivity, postActivity, startFakeConnector, type ConnectorCall, type FakeConnector } from '../support/fake-connector.js';
import { readAccessLog } from '../support/bot-process.js';
import { tempDir } from '../support/temp-dir.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const dir = tempDir('flooded-conversation');
let connector: FakeConnector;
const bots: RunningBot[] = [];

async function startFloodBot(name: string): Promise<{ bot: RunningBot; accessLog: string }> {
  const accessLog = path.join(dir, `${name}-access.jsonl`);
  // Scaled latencies: a diagnosis lasts a few seconds, long enough for the flood to pile up behind it.
  const bot = await startBot(
    parseConfig({ PORT: '0', SIM_LATENCY_SCALE: '0.05', SIM_ACCESS_LOG: accessLog, STATE_SQLITE_PATH: path.join(dir, `${name}.sqlite`) }),
    silentLogger,
  );
  bots.push(bot);
  return { bot, accessLog };
}

beforeAll(async () => {
  connector = await startFakeConnector();
});

afterAll(async () => {
  await Promise.allSettled(bots.map((b) => b.close()));
  await connector?.close();
});

const inConversation = (id: string) => (c: ConnectorCall) => c.conversationId === id;
const isProgress = (c: ConnectorCall) => c.method === 'POST' && /Diagnosing aks-demo-healthy/.test(cardText(cardOf(c.activity)));
const isBusy = (c: ConnectorCall) => c.method === 'POST' && /I am busy with other diagnoses/.test(String(c.activity.text ?? ''));
const isHelp = (c: ConnectorCall) => c.method === 'POST' && /aks-nsg-deny/.test(cardText(cardOf(c.activity))) && !/Diagnosing/.test(cardText(cardOf(c.activity)));

function say(bot: RunningBot, conversationId: string, text: string) {
  return postActivity(bot.url, messageActivity(text, { serviceUrl: connector.url, conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT } }));
}

describe('one conversation flooded with diagnoses', () => {
  it('runs a bounded few, says busy once, answers help ahead of the flood, and serves another conversation', { timeout: 180_000 }, async () => {
    const { bot, accessLog } = await startFloodBot('flood');
    const flood = 'a:flooded';
    const answers = await Promise.all(Array.from({ length: 200 }, () => say(bot, flood, 'diagnose aks-demo-healthy')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await say(bot, flood, 'help')).status).toBe(200);
    const calls = await connector.waitFor((c) => c.filter(inConversation(flood)).some(isHelp), 60_000);
    const beforeHelp = calls.filter(inConversation(flood)).slice(0, calls.filter(inConversation(flood)).findIndex(isHelp));
    // Posted ahead of help: at most the admitted diagnoses' progress cards and the one busy answer
    // (their in-place updates are coalesced per card by the paced delivery).
    const postsBeforeHelp = beforeHelp.filter((c) => c.method === 'POST');
    expect(postsBeforeHelp.filter(isProgress).length).toBeLessThanOrEqual(DEFAULT_DIAGNOSIS_QUEUE.perConversation);
    expect(postsBeforeHelp.filter(isBusy).length).toBeLessThanOrEqual(1);
    expect(postsBeforeHelp.length).toBeLessThanOrEqual(DEFAULT_DIAGNOSIS_QUEUE.perConversation + 1);

    // Another conversation is served while the flooded one is busy.
    expect((await say(bot, 'a:neighbour', 'diagnose aks-demo-healthy')).status).toBe(200);
    await connector.waitFor((c) => c.some((x) => x.conversationId === 'a:neighbour' && x.method === 'PUT' && /konnectivity/i.test(cardText(cardOf(x.activity))) && !/Diagnosing/.test(cardText(cardOf(x.activity)))), 120_000);

    await bot.drain();
    const flooded = connector.calls.filter(inConversation(flood));
    const busy = flooded.filter(isBusy);
    expect(busy).toHaveLength(1);
    expect(busy[0]!.activity.text).toMatch(/Try again in about \d+ s/);
    expect(flooded.filter(isProgress)).toHaveLength(DEFAULT_DIAGNOSIS_QUEUE.perConversation);
    // What reached Azure: the few admitted diagnoses, not 200 (each looks the cluster up once: one
    // Resource Graph query, or a listing per subscription where Resource Graph is refused).
    const clusterLists = readAccessLog(accessLog).filter((l) => {
      const p = l.path.split('?')[0]!;
      return (l.method === 'POST' && /\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(p)) || (l.method === 'GET' && /\/providers\/Microsoft\.ContainerService\/managedClusters$/i.test(p));
    });
    expect(clusterLists.length).toBeGreaterThan(0);
    expect(clusterLists.length).toBeLessThan(40);
  });
});

describe('shutdown with diagnoses queued', () => {
  it('finishes the running ones, drops those that never started, counts them and says so on their cards', { timeout: 180_000 }, async () => {
    const { bot } = await startFloodBot('shutdown');
    const conversations = Array.from({ length: 10 }, (_, i) => `a:queued-${i}`);
    const sent = conversations.flatMap((id) => Array.from({ length: DEFAULT_DIAGNOSIS_QUEUE.perConversation }, () => say(bot, id, 'diagnose aks-demo-healthy')));
    await Promise.all(sent);
    const admitted = conversations.length * DEFAULT_DIAGNOSIS_QUEUE.perConversation;
    // Every admitted diagnosis posts its progress card first, queued or running.
    await connector.waitFor((c) => c.filter((x) => x.conversationId.startsWith('a:queued-') && isProgress(x)).length === admitted, 60_000);

    const summary = await bot.shutdown(120_000);
    expect(summary.drained).toBe(true);
    expect(summary.droppedDiagnoses).toBeGreaterThan(0);
    expect(summary.droppedDiagnoses).toBeLessThanOrEqual(admitted - DEFAULT_DIAGNOSIS_QUEUE.concurrency);
    const mine = connector.visible().filter((v) => connector.calls.some((c) => c.activityId === v.id && c.conversationId.startsWith('a:queued-')));
    const dropped = mine.filter((v) => /was not diagnosed/.test(cardText(cardOf(v.activity))));
    const finished = mine.filter((v) => /konnectivity/i.test(cardText(cardOf(v.activity))) && !/Diagnosing/.test(cardText(cardOf(v.activity))));
    expect(dropped).toHaveLength(summary.droppedDiagnoses);
    expect(finished.length + dropped.length).toBe(admitted);
  });
});
