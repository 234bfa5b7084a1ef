/**
 * Graceful shutdown of the real entry point (src/main.ts as `npm start` runs it, in its own process):
 * SIGTERM stops the listener at once, lets a running diagnosis deliver its reply through the
 * connector, and exits 0 — or exits when SHUTDOWN_GRACE_SECONDS runs out, whichever comes first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBot } from '../../src/start-bot.js';
import { createStateStore } from '../../src/store/create-store.js';
import { approvalKey } from '../../src/engine/approvals/request-repository.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { cardOf, messageActivity, postActivity, startFakeConnector, type ConnectorCall, type FakeConnector, cardActionActivity } from '../support/fake-connector.js';
import { sharedPath } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(REPO_ROOT, 'src', 'main.ts');
const CLUSTER = 'aks-prod-eastus';

interface MainProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code and how long after `since` the process was gone. */
  exited(since: number): Promise<{ code: number | null; signal: string | null; afterMs: number }>;
}

const started: MainProcess[] = [];
let workDir: string;
let connector: FakeConnector;
let slowScenario: string;

/** `node --import tsx src/main.ts` with a local env: embedded simulated Azure, its own SQLite file. */
async function startMain(name: string, env: Record<string, string>): Promise<MainProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      AZURE_MODE: 'simulated',
      MicrosoftAppId: '',
      TD_INSTANCE_ID: `shutdown-${name}`,
      STATE_STORE: 'sqlite',
      STATE_SQLITE_PATH: path.join(workDir, `${name}.sqlite`),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const proc: MainProcess = {
    url: '',
    child,
    output: () => out.slice(-4000),
    exited: async (since) => {
      const e = await exit;
      return { code: e.code, signal: e.signal, afterMs: e.at - since };
    },
  };
  started.push(proc);
  const deadline = Date.now() + 30_000;
  while (!/listening on (http:\/\/\S+)\/api\/messages/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.url = /listening on (http:\/\/\S+)\/api\/messages/.exec(out)![1]!;
  return proc;
}

async function healthz(url: string): Promise<number | 'refused'> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return 'refused';
  }
}

/** The diagnosis card as the user finally sees it (not the "Diagnosing…" progress card). */
function finalDiagnosis(conversationId: string) {
  const mine = new Set(connector.calls.filter((c) => c.conversationId === conversationId).map((c) => c.activityId));
  return connector.visible().find((v) => {
    const card = cardOf(v.activity);
    if (!mine.has(v.id) || !card) return false;
    const text = cardText(card);
    return text.includes(CLUSTER) && !/Diagnosing/.test(text);
  });
}


beforeAll(async () => {
  workDir = tempDir('shutdown');
  connector = await startFakeConnector();
  // The healthy demo cluster, with every simulated kubectl call taking 1.5 s: a diagnosis then runs
  // for several seconds, long enough to send SIGTERM while it is in flight.
  const scenario = JSON.parse(readFileSync(sharedPath('example-healthy.json'), 'utf8')) as Record<string, unknown>;
  scenario.latency = { armMs: 50, runCommandMs: 1500, kubectlMs: 1500 };
  slowScenario = path.join(workDir, 'healthy-slow.json');
  writeFileSync(slowScenario, JSON.stringify(scenario));
});

afterEach(() => {
  for (const p of started.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
});

afterAll(async () => {
  await connector?.close();
});

describe('SIGTERM', () => {
  it('while idle: exits 0 at once and /healthz stops answering', async () => {
    const bot = await startMain('idle', { SIM_SCENARIOS: slowScenario, SIM_LATENCY_SCALE: '0' });
    expect(await healthz(bot.url)).toBe(200);
    const sent = Date.now();
    bot.child.kill('SIGTERM');
    const exit = await bot.exited(sent);
    expect(exit, bot.output()).toMatchObject({ code: 0, signal: null });
    // "all work finished": it stopped because nothing was left, not because the grace period ran out.
    expect(bot.output()).toContain('Tunnel Doctor stopped (all work finished)');
    expect(await healthz(bot.url)).toBe('refused');
  });

  it('during a slow diagnosis: takes no new requests, still delivers the reply, then exits 0', async () => {
    const bot = await startMain('busy', { SIM_SCENARIOS: slowScenario, SIM_LATENCY_SCALE: '1', SHUTDOWN_GRACE_SECONDS: '60' });
    const conversation = { id: 'conv-shutdown-busy', conversationType: 'personal' };
    const res = await postActivity(bot.url, messageActivity(`diagnose cluster ${CLUSTER}`, { serviceUrl: connector.url, conversation }));
    expect(res.status).toBe(200);
    // The progress card is out: the diagnosis is running.
    await connector.waitFor((calls) => calls.some((c) => c.conversationId === conversation.id && c.method === 'POST'));
    expect(finalDiagnosis(conversation.id)).toBeUndefined();

    const sent = Date.now();
    bot.child.kill('SIGTERM');
    // The listener closes at once: no health answer, no new activity taken.
    await until('the listener to close', async () => ((await healthz(bot.url)) === 'refused' ? true : undefined));
    await expect(postActivity(bot.url, messageActivity('help', { serviceUrl: connector.url, conversation: { id: 'conv-too-late' } }))).rejects.toThrow();
    expect(bot.child.exitCode, 'still finishing the diagnosis').toBeNull();

    const exit = await bot.exited(sent);
    expect(exit, bot.output()).toMatchObject({ code: 0, signal: null });
    expect(exit.afterMs).toBeLessThan(60_000);
    // Everything the process sent happened before it exited: the final card is among it.
    const final = finalDiagnosis(conversation.id);
    expect(final, JSON.stringify(connector.calls.map((c) => [c.method, c.conversationId]))).toBeDefined();
    expect(cardText(cardOf(final!.activity))).toMatch(/konnectivity/i);
    expect(bot.output()).toContain('Tunnel Doctor stopped (all work finished)');
    expect(connector.calls.some((c) => c.conversationId === 'conv-too-late')).toBe(false);
  });

  it('when the work outlasts SHUTDOWN_GRACE_SECONDS: exits within the grace period, saying what was left', async () => {
    const bot = await startMain('short-grace', { SIM_SCENARIOS: slowScenario, SIM_LATENCY_SCALE: '4', SHUTDOWN_GRACE_SECONDS: '1' });
    const conversation = { id: 'conv-shutdown-short', conversationType: 'personal' };
    await postActivity(bot.url, messageActivity(`diagnose cluster ${CLUSTER}`, { serviceUrl: connector.url, conversation }));
    await connector.waitFor((calls) => calls.some((c) => c.conversationId === conversation.id && c.method === 'POST'));
    const sent = Date.now();
    bot.child.kill('SIGTERM');
    const exit = await bot.exited(sent);
    expect(exit, bot.output()).toMatchObject({ code: 0, signal: null });
    // It waited for the grace period (a lower bound: a slow machine only makes it longer), then
    // stopped with work left, which it says; the diagnosis (tens of seconds here) never finished.
    expect(exit.afterMs).toBeGreaterThanOrEqual(900);
    expect(bot.output()).toMatch(/Tunnel Doctor stopped \([1-9]\d* unfinished, 0 fix execution\(s\) marked interrupted\)/);
    expect(finalDiagnosis(conversation.id)).toBeUndefined();
  });

  it('rejects a bad SHUTDOWN_GRACE_SECONDS at start, naming it', async () => {
    await expect(startMain('bad-grace', { SIM_SCENARIOS: slowScenario, SHUTDOWN_GRACE_SECONDS: '25s' })).rejects.toThrow(/SHUTDOWN_GRACE_SECONDS is "25s": whole seconds/);
  });
});

describe('RunningBot.shutdown(graceMs)', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const REQUESTER = { id: '29:1a2b3c-oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
  const APPROVER = { id: '29:4d5e6f-lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002' };
  const CONVERSATION = { id: 'a:shutdown-fix', conversationType: 'personal', tenantId: TENANT };

  it('marks a fix still executing when the grace period ends interrupted, in the store it then closes', async () => {
    // Every ARM call waits 600 ms and the NSG rule PUT's long-running operation 3 × that
    // (src/sim/routes/network.ts): the execution is still running when a short grace period ends.
    const scenario = JSON.parse(readFileSync(path.join(REPO_ROOT, 'scenarios', 'nsg-deny-10250-subnet.json'), 'utf8')) as Record<string, unknown>;
    scenario.latency = { armMs: 600, runCommandMs: 1, kubectlMs: 1 };
    const file = path.join(workDir, 'nsg-deny-slow-arm.json');
    writeFileSync(file, JSON.stringify(scenario));
    const config = parseConfig({
      PORT: '0',
      SIM_SCENARIOS: file,
      SIM_LATENCY_SCALE: '1',
      STATE_SQLITE_PATH: path.join(workDir, 'fix-shutdown.sqlite'),
      APPROVER_IDS: APPROVER.aadObjectId,
    });
    const bot = await startBot(config, silentLogger);
    const click = async (verb: string, data: unknown, user: typeof REQUESTER, replyToId: string): Promise<Json> => {
      const res = await postActivity(bot.url, cardActionActivity(verb, data, {
        serviceUrl: connector.url,
        from: user,
        conversation: CONVERSATION,
        channelData: { tenant: { id: TENANT } },
        replyToId,
      }));
      expect(res.status).toBe(200);
      return res.body.value as Json;
    };
    const stateOf = async (requestId: string) => ((await bot.store.state.read([approvalKey(requestId)]))[approvalKey(requestId)] as Json | undefined)?.state;

    const diagnosed = await postActivity(bot.url, messageActivity('diagnose aks-nsg-deny', { deliveryMode: 'expectReplies', from: REQUESTER, conversation: CONVERSATION }));
    const requestButton = executeActions(cardOf(diagnosed.body.activities.at(-1))).find((a) => a.verb === 'request-fix');
    expect(requestButton).toBeDefined();
    const before = connector.calls.length;
    await click('request-fix', requestButton!.data, REQUESTER, 'diagnosis-card');
    const calls = await connector.waitFor((c) => c.slice(before).some((x) => x.method === 'POST' && x.conversationId === CONVERSATION.id));
    const post = calls.slice(before).find((x) => x.method === 'POST' && x.conversationId === CONVERSATION.id) as ConnectorCall;
    const requestId = executeActions(cardOf(post.activity)).find((a) => a.verb === 'approve')?.data.requestId as string;
    expect(requestId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const approved = await click('approve', { requestId }, APPROVER, post.activityId!);
    expect(cardText(approved)).toMatch(/Fix approved: applying it/);

    const deadline = Date.now() + 20_000;
    while ((await stateOf(requestId)) !== 'executing') {
      if (Date.now() > deadline) throw new Error(`the request never reached executing (state ${String(await stateOf(requestId))})`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const summary = await bot.shutdown(300);
    expect(summary).toMatchObject({ drained: false, interrupted: [requestId] });
    expect(summary.unfinished).toBeGreaterThan(0);
    expect(await healthz(bot.url)).toBe('refused');

    // A fresh look at the store the bot closed: the request is interrupted, so no restart re-runs it.
    const store = createStateStore(config.store);
    try {
      const request = (await store.state.read([approvalKey(requestId)]))[approvalKey(requestId)] as Json | undefined;
      expect(request?.state).toBe('interrupted');
    } finally {
      await store.close();
    }
  });

  it('with nothing running: drains at once and interrupts nothing', async () => {
    const bot = await startBot(parseConfig({ PORT: '0', SIM_LATENCY_SCALE: '0', STATE_SQLITE_PATH: path.join(workDir, 'idle-shutdown.sqlite') }), silentLogger);
    const summary = await bot.shutdown(10_000);
    expect(summary).toEqual({ drained: true, unfinished: 0, interrupted: [], droppedDiagnoses: 0 });
    await bot.close(); // a second stop is harmless
  });
});

describe('SHUTDOWN_GRACE_SECONDS', () => {
  const base = { SIM_LATENCY_SCALE: '0' };
  it('defaults to 25 s (under Container Apps\' 30 s before SIGKILL) and takes whole seconds from 0 to 3600', () => {
    expect(parseConfig(base).shutdownGraceSeconds).toBe(25);
    expect(parseConfig({ ...base, SHUTDOWN_GRACE_SECONDS: '0' }).shutdownGraceSeconds).toBe(0);
    expect(parseConfig({ ...base, SHUTDOWN_GRACE_SECONDS: ' 3600 ' }).shutdownGraceSeconds).toBe(3600);
    for (const bad of ['3601', '-1', '2.5', '25s', 'soon']) {
      expect(() => parseConfig({ ...base, SHUTDOWN_GRACE_SECONDS: bad }), bad).toThrow(/^SHUTDOWN_GRACE_SECONDS is ".*": whole seconds from 0 to 3600/);
    }
  });
});
