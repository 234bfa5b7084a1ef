import { describe, expect, it } from 'vitest';
import { COMMANDS, helpCard } from '../../src/app/cards/index.js';
import { parseCommand } from '../../src/app/parse-command.js';
import { expectValidCard } from '../support/validate-card.js';
import { ofType, typed, unexpanded, visibleText } from './card-walk.js';

const DEMOS = [
  { cluster: 'aks-nsg-deny', title: 'NSG denies 10250' },
  { cluster: 'aks-ufw', title: 'UFW enabled on a node' },
];

describe('helpCard', () => {
  it('lists every command with an example', () => {
    const card = helpCard();
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    const text = visibleText(card);
    for (const usage of [
      'diagnose cluster <name>',
      'diagnose <name>',
      'diagnose cluster <name> in resource group <rg>',
      'diagnose cluster <name> in subscription <id or name>',
      'diagnose <managedClusters resource id>',
      'help',
    ]) {
      const run = ofType(card, 'TextRun').find((r) => r.text === usage);
      expect(run, usage).toBeDefined();
      expect(run?.fontType).toBe('Monospace');
    }
    for (const c of COMMANDS) expect(text).toContain(c.example);
  });

  it('gives examples the command parser accepts', () => {
    for (const c of COMMANDS) expect(parseCommand(c.example).kind, c.example).not.toMatch(/refused|unrecognised/);
  });

  it('shows no demo section without demo clusters', () => {
    const card = helpCard([]);
    expectValidCard(card);
    expect(visibleText(card)).not.toContain('Demo clusters');
    expect(ofType(card, 'Action.Submit')).toEqual([]);
  });

  it('lists the demo clusters, each with a button that diagnoses it', () => {
    const card = helpCard(DEMOS);
    expectValidCard(card);
    const rows = ofType(card, 'ColumnSet');
    expect(rows).toHaveLength(2);
    expect(visibleText(rows[0]!).replace(/\n/g, '')).toBe('Try: diagnose cluster aks-nsg-deny — NSG denies 10250');
    const buttons = ofType(card, 'Action.Submit');
    expect(buttons.map((b) => b.data)).toEqual(
      DEMOS.map((d) => ({
        action: 'diagnose',
        clusterId: d.cluster,
        msteams: { type: 'messageBack', text: `diagnose ${d.cluster}`, displayText: `diagnose cluster ${d.cluster}` },
      })),
    );
  });

  it('caps a long demo list', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ cluster: `aks-demo-${i}`, title: `Demo ${i}` }));
    const card = helpCard(many);
    expectValidCard(card);
    expect(ofType(card, 'Action.Submit')).toHaveLength(12);
    expect(visibleText(card)).toContain('and 18 more demo clusters');
    expect(typed(card).length).toBeGreaterThan(0);
  });
});
