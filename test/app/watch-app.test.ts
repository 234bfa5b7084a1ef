/**
 * Watches end to end in one process: the real app (createBotApp + watch commands), a real SQLite
 * store, the simulated Azure through the real SDK clients, and a recording Outbox standing in for
 * the transport. Time is a test clock, so "15 minutes later" is a line, not a wait.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBotApp, type BotApp } from '../../src/app/bot-app.js';
import type { ConversationHandle, MessageEvent, Outbox, Reply, ReplyChannel } from '../../src/app/events.js';
import { createWatchCommands } from '../../src/app/watch-commands.js';
import { createWatchScheduler, type WatchScheduler } from '../../src/app/watch-scheduler.js';
import { deleteSecurityRule } from '../../src/azure/network.js';
import type { AzureLayer } from '../../src/azure/clients.js';
import { CHECK_IDS } from '../../src/engine/report.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { azureClusterDirectory } from '../../src/engine/cluster-directory.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import type { ClusterRef } from '../../src/cluster-ref.js';
import { WatchRepository, type WatchLimits } from '../../src/engine/watch/repository.js';
import { silentLogger } from '../../src/log.js';
import { createStateStore, type DurableStore } from '../../src/store/create-store.js';
import { cardText as allStrings, type Json } from '../support/card-walk.js';
import { ofType, visibleText } from '../cards/card-walk.js';
import { startSimForTest, EXAMPLE_HEALTHY, type SimForTest } from '../support/sim.js';
import { expectValidCard } from '../support/validate-card.js';
import { en, zhCN } from '../../src/app/i18n/index.js';
import { watchChangeCard } from '../../src/app/cards/watch-card.js';
import { CJK } from '../i18n/catalog.js';
import { tempDir } from '../support/temp-dir.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const SCENARIO = path.join(REPO_ROOT, 'scenarios/nsg-deny-10250-subnet.json');
const CLUSTER = 'aks-nsg-deny';
const NSG = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/MC_rg-nsgdeny_aks-nsg-deny_eastus/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-57593371-nsg';
const T0 = new Date('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

const dir = tempDir('watch-app');
let sim: SimForTest;
const cleanups: Array<() => Promise<unknown>> = [];

// A fresh simulated Azure per test: tests change it (delete the deny rule).
beforeEach(async () => {
  sim = await startSimForTest([SCENARIO, EXAMPLE_HEALTHY]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await sim?.close();
});

interface Posted {
  to: ConversationHandle;
  card: Json;
}

/** The transport's Outbox, recorded; `refuse` makes it throw as the connector does for a removed bot. */
function recordingOutbox(): Outbox & { posts: Posted[]; refuse?: number } {
  const posts: Posted[] = [];
  const outbox: Outbox & { posts: Posted[]; refuse?: number } = {
    posts,
    async post(to, reply) {
      if (outbox.refuse) throw Object.assign(new Error('Forbidden'), { name: 'RestError', statusCode: outbox.refuse });
      posts.push({ to, card: reply.card as Json });
      return `posted-${posts.length}`;
    },
    async update() {},
  };
  return outbox;
}

function recordingReplies(): ReplyChannel & { sent: Map<string, Reply> } {
  const sent = new Map<string, Reply>();
  return {
    sent,
    async send(reply) {
      const id = `reply-${sent.size + 1}`;
      sent.set(id, reply);
      return id;
    },
    async update(id, reply) {
      sent.set(id, reply);
    },
  };
}

function conversation(id: string): ConversationHandle {
  return { id, channelId: 'msteams', conversationType: 'personal', ref: { conversation: { id }, serviceUrl: 'https://smba.example/' } };
}

function message(text: string, conv = conversation('a:watch-chat'), locale?: string): MessageEvent {
  return {
    kind: 'message',
    text,
    caller: { id: '29:oncall', name: 'On-call', aadObjectId: '00000000-0000-0000-0000-00000000a001' },
    conversationId: conv.id,
    conversation: conv,
    ...(locale ? { locale } : {}),
    correlationId: `corr-${Math.random()}`,
  };
}

interface World {
  store: DurableStore;
  repo: WatchRepository;
  app: BotApp;
  outbox: ReturnType<typeof recordingOutbox>;
  clock: { now: Date };
  diagnoses: string[];
  scheduler(instanceId?: string, layer?: AzureLayer, sweep?: () => Promise<void>): WatchScheduler;
  say(text: string, conv?: ConversationHandle, locale?: string): Promise<Reply[]>;
}

function world(file = path.join(dir, `state-${Math.random().toString(36).slice(2)}.sqlite`), limits?: WatchLimits): World {
  const store = createStateStore({ kind: 'sqlite', path: file });
  cleanups.push(() => store.close());
  const repo = new WatchRepository(store.state, limits);
  const clock = { now: T0 };
  const now = () => clock.now;
  const diagnoses: string[] = [];
  const diagnoseOn = (layer: AzureLayer) => (cluster: ClusterRef) => {
    diagnoses.push(cluster.name);
    return diagnoseCluster(layer, cluster, { checks: ALL_CHECKS });
  };
  const directory = azureClusterDirectory(sim.layer, []);
  const watches = createWatchCommands({ watches: repo, directory, diagnose: diagnoseOn(sim.layer), log: silentLogger, now });
  const app = createBotApp({ directory, diagnose: (c) => diagnoseOn(sim.layer)(c), demoClusters: [], log: silentLogger, watches });
  const outbox = recordingOutbox();
  return {
    store,
    repo,
    app,
    outbox,
    clock,
    diagnoses,
    scheduler(instanceId = 'bot-a', layer = sim.layer, sweep) {
      const s = createWatchScheduler({
        ...(sweep ? { sweep } : {}),
        state: store.state,
        watches: repo,
        outbox,
        directory: azureClusterDirectory(layer, []),
        diagnose: diagnoseOn(layer),
        instanceId,
        tickSeconds: 1,
        log: silentLogger,
        now,
      });
      cleanups.push(() => s.close());
      return s;
    },
    async say(text, conv, locale) {
      const replies = recordingReplies();
      await app.handleMessage(message(text, conv, locale), replies);
      return [...replies.sent.values()];
    },
  };
}

/** What a person reads on the card (visible text, buttons' titles aside). */
const cardText = (card: unknown): string => visibleText(card as object).replace(/\u200b/g, '').replace(/\n/g, ' ');

const later = (w: World, minutes: number) => {
  w.clock.now = new Date(w.clock.now.getTime() + minutes * MINUTE);
};

describe('watch a cluster, post only when a verdict changes', () => {
  it('baseline at once, silence while nothing changes, one post for the fix, silence again, and it survives a restart', async () => {
    const file = path.join(dir, 'restart.sqlite');
    const w = world(file);
    const replies = await w.say(`watch cluster ${CLUSTER} every 15m`);
    expect(replies).toHaveLength(1);
    const card = replies[0]!.card as Json;
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain(`Watching ${CLUSTER} every 15m`);
    expect(text).toContain("I'll post here when a verdict changes. Current state:");
    expect(text).toMatch(/Failed\s+Network security groups allow TCP 10250/);
    const [stored] = await w.repo.all();
    expect(stored?.verdicts?.['nsg-10250']).toBe('fail');
    expect(stored?.conversation.id).toBe('a:watch-chat');
    expect(w.diagnoses).toEqual([CLUSTER]);

    const scheduler = w.scheduler();
    // Not due yet: nothing runs.
    expect((await scheduler.tick()).runs.size).toBe(0);
    // Due, nothing changed: a diagnosis, no post.
    later(w, 15);
    const quiet = await scheduler.tick();
    expect(quiet.leader).toBe(true);
    expect([...quiet.runs.values()]).toEqual([{ kind: 'unchanged' }]);
    expect(w.outbox.posts).toHaveLength(0);

    // Someone removes the deny rule through ARM.
    await deleteSecurityRule(sim.layer, NSG, 'DenyKubeletInbound');
    later(w, 15);
    const changed = await scheduler.tick();
    expect([...changed.runs.values()].map((r) => r.kind)).toEqual(['posted']);
    expect(w.outbox.posts).toHaveLength(1);
    const post = w.outbox.posts[0]!;
    expect(post.to.id).toBe('a:watch-chat');
    expectValidCard(post.card);
    const postText = cardText(post.card);
    expect(postText).toContain(`${CLUSTER}: a verdict changed`);
    expect(postText).toMatch(/nsg-10250\s+❌ Failed\s+→\s+✅ Passed/);
    expect(postText).not.toContain('ufw-10250'); // only what changed
    const diagnoseNow = (post.card.actions as Json[]).find((a) => a.title === 'Diagnose now');
    expect(diagnoseNow?.data).toMatchObject({ action: 'diagnose', clusterId: stored!.cluster.id });

    // Next slot, still fixed: no post.
    later(w, 15);
    expect([...(await scheduler.tick()).runs.values()]).toEqual([{ kind: 'unchanged' }]);
    expect(w.outbox.posts).toHaveLength(1);
    await scheduler.close();

    // Restart: a new scheduler and app over the same store file.
    await w.store.close();
    const again = world(file);
    again.clock.now = new Date(w.clock.now.getTime() + 15 * MINUTE);
    const list = await again.say('watches');
    expectValidCard(list[0]!.card as object);
    expect(cardText(list[0]!.card)).toMatch(new RegExp(`Watches in this chat \\(1\\).*${CLUSTER}.*every 15m.*${CHECK_IDS.length} passed`));
    const after = await again.scheduler().tick();
    expect([...after.runs.values()]).toEqual([{ kind: 'unchanged' }]);
    expect(again.diagnoses).toEqual([CLUSTER]);
    expect(again.outbox.posts).toHaveLength(0);

    // Stop it: gone from the list, never run again.
    const stopped = await again.say(`unwatch cluster ${CLUSTER}`);
    expect(cardText(stopped[0]!.card)).toContain(`Stopped watching ${CLUSTER}`);
    expect(cardText((await again.say('watches'))[0]!.card)).toContain('This chat watches no cluster');
    later(again, 60);
    expect((await again.scheduler('bot-b').tick()).runs.size).toBe(0);
  });

  it('a watch with no verdicts yet takes its baseline at its first tick, silently', async () => {
    const w = world();
    // As when the first diagnosis at `watch` time failed.
    const replies = await w.say(`watch ${CLUSTER}`);
    const [stored] = await w.repo.all();
    await w.repo.update(stored!.id, (cur) => {
      const { verdicts: _v, ...rest } = cur;
      return { ...rest, nextDueAt: T0.toISOString() };
    });
    expect(cardText(replies[0]!.card)).toContain('every 15m');
    const tick = await w.scheduler().tick();
    expect([...tick.runs.values()]).toEqual([{ kind: 'baseline' }]);
    expect(w.outbox.posts).toHaveLength(0);
    expect((await w.repo.get(stored!.id))?.verdicts?.['nsg-10250']).toBeDefined();
  });

  it('only one of two schedulers sharing the store runs a due watch', async () => {
    const w = world();
    await w.say(`watch ${CLUSTER}`);
    later(w, 15);
    const [a, b] = [w.scheduler('bot-a'), w.scheduler('bot-b')];
    const results = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    const leaders = results.flatMap((r, i) => (r.leader ? [i % 2 === 0 ? 'bot-a' : 'bot-b'] : []));
    expect(leaders.length).toBeGreaterThan(0);
    expect(new Set(leaders).size).toBe(1);
    const runs = results.flatMap((r) => [...r.runs.values()]).filter((r) => r.kind !== 'skipped');
    expect(runs).toHaveLength(1);
    expect(w.diagnoses).toEqual([CLUSTER, CLUSTER]); // the one at `watch`, then one scheduled run
  });

  it('only the lease holder runs the periodic sweep, once per tick, and a failing sweep does not stop its ticks', async () => {
    const w = world();
    const calls = { 'bot-a': 0, 'bot-b': 0 };
    let failing = true;
    const sweepOf = (id: 'bot-a' | 'bot-b') => async () => {
      calls[id] += 1;
      if (failing) throw new Error('store unavailable');
    };
    const [a, b] = [w.scheduler('bot-a', sim.layer, sweepOf('bot-a')), w.scheduler('bot-b', sim.layer, sweepOf('bot-b'))];
    const first = await a.tick();
    expect(first.leader).toBe(true); // the sweep's error is logged, not thrown into the tick
    failing = false;
    const results = [await b.tick(), await a.tick(), await b.tick()];
    expect(results.map((r) => r.leader)).toEqual([false, true, false]);
    expect(calls).toEqual({ 'bot-a': 2, 'bot-b': 0 });
  });
});

describe('watches that cannot go on', () => {
  it('pauses a watch whose cluster vanished, says so once, and stops running it', async () => {
    const w = world();
    await w.say(`watch ${CLUSTER}`);
    // The same subscription, now without aks-nsg-deny (the cluster was deleted).
    const other = await startSimForTest([EXAMPLE_HEALTHY]);
    expect(allStrings(other.scenarios)).not.toContain(CLUSTER);
    cleanups.push(() => other.close());
    later(w, 15);
    const s = w.scheduler('bot-a', other.layer);
    expect([...(await s.tick()).runs.values()]).toEqual([{ kind: 'paused', reason: 'the cluster is gone' }]);
    expect(w.outbox.posts).toHaveLength(1);
    expectValidCard(w.outbox.posts[0]!.card);
    expect(cardText(w.outbox.posts[0]!.card)).toContain(`Watch paused: ${CLUSTER} is gone`);
    later(w, 60);
    expect((await s.tick()).runs.size).toBe(0);
    expect(cardText((await w.say('watches'))[0]!.card)).toContain('Paused: the cluster is gone');
    // Watching it again resumes it.
    const resumed = await w.say(`watch ${CLUSTER}`);
    expect(cardText(resumed[0]!.card)).toContain(`Already watching ${CLUSTER}`);
    expect((await w.repo.all())[0]?.paused).toBeUndefined();
  });

  it('removes a watch whose conversation refuses posts (the bot was removed: 403)', async () => {
    const w = world();
    await w.say(`watch ${CLUSTER}`);
    // A change to post: the deny rule goes.
    await deleteSecurityRule(sim.layer, NSG, 'DenyKubeletInbound');
    w.outbox.refuse = 403;
    later(w, 15);
    expect([...(await w.scheduler().tick()).runs.values()]).toEqual([{ kind: 'removed', reason: 'conversation-gone' }]);
    expect(await w.repo.all()).toEqual([]);
  });
});

describe('watches whose posts are not delivered', () => {
  it('are removed after three undelivered posts in a row (the transport gave up: the bot is gone)', async () => {
    const w = world();
    await w.say(`watch ${CLUSTER}`);
    await deleteSecurityRule(sim.layer, NSG, 'DenyKubeletInbound');
    // The transport's outbox logs and answers undefined when the connector refuses for good.
    w.outbox.post = async () => undefined;
    const s = w.scheduler();
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      later(w, 15);
      kinds.push(...[...(await s.tick()).runs.values()].map((r) => r.kind));
    }
    // The change is offered again each time (the baseline is kept until it is delivered).
    expect(kinds).toEqual(['post-failed', 'post-failed', 'removed']);
    expect(await w.repo.all()).toEqual([]);
  });
});

describe('greetings', () => {
  it('"hi" gets one line pointing at diagnose and help, not the help card', async () => {
    const replies = await world().say('hi');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.card).toBeUndefined();
    expect(replies[0]!.text).toMatch(/diagnose cluster aks-prod[^]*help/);
  });
});

describe('watch command refusals', () => {
  it('a bare "unwatch" offers the watched clusters, each with its Stop button; with none, it refuses', async () => {
    const w = world();
    expect(cardText((await w.say('unwatch'))[0]!.card)).toMatch(/Which cluster/);
    await w.say(`watch ${CLUSTER}`);
    const offer = (await w.say('unwatch'))[0]!.card as object;
    expect(cardText(offer)).toContain(CLUSTER);
    const stop = ofType(offer, 'Action.Submit');
    expect(stop.map((a) => a.title)).toEqual(['Stop watching']);
    const value = stop[0]!.data as { msteams: { text: string } };
    const stopped = await w.say(value.msteams.text);
    expect(cardText(stopped[0]!.card)).toMatch(/Stopped watching/);
    expect(await w.repo.all()).toEqual([]);
  });

  it('refuses past the per-chat limit, naming it', async () => {
    const w = world(undefined, { perConversation: 1, total: 10 });
    await w.say(`watch ${CLUSTER}`);
    const refused = await w.say('watch aks-prod-eastus');
    expect(cardText(refused[0]!.card)).toMatch(/already watches 1 clusters, the most one chat may watch/);
  });

  it('answers an unknown cluster like diagnose does, and stores nothing', async () => {
    const w = world();
    const replies = await w.say('watch aks-nsg-denyy');
    expect(cardText(replies[0]!.card)).toMatch(/No cluster named .aks-nsg-denyy/);
    expect(cardText(replies[0]!.card)).toContain(CLUSTER); // did you mean
    expect(await w.repo.all()).toEqual([]);
  });

  it('refuses where it could not post later', async () => {
    const w = world();
    const replies = recordingReplies();
    const { conversation: _c, ...noHandle } = message(`watch ${CLUSTER}`);
    await w.app.handleMessage(noHandle, replies);
    expect(cardText([...replies.sent.values()][0]!.card)).toContain('I cannot post into this conversation later');
    expect(await w.repo.all()).toEqual([]);
  });

  it('refuses a bad interval with the allowed range', async () => {
    const w = world();
    const replies = await w.say(`watch ${CLUSTER} every 1m`);
    expect(cardText(replies[0]!.card)).toMatch(/too often.*between 5m and 24h/);
  });
});

describe('watches post in the language of whoever asked', () => {
  it('a watch asked in zh-CN posts its change card in Chinese; asked again in English, it posts in English', async () => {
    const w = world();
    const replies = await w.say(`watch cluster ${CLUSTER}`, undefined, 'zh-CN');
    expect(cardText(replies[0]!.card)).toContain(zhCN.watch.startedHeading(CLUSTER, '15m'));
    const [stored] = await w.repo.all();
    expect(stored?.locale).toBe('zh-CN');

    await deleteSecurityRule(sim.layer, NSG, 'DenyKubeletInbound');
    later(w, 15);
    const scheduler = w.scheduler();
    expect([...(await scheduler.tick()).runs.values()].map((r) => r.kind)).toEqual(['posted']);
    const post = w.outbox.posts[0]!;
    expectValidCard(post.card);
    const text = cardText(post.card);
    expect(text).toContain(zhCN.watch.changedHeading(CLUSTER, 1));
    expect(text).toContain(zhCN.checkTitle['nsg-10250']);
    expect(text).toMatch(new RegExp(`nsg-10250\\s+❌ ${zhCN.status.fail}\\s+→\\s+✅ ${zhCN.status.pass}`));
    expect(text).toContain(zhCN.watch.changedFooter);
    expect(text).not.toContain(en.watch.changedFooter);
    expect((post.card.actions as Json[]).map((a) => a.title)).toEqual([zhCN.watch.diagnoseNow, zhCN.watch.stopWatching]);

    // Asked again in English (another person, or the same one with Teams in English): English from now on.
    const again = await w.say(`watch cluster ${CLUSTER}`, undefined, 'en-US');
    expect(cardText(again[0]!.card)).toContain(`Already watching ${CLUSTER}`);
    expect((await w.repo.all())[0]?.locale).toBe('en');
    await w.repo.update(stored!.id, (cur) => ({ ...cur, verdicts: { ...cur.verdicts, 'nsg-10250': 'fail' } }));
    later(w, 15);
    expect([...(await scheduler.tick()).runs.values()].map((r) => r.kind)).toEqual(['posted']);
    const englishText = cardText(w.outbox.posts[1]!.card);
    expect(englishText).toContain(`${CLUSTER}: a verdict changed`);
    expect(englishText).not.toMatch(CJK);
  });

  it('a record stored before watches had a language posts in English', async () => {
    const w = world();
    await w.say(`watch cluster ${CLUSTER}`, undefined, 'zh-CN');
    const [stored] = await w.repo.all();
    await w.repo.update(stored!.id, (cur) => {
      const { locale: _l, ...old } = cur;
      return old;
    });
    expect((await w.repo.get(stored!.id))?.locale).toBeUndefined();
    await deleteSecurityRule(sim.layer, NSG, 'DenyKubeletInbound');
    later(w, 15);
    await w.scheduler().tick();
    expect(cardText(w.outbox.posts[0]!.card)).toContain(`${CLUSTER}: a verdict changed`);
    expect(cardText(w.outbox.posts[0]!.card)).not.toMatch(CJK);
  });

  it('the paused notice is in the watcher\'s language, and `watches` shows the reason in the reader\'s', async () => {
    const w = world();
    await w.say(`watch ${CLUSTER}`, undefined, 'zh-CN');
    const other = await startSimForTest([EXAMPLE_HEALTHY]);
    cleanups.push(() => other.close());
    later(w, 15);
    // The outcome keeps the stable English reason; the notice is Chinese.
    expect([...(await w.scheduler('bot-a', other.layer).tick()).runs.values()]).toEqual([{ kind: 'paused', reason: en.watch.pausedGoneReason }]);
    const notice = w.outbox.posts[0]!.card;
    expectValidCard(notice);
    expect(cardText(notice)).toContain(zhCN.watch.pausedGoneHeading(CLUSTER));
    expect(cardText(notice)).toContain(zhCN.watch.resumeNote(CLUSTER));
    expect(cardText((await w.say('watches', undefined, 'zh-CN'))[0]!.card)).toContain(zhCN.watch.listPaused(zhCN.watch.pausedGoneReason));
    expect(cardText((await w.say('watches', undefined, 'en-US'))[0]!.card)).toContain(en.watch.listPaused(en.watch.pausedGoneReason));
  });

  it('a long change summary is cut with the note in the card\'s language', () => {
    const long = 'x'.repeat(1000);
    const card = watchChangeCard({ cluster: { id: '/c/aks', name: 'aks' }, changes: [{ check: 'nsg-10250', before: 'fail', after: 'pass', summary: long }], intervalMinutes: 15, checkedAt: T0.toISOString() }, 'zh-CN');
    const text = cardText(card);
    expect(text).toContain(zhCN.common.cut(1000 - 380));
    expect(text).not.toContain('characters)');
    expect(cardText(watchChangeCard({ cluster: { id: '/c/aks', name: 'aks' }, changes: [{ check: 'nsg-10250', before: 'fail', after: 'pass', summary: long }], intervalMinutes: 15, checkedAt: T0.toISOString() }))).toContain(en.common.cut(620));
  });
});
