import { describe, expect, it } from 'vitest';
import { createCardVerbRegistry } from '../../src/app/card-verbs.js';

const answer = async () => ({ card: { type: 'AdaptiveCard', version: '1.5', body: [] } });

describe('card verb registry', () => {
  it('throws at start-up when a verb is registered twice', () => {
    expect(() => createCardVerbRegistry([['approve', answer], ['approve', answer]])).toThrow(/"approve" is registered twice/);
  });

  it('finds registered verbs only', () => {
    const registry = createCardVerbRegistry([['refresh', answer]]);
    expect(registry.handlerFor('refresh')).toBe(answer);
    expect(registry.handlerFor('approve')).toBeUndefined();
    expect(registry.handlerFor('__proto__')).toBeUndefined();
    expect(registry.verbs()).toEqual(['refresh']);
  });
});
