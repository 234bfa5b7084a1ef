/**
 * The approval tests' harness over real HTTP (CloudAdapter → app → simulated Azure), as in
 * approval-flow.test.ts: a bot started from an env, a fake Teams connector, people, and helpers to
 * diagnose, click Action.Execute buttons (invoke adaptiveCard/action) and wait for the approval
 * card's in-place updates.
 */
import path from 'node:path';
import { expect } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBot, type RunningBot } from '../../src/start-bot.js';
import { cardText, executeActions, type Json } from '../support/card-walk.js';
import { cardOf, messageActivity, postActivity, startFakeConnector, type ConnectorCall, type FakeConnector, cardActionActivity } from '../support/fake-connector.js';
import { expectValidCard } from '../support/validate-card.js';
import { tempDir } from '../support/temp-dir.js';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export type Person = { id: string; name: string; aadObjectId: string };
export const REQUESTER: Person = { id: '29:1a2b3c-oncall', name: 'On-call Engineer', aadObjectId: '00000000-0000-0000-0000-00000000a001' };
export const APPROVER: Person = { id: '29:4d5e6f-lead', name: 'Team Lead', aadObjectId: '00000000-0000-0000-0000-00000000b002' };
export const APPROVER_2: Person = { id: '29:5e6f7a-sec', name: 'Security Lead', aadObjectId: '00000000-0000-0000-0000-00000000b003' };
export const BYSTANDER: Person = { id: '29:7a8b9c-dev', name: 'Developer', aadObjectId: '00000000-0000-0000-0000-00000000c003' };

export const buttonVerbs = (card: unknown): string[] => executeActions(card).map((a) => a.verb as string);

/** The featured egress demo (aks-egress-443), as the bot serves it: the real file in scenarios/. */
export const EGRESS_DEMO_FILE = path.resolve('scenarios/egress-443-blocked-konnectivity.json');

/** The visible text of one check's row (id "check-<checkId>") of a diagnosis card. */
export function rowText(card: Json, checkId: string): string {
  let found: unknown;
  const walk = (v: unknown) => {
    if (found) return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if ((v as Json).id === `check-${checkId}`) found = v;
      else Object.values(v).forEach(walk);
    }
  };
  walk(card);
  return cardText(found);
}

export interface ApprovalHarness {
  bot: RunningBot;
  connector: FakeConnector;
  /** Requests the simulated Azure has served so far, and those by route name (writes included). */
  azureRequests(): number;
  route(name: string): number;
  diagnose(cluster: string, by?: Person): Promise<Json>;
  /** `locale`: the clicker's Teams UI language (the invoke's locale), when not the default. */
  click(verb: string, data: unknown, user: Person, replyToId: string, opts?: { locale?: string }): Promise<Json>;
  /** Clicks "Request this fix" for the first fix whose id starts with `fixIdPrefix`; returns the approval card message. */
  requestFix(diagnosis: Json, fixIdPrefix: string, by?: Person): Promise<{ activityId: string; card: Json; requestId: string }>;
  /** Waits for an in-place update of `activityId` whose text matches `pattern`; returns that card. */
  waitForCard(activityId: string, pattern: RegExp, since?: number): Promise<Json>;
  close(): Promise<void>;
}

export async function startApprovalHarness(env: Record<string, string>, conversationId: string): Promise<ApprovalHarness> {
  const connector = await startFakeConnector();
  const bot = await startBot(
    parseConfig({
      PORT: '0',
      SIM_LATENCY_SCALE: '0',
      STATE_SQLITE_PATH: path.join(tempDir('approvals'), 'state.sqlite'),
      ...env,
    }),
    silentLogger,
  );
  const conversation = { id: conversationId, conversationType: 'personal', tenantId: TENANT };

  async function diagnose(cluster: string, by: Person = REQUESTER): Promise<Json> {
    const res = await postActivity(bot.url, messageActivity(`diagnose ${cluster}`, { deliveryMode: 'expectReplies', from: by, conversation }));
    expect(res.status).toBe(200);
    const card = cardOf(res.body.activities.at(-1));
    expectValidCard(card);
    return card;
  }

  async function click(verb: string, data: unknown, user: Person, replyToId: string, opts: { locale?: string } = {}): Promise<Json> {
    const res = await postActivity(bot.url, cardActionActivity(verb, data, {
      serviceUrl: connector.url,
      from: user,
      conversation,
      channelData: { tenant: { id: TENANT } },
      replyToId,
      ...(opts.locale ? { locale: opts.locale } : {}),
    }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const card = res.body.value as Json;
    expectValidCard(card);
    return card;
  }

  async function requestFix(diagnosis: Json, fixIdPrefix: string, by: Person = REQUESTER) {
    const button = executeActions(diagnosis).find((a) => a.verb === 'request-fix' && String(a.data?.fixId).startsWith(fixIdPrefix));
    expect(button, `a "Request this fix" button for ${fixIdPrefix}`).toBeDefined();
    const before = connector.calls.length;
    const answer = await click('request-fix', button!.data, by, 'diagnosis-card');
    expect(cardText(answer)).toMatch(/Fix requested/);
    const calls = await connector.waitFor((c) => c.slice(before).some((x) => x.method === 'POST'));
    const post = calls.slice(before).find((x) => x.method === 'POST') as ConnectorCall;
    const card = cardOf(post.activity);
    expectValidCard(card);
    return { activityId: post.activityId!, card, requestId: executeActions(card)[0]!.data.requestId as string };
  }

  async function waitForCard(activityId: string, pattern: RegExp, since = 0): Promise<Json> {
    const match = (x: ConnectorCall) => x.method === 'PUT' && x.activityId === activityId && pattern.test(cardText(cardOf(x.activity)));
    const calls = await connector.waitFor((c) => c.slice(since).some(match));
    const card = cardOf(calls.slice(since).find(match)!.activity);
    expectValidCard(card);
    return card;
  }

  return {
    bot,
    connector,
    azureRequests: () => bot.sim!.stats().requests,
    route: (name) => bot.sim!.stats().byRoute[name] ?? 0,
    diagnose,
    click,
    requestFix,
    waitForCard,
    close: async () => {
      await bot.close();
      await connector.close();
    },
  };
}
