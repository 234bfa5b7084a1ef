/**
 * The incident feed's rules without HTTP: which diagnoses and audit records are summarised, threads
 * per cluster in the state store, an unknown channel warned about once, and every summary card valid
 * against the Adaptive Card 1.5 schema. (The HTTP path is in incident-channel.test.ts.)
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log.js';
import { AUDIT_ACTIONS, type AuditRecord } from '../../src/store/append-log.js';
import { SqliteStorage } from '../../src/store/sqlite-storage.js';
import type { Report } from '../../src/engine/report.js';
import { ConversationGoneError, type ConversationHandle, type Outbox, type Reply } from '../../src/app/events.js';
import { en, zhCN } from '../../src/app/i18n/index.js';
import { createIncidentFeed, feedIncidentsFrom, incidentThreadKey } from '../../src/app/incident-feed.js';
import { auditEmittingSteps, createAppEvents } from '../../src/app/app-events.js';
import { incidentAuditCard, incidentDiagnosisCard } from '../../src/app/cards/incident-card.js';
import { parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config-error.js';
import { cardText } from '../support/card-walk.js';
import { expectValidCard } from '../support/validate-card.js';
import { tempDir } from '../support/temp-dir.js';

const CHANNEL = '19:feedfeedfeed@thread.tacv2';
const CLUSTER_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/AKS-Prod';
const HANDLE: ConversationHandle = { id: CHANNEL, channelId: 'msteams', conversationType: 'channel', ref: { conversation: { id: CHANNEL } } };

function report(statuses: Array<'pass' | 'fail' | 'unknown'>): Report {
  const ids = ['nsg-10250', 'ufw-10250', 'iptables-10250', 'egress-tunnel-ports', 'snat-exhaustion', 'tunnel-agent-health'] as const;
  return {
    format: 'tunnel-doctor-report/v1',
    cluster: { id: CLUSTER_ID, name: 'AKS-Prod', tunnel: 'konnectivity', private: false, outboundType: 'loadBalancer', nodeCount: 3, resourceGroup: 'rg', subscriptionId: 's' },
    startedAt: '2026-11-26T01:00:00.000Z',
    finishedAt: '2026-11-26T01:01:00.000Z',
    checks: statuses.map((status, i) => ({ id: ids[i]!, status, summary: `summary [link](https://evil.example) ${i}`, nodes: [], evidence: [], fixes: [] })),
    affectedNodes: ['aks-nodepool1-0', 'aks-nodepool1-1'],
  };
}

function record(action: AuditRecord['action'], extra: Partial<AuditRecord> = {}): AuditRecord {
  return { at: '2026-11-26T01:02:03.456Z', actor: { id: '29:x', name: 'On-call' }, action, requestId: 'R1', clusterId: CLUSTER_ID, detail: `did ${action}`, ...extra };
}

function harness(opts: { channelId?: string; known?: boolean } = {}) {
  const state = new SqliteStorage({ path: path.join(tempDir('feed'), 'state.sqlite') });
  const posts: Array<{ to: string; threadOf?: string; reply: Reply }> = [];
  let next = 1;
  const outbox: Outbox = {
    async post(to, reply, o) {
      posts.push({ to: to.id, ...(o?.threadOf ? { threadOf: o.threadOf } : {}), reply });
      return `root-${next++}`;
    },
    async update() {},
  };
  const lines: Array<Record<string, any>> = [];
  const log = createLogger('debug', {}, (l) => lines.push(JSON.parse(l)));
  const feed = createIncidentFeed({
    ...('channelId' in opts ? (opts.channelId ? { channelId: opts.channelId } : {}) : { channelId: CHANNEL }),
    state,
    outbox,
    findConversation: async (id) => (opts.known === false ? undefined : id === CHANNEL ? HANDLE : undefined),
    log,
  });
  return { state, posts, feed, lines };
}

describe('incident feed', () => {
  it('summarises only diagnoses that found a cause, threading per cluster (case-insensitive id)', async () => {
    const h = harness();
    h.feed.diagnosed(report(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']));
    h.feed.diagnosed(report(['pass', 'unknown', 'pass', 'pass', 'pass', 'pass']));
    await h.feed.idle();
    expect(h.posts).toEqual([]);
    h.feed.diagnosed(report(['fail', 'pass', 'pass', 'pass', 'pass', 'pass']));
    h.feed.audited(record('requested', { clusterId: CLUSTER_ID.toLowerCase() }));
    // A refused click changed nothing: it stays in the audit log, out of the channel.
    h.feed.audited(record('refused', { verb: 'approve', reason: 'not-approver' }));
    h.feed.audited(record('approved'));
    await h.feed.idle();
    expect(h.posts.map((p) => p.threadOf)).toEqual([undefined, 'root-1', 'root-1']);
    const key = incidentThreadKey(CLUSTER_ID);
    expect((await h.state.read([key]))[key]).toMatchObject({ channelId: CHANNEL, rootActivityId: 'root-1' });
  });

  it('posts nothing without INCIDENT_CHANNEL_ID, and warns once about a channel it has no reference for', async () => {
    const off = harness({ channelId: undefined });
    off.feed.diagnosed(report(['fail', 'pass', 'pass', 'pass', 'pass', 'pass']));
    off.feed.audited(record('requested'));
    await off.feed.idle();
    expect(off.posts).toEqual([]);

    const unknown = harness({ known: false });
    unknown.feed.diagnosed(report(['fail', 'pass', 'pass', 'pass', 'pass', 'pass']));
    unknown.feed.audited(record('requested'));
    unknown.feed.audited(record('approved'));
    await unknown.feed.idle();
    expect(unknown.posts).toEqual([]);
    const warnings = unknown.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ channelId: CHANNEL });
  });

  it('a thread stored for another channel is not reused: a changed INCIDENT_CHANNEL_ID starts a new thread', async () => {
    const h = harness();
    const key = incidentThreadKey(CLUSTER_ID);
    await h.state.write({ [key]: { channelId: '19:old@thread.tacv2', rootActivityId: 'old-root', startedAt: 'x' } });
    h.feed.audited(record('requested'));
    await h.feed.idle();
    expect(h.posts[0]!.threadOf).toBeUndefined();
    expect((await h.state.read([key]))[key]).toMatchObject({ channelId: CHANNEL, rootActivityId: 'root-1' });
  });

  it('the audit decorator stores first, then emits the step; the feed hears it; a failing listener cannot fail the append', async () => {
    const appended: unknown[] = [];
    const inner = {
      appendAudit: async (e: any) => {
        appended.push(e);
        return { ...e, at: 'now' } as AuditRecord;
      },
      readAudit: async () => [],
    };
    const seen: AuditRecord[] = [];
    const events = createAppEvents(silentLogger);
    feedIncidentsFrom(events, { audited: (r) => seen.push(r), diagnosed: () => {} });
    events.on(() => {
      throw new Error('listener down');
    });
    const audit = auditEmittingSteps(inner, events);
    const r = await audit.appendAudit({ actor: { id: 'system' }, action: 'executed', detail: 'x' });
    expect(appended).toHaveLength(1);
    expect(seen).toEqual([r]);
  });
});

describe('incident cards', () => {
  it('the diagnosis summary is valid, names the causes, and keeps outside text inert', () => {
    const card = incidentDiagnosisCard(report(['fail', 'fail', 'pass', 'pass', 'pass', 'pass']), { requestedBy: 'Eve [x](https://evil.example)' });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toMatch(/2 causes found on AKS-Prod/);
    expect(text).toMatch(/Network security groups allow TCP 10250/);
    expect(text).toMatch(/UFW on the nodes/);
    expect(JSON.stringify(card)).not.toMatch(/\]\(https:\/\/evil/);
  });

  it.each(AUDIT_ACTIONS)('the %s step card is valid and says what happened', (action) => {
    const card = incidentAuditCard(record(action, action === 'verified' ? { result: 'succeeded' } : {}));
    expectValidCard(card);
    expect(cardText(card)).toMatch(/AKS-Prod/);
    expect(cardText(card)).toContain(`did ${action}`);
  });

  it('a re-check that still fails and an interrupted run read differently from success', () => {
    expect(cardText(incidentAuditCard(record('verified', { result: 'failed' })))).toMatch(/still fails/);
    expect(cardText(incidentAuditCard(record('failed', { result: 'partial' })))).toMatch(/interrupted/);
  });
});

describe('INCIDENT_CHANNEL_ID', () => {
  it('accepts a channel id (also URL-encoded, as in a channel link) and refuses anything else', () => {
    expect(parseConfig({ INCIDENT_CHANNEL_ID: CHANNEL }).incidentChannelId).toBe(CHANNEL);
    expect(parseConfig({ INCIDENT_CHANNEL_ID: encodeURIComponent(CHANNEL) }).incidentChannelId).toBe(CHANNEL);
    expect(parseConfig({}).incidentChannelId).toBeUndefined();
    for (const bad of [`${CHANNEL};messageid=1`, 'a:personal-chat', '19:x@thread.tacv2/../../x', 'general']) {
      expect(() => parseConfig({ INCIDENT_CHANNEL_ID: bad })).toThrow(ConfigError);
      expect(() => parseConfig({ INCIDENT_CHANNEL_ID: bad })).toThrow(/INCIDENT_CHANNEL_ID/);
    }
  });
});

describe('INCIDENT_LOCALE', () => {
  it('is en by default, accepts en and zh-CN, and refuses anything else naming the variable', () => {
    expect(parseConfig({}).incidentLocale).toBe('en');
    expect(parseConfig({ INCIDENT_LOCALE: 'en' }).incidentLocale).toBe('en');
    expect(parseConfig({ INCIDENT_LOCALE: ' zh-CN ' }).incidentLocale).toBe('zh-CN');
    for (const bad of ['zh', 'zh-TW', 'fr', 'ZH-CN', 'en-US']) {
      expect(() => parseConfig({ INCIDENT_LOCALE: bad })).toThrow(ConfigError);
      expect(() => parseConfig({ INCIDENT_LOCALE: bad })).toThrow(/INCIDENT_LOCALE.*en or zh-CN/);
    }
  });

  it('the feed posts its cards in the configured language', async () => {
    const state = new SqliteStorage({ path: path.join(tempDir('feed-zh'), 'state.sqlite') });
    const posts: Reply[] = [];
    const feed = createIncidentFeed({
      channelId: CHANNEL,
      state,
      outbox: { post: async (_to, reply) => (posts.push(reply), `root-${posts.length}`), update: async () => {} },
      findConversation: async () => HANDLE,
      locale: 'zh-CN',
      log: createLogger('error', {}, () => {}),
    });
    feed.diagnosed(report(['fail', 'pass', 'pass', 'pass', 'pass', 'pass']));
    feed.audited(record('approved'));
    await feed.idle();
    expect(cardText(posts[0]!.card)).toContain(zhCN.incident.diagnosisHeadline('AKS-Prod', 1));
    expect(cardText(posts[1]!.card)).toContain(zhCN.incident.action.approved('AKS-Prod'));
    expect(cardText(posts[1]!.card)).not.toContain(en.incident.action.approved('AKS-Prod'));
  });

  it('cut text says how much was left out in the card\'s language', () => {
    const long = record('failed', { detail: 'y'.repeat(2000) });
    expect(cardText(incidentAuditCard(long, 'zh-CN'))).toContain(zhCN.common.cut(2000 - 1180));
    expect(cardText(incidentAuditCard(long, 'zh-CN'))).not.toContain('characters)');
    expect(cardText(incidentAuditCard(long))).toContain(en.common.cut(820));
  });
});

describe('a channel that refuses posts for good', () => {
  it('is logged once, its handle and thread forgotten; other failures are not taken for it', async () => {
    const state = new SqliteStorage({ path: path.join(tempDir('feed-gone'), 'state.sqlite') });
    const lines: Array<Record<string, any>> = [];
    const forgotten: string[] = [];
    let refuse: unknown;
    const tried: string[] = [];
    const feed = createIncidentFeed({
      channelId: CHANNEL,
      state,
      outbox: {
        async post(to, _reply, o) {
          tried.push(o?.threadOf ?? 'root');
          if (refuse) throw refuse;
          return 'root-1';
        },
        update: async () => {},
      },
      // Still found after forgetting (another instance re-learned it): the warning stays single.
      findConversation: async () => HANDLE,
      forgetConversation: async (id) => void forgotten.push(id),
      log: createLogger('debug', {}, (l) => lines.push(JSON.parse(l))),
    });
    feed.diagnosed(report(['fail', 'pass', 'pass', 'pass', 'pass', 'pass']));
    await feed.idle();
    const key = incidentThreadKey(CLUSTER_ID);
    expect((await state.read([key]))[key]).toMatchObject({ rootActivityId: 'root-1' });

    refuse = new ConversationGoneError(`${CHANNEL};messageid=root-1`, 403, 'BotNotInConversationRoster');
    feed.audited(record('requested'));
    feed.audited(record('approved'));
    await feed.idle();
    expect(tried).toEqual(['root', 'root-1', 'root']);
    expect(forgotten).toEqual([CHANNEL, CHANNEL]);
    expect((await state.read([key]))[key]).toBeUndefined();
    const refusedLines = lines.filter((l) => l.msg.startsWith('incident channel refused the post'));
    expect(refusedLines).toHaveLength(1);
    expect(refusedLines[0]).toMatchObject({ level: 'warn', channelId: CHANNEL, status: 403, code: 'BotNotInConversationRoster' });
    expect(lines.filter((l) => l.msg === 'incident summary not posted')).toEqual([]);

    // Any other failure stays an error about that summary, and forgets nothing.
    refuse = new Error('socket hang up');
    feed.audited(record('executed'));
    await feed.idle();
    expect(forgotten).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'incident summary not posted')).toHaveLength(1);
  });
});
