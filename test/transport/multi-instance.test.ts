/**
 * Scale-out over real processes: two bot instances share one Blob store (Azurite) and one simulated
 * Azure (`npm run sim`, reached through SIM_ENDPOINT). 50 concurrent approvals spread over both
 * instances must write the NSG rule exactly once; a bot SIGKILLed while the rule write is in flight
 * must come back with the request 'interrupted' and never write it again. The rule writes are
 * counted in the simulator's access log, the Azure-side truth, not in the bots' own records.
 */
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalKey } from '../../src/engine/approvals/request-repository.js';
import { createStateStore, type DurableStore } from '../../src/store/create-store.js';
import { startAzurite, type AzuriteForTest } from '../support/azurite.js';
import { cardOf, messageActivity, postActivity, startFakeConnector, type ConnectorCall, type FakeConnector, cardActionActivity } from '../support/fake-connector.js';
import { rulePutsIn, spawnBot, spawnSimulator, type ChildServer } from '../support/bot-process.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
// Several bots can only share one Azure once the bot can be pointed at a running simulator
// (SIM_ENDPOINT); until src/config.ts reads it, this file skips instead of testing the wrong thing.
const supportsExternalSim = readFileSync(path.join(REPO_ROOT, 'src/config.ts'), 'utf8').includes('SIM_ENDPOINT');

const SCENARIO = path.join(REPO_ROOT, 'scenarios/nsg-deny-10250-subnet.json');
const CLUSTER = 'aks-nsg-deny';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const REQUESTER = { id: '29:1a2b3c-oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
const APPROVER = { id: '29:4d5e6f-lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002' };
const CONVERSATION = { id: 'a:multi-instance-conversation', conversationType: 'personal', tenantId: TENANT };
const FINAL_HEADLINE = /Fix applied and verified|Fix applied, but the check still fails|The fix was not applied|Fix interrupted|Fix rejected|Fix request (cancelled|expired)/;

const workDir = tempDir('multi');
let azurite: AzuriteForTest | undefined;
let connector: FakeConnector | undefined;
/** Every child this file started, killed in afterAll whatever happened. */
const children: ChildServer[] = [];
const stores: DurableStore[] = [];

let containerSeq = 0;
function uniqueContainer(): string {
  containerSeq += 1;
  return `td-multi-${process.pid}-${containerSeq}`;
}

async function started(server: Promise<ChildServer>): Promise<ChildServer> {
  const s = await server;
  children.push(s);
  return s;
}

function botEnv(instanceId: string, container: string, simUrl: string): Record<string, string> {
  return {
    AZURE_MODE: 'simulated',
    SIM_ENDPOINT: simUrl,
    SIM_SCENARIOS: SCENARIO,
    STATE_STORE: 'blob',
    STATE_BLOB_CONNECTION_STRING: azurite!.connectionString,
    STATE_BLOB_CONTAINER: container,
    APPROVER_IDS: APPROVER.aadObjectId,
    TD_INSTANCE_ID: instanceId,
  };
}

/** The test's own view of the shared store: what every instance sees. */
function openStore(container: string): DurableStore {
  const store = createStateStore({ kind: 'blob', container, connectionString: azurite!.connectionString });
  stores.push(store);
  return store;
}

async function requestState(store: DurableStore, requestId: string): Promise<Json | undefined> {
  const key = approvalKey(requestId);
  return (await store.state.read([key]))[key] as Json | undefined;
}

/** Clicks an Action.Execute button on `bot` as `user`: Teams' invoke adaptiveCard/action. */
async function click(bot: ChildServer, verb: string, data: unknown, user: typeof REQUESTER, replyToId: string): Promise<Json> {
  const res = await postActivity(bot.url, cardActionActivity(verb, data, {
    serviceUrl: connector!.url,
    from: user,
    conversation: CONVERSATION,
    channelData: { tenant: { id: TENANT } },
    replyToId,
  }));
  expect(res.status, `${bot.name} answered ${verb} with HTTP ${res.status}:\n${bot.output()}`).toBe(200);
  expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  return res.body.value as Json;
}

/**
 * Diagnose through `bot`, then "Request this fix" on `clickOn` (another instance, when given: the
 * Bot Service may route the click anywhere): returns the approval card's activity id and the request id.
 */
async function diagnoseAndRequestFix(bot: ChildServer, clickOn: ChildServer = bot): Promise<{ approvalActivityId: string; requestId: string }> {
  const res = await postActivity(bot.url, messageActivity(`diagnose ${CLUSTER}`, { deliveryMode: 'expectReplies', from: REQUESTER, conversation: CONVERSATION }));
  expect(res.status, bot.output()).toBe(200);
  const diagnosis = cardOf(res.body.activities.at(-1));
  const requestButtons = executeActions(diagnosis).filter((a) => a.verb === 'request-fix');
  expect(requestButtons, cardText(diagnosis)).toHaveLength(1);
  const before = connector!.calls.length;
  const answer = await click(clickOn, 'request-fix', requestButtons[0]!.data, REQUESTER, 'diagnosis-card');
  expect(cardText(answer)).toMatch(/Fix requested/);
  const calls = await connector!.waitFor((c) => c.slice(before).some((x) => x.method === 'POST'));
  const post = calls.slice(before).find((x) => x.method === 'POST') as ConnectorCall;
  const approval = cardOf(post.activity);
  expect(cardText(approval)).toMatch(/Fix waiting for approval/);
  const requestId = executeActions(approval).find((a) => a.verb === 'approve')?.data.requestId as string;
  expect(requestId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  return { approvalActivityId: post.activityId!, requestId };
}


/** How many rules of the scenario's NSGs are still 'Updating' (a rule write in flight), read over ARM. */
async function rulesUpdating(simUrl: string): Promise<number> {
  const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as { resources: Array<{ id: string; type: string }> };
  let updating = 0;
  for (const nsg of scenario.resources.filter((r) => r.type.toLowerCase() === 'microsoft.network/networksecuritygroups')) {
    const res = await fetch(`${simUrl}${nsg.id}?api-version=2024-05-01`);
    const body = (await res.json()) as { properties?: { securityRules?: Array<{ properties?: { provisioningState?: string } }> } };
    updating += (body.properties?.securityRules ?? []).filter((r) => r.properties?.provisioningState === 'Updating').length;
  }
  return updating;
}

beforeAll(async () => {
  if (!supportsExternalSim) return;
  azurite = await startAzurite();
  connector = await startFakeConnector();
});

afterAll(async () => {
  await Promise.allSettled(children.map((c) => c.kill()));
  await Promise.allSettled(stores.map((s) => s.close()));
  await connector?.close();
  await azurite?.close();
});

describe.skipIf(!supportsExternalSim)('two bot processes, one store, one simulated Azure', () => {
  it('a fix requested on B from a diagnosis made on A: 50 concurrent approvals spread over both instances write the NSG rule exactly once', async () => {
    const accessLog = path.join(workDir, 'access-concurrent.jsonl');
    const sim = await started(spawnSimulator({ SIM_SCENARIOS: SCENARIO, SIM_LATENCY_SCALE: '0', SIM_ACCESS_LOG: accessLog }));
    const container = uniqueContainer();
    const [botA, botB] = await Promise.all([
      started(spawnBot('bot A', botEnv('bot-a', container, sim.url))),
      started(spawnBot('bot B', botEnv('bot-b', container, sim.url))),
    ]);

    // Diagnosed on A, its button clicked on B: the report is found through the shared store.
    const { approvalActivityId, requestId } = await diagnoseAndRequestFix(botA, botB);
    expect(rulePutsIn(accessLog)).toHaveLength(0);

    const before = connector!.calls.length;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => click(i % 2 === 0 ? botA : botB, 'approve', { requestId }, APPROVER, approvalActivityId)),
    );
    // Every click got a card back (the winner's "approved", the others' "already approved/applying").
    for (const card of answers) expect(cardText(card)).not.toMatch(/Something went wrong/i);

    const isFinal = (x: ConnectorCall) => x.method === 'PUT' && x.activityId === approvalActivityId && FINAL_HEADLINE.test(cardText(cardOf(x.activity)));
    const calls = await connector!.waitFor((c) => c.slice(before).some(isFinal), 60_000);
    const finalText = cardText(cardOf(calls.slice(before).find(isFinal)!.activity));
    expect(finalText).toMatch(/Fix applied and verified/);

    // Every click has been answered, and an execution starts only after its claim (a CAS on the
    // request, audited): one 'executed' below means no second executor exists to reach Azure later.
    const puts = rulePutsIn(accessLog);
    expect(puts, JSON.stringify(puts)).toHaveLength(1);
    expect(puts[0]!.status).toBeGreaterThanOrEqual(200);
    expect(puts[0]!.status).toBeLessThan(300);

    const store = openStore(container);
    expect((await requestState(store, requestId))?.state).toBe('verified');
    const audit = await store.audit.readAudit({ requestId, limit: 200 });
    const actions = audit.map((r) => r.action);
    expect(actions.filter((a) => a === 'approved')).toHaveLength(1);
    expect(actions.filter((a) => a === 'executed')).toHaveLength(1);
    expect(actions.filter((a) => a === 'verified')).toHaveLength(1);
  });

  it('a bot SIGKILLed while the rule write is in flight restarts with the request interrupted, and never writes it again', async () => {
    // Every ARM request waits latency.armMs and the rule PUT's long-running operation lasts 3 × armMs
    // (src/sim/server.ts, src/sim/routes/network.ts), so a larger armMs keeps the write in flight
    // for seconds; run commands and kubectl stay fast so the diagnosis before it does not crawl.
    const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as Json;
    scenario.latency = { armMs: 600, runCommandMs: 1, kubectlMs: 1 };
    const slowScenario = path.join(workDir, 'nsg-deny-slow-arm.json');
    writeFileSync(slowScenario, JSON.stringify(scenario));
    const accessLog = path.join(workDir, 'access-kill.jsonl');
    const sim = await started(spawnSimulator({ SIM_SCENARIOS: slowScenario, SIM_LATENCY_SCALE: '1', SIM_ACCESS_LOG: accessLog }));
    const container = uniqueContainer();
    const envA = botEnv('bot-a', container, sim.url);
    const botA = await started(spawnBot('bot A', envA));
    const store = openStore(container);

    const { approvalActivityId, requestId } = await diagnoseAndRequestFix(botA);
    const approved = await click(botA, 'approve', { requestId }, APPROVER, approvalActivityId);
    expect(cardText(approved)).toMatch(/Fix approved: applying it/);

    // The PUT has been answered (201 + operation still running) while the request says 'executing':
    // the bot is now polling the long-running operation. Kill it there.
    await until('rule PUT answered while executing', async () => {
      if (rulePutsIn(accessLog).length === 0) return undefined;
      const state = (await requestState(store, requestId))?.state;
      if (state !== 'executing') throw new Error(`the request was ${state} by the time the PUT was answered: the write was not in flight long enough`);
      return true;
    });
    await botA.kill();
    const atKill = await requestState(store, requestId);
    expect(atKill?.state).toBe('executing');
    expect(atKill?.execution?.owner).toBe('bot-a');

    // Same instance id: the start-up sweep recognises its dead predecessor's execution.
    const botA2 = await started(spawnBot('bot A (restarted)', envA));
    const after = await requestState(store, requestId);
    expect(after?.state, botA2.output()).toBe('interrupted');

    // A replayed approval on the restarted bot runs nothing.
    const replay = await click(botA2, 'approve', { requestId }, APPROVER, approvalActivityId);
    expect(cardText(replay)).not.toMatch(/Fix approved: applying it/);

    // Once the killed run's long-running operation has ended (the rules leave 'Updating'), there is
    // still only its single PUT: nobody resumed or repeated it.
    await until('the killed run\'s rule write to end', async () => (await rulesUpdating(sim.url)) === 0 ? true : undefined, 60_000, 200);
    expect(rulePutsIn(accessLog)).toHaveLength(1);
    expect((await requestState(store, requestId))?.state).toBe('interrupted');
    const actions = (await store.audit.readAudit({ requestId, limit: 200 })).map((r) => r.action);
    expect(actions).not.toContain('executed');
  });
});
