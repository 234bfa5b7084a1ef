/**
 * Issue 10, item 4, over real processes: a replica SIGKILLed while its NSG rule write is in flight,
 * and its successor started under ANOTHER name (Container Apps replica names change on restart).
 * The dead replica's execution lease runs out and the successor's sweep marks it interrupted, with
 * its audit record, and the card says so; the rule is written once (the killed run's) and never again.
 * The simulated Azure's access log is the Azure-side truth; the store is read as the bots share it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalKey } from '../../src/engine/approvals/request-repository.js';
import { createStateStore, type DurableStore } from '../../src/store/create-store.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { cardActionActivity, cardOf, messageActivity, postActivity, startFakeConnector, type ConnectorCall, type FakeConnector } from '../support/fake-connector.js';
import { rulePutsIn, spawnBot, spawnSimulator, type ChildServer } from '../support/bot-process.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const SCENARIO = path.join(REPO_ROOT, 'scenarios/nsg-deny-10250-subnet.json');
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const REQUESTER = { id: '29:1a2b3c-oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
const APPROVER = { id: '29:4d5e6f-lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002' };
const CONVERSATION = { id: 'a:replica-lease', conversationType: 'personal', tenantId: TENANT };

const workDir = tempDir('replica-lease');
const children: ChildServer[] = [];
let connector: FakeConnector;
let store: DurableStore | undefined;

beforeAll(async () => {
  connector = await startFakeConnector();
});

afterAll(async () => {
  await Promise.allSettled(children.map((c) => c.kill()));
  await store?.close();
  await connector?.close();
});

async function started(server: Promise<ChildServer>): Promise<ChildServer> {
  const s = await server;
  children.push(s);
  return s;
}

async function click(bot: ChildServer, verb: string, data: unknown, user: typeof REQUESTER, replyToId: string): Promise<Json> {
  const res = await postActivity(bot.url, cardActionActivity(verb, data, { serviceUrl: connector.url, from: user, conversation: CONVERSATION, channelData: { tenant: { id: TENANT } }, replyToId }));
  expect(res.status, bot.output()).toBe(200);
  return res.body.value as Json;
}


describe('a replica killed mid-fix, its successor named differently', () => {
  it('the successor interrupts the orphaned execution once its lease runs out, audits it, shows it, and never writes the rule again', { timeout: 180_000 }, async () => {
    // A slow ARM keeps the rule write in flight for seconds (as in multi-instance.test.ts).
    const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as Json;
    scenario.latency = { armMs: 600, runCommandMs: 1, kubectlMs: 1 };
    const slowScenario = path.join(workDir, 'nsg-deny-slow-arm.json');
    writeFileSync(slowScenario, JSON.stringify(scenario));
    const accessLog = path.join(workDir, 'access.jsonl');
    const sim = await started(spawnSimulator({ SIM_SCENARIOS: slowScenario, SIM_LATENCY_SCALE: '1', SIM_ACCESS_LOG: accessLog }));
    const statePath = path.join(workDir, 'state.sqlite');
    const env = (replica: string) => ({
      AZURE_MODE: 'simulated',
      SIM_ENDPOINT: sim.url,
      SIM_SCENARIOS: SCENARIO,
      STATE_SQLITE_PATH: statePath,
      APPROVER_IDS: APPROVER.aadObjectId,
      TD_INSTANCE_ID: replica,
      EXECUTION_LEASE_SECONDS: '3',
      WATCH_TICK_SECONDS: '1',
    });
    const replicaA = await started(spawnBot('replica tunnel-doctor--a1b2c', env('tunnel-doctor--a1b2c')));
    store = createStateStore({ kind: 'sqlite', path: statePath });
    const stateOf = async (id: string) => (await store!.state.read([approvalKey(id)]))[approvalKey(id)] as Json | undefined;

    const res = await postActivity(replicaA.url, messageActivity('diagnose aks-nsg-deny', { deliveryMode: 'expectReplies', from: REQUESTER, conversation: CONVERSATION }));
    expect(res.status, replicaA.output()).toBe(200);
    const button = executeActions(cardOf(res.body.activities.at(-1))).find((a) => a.verb === 'request-fix')!;
    const before = connector.calls.length;
    expect(cardText(await click(replicaA, 'request-fix', button.data, REQUESTER, 'diagnosis-card'))).toMatch(/Fix requested/);
    const posted = await connector.waitFor((c) => c.slice(before).some((x) => x.method === 'POST'));
    const approvalPost = posted.slice(before).find((x) => x.method === 'POST') as ConnectorCall;
    const requestId = executeActions(cardOf(approvalPost.activity)).find((a) => a.verb === 'approve')!.data.requestId as string;
    expect(cardText(await click(replicaA, 'approve', { requestId }, APPROVER, approvalPost.activityId!))).toMatch(/Fix approved: applying it/);

    await until('rule PUT answered while executing', async () => {
      if (rulePutsIn(accessLog).length === 0) return undefined;
      const state = (await stateOf(requestId))?.state;
      if (state !== 'executing') throw new Error(`the request was ${state} when the PUT was answered: the write was not in flight long enough`);
      return true;
    });
    await replicaA.kill();
    expect((await stateOf(requestId))?.execution?.owner).toBe('tunnel-doctor--a1b2c');

    // The successor has another name: the old start-up sweep (same TD_INSTANCE_ID only) never found this.
    const replicaB = await started(spawnBot('replica tunnel-doctor--x9y8z', env('tunnel-doctor--x9y8z')));
    const finalState = await until('the orphaned execution is finished by the successor', async () => {
      const s = await stateOf(requestId);
      return s?.state === 'executing' ? undefined : s;
    });
    expect(finalState.state, replicaB.output()).toBe('interrupted');
    expect(finalState.execution.detail).toMatch(/tunnel-doctor--a1b2c stopped while applying the fix/);

    const audit = (await store.audit.readAudit({ requestId, limit: 50 })).reverse();
    expect(audit.map((r) => r.action)).toEqual(['requested', 'approved', 'failed']);
    expect(audit.at(-1)).toMatchObject({ result: 'partial', detail: expect.stringMatching(/^Interrupted/) });

    // The card, refreshed on the successor, says what happened; a replayed approval runs nothing.
    expect(cardText(await click(replicaB, 'refresh', { requestId }, REQUESTER, approvalPost.activityId!))).toMatch(/Fix interrupted/);
    expect(cardText(await click(replicaB, 'approve', { requestId }, APPROVER, approvalPost.activityId!))).not.toMatch(/applying it/);
    // The killed run's single PUT; the successor wrote nothing.
    expect(rulePutsIn(accessLog)).toHaveLength(1);
    expect((await stateOf(requestId))?.state).toBe('interrupted');
  });
});
