import { describe, expect, it } from 'vitest';
import { WATCH_TEXT, watchChangeCard, watchesCard, watchStateCard } from '../../src/app/cards/watch-card.js';
import { COMMANDS } from '../../src/app/cards/help-card.js';
import { parseCommand } from '../../src/app/parse-command.js';
import { CHECK_IDS } from '../../src/engine/report.js';
import { cardSizeBytes, expectValidCard } from '../support/validate-card.js';
import { ofType, unexpanded, visibleText } from './card-walk.js';
import changeTemplate from '../../cards/watch-change.json' with { type: 'json' };
import stateTemplate from '../../cards/watch-state.json' with { type: 'json' };
import listTemplate from '../../cards/watches.json' with { type: 'json' };

const CLUSTER = { id: '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod', name: 'aks-prod' };

describe('watch cards', () => {
  it('a change card names each changed check, before → after, with Diagnose now and Stop watching', () => {
    const card = watchChangeCard({
      cluster: CLUSTER,
      changes: [{ check: 'nsg-10250', before: 'fail', after: 'pass', summary: 'No NSG rule blocks TCP 10250 [x](http://evil.example)' }],
      intervalMinutes: 90,
      checkedAt: '2026-11-26T10:15:03.123Z',
    });
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    const text = visibleText(card);
    expect(text).toContain('aks-prod: a verdict changed');
    expect(text).toContain('nsg-10250');
    expect(text).toContain('❌ Failed');
    expect(text).toContain('✅ Passed');
    expect(text).toContain('every 1h30m');
    expect(text).toContain('2026-11-26 10:15Z');
    expect(text).not.toContain('://evil'); // outside text cannot become a link
    const buttons = ofType(card, 'Action.Submit');
    expect(buttons.map((b) => b.title)).toEqual([WATCH_TEXT.diagnoseNow, WATCH_TEXT.stopWatching]);
    expect(buttons[0]!.data).toMatchObject({ action: 'diagnose', clusterId: CLUSTER.id });
    // The buttons' commands are ones the parser accepts.
    for (const b of buttons) expect(parseCommand((b.data as { msteams: { text: string } }).msteams.text).kind).toMatch(/^(diagnose|unwatch)$/);
    // A fail makes the banner red; all-pass green.
    expect(JSON.stringify(card)).toContain('"style":"good"');
  });

  it('stays small with every check changed and long summaries', () => {
    const card = watchChangeCard({
      cluster: { ...CLUSTER, name: 'a'.repeat(63) },
      changes: CHECK_IDS.map((check) => ({ check, before: 'pass', after: 'fail', summary: 'x'.repeat(5000) })),
      intervalMinutes: 15,
      checkedAt: '2026-11-26T10:15:03Z',
    });
    expectValidCard(card);
    expect(cardSizeBytes(card)).toBeLessThan(10_000);
    expect(JSON.stringify(card)).toContain('"style":"attention"');
  });

  it('the state card lists verdicts, or none, and can drop its buttons', () => {
    const withVerdicts = watchStateCard({ heading: WATCH_TEXT.startedHeading('aks-prod', '15m'), message: WATCH_TEXT.startedMessage, cluster: CLUSTER, verdicts: { 'nsg-10250': 'fail', 'ufw-10250': 'pass' } });
    expectValidCard(withVerdicts);
    expect(unexpanded(withVerdicts)).toEqual([]);
    expect(visibleText(withVerdicts)).toMatch(/❌ Failed\n\s*Network security groups allow TCP 10250/);
    const bare = watchStateCard({ heading: 'Stopped', message: 'No more posts.', cluster: CLUSTER, actions: false });
    expectValidCard(bare);
    expect(ofType(bare, 'Action.Submit')).toEqual([]);
  });

  it('the list shows each watch, paused ones too, and an empty list says how to start', () => {
    const card = watchesCard([
      { cluster: CLUSTER, intervalMinutes: 15, nextDueAt: '2026-11-26T10:30:00Z', verdicts: { 'nsg-10250': 'fail', 'ufw-10250': 'pass', 'iptables-10250': 'pass' } },
      { cluster: { ...CLUSTER, name: 'aks-gone' }, intervalMinutes: 60, nextDueAt: '2026-11-26T11:00:00Z', paused: { reason: 'the cluster is gone' } },
      { cluster: { ...CLUSTER, name: 'aks-new' }, intervalMinutes: 5, nextDueAt: '2026-11-26T10:05:00Z' },
    ]);
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    const text = visibleText(card);
    expect(text).toContain('Watches in this chat (3)');
    expect(text).toContain('❌ 1 failed · ✅ 2 passed');
    expect(text).toContain('Paused: the cluster is gone');
    expect(text).toContain('No verdicts yet');
    const empty = watchesCard([]);
    expectValidCard(empty);
    expect(visibleText(empty)).toContain(WATCH_TEXT.listEmpty);
  });

  it('keeps every user-visible string out of the templates (they are translated in one place)', () => {
    for (const template of [changeTemplate, stateTemplate, listTemplate]) {
      for (const el of [...ofType(template, 'TextBlock'), ...ofType(template, 'TextRun'), ...ofType(template, 'Action.Submit')]) {
        const shown = String(el.text ?? el.title ?? '');
        expect(shown.replace(/\$\{[^}]*\}/g, '').trim(), shown).toMatch(/^[\s→·]*$/);
      }
    }
  });

  it('the help card lists watch, unwatch and watches with examples the parser accepts', () => {
    for (const usage of ['watch cluster <name> [every 15m]', 'unwatch cluster <name>', 'watches']) {
      const c = COMMANDS.find((x) => x.usage === usage);
      expect(c, usage).toBeDefined();
      expect(parseCommand(c!.example).kind).toBe(usage.split(' ')[0]);
    }
  });
});
