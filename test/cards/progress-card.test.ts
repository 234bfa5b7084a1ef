import { describe, expect, it } from 'vitest';
import { progressCard } from '../../src/app/cards/index.js';
import { expectValidCard } from '../support/validate-card.js';
import { ofType, unexpanded, visibleText } from './card-walk.js';

describe('progressCard', () => {
  it('says which cluster and how far', () => {
    const card = progressCard('aks-prod', 2, 6);
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    expect(ofType(card, 'TextBlock')[0]?.text).toBe('⏳ Diagnosing aks-prod… 2 of 6 checks');
    expect(visibleText(card)).toContain('▰▰▱▱▱▱');
    expect(card.fallbackText).toBe('Diagnosing aks-prod… 2 of 6 checks');
  });

  it('explains the wait only before anything finished', () => {
    expect(visibleText(progressCard('aks-prod', 0, 6))).toContain('takes a minute or two');
    expect(visibleText(progressCard('aks-prod', 1, 6))).not.toContain('takes a minute or two');
  });

  it('pins nonsense numbers instead of showing them', () => {
    expect(ofType(progressCard('aks-prod', 9, 6), 'TextBlock')[0]?.text).toBe('⏳ Diagnosing aks-prod… 6 of 6 checks');
    expect(ofType(progressCard('aks-prod', -3, Number.NaN), 'TextBlock')[0]?.text).toBe('⏳ Diagnosing aks-prod… 0 of 0 checks');
    expect(ofType(progressCard('aks-prod', 1, 1), 'TextBlock')[0]?.text).toBe('⏳ Diagnosing aks-prod… 1 of 1 check');
    expectValidCard(progressCard('aks-prod', 500, 1000));
  });

  it('lists the checks, each turning from ⏳ to its verdict as it finishes', () => {
    const card = progressCard('aks-prod', 2, 6, 'en', [
      { check: 'egress-tunnel-ports', status: 'fail' },
      { check: 'nsg-10250', status: 'pass' },
    ]);
    expectValidCard(card);
    expect(unexpanded(card)).toEqual([]);
    const rows = ofType(card, 'RichTextBlock').map((b) => (b.inlines as Array<{ text: string }>).map((r) => r.text).join(''));
    expect(rows).toEqual([
      '✅ Network security groups allow TCP 10250 — Passed',
      '⏳ UFW on the nodes',
      '⏳ iptables on the nodes',
      '❌ Tunnel egress port — Failed',
      '⏳ SNAT ports on the outbound load balancer',
      '⏳ Tunnel agent pods',
      '⏳ Kubelets answer on TCP 10250',
    ]);
  });

  it('shows a check this build does not know by its id, after the known ones', () => {
    const card = progressCard('aks-prod', 1, 8, 'zh-CN', [{ check: 'future-check' as never, status: 'unknown' }]);
    expectValidCard(card);
    const rows = ofType(card, 'RichTextBlock').map((b) => (b.inlines as Array<{ text: string }>).map((r) => r.text).join(''));
    expect(rows).toHaveLength(8);
    expect(rows.at(-1)).toMatch(/^❔ future-check — /);
  });
});
