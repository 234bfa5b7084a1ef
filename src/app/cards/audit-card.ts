/**
 * The audit log in chat (`audit`, `audit cluster X`): who requested, approved, rejected and executed
 * which fix, newest first. Names and details come from Teams and from our own records; they are shown
 * as TextRuns (no markdown) so nothing turns into a link.
 */
import template from '../../../cards/audit.json' with { type: 'json' };
import type { AuditRecord } from '../../store/append-log.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertRun, stripControl, truncate } from './card-text.js';
import { messagesFor, type Locale } from '../i18n/index.js';

/** Records shown in one card: enough for an incident, well inside Teams' 28 KB. */
export const AUDIT_CARD_RECORDS = 25;

/** Record details are the bot's own English data (the log is evidence, kept as written); `locale` sets the rest. */
export function auditCard(input: { cluster?: string; records: AuditRecord[] }, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const shown = input.records.slice(0, AUDIT_CARD_RECORDS);
  const heading = m.audit.heading(input.cluster);
  return expandCard(template, {
    t: { empty: m.audit.empty, older: m.audit.older },
    fallbackText: stripControl(m.audit.fallback(heading, input.records.length)),
    heading: inertRun(truncate(heading, 120, m.common.cut)),
    empty: shown.length === 0,
    records: shown.map((r) => ({
      action: m.audit.action[r.action] ?? r.action,
      result: r.result ? ` (${m.audit.result[r.result] ?? r.result})` : '',
      at: r.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      who: inertRun(truncate(r.actor.name ?? r.actor.aadObjectId ?? r.actor.id, 80, m.common.cut)) + (r.clusterId ? ` · ${r.clusterId.split('/').pop()}` : ''),
      detail: inertRun(truncate(r.detail, 400, m.common.cut)),
    })),
    more: input.records.length > shown.length,
  });
}
