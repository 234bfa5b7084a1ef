import { describe, expect, it } from 'vitest';
import { en, localeOf, messagesFor, userMessageIn, zhCN } from '../../src/app/i18n/index.js';
import { COMMANDS } from '../../src/app/cards/index.js';
import { helpCommandIdOf } from '../../src/app/cards/help-card.js';
import { parseCommand } from '../../src/app/parse-command.js';
import { userMessageOf } from '../../src/user-message.js';
import { CJK, COMMAND_REFUSALS, REFUSAL_CODES, keyPaths, leavesOf, samplePaths } from './catalog.js';
import { WATCH_TEXT } from '../../src/app/cards/watch-card.js';
import { INCIDENT_TEXT } from '../../src/app/cards/incident-card.js';
import type { Messages } from '../../src/app/i18n/index.js';

describe('localeOf', () => {
  it.each([
    ['zh', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['zh-cn', 'zh-CN'],
    ['zh_CN', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh-Hans-HK', 'zh-CN'],
    ['zh-TW', 'en'],
    ['zh-HK', 'en'],
    ['zh-MO', 'en'],
    ['zh-Hant', 'en'],
    ['zh-Hant-TW', 'en'],
    ['en-US', 'en'],
    ['en', 'en'],
    ['de-DE', 'en'],
    ['', 'en'],
    ['zhx', 'en'],
    [undefined, 'en'],
  ])('%s → %s', (raw, expected) => {
    expect(localeOf(raw)).toBe(expected);
  });

  it('picks the catalog by locale or raw tag', () => {
    expect(messagesFor('zh-CN')).toBe(zhCN);
    expect(messagesFor('zh-Hans-SG')).toBe(zhCN);
    expect(messagesFor('fr-FR')).toBe(en);
    expect(messagesFor(undefined)).toBe(en);
  });
});

describe('catalogs', () => {
  it('have the same keys in both languages', () => {
    expect(keyPaths(zhCN).sort()).toEqual(keyPaths(en).sort());
  });

  it('have a sample for every message function, and no stale samples', () => {
    const functions = keyPaths(en).filter((p) => typeof p.split('.').reduce<any>((o, k) => o?.[k], en) === 'function');
    expect(samplePaths().sort()).toEqual(functions.sort());
  });

  it.each([
    ['en', en],
    ['zh-CN', zhCN],
  ] as const)('%s: no empty string anywhere, functions included', (_name, m) => {
    for (const [path, texts] of leavesOf(m)) {
      for (const text of texts) {
        expect(typeof text, path).toBe('string');
        expect(text.trim(), path).not.toBe('');
        expect(text, path).not.toMatch(/undefined|\[object Object\]|NaN/);
      }
    }
  });

  it('zh-CN: every text is Chinese (Han characters or CJK punctuation), except the locale tag', () => {
    for (const [path, texts] of leavesOf(zhCN)) {
      if (path === 'locale') continue;
      for (const text of texts) expect(text, `${path}: ${text}`).toMatch(CJK);
    }
  });

  it('en: no Chinese leaks into the English catalog', () => {
    for (const [path, texts] of leavesOf(en)) for (const text of texts) expect(text, path).not.toMatch(CJK);
  });

  it('zh-CN differs from English wherever English has words', () => {
    const zh = new Map(leavesOf(zhCN));
    for (const [path, texts] of leavesOf(en)) {
      if (path === 'locale') continue;
      expect(zh.get(path), path).not.toEqual(texts);
    }
  });

  it('keeps the technical terms as they are in Chinese', () => {
    expect(zhCN.checkTitle['nsg-10250']).toContain('NSG');
    expect(zhCN.checkTitle['ufw-10250']).toContain('UFW');
    expect(zhCN.checkTitle['iptables-10250']).toContain('iptables');
    expect(zhCN.checkTitle['snat-exhaustion']).toContain('SNAT');
    expect(zhCN.tunnel.konnectivity).toContain('konnectivity');
    expect(zhCN.help.intro.before).toContain('kubectl logs');
  });
});

describe('texts the catalog shares with other modules', () => {
  it('en help descriptions are the ones COMMANDS lists, and every command has a catalog id', () => {
    for (const c of COMMANDS) {
      const id = helpCommandIdOf(c.usage);
      expect(id, c.usage).toBeDefined();
      expect(en.help.commands[id!], c.usage).toBe(c.description);
    }
  });

  it('the generic error sentence is translated, Azure explanations are not', () => {
    expect(en.error.unexpected).toBe(userMessageOf(new Error('boom')));
    expect(userMessageIn(zhCN, new Error('boom'))).toBe(zhCN.error.unexpected);
    const azure = Object.assign(new Error('x'), { userMessage: 'Azure says 403: needs Microsoft.Network/read' });
    expect(userMessageIn(zhCN, azure)).toBe('Azure says 403: needs Microsoft.Network/read');
  });

  it('every parser refusal carries a code the catalog translates, with its values', () => {
    const hostile = [
      'diagnose aks-prod; rm -rf /',
      'diagnose аks-prod',
      'diagnose',
      'diagnose /subscriptions/x',
      'diagnose aks prod',
      'diagnose aks-prod in rg a in rg b',
      'diagnose aks-prod in sub a in sub b',
      'diagnose cluster -bad-',
      'audit cluster aks-prod in rg x',
      'x'.repeat(600),
      'unwatch cluster aks-prod every 15m',
      'watch cluster aks-prod every 1m',
      'watch',
      'watch cluster aks-prod in rg a in sub b in rg c',
      'watch aks prod',
    ];
    const seen = new Set<string>();
    for (const text of hostile) {
      const c = parseCommand(text);
      expect(c.kind, text).toBe('refused');
      if (c.kind !== 'refused') continue;
      expect(c.refusal, text).toBeDefined();
      seen.add(c.refusal!.code);
      const zh = zhCN.refusal.command(c.refusal, { reason: c.reason, hint: c.hint });
      expect(zh.reason, text).toMatch(CJK);
      expect(zh.hint, text).toMatch(CJK);
      // English shows the parser's own words.
      expect(en.refusal.command(c.refusal, { reason: c.reason, hint: c.hint })).toEqual({ reason: c.reason, hint: c.hint });
    }
    // 'watch-one-cluster' guards a case the diagnose parser already refuses (it never answers otherwise).
    const reachable = COMMAND_REFUSALS.map((r) => r.code).filter((c) => c !== 'watch-one-cluster');
    expect([...seen].sort()).toEqual([...new Set(reachable)].sort());
    // The offending character is named in Chinese too.
    const cyrillic = parseCommand('diagnose аks-prod');
    if (cyrillic.kind === 'refused') expect(zhCN.refusal.command(cyrillic.refusal, cyrillic).reason).toContain('U+0430');
  });

  it('approval refusals: every code has a Chinese message, and none shows an Entra object id (issue 15: name who to ask)', () => {
    for (const code of REFUSAL_CODES) expect(zhCN.approval.refusal(code, 'English.'), code).toMatch(CJK);
    // Even an English message from an older build that quoted the clicker's object id is not echoed.
    const older = 'You are not an approver, so nothing was done. An administrator can add your Entra object id (00000000-0000-0000-0000-00000000a002) to APPROVER_IDS.';
    expect(zhCN.approval.refusal('not-approver', older)).not.toContain('00000000-0000-0000-0000-00000000a002');
    expect(zhCN.approval.refusal('not-approver', older)).toContain('APPROVER_IDS');
    expect(zhCN.approval.refusal('not-requester', 'You are not allowed to request fixes.')).toContain('REQUESTER_IDS');
    for (const code of REFUSAL_CODES) expect(zhCN.audit.reason[code], code).toMatch(CJK);
    const english = 'You are not an approver, so nothing was done. Ask an approver listed in APPROVER_IDS to approve it; the bot administrator can add you to APPROVER_IDS.';
    expect(en.approval.refusal('not-approver', english)).toBe(english);
    expect(zhCN.approval.refusal('not-requester', 'Only the person who requested this fix can cancel it.')).toContain('取消');
  });
});

describe('the watch and incident texts are the English catalog', () => {
  // Each renders the same with the same sample arguments: the cards' own tables and the catalog agree.
  const rendered = (section: object, prefix: string) =>
    Object.fromEntries(leavesOf({ [prefix]: section } as unknown as Messages).map(([p, texts]) => [p, texts]));
  it('WATCH_TEXT', () => {
    expect(rendered(WATCH_TEXT, 'watch')).toEqual(rendered(en.watch, 'watch'));
  });
  it('INCIDENT_TEXT', () => {
    expect(rendered(INCIDENT_TEXT, 'incident')).toEqual(rendered(en.incident, 'incident'));
  });
});
