/** Reading cards in tests the way a person sees them: all the text, and the buttons. */

export type Json = Record<string, any>;

/** Every string in the card, joined (zero-width spaces the cards insert against auto-links removed). */
export function cardText(card: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(card);
  return out.join(' ').replace(/\u200b/g, '');
}

/** The Action.Execute buttons of a card (not its refresh action). */
export function executeActions(card: unknown): Json[] {
  const out: Json[] = [];
  const walk = (v: unknown, key?: string) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') {
      const o = v as Json;
      // The card-level refresh action is not a button.
      if (o.type === 'Action.Execute' && key !== 'action') out.push(o);
      for (const [k, x] of Object.entries(o)) walk(x, k);
    }
  };
  walk(card);
  return out;
}
