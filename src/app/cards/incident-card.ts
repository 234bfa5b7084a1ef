/**
 * The incident channel's summary cards: one per diagnosis that found a cause, one per step of a fix's
 * approval (requested … verified), threaded per cluster. Built from the Report and from audit records,
 * never from raw Azure objects. Outside text (cluster names, people, details) is made inert: names go
 * through inertMarkdown where a TextBlock/Fact shows them, details sit in TextRuns.
 *
 * Every user-visible string is in INCIDENT_TEXT, so the card can be translated in one place.
 */
import template from '../../../cards/incident-summary.json' with { type: 'json' };
import type { AuditRecord } from '../../store/append-log.js';
import type { Report } from '../../engine/report.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { BANNER, STATUS_LOOK, type Banner } from './status-look.js';
import { en, messagesFor, type Locale, type Messages } from '../i18n/index.js';

/** The card's words in English: the catalog's `incident` section (src/app/i18n); the builders take the locale. */
export const INCIDENT_TEXT: Messages['incident'] = en.incident;

/** Causes listed on one summary; the full report is one message away. */
const MAX_LINES = 6;

interface Line {
  icon: string;
  color: string;
  title: string;
  text: string;
}

interface IncidentView {
  fallbackText: string;
  banner: Banner & { headline: string; subtitle: string; hasSubtitle: boolean };
  facts: Array<{ title: string; value: string }>;
  lines: Line[];
  hasMore: boolean;
  more: string;
  footer: string;
}

/** `cut` says how much was left out, in the card's language (Messages.common.cut). */
type Cut = Messages['common']['cut'];

function bannerOf(look: Banner, cut: Cut, headline: string, subtitle = ''): IncidentView['banner'] {
  return { ...look, headline: inertMarkdown(truncate(headline, 200, cut)), subtitle: inertMarkdown(truncate(subtitle, 300, cut)), hasSubtitle: subtitle !== '' };
}

function fact(cut: Cut, title: string, value: string | undefined): Array<{ title: string; value: string }> {
  return value ? [{ title, value: inertMarkdown(truncate(value, 200, cut)) }] : [];
}

/** "2026-11-26 01:02:03Z": the card is read in many time zones. */
function shownTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function clusterNameOf(clusterId: string): string {
  return clusterId.split('/').filter(Boolean).pop() ?? clusterId;
}

/** "a, b, c, d, e and 995 more" in the card's language. */
function nodeList(nodes: readonly string[], m: Messages): string {
  const { shown, more } = firstOf(nodes, 5);
  const head = shown.join(m.common.listSeparator);
  return more > 0 ? m.common.listMore(head, more) : head;
}

function render(view: IncidentView): AdaptiveCard {
  return expandCard(template, view);
}

/** A diagnosis that found at least one cause (status fail). */
export function incidentDiagnosisCard(report: Report, opts: { requestedBy?: string } = {}, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const t = m.incident;
  const cluster = report.cluster;
  const failing = report.checks.filter((c) => c.status === 'fail');
  const shown = failing.slice(0, MAX_LINES);
  const headline = t.diagnosisHeadline(cluster.name, failing.length);
  const look = STATUS_LOOK.fail;
  return render({
    fallbackText: stripControl(truncate(headline, 200, m.common.cut)),
    banner: bannerOf(BANNER.attention, m.common.cut, headline, t.diagnosisSubtitle(report.affectedNodes.length)),
    facts: [
      ...fact(m.common.cut, t.fact.cluster, cluster.name),
      ...fact(m.common.cut, t.fact.resourceGroup, cluster.resourceGroup),
      ...fact(m.common.cut, t.fact.subscription, cluster.subscriptionId),
      ...fact(m.common.cut, t.fact.tunnel, cluster.tunnel),
      ...fact(m.common.cut, t.fact.nodes, report.affectedNodes.length > 0 ? nodeList(report.affectedNodes, m) : undefined),
      ...fact(m.common.cut, t.fact.by, opts.requestedBy),
      ...fact(m.common.cut, t.fact.at, shownTime(report.finishedAt)),
    ],
    lines: shown.map((c) => ({
      icon: look.icon,
      color: look.color,
      title: m.common.label(m.checkTitle[c.id] ?? c.id),
      text: inertRun(truncate(c.summary, 400, m.common.cut)),
    })),
    hasMore: failing.length > shown.length,
    more: t.moreChecks(failing.length - shown.length),
    footer: inertMarkdown(t.footer(truncate(cluster.name, 100, m.common.cut))),
  });
}

function auditLook(record: AuditRecord, t: Messages['incident']): { look: Banner; headline: (cluster: string) => string } {
  const a = t.action;
  switch (record.action) {
    case 'requested':
      return { look: BANNER.warning, headline: a.requested };
    case 'approved':
      return { look: BANNER.info, headline: a.approved };
    case 'rejected':
      return { look: BANNER.refused, headline: a.rejected };
    case 'cancelled':
      return { look: BANNER.info, headline: a.cancelled };
    case 'expired':
      return { look: BANNER.warning, headline: a.expired };
    case 'executed':
      return { look: BANNER.good, headline: a.executed };
    case 'failed':
      return record.result === 'partial' ? { look: BANNER.warning, headline: a.failedPartial } : { look: BANNER.attention, headline: a.failed };
    case 'verified':
      return record.result === 'succeeded' ? { look: BANNER.good, headline: a.verified } : { look: BANNER.attention, headline: a.stillFailing };
    case 'refused':
      return { look: BANNER.refused, headline: a.refused };
  }
}

/** One step of a fix's approval and execution, from its audit record. */
export function incidentAuditCard(record: AuditRecord, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const t = m.incident;
  const cluster = record.clusterId ? clusterNameOf(record.clusterId) : '';
  const { look, headline } = auditLook(record, t);
  const title = headline(cluster);
  const who = record.actor.id === 'system' ? t.system : (record.actor.name ?? record.actor.aadObjectId ?? t.someone);
  return render({
    fallbackText: stripControl(truncate(title, 200, m.common.cut)),
    banner: bannerOf(look, m.common.cut, title),
    facts: [
      ...fact(m.common.cut, t.fact.cluster, cluster),
      ...fact(m.common.cut, t.fact.by, who),
      ...fact(m.common.cut, t.fact.at, shownTime(record.at)),
      ...fact(m.common.cut, t.fact.request, record.requestId),
      ...fact(m.common.cut, t.fact.result, record.result ? t.result[record.result] : undefined),
    ],
    lines: [{ icon: look.icon, color: look.color, title: m.common.label(t.whatHappened), text: inertRun(truncate(record.detail, 1200, m.common.cut)) }],
    hasMore: false,
    more: '',
    footer: inertMarkdown(t.footer(truncate(cluster, 100, m.common.cut))),
  });
}
