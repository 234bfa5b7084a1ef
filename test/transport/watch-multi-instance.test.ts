/**
 * Scale-out for watches over real processes: two bot instances share one Blob store (Azurite) and
 * one simulated Azure (SIM_ENDPOINT). A watch asked on one instance runs on exactly one instance,
 * the lease holder: each due slot costs one diagnosis (counted in the simulator's access log, the
 * Azure-side truth), its change is posted once, and when the holder dies the other takes over.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureLayer } from '../../src/azure/clients.js';
import { deleteSecurityRule } from '../../src/azure/network.js';
import { WATCH_LEASE_KEY } from '../../src/engine/watch/lease.js';
import { WatchRepository, type Watch } from '../../src/engine/watch/repository.js';
import { createStateStore, type DurableStore } from '../../src/store/create-store.js';
import { startAzurite, type AzuriteForTest } from '../support/azurite.js';
import { readAccessLog, spawnBot, spawnSimulator, type ChildServer } from '../support/bot-process.js';
import { cardText } from '../support/card-walk.js';
import { cardOf, messageActivity, postActivity, startFakeConnector, type FakeConnector } from '../support/fake-connector.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const SCENARIO = path.join(REPO_ROOT, 'scenarios/nsg-deny-10250-subnet.json');
const CLUSTER = 'aks-nsg-deny';
const NSG = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/MC_rg-nsgdeny_aks-nsg-deny_eastus/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-57593371-nsg';
const CONVERSATION = { id: 'a:watch-scale-out', conversationType: 'personal', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' };

const workDir = tempDir('watch-multi');
let azurite: AzuriteForTest | undefined;
let connector: FakeConnector | undefined;
const children: ChildServer[] = [];
let store: DurableStore | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
  connector = await startFakeConnector();
});

afterAll(async () => {
  await Promise.allSettled(children.map((c) => c.kill()));
  await store?.close();
  await connector?.close();
  await azurite?.close();
});



describe('a watch over two bot processes sharing one store', () => {
  it('runs on the lease holder only, posts a change once, and moves to the other instance when the holder dies', async () => {
    const accessLog = path.join(workDir, 'access.jsonl');
    const sim = await spawnSimulator({ SIM_SCENARIOS: SCENARIO, SIM_LATENCY_SCALE: '0', SIM_ACCESS_LOG: accessLog });
    children.push(sim);
    const container = `td-watch-${process.pid}`;
    const env = (id: string) => ({
      AZURE_MODE: 'simulated',
      SIM_ENDPOINT: sim.url,
      SIM_SCENARIOS: SCENARIO,
      STATE_STORE: 'blob',
      STATE_BLOB_CONNECTION_STRING: azurite!.connectionString,
      STATE_BLOB_CONTAINER: container,
      TD_INSTANCE_ID: id,
      WATCH_TICK_SECONDS: '1',
      LOG_LEVEL: 'debug', // each tick logs "watch tick": the test waits for ticks, not for time
    });
    const bots = await Promise.all([spawnBot('bot A', env('bot-a')), spawnBot('bot B', env('bot-b'))]);
    children.push(...bots);
    const byId = new Map([['bot-a', bots[0]], ['bot-b', bots[1]]]);
    store = createStateStore({ kind: 'blob', connectionString: azurite!.connectionString, container });
    const repo = new WatchRepository(store.state);
    /** One diagnosis reads the cluster once (managedClusters.get); lookups list, they do not get. */
    const diagnoses = () => readAccessLog(accessLog).filter((l) => l.route === 'managedClusters.get').length;
    // Counted from the whole output stream (output() keeps only its tail), line by line.
    const tickCounts = new Map<ChildServer, number>();
    for (const bot of bots) {
      tickCounts.set(bot, 0);
      let partial = '';
      const count = (chunk: Buffer): void => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        tickCounts.set(bot, (tickCounts.get(bot) ?? 0) + lines.filter((l) => l.includes('"msg":"watch tick"')).length);
      };
      bot.child.stderr?.on('data', count); // the logs go to stderr (src/log.ts)
    }
    const ticksOf = (bot: ChildServer) => tickCounts.get(bot) ?? 0;
    /** Waits until every instance still running has ticked `n` more times. */
    async function ticksOnLiveBots(n: number): Promise<void> {
      const live = bots.filter((b) => !killed.has(b));
      const from = live.map(ticksOf);
      await until(`${n} more ticks on each live instance`, () => (live.every((b, i) => ticksOf(b) >= from[i]! + n) ? true : undefined));
    }
    const killed = new Set<ChildServer>();
    const holder = async () => (await store!.state.read([WATCH_LEASE_KEY]))[WATCH_LEASE_KEY]?.holder as string | undefined;

    // Asked on bot B; the reply shows the current state (the first diagnosis, the baseline).
    const res = await postActivity(bots[1].url, messageActivity(`watch cluster ${CLUSTER} every 5m`, { deliveryMode: 'expectReplies', conversation: CONVERSATION, serviceUrl: connector!.url }));
    expect(res.status, bots[1].output()).toBe(200);
    const reply = cardText(cardOf(res.body.activities.at(-1)));
    expect(reply).toContain(`Watching ${CLUSTER} every 5m`);
    expect(reply).toMatch(/Failed/);
    expect(diagnoses()).toBe(1);
    const [watch] = await repo.all();
    expect(watch?.verdicts?.['nsg-10250']).toBe('fail');

    const leader = await until('a lease holder', holder);
    expect(['bot-a', 'bot-b']).toContain(leader);

    /** Makes the watch due now, as 5 minutes passing would, and waits for its run to be stored. */
    async function dueNowAndRun(): Promise<Watch> {
      const before = (await repo.get(watch!.id))?.lastRunAt;
      await repo.update(watch!.id, (w) => ({ ...w, nextDueAt: new Date(Date.now() - 1000).toISOString() }));
      const ran = await until('the watch to run', async () => {
        const w = await repo.get(watch!.id);
        return w?.lastRunAt && w.lastRunAt !== before ? w : undefined;
      });
      // Two more ticks on every live instance after the run was stored: room for a second, wrong run.
      await ticksOnLiveBots(2);
      return ran;
    }

    // Three due slots: three diagnoses, each by the lease holder, none by the other instance.
    for (let slot = 1; slot <= 3; slot++) {
      const ran = await dueNowAndRun();
      expect(ran.lastRunBy).toBe(leader);
      expect(await holder()).toBe(leader);
      expect(diagnoses(), `after slot ${slot}`).toBe(1 + slot);
    }
    const postsBefore = connector!.calls.filter((c) => c.method === 'POST').length;
    expect(postsBefore).toBe(0); // nothing changed, nothing posted

    // The deny rule goes (through ARM, as a person fixing it by hand would): one post, from one instance.
    await deleteSecurityRule(createAzureLayer({ mode: 'simulated', endpoint: sim.url, fast: true }), NSG, 'DenyKubeletInbound');
    await dueNowAndRun();
    const posts = connector!.calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.conversationId).toBe(CONVERSATION.id);
    expect(cardText(cardOf(posts[0]!.activity))).toMatch(/verdict changed[\s\S]*nsg-10250[\s\S]*Failed[\s\S]*Passed/);
    expect(diagnoses()).toBe(5);

    // The holder dies without a word: the other instance takes the lease once it expires (4 ticks).
    killed.add(byId.get(leader)!);
    await byId.get(leader)!.kill();
    const other = leader === 'bot-a' ? 'bot-b' : 'bot-a';
    await until('the other instance to take the lease', async () => ((await holder()) === other ? true : undefined));
    const ran = await dueNowAndRun();
    expect(ran.lastRunBy).toBe(other);
    expect(diagnoses()).toBe(6);
    expect(connector!.calls.filter((c) => c.method === 'POST')).toHaveLength(1); // still fixed: no post
  });
});
