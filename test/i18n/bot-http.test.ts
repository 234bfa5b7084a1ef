/**
 * The language follows the activity's locale, end to end: real HTTP through CloudAdapter
 * (deliveryMode expectReplies), the embedded simulated Azure, the real engine.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { en, zhCN } from '../../src/app/i18n/index.js';
import { cardText } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { cardOf, messageActivity, postActivity } from '../support/fake-connector.js';
import { CJK } from './catalog.js';
import { WatchRepository } from '../../src/engine/watch/repository.js';
import { botOverHttp } from '../support/bot-over-http.js';
import { tempDir } from '../support/temp-dir.js';

const ENV = { PORT: '0', SIM_LATENCY_SCALE: '0', STATE_SQLITE_PATH: path.join(tempDir('i18n'), 'state.sqlite') };

const t = botOverHttp(ENV, { connector: false });

async function ask(text: string, locale: string) {
  const res = await postActivity(t.bot.url, messageActivity(text, { deliveryMode: 'expectReplies', locale }));
  expect(res.status).toBe(200);
  return res.body.activities as Array<Record<string, any>>;
}

/** The card the user ends up seeing (expectReplies returns the progress card's replacements in order). */
function lastCard(replies: Array<Record<string, any>>) {
  const withCards = replies.filter((r) => Array.isArray(r.attachments) && r.attachments.length > 0);
  expect(withCards.length).toBeGreaterThan(0);
  return cardOf(withCards[withCards.length - 1]!);
}

describe('locale over HTTP', () => {
  it('zh-CN: "diagnose cluster aks-nsg-deny" answers with a Chinese diagnosis card', async () => {
    const card = lastCard(await ask('diagnose cluster aks-nsg-deny', 'zh-CN'));
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('aks-nsg-deny');
    expect(text).toMatch(/在 aks-nsg-deny 上发现 \d+ 个故障原因/);
    expect(text).toContain(zhCN.checkTitle['nsg-10250']);
    expect(text).toContain(zhCN.checkHeadline['nsg-10250'].fail);
    expect(text).toContain(zhCN.incidentLayout.detailsToggle);
    // No English chrome: the English headline and check titles are absent.
    expect(text).not.toContain('found on aks-nsg-deny');
    expect(text).not.toContain(en.checkTitle['nsg-10250']);
    expect(text).not.toContain(en.incidentLayout.detailsToggle);
  });

  it('en-US: the same command answers in English', async () => {
    const card = lastCard(await ask('diagnose cluster aks-nsg-deny', 'en-US'));
    const text = cardText(card);
    expect(text).toMatch(/\d+ causes? found on aks-nsg-deny/);
    expect(text).toContain(en.checkTitle['nsg-10250']);
    expect(text).not.toMatch(CJK);
  });

  it('zh-CN: "help" answers with a Chinese help card', async () => {
    const replies = await ask('help', 'zh-CN');
    expect(replies).toHaveLength(1);
    const card = cardOf(replies[0]!);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain(zhCN.help.commandsHeading);
    expect(text).toContain(zhCN.help.commands['diagnose-cluster']);
    expect(text).toContain('diagnose cluster aks-prod');
    expect(text).not.toContain(en.help.commands['diagnose-cluster']);
  });

  it('zh-Hans-SG counts as Simplified Chinese; zh-TW gets English', async () => {
    expect(cardText(cardOf((await ask('help', 'zh-Hans-SG'))[0]!))).toContain(zhCN.help.commandsHeading);
    expect(cardText(cardOf((await ask('help', 'zh-TW'))[0]!))).not.toMatch(CJK);
  });

  it('zh-CN: a refused command is explained in Chinese, naming the character', async () => {
    const card = cardOf((await ask('diagnose aks-prod; rm -rf /', 'zh-CN'))[0]!);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain(zhCN.refusal.title);
    expect(text).toContain('U+003B');
    expect(text).toContain('Azure 名称中不会出现');
  });

  it('zh-CN: "watch cluster aks-nsg-deny" answers with a Chinese watch card, and the watch keeps the language', async () => {
    const replies = await ask('watch cluster aks-nsg-deny every 30m', 'zh-CN');
    const card = lastCard(replies);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain(zhCN.watch.startedHeading('aks-nsg-deny', '30m'));
    expect(text).toContain(zhCN.watch.startedMessage);
    expect(text).toContain(zhCN.checkTitle['nsg-10250']);
    expect(text).toContain(zhCN.watch.stopWatching);
    expect(text).not.toContain(en.watch.startedMessage);
    expect(text).not.toContain(en.checkTitle['nsg-10250']);
    const stored = (await new WatchRepository(t.bot.store.state).all()).find((w) => w.cluster.name === 'aks-nsg-deny');
    expect(stored?.locale).toBe('zh-CN');
  });

  it('zh-CN: "watches" lists in Chinese; en-US lists the same watch in English', async () => {
    const zh = cardText(cardOf((await ask('watches', 'zh-CN'))[0]!));
    expect(zh).toContain(zhCN.watch.listHeading(1));
    expect(zh).toContain('aks-nsg-deny');
    expect(zh).toContain(zhCN.watch.listHint);
    expect(zh).not.toContain(en.watch.listHint);
    const english = cardText(cardOf((await ask('watches', 'en-US'))[0]!));
    expect(english).toContain(en.watch.listHeading(1));
    expect(english).not.toMatch(CJK);
  });

  it('zh-CN: "unwatch" of a cluster not watched is refused in Chinese', async () => {
    const card = cardOf((await ask('unwatch cluster aks-ufw-one', 'zh-CN'))[0]!);
    expectValidCard(card);
    expect(cardText(card)).toContain(zhCN.watch.notWatchingReason('aks-ufw-one'));
    expect(cardText(card)).toContain(zhCN.refusal.title);
  });

  it('zh-CN: "watch" of an unknown cluster answers like diagnose, in Chinese', async () => {
    const card = cardOf((await ask('watch cluster aks-nsg-denyy', 'zh-CN'))[0]!);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toMatch(CJK);
    expect(text).toContain(zhCN.notFound.didYouMean);
    expect(text).toContain('aks-nsg-deny');
  });

  it('zh-CN: an unknown text gets the Chinese "did not understand" and the help card', async () => {
    const replies = await ask('bonjour', 'zh-CN');
    expect(replies[0]?.text).toBe(zhCN.app.unrecognised('`bonjour`'));
    expect(cardText(cardOf(replies[0]!))).toContain(zhCN.help.commandsHeading);
  });
});
