/**
 * The app without HTTP: createBotApp with the real fix flow over a SQLite store, a real diagnosis of
 * a recorded scenario (simulated Azure through the real SDK clients), a recording ReplyChannel in
 * place of the transport, and a fake fix runner in place of Azure writes. Drives the app's two entry
 * points (handleMessage, handleCardAction) as any transport does.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotApp, type BotApp } from '../../src/app/bot-app.js';
import type { CardActionEvent, Caller, MessageEvent, Reply, ReplyChannel } from '../../src/app/events.js';
import { createFixFlow } from '../../src/app/fix-flow.js';
import type { FixRunner } from '../../src/engine/fixes/fix-runner.js';
import { createAppEvents, type AppEvent } from '../../src/app/app-events.js';
import { ApprovalRequestRepository } from '../../src/engine/approvals/request-repository.js';
import type { ApprovalPolicy } from '../../src/engine/approvals/policy.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { azureClusterDirectory } from '../../src/engine/cluster-directory.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import type { FixProposal } from '../../src/engine/report.js';
import { silentLogger } from '../../src/log.js';
import { createStateStore, type DurableStore } from '../../src/store/create-store.js';
import type { StateStore } from '../../src/store/state-store.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { startSimForTest, type SimForTest } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const SCENARIO = path.resolve(import.meta.dirname, '../../scenarios/nsg-deny-10250-subnet.json');
const CLUSTER = 'aks-nsg-deny';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const REQUESTER: Caller = { id: '29:oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001', tenantId: TENANT };
const APPROVER: Caller = { id: '29:lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002', tenantId: TENANT };
const BYSTANDER: Caller = { id: '29:dev', name: 'Developer', aadObjectId: '00000000-0000-0000-0000-00000000c003', tenantId: TENANT };
const POLICY: ApprovalPolicy = {
  requesterIds: [],
  approverIds: [APPROVER.aadObjectId!],
  requireDistinctApprover: true,
  highRiskApprovals: 2,
  ttlMinutes: 30,
  allowedTenantIds: [TENANT],
};

const dir = tempDir('bot-app-fixes');
let sim: SimForTest;
beforeAll(async () => {
  sim = await startSimForTest([SCENARIO]);
});
afterAll(async () => {
  await sim?.close();
});

let activities = 0;

/** The transport's reply channel, recorded: every send and in-place update, in order. */
function recordingReplies(): ReplyChannel & { sent: Map<string, Reply>; log: Array<{ op: 'send' | 'update'; id: string; reply: Reply }> } {
  const sent = new Map<string, Reply>();
  const log: Array<{ op: 'send' | 'update'; id: string; reply: Reply }> = [];
  return {
    sent,
    log,
    async send(reply) {
      // Unique across channels, as activity ids are: a follow-up updates the diagnosis card by its id.
      const id = `activity-${++activities}`;
      sent.set(id, reply);
      log.push({ op: 'send', id, reply });
      return id;
    },
    async update(id, reply) {
      sent.set(id, reply);
      log.push({ op: 'update', id, reply });
    },
  };
}

/** A fix runner that changes nothing and counts what it was asked to do. */
function fakeRunner(): FixRunner & { executed: FixProposal[]; verified: Array<{ fix: string; correlationId?: string }> } {
  const executed: FixProposal[] = [];
  const verified: Array<{ fix: string; correlationId?: string }> = [];
  return {
    executed,
    verified,
    async captureBaseline() {
      return { nsgEtags: {} } as never;
    },
    async execute(_cluster, fix) {
      executed.push(fix);
      return { result: 'succeeded', detail: 'Rule changed (fake).', perTarget: [] };
    },
    async verify(_cluster, fix, before, scope) {
      verified.push({ fix: fix.id, ...(scope ? { correlationId: scope.correlationId } : {}) });
      return { verdict: 'verified', before, after: before.map((c) => ({ ...c, status: 'pass' as const, summary: 'passes now (fake)' })) };
    },
    async runStep() {
      return { result: 'succeeded', detail: 'step (fake)', perTarget: [] };
    },
  };
}

/** Store reads and writes by key, to count what one click costs. */
function countingState(state: StateStore): StateStore & { reads: string[]; writes: string[]; reset(): void } {
  const reads: string[] = [];
  const writes: string[] = [];
  return {
    reads,
    writes,
    reset() {
      reads.length = 0;
      writes.length = 0;
    },
    read: (keys) => {
      reads.push(...keys);
      return state.read(keys);
    },
    write: (changes) => {
      writes.push(...Object.keys(changes));
      return state.write(changes);
    },
    delete: (keys) => {
      writes.push(...keys);
      return state.delete(keys);
    },
  };
}

interface World {
  app: BotApp;
  state: ReturnType<typeof countingState>;
  store: DurableStore;
  runner: ReturnType<typeof fakeRunner>;
  events: AppEvent[];
  repo: ApprovalRequestRepository;
}

function world(): World {
  const store = createStateStore({ kind: 'sqlite', path: path.join(dir, `state-${Math.random().toString(36).slice(2)}.sqlite`) });
  const runner = fakeRunner();
  const bus = createAppEvents(silentLogger);
  const events: AppEvent[] = [];
  bus.on((e) => events.push(e));
  const state = countingState(store.state);
  const fixes = createFixFlow({ state, audit: store.audit, policy: POLICY, instanceId: 'bot-test', runner, log: silentLogger, events: bus });
  const app = createBotApp({
    directory: azureClusterDirectory(sim.layer, []),
    diagnose: (cluster, onProgress, scope) => diagnoseCluster(sim.layer, cluster, { checks: ALL_CHECKS, onProgress, ...(scope ? { log: scope.log } : {}) }),
    demoClusters: [],
    log: silentLogger,
    fixes,
    audit: store.audit,
    events: bus,
  });
  return { app, state, store, runner, events, repo: new ApprovalRequestRepository({ state: store.state, audit: store.audit }) };
}

let n = 0;
function message(text: string, caller = REQUESTER): MessageEvent {
  return { kind: 'message', text, caller, conversationId: 'a:chat', correlationId: `corr-msg-${++n}` };
}

function click(verb: string, data: unknown, caller: Caller, replyToId: string): CardActionEvent {
  return { kind: 'card-action', verb, data, caller, conversationId: 'a:chat', replyToId, correlationId: `corr-click-${++n}` };
}

/** Diagnoses the scenario's cluster; returns the final diagnosis card and its activity id. */
async function diagnose(w: World): Promise<{ card: Json; activityId: string; replies: ReturnType<typeof recordingReplies> }> {
  const replies = recordingReplies();
  await w.app.handleMessage(message(`diagnose ${CLUSTER}`), replies);
  const [activityId, last] = [...replies.sent.entries()].at(-1)!;
  return { card: last.card as Json, activityId, replies };
}

describe('the app without HTTP', () => {
  it('answers a diagnose at once with a progress card, then replaces it with the diagnosis; the incident listeners hear of it', async () => {
    const w = world();
    const { card, replies } = await diagnose(w);
    expect(replies.log[0]).toMatchObject({ op: 'send' });
    expect(cardText(replies.log[0]!.reply.card)).toMatch(/aks-nsg-deny/);
    // One message in the chat: every later reply replaces the progress card in place.
    expect(replies.sent.size).toBe(1);
    expect(cardText(card)).toMatch(/10250/);
    expect(executeActions(card).some((a) => a.verb === 'request-fix')).toBe(true);
    expect(w.events.map((e) => e.kind)).toEqual(['diagnosed']);
    expect(w.events[0]).toMatchObject({ kind: 'diagnosed', correlationId: expect.stringMatching(/^corr-msg-/) });
    await w.store.close();
  });

  it('routes a card verb to the feature that registered it, and refuses a verb nobody registered', async () => {
    const w = world();
    const { card, activityId } = await diagnose(w);
    const button = executeActions(card).find((a) => a.verb === 'request-fix')!;
    const answer = await w.app.handleCardAction(click('request-fix', button.data, REQUESTER, activityId));
    expect(cardText(answer.card)).toMatch(/Fix requested/);
    const unknown = await w.app.handleCardAction(click('launch-missiles', {}, REQUESTER, activityId));
    expect(cardText(unknown.card)).toMatch(/launch-missiles/);
    expect(unknown.followUp).toBeUndefined();
    await w.store.close();
  });

  it('refuses at start-up a card verb two features register', () => {
    const answer = async () => ({ card: {} });
    const store = createStateStore({ kind: 'sqlite', path: path.join(dir, 'dup.sqlite') });
    const fixes = createFixFlow({ state: store.state, audit: store.audit, policy: POLICY, instanceId: 'bot-test', runner: fakeRunner(), log: silentLogger });
    expect(() =>
      createBotApp({
        directory: azureClusterDirectory(sim.layer, []),
        diagnose: async () => {
          throw new Error('not used');
        },
        demoClusters: [],
        log: silentLogger,
        fixes,
        features: [{ cardVerbs: [['approve', answer]] }],
      }),
    ).toThrow(/"approve" is registered twice/);
    return store.close();
  });

  it('runs an approved fix once: approve → execute → re-check → recorded; a bystander\'s approval is refused and runs nothing', async () => {
    const w = world();
    const { card, activityId } = await diagnose(w);
    const button = executeActions(card).find((a) => a.verb === 'request-fix')!;
    const requested = await w.app.handleCardAction(click('request-fix', button.data, REQUESTER, activityId));
    const approvalReplies = recordingReplies();
    await requested.followUp!(approvalReplies);
    const [approvalId, approval] = [...approvalReplies.sent.entries()][0]!;
    const requestId = executeActions(approval.card).find((a) => a.verb === 'approve')!.data.requestId as string;

    // The wrong user: refused on the card, nothing run, the request still pending.
    const refused = await w.app.handleCardAction(click('approve', { requestId }, BYSTANDER, approvalId));
    expect(refused.followUp).toBeUndefined();
    expect(cardText(refused.card)).toMatch(/approv/i);
    expect((await w.repo.load(requestId))?.state).toBe('pending');

    const approveClick = click('approve', { requestId }, APPROVER, approvalId);
    w.state.reset();
    const approved = await w.app.handleCardAction(approveClick);
    const clickReads = w.state.reads.filter((k) => k === `approval/${requestId}`).length;
    expect(approved.followUp).toBeDefined();
    // One read of the request per click: the executing-index check and the decision share it.
    expect(clickReads).toBe(1);
    const pipeline = recordingReplies();
    // Teams may deliver the follow-up twice (a retried invoke): the claim lets one run.
    await Promise.all([approved.followUp!(pipeline), approved.followUp!(recordingReplies())]);
    const done = await until('the request verified', async () => {
      const r = await w.repo.load(requestId);
      return r?.state === 'verified' ? r : undefined;
    });
    expect(w.runner.executed).toHaveLength(1);
    expect(w.runner.verified).toEqual([{ fix: done.fix.id, correlationId: approveClick.correlationId }]);
    expect(done.execution).toMatchObject({ result: 'succeeded' });
    // The approval card was updated in place at each step, ending verified.
    expect(pipeline.log.filter((l) => l.id === approvalId).length).toBeGreaterThanOrEqual(3);
    expect(cardText(pipeline.sent.get(approvalId)!.card)).toMatch(/verified/i);
    // Each step reached the app's events through its audit record.
    const steps = w.events.filter((e) => e.kind === 'approval-step').map((e) => (e.kind === 'approval-step' ? e.record.action : ''));
    expect(steps).toEqual(expect.arrayContaining(['requested', 'refused', 'approved', 'executed', 'verified']));
    await w.store.close();
  });
});
