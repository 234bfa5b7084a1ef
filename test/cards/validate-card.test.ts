import { describe, expect, it } from 'vitest';
import { TEAMS_CARD_LIMIT_BYTES, expectValidCard, validateCard } from '../support/validate-card.js';

const minimal = () => ({
  type: 'AdaptiveCard',
  version: '1.5',
  body: [
    { type: 'TextBlock', text: 'hello', wrap: true },
    { type: 'Container', id: 'more', isVisible: false, items: [{ type: 'TextBlock', text: 'hidden' }] },
  ],
  actions: [{ type: 'Action.ToggleVisibility', title: 'More', targetElements: ['more'] }],
});

describe('validateCard', () => {
  it('accepts a well-formed 1.5 card', () => {
    expect(validateCard(minimal()).errors).toEqual([]);
  });

  it('reports an unknown element type, from the renderer and from the schema', () => {
    const card = minimal();
    card.body.push({ type: 'Carousel', text: 'x', wrap: false } as never);
    const { errors } = validateCard(card);
    expect(errors.some((e) => e.startsWith('renderer:') && e.includes('Carousel'))).toBe(true);
    expect(errors).toContain('schema: /body/2 has unknown type "Carousel"');
  });

  it('reports a version other than 1.5', () => {
    const { errors } = validateCard({ ...minimal(), version: '9.9' });
    expect(errors).toContain('card: version is "9.9", expected "1.5"');
    expect(errors.some((e) => e.includes('UnsupportedCardVersion'))).toBe(true);
  });

  it('reports a card over the Teams size limit', () => {
    const card = minimal();
    card.body.push({ type: 'TextBlock', text: 'x'.repeat(TEAMS_CARD_LIMIT_BYTES), wrap: true });
    expect(validateCard(card).errors.some((e) => e.startsWith('card:') && e.includes("Teams' limit"))).toBe(true);
  });

  it('reports invalid property values, missing required properties and unknown properties', () => {
    const card = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        { type: 'TextBlock', text: 'x', color: 'red' },
        { type: 'FactSet', facts: [{ title: 'only a title' }] },
        { type: 'TextBlock', text: 'y', colour: 'Good' },
      ],
    };
    const { errors } = validateCard(card);
    expect(errors).toContain('renderer: InvalidPropertyValue: Invalid value "red" for property "color".');
    expect(errors).toContain("schema: /body/1/facts/0 must have required property 'value'");
    expect(errors).toContain('schema: /body/2 (TextBlock) must NOT have additional properties ("colour")');
    // Only the branch of the element's own type is reported, not every element type it is not.
    expect(errors.some((e) => e.includes('["ActionSet"]'))).toBe(false);
  });

  it('reports a toggle whose target does not exist', () => {
    const card = minimal();
    card.actions = [{ type: 'Action.ToggleVisibility', title: 'More', targetElements: ['nowhere'] }];
    expect(validateCard(card).errors).toContain('card: Action.ToggleVisibility targets "nowhere", which no element has as id');
  });

  it('reports duplicate ids', () => {
    const card = minimal();
    card.body.push({ type: 'TextBlock', text: 'again', id: 'more' } as never);
    expect(validateCard(card).errors.some((e) => e.includes('DuplicateId'))).toBe(true);
  });

  it('expectValidCard throws with every problem listed', () => {
    const broken = { ...minimal(), version: '9.9', body: [{ type: 'Bogus' }] };
    let message = '';
    try {
      expectValidCard(broken);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid Adaptive Card \(\d+ problems\)/);
    expect(message).toContain('version is "9.9"');
    expect(message).toContain('unknown type "Bogus"');
    expect(message).toContain('targets "more"');
    expect(() => expectValidCard(minimal())).not.toThrow();
  });
});
