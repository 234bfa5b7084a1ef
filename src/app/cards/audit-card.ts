/**
 * The audit log in chat (`audit`, `audit cluster X`): who requested, approved, rejected and executed
 * which fix, newest first. Names and details come from Teams and from our own records; they are shown
 * as TextRuns (no markdown) so nothing turns into a link.
 */
import template from '../../../cards/audit.json' with { type: 'json' };
import type { AuditRecord } from '../../store/append-log.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { inertRun, stripControl, truncate } from './card-text.js';

/** Records shown in one card: enough for an incident, well inside Teams' 28 KB. */
export const AUDIT_CARD_RECORDS = 25;

export function auditCard(input: { cluster?: string; records: AuditRecord[] }): AdaptiveCard {
  const shown = input.records.slice(0, AUDIT_CARD_RECORDS);
  const heading = input.cluster ? `Audit log: ${input.cluster}` : 'Audit log';
  return expandCard(template, {
    fallbackText: stripControl(`${heading}: ${input.records.length} records`),
    heading: inertRun(truncate(heading, 120)),
    empty: shown.length === 0,
    records: shown.map((r) => ({
      action: r.action,
      result: r.result ? ` (${r.result})` : '',
      at: r.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      who: inertRun(truncate(r.actor.name ?? r.actor.aadObjectId ?? r.actor.id, 80)) + (r.clusterId ? ` · ${r.clusterId.split('/').pop()}` : ''),
      detail: inertRun(truncate(r.detail, 400)),
    })),
    more: input.records.length > shown.length,
  });
}
