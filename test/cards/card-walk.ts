/** Reading a card back in tests: elements, visible strings, actions. */

export type Json = Record<string, unknown>;

/** Every object in the card with a `type` (elements, inlines, actions), depth first. */
export function typed(node: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const n of node) typed(n, out);
  else if (node && typeof node === 'object') {
    const o = node as Json;
    if (typeof o.type === 'string') out.push(o);
    for (const v of Object.values(o)) typed(v, out);
  }
  return out;
}

export const ofType = (card: object, type: string): Json[] => typed(card).filter((o) => o.type === type);

/** Strings rendered as markdown: TextBlock text and FactSet titles/values. */
export function markdownTexts(card: object): string[] {
  const texts = ofType(card, 'TextBlock').map((t) => String(t.text));
  for (const fs of ofType(card, 'FactSet')) {
    for (const f of fs.facts as Array<{ title: string; value: string }>) texts.push(f.title, f.value);
  }
  return texts;
}

/** Every string a user sees: markdown texts plus TextRuns. */
export function visibleTexts(card: object): string[] {
  return [...markdownTexts(card), ...ofType(card, 'TextRun').map((t) => String(t.text))];
}

/** All visible text joined, for "contains" assertions. */
export const visibleText = (card: object): string => visibleTexts(card).join('\n');

/** A string the templating left unexpanded: a field the builder forgot to supply. */
export function unexpanded(card: object): string[] {
  return JSON.stringify(card).match(/\$\{[^}]*\}/g) ?? [];
}
