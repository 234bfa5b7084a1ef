/**
 * Times on cards: an Adaptive Card date-time expression, which the host shows in the reader's own
 * time zone and format ("Date/Time formatting and localization",
 * https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features). The time must be
 * RFC 3339 without fractions, so milliseconds are dropped. Only in TextBlocks (TextRuns do not
 * evaluate it), and only for times the bot wrote itself.
 */
export function cardTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const rfc = new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `{{DATE(${rfc}, SHORT)}} {{TIME(${rfc})}}`;
}
