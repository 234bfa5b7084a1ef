import { describe, expect, it } from 'vitest';
import { chooseClusterCard, clusterNotFoundCard } from '../../src/app/cards/index.js';
import { expectValidCard } from '../support/validate-card.js';
import { markdownTexts, ofType, unexpanded, visibleText } from './card-walk.js';

const SUB_A = '11111111-1111-4111-8111-111111111111';
const SUB_B = '22222222-2222-4222-8222-222222222222';
const idOf = (sub: string, rg: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`;

describe('clusterNotFoundCard', () => {
  const input = {
    query: 'aks-prd',
    searched: [`Production (${SUB_A})`, `Development (${SUB_B})`],
    suggestions: ['aks-prod', 'aks-prd2', 'aks-dev'],
  };

  it('says what was searched', () => {
    const card = clusterNotFoundCard(input);
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    expect(ofType(card, 'TextBlock')[0]?.text).toBe('❔ No cluster named “aks-prd”');
    const text = visibleText(card);
    expect(text).toContain('Searched 2 subscriptions:');
    expect(text).toContain(`Production (${SUB_A}), Development (${SUB_B})`);
  });

  it('names the resource group when the search was limited to one', () => {
    const card = clusterNotFoundCard({ ...input, searched: [`Production (${SUB_A})`], resourceGroup: 'rg-prod' });
    expectValidCard(card);
    expect(ofType(card, 'TextBlock')[0]?.text).toBe('❔ No cluster named “aks-prd” in resource group rg-prod');
    expect(visibleText(card)).toContain('Searched subscription:');
    expect(ofType(card, 'TextRun').some((r) => r.text === 'rg-prod')).toBe(true);
  });

  it('offers the closest names as buttons that diagnose them', () => {
    const card = clusterNotFoundCard(input);
    const buttons = ofType(card, 'Action.Submit').filter((b) => (b.data as { action: string }).action === 'diagnose');
    expect(buttons.map((b) => b.title)).toEqual(['aks-prod', 'aks-prd2', 'aks-dev']);
    expect(buttons[0]?.data).toEqual({
      action: 'diagnose',
      clusterId: 'aks-prod',
      msteams: { type: 'messageBack', text: 'diagnose aks-prod', displayText: 'diagnose aks-prod' },
    });
  });

  it('says so when nothing is close, and still offers help', () => {
    const card = clusterNotFoundCard({ ...input, suggestions: [] });
    expectValidCard(card);
    expect(visibleText(card)).toContain('No cluster there has a similar name');
    expect(ofType(card, 'Action.Submit').map((b) => (b.data as { action: string }).action)).toEqual(['help']);
  });

  it('copes with no readable subscription', () => {
    const card = clusterNotFoundCard({ query: 'aks-prod', searched: [], suggestions: [] });
    expectValidCard(card);
    expect(visibleText(card)).toContain('I cannot read any subscription');
  });

  it('keeps a hostile query from becoming a link', () => {
    const card = clusterNotFoundCard({ ...input, query: '[x](https://evil.example)' });
    expectValidCard(card);
    for (const t of markdownTexts(card)) expect(t).not.toMatch(/\]\(|:\/\//);
  });
});

describe('chooseClusterCard', () => {
  const candidates = [
    { id: idOf(SUB_A, 'rg-prod', 'aks-prod'), name: 'aks-prod', resourceGroup: 'rg-prod', subscriptionId: SUB_A, subscriptionName: 'Production', location: 'westeurope' },
    { id: idOf(SUB_B, 'rg-dev', 'aks-prod'), name: 'aks-prod', resourceGroup: 'rg-dev', subscriptionId: SUB_B },
  ];

  it('has one button per candidate, carrying its resource id', () => {
    const card = chooseClusterCard({ query: 'aks-prod', candidates });
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    expect(ofType(card, 'TextBlock')[0]?.text).toBe('❔ 2 clusters named “aks-prod”');
    const buttons = ofType(card, 'Action.Submit');
    expect(buttons.map((b) => b.data)).toEqual(
      candidates.map((c) => ({
        action: 'diagnose',
        clusterId: c.id,
        msteams: { type: 'messageBack', text: `diagnose ${c.id}`, displayText: `diagnose aks-prod in ${c.resourceGroup}` },
      })),
    );
  });

  it('names on each button what it chooses: the resource group, or the subscription when groups repeat', () => {
    expect(ofType(chooseClusterCard({ query: 'aks-prod', candidates }), 'Action.Submit').map((b) => b.title)).toEqual(['Diagnose in rg-prod', 'Diagnose in rg-dev']);
    const sameGroup = candidates.map((c) => ({ ...c, resourceGroup: 'rg-aks' }));
    expect(ofType(chooseClusterCard({ query: 'aks-prod', candidates: sameGroup }), 'Action.Submit').map((b) => b.title)).toEqual(['Diagnose in Production', `Diagnose in ${SUB_B}`]);
    expect(ofType(chooseClusterCard({ query: 'aks-prod', candidates }, 'zh-CN'), 'Action.Submit').map((b) => b.title)).toEqual(['诊断 rg-prod 中的集群', '诊断 rg-dev 中的集群']);
  });

  it('tells the candidates apart by resource group, subscription and location', () => {
    const text = visibleText(chooseClusterCard({ query: 'aks-prod', candidates }));
    expect(text).toContain(`resource group rg-prod · subscription Production (${SUB_A}) · westeurope`);
    expect(text).toContain(`resource group rg-dev · subscription ${SUB_B}`);
  });

  it('caps a long list and says how to narrow it', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      id: idOf(SUB_A, `rg-${i}`, 'aks-prod'),
      name: 'aks-prod',
      resourceGroup: `rg-${i}`,
      subscriptionId: SUB_A,
    }));
    const card = chooseClusterCard({ query: 'aks-prod', candidates: many });
    expectValidCard(card);
    expect(ofType(card, 'Action.Submit')).toHaveLength(15);
    expect(visibleText(card)).toContain('and 25 more: add “in resource group <rg>”');
  });
});
