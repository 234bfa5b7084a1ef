/**
 * Live progress through a connector that throttles and fails: over real HTTP through CloudAdapter
 * and botbuilder's connector client, the fake connector answers some calls 429 (with Retry-After),
 * 502 and 412, and the user still ends with the final diagnosis card, updated in place.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { CHECK_IDS } from '../../src/engine/report.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { startBot } from '../../src/start-bot.js';
import { cardText } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity, type ConnectorFault } from '../support/fake-connector.js';
import { botOverHttp } from '../support/bot-over-http.js';
import { tempDir } from '../support/temp-dir.js';

const ENV = { PORT: '0', SIM_LATENCY_SCALE: '0', STATE_SQLITE_PATH: path.join(tempDir('paced'), 'state.sqlite') };
const FAULTY = 'a:faulty-connector-chat';

/**
 * The updates of the faulty chat, in order: a 502 (botbuilder's own pipeline retries it), then 429
 * with Retry-After until botbuilder's three retries are spent (so the pacing layer must wait and retry),
 * then a 412 (botbuilder does not retry that one at all).
 */
const PUT_FAULTS: ConnectorFault[] = [
  { status: 502 },
  { status: 429, headers: { 'retry-after': '1' } },
  { status: 429, headers: { 'retry-after': '1' } },
  { status: 429, headers: { 'retry-after': '1' } },
  { status: 412 },
];

let faultyPuts = 0;

const t = botOverHttp(ENV, {
  log: process.env.TD_TEST_LOG ? createLogger('debug') : silentLogger,
  connector: {
    fault: (req) => (req.conversationId === FAULTY && req.method === 'PUT' ? PUT_FAULTS[faultyPuts++] : undefined),
  },
});

describe('live progress through a throttling connector', () => {
  it('shows the progress card within a second and ends with the final card despite 429/502/412', async () => {
    const res = await postActivity(t.bot.url, messageActivity('diagnose cluster aks-nsg-deny', { serviceUrl: t.connector.url, conversation: { id: FAULTY, conversationType: 'personal' } }));
    expect(res.status).toBe(200);
    await t.bot.drain();

    const mine = t.connector.calls.filter((c) => c.conversationId === FAULTY);
    const progress = mine[0]!;
    expect(progress.method).toBe('POST');
    expect(cardText(cardOf(progress.activity))).toMatch(/Diagnosing aks-nsg-deny/);
    // Answered at once: the progress card went out before any update of it, i.e. before the diagnosis ended.
    expect(mine.filter((c) => c.method === 'PUT').every((c) => c.at! >= progress.at!)).toBe(true);
    // A failed proactive call is retried, never answered with a "Sorry" message into the same chat.
    expect(mine.filter((c) => c.method === 'POST')).toHaveLength(1);

    // Every fault was served, and the user still sees the final card in place of the progress card.
    expect(t.connector.faulted.map((f) => f.status)).toEqual([502, 429, 429, 429, 412]);
    const seen = t.connector.visible().find((v) => v.id === progress.activityId)!;
    const final = cardOf(seen.activity);
    expectValidCard(final);
    expect(cardText(final)).not.toMatch(/Diagnosing/);
    expect(cardText(final)).toMatch(/aks-nsg-deny/);
    expect(cardText(final)).toMatch(/10250/);

    // After botbuilder gave up on the 429s, the pacing layer waited at least the Retry-After.
    const lastThrottle = t.connector.faulted.filter((f) => f.status === 429).at(-1)!;
    const nextTry = [...t.connector.faulted, ...mine].filter((c) => c.method === 'PUT' && c.at! > lastThrottle.at!).sort((a, b) => a.at! - b.at!)[0]!;
    expect(nextTry.at! - lastThrottle.at!).toBeGreaterThanOrEqual(950);

    // Updates of the card are paced: at most one per second, coalesced to the latest content.
    const puts = mine.filter((c) => c.method === 'PUT');
    expect(puts.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < puts.length; i += 1) expect(puts[i]!.at! - puts[i - 1]!.at!).toBeGreaterThanOrEqual(950);
  });

  it('with real latencies, the card shows "n of 7 checks" in place before the report, updates a second apart', async () => {
    // Scenario latencies at a tenth (run-command ~2 s): checks finish over several seconds.
    const slow = await startBot(parseConfig({ ...ENV, SIM_LATENCY_SCALE: '0.1', STATE_SQLITE_PATH: path.join(tempDir('paced-slow'), 'state.sqlite') }), silentLogger);
    try {
      const conversation = { id: 'a:slow-chat', conversationType: 'personal' };
      const res = await postActivity(slow.url, messageActivity('diagnose cluster aks-ufw-one', { serviceUrl: t.connector.url, conversation }));
      expect(res.status).toBe(200);
      await slow.drain();
      const mine = t.connector.calls.filter((c) => c.conversationId === conversation.id);
      const id = mine[0]!.activityId;
      const texts = mine.filter((c) => c.method === 'PUT' && c.activityId === id).map((c) => cardText(cardOf(c.activity)));
      expect(texts.some((t) => new RegExp(`Diagnosing aks-ufw-one… [1-${CHECK_IDS.length - 1}] of ${CHECK_IDS.length} checks`).test(t))).toBe(true);
      expect(texts.at(-1)).not.toMatch(/Diagnosing/);
      expect(texts.at(-1)).toMatch(/aks-ufw-one/);
      const puts = mine.filter((c) => c.method === 'PUT');
      for (let i = 1; i < puts.length; i += 1) expect(puts[i]!.at! - puts[i - 1]!.at!).toBeGreaterThanOrEqual(950);
    } finally {
      await slow.close();
    }
  });

  it('other conversations are not held up by the throttled one', async () => {
    const before = t.connector.calls.length;
    const res = await postActivity(t.bot.url, messageActivity('diagnose aks-demo-healthy', { serviceUrl: t.connector.url, conversation: { id: 'a:healthy-chat', conversationType: 'personal' } }));
    expect(res.status).toBe(200);
    await t.bot.drain();
    const mine = t.connector.calls.slice(before).filter((c) => c.conversationId === 'a:healthy-chat');
    expect(mine[0]?.method).toBe('POST');
    const seen = t.connector.visible().find((v) => v.id === mine[0]!.activityId)!;
    expect(cardText(cardOf(seen.activity))).toMatch(/konnectivity/i);
  });
});
