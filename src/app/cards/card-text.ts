/**
 * Making outside text (what a user typed, names and output read from Azure) safe to show.
 *
 * TextBlock renders a CommonMark subset with links and `{{DATE()}}` functions
 * (https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features); TextRun inside a
 * RichTextBlock renders no markdown at all. So: verbatim content (fix changes, evidence, commands)
 * goes into TextRuns untouched, and outside text that must sit in a TextBlock or a Fact goes through
 * `inertMarkdown` first.
 */

const ZWSP = '\u200B';

/** Control characters other than newline and tab: they have no business in a card. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function stripControl(text: string): string {
  return text.replace(CONTROL, '');
}

/**
 * Breaks every construct that would turn outside text into a link or a host function, with an
 * invisible zero-width space, so the text reads the same but cannot link anywhere:
 * `[t](u)` and `[t][r]` / `[r]: u` (after `]`), `<http://…>` autolinks (after `<`), bare URLs that
 * hosts auto-link (`://`, `www.`), and `{{DATE(…)}}` (between the braces).
 * Backslash escapes are not used: hosts that skip markdown would show the backslashes.
 */
export function inertMarkdown(text: string): string {
  return stripControl(text)
    .replace(/\]/g, `]${ZWSP}`)
    .replace(/</g, `<${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
    .replace(/\{\{/g, `{${ZWSP}{`);
}

/**
 * For TextRuns that are prose rather than verbatim content: no markdown applies, but hosts may still
 * auto-link a bare URL, so those are broken the same way.
 */
export function inertRun(text: string): string {
  return stripControl(text)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`);
}

const ENGLISH_CUT = (n: number) => `… (+${n} characters)`;

/** Cuts `text` to at most `max` characters, saying (in the card's language: `Messages.common.cut`) how much was left out. */
export function truncate(text: string, max: number, saying: (moreChars: number) => string = ENGLISH_CUT): string {
  if (text.length <= max) return text;
  const cut = Math.max(0, max - 20);
  return `${text.slice(0, cut)}${saying(text.length - cut)}`;
}

/** The first `max` items and how many were left out. */
export function firstOf<T>(items: readonly T[], max: number): { shown: T[]; more: number } {
  return { shown: items.slice(0, Math.max(0, max)), more: Math.max(0, items.length - Math.max(0, max)) };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "a, b, c and 990 more" — for node lists that can run to thousands. */
export function summariseList(items: readonly string[], max: number): string {
  const { shown, more } = firstOf(items, max);
  const head = shown.join(', ');
  return more > 0 ? `${head} and ${more} more` : head;
}
