/**
 * The watch cards: a verdict changed (posted by the scheduler, without a turn), the state of one
 * watch (the answer to `watch`, and notices such as "paused: the cluster is gone"), and the list
 * (`watches`). Every user-visible string is in WATCH_TEXT below, so the cards can be translated in
 * one place; the templates in cards/watch-*.json hold only bindings.
 */
import changeTemplate from '../../../cards/watch-change.json' with { type: 'json' };
import stateTemplate from '../../../cards/watch-state.json' with { type: 'json' };
import listTemplate from '../../../cards/watches.json' with { type: 'json' };
import { CHECK_IDS, type CheckId, type CheckStatus } from '../../engine/report.js';
import type { VerdictChange, Verdicts } from '../../engine/watch/verdicts.js';
import { formatInterval } from '../../engine/watch/interval.js';
import { diagnoseSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertMarkdown, inertRun, stripControl, truncate } from './card-text.js';
import { BANNER, STATUS_LOOK, statusLook, type Banner } from './status-look.js';
import { en, messagesFor, type Locale, type Messages } from '../i18n/index.js';

/**
 * Every string the watch cards and replies show, in English: the catalog's `watch` section
 * (src/app/i18n). Other languages: `messagesFor(locale).watch`; the builders below take the locale.
 */
export const WATCH_TEXT: Messages['watch'] = en.watch;

export interface WatchedCluster {
  id: string;
  name: string;
}

/** "2026-11-26 01:23Z": short, unambiguous, the same in every locale. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, 'Z');
}

function unwatchSubmitData(clusterId: string, name: string) {
  return { action: 'unwatch', clusterId, msteams: { type: 'messageBack', text: `unwatch ${clusterId}`, displayText: `unwatch cluster ${name}` } };
}

function statusText(status: CheckStatus, m: Messages): string {
  const look = statusLook(status, m);
  return `${look.icon} ${look.label}`;
}

function bannerFor(changes: VerdictChange[]): Banner {
  if (changes.some((c) => c.after === 'fail')) return BANNER.attention;
  if (changes.some((c) => c.after === 'warn')) return BANNER.warning;
  return BANNER.good;
}

export interface WatchChangeInput {
  cluster: WatchedCluster;
  changes: VerdictChange[];
  intervalMinutes: number;
  checkedAt: string;
}

export function watchChangeCard(input: WatchChangeInput, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const WATCH_TEXT = m.watch;
  const name = truncate(stripControl(input.cluster.name), 63, m.common.cut);
  const banner = bannerFor(input.changes);
  const interval = formatInterval(input.intervalMinutes);
  return expandCard(changeTemplate, {
    fallbackText: stripControl(WATCH_TEXT.changedFallback(name, input.changes.map((c) => `${c.check} ${m.status[c.before]} → ${m.status[c.after]}`).join(', '))),
    bannerStyle: banner.style,
    bannerColor: banner.color,
    heading: inertMarkdown(WATCH_TEXT.changedHeading(name, input.changes.length)),
    subtitle: WATCH_TEXT.changedSubtitle(shortTime(input.checkedAt), interval),
    changes: input.changes.map((c) => ({
      title: m.checkTitle[c.check],
      check: c.check,
      before: statusText(c.before, m),
      beforeColor: STATUS_LOOK[c.before].color,
      after: statusText(c.after, m),
      afterColor: STATUS_LOOK[c.after].color,
      summary: inertRun(truncate(stripControl(c.summary), 400, m.common.cut)),
    })),
    footer: WATCH_TEXT.changedFooter,
    diagnoseLabel: WATCH_TEXT.diagnoseNow,
    diagnoseData: diagnoseSubmitData(input.cluster.id, `diagnose cluster ${name}`),
    unwatchLabel: WATCH_TEXT.stopWatching,
    unwatchData: unwatchSubmitData(input.cluster.id, name),
  });
}

export interface WatchStateInput {
  heading: string;
  message: string;
  banner?: Banner;
  cluster: WatchedCluster;
  /** The verdicts to list (every check the watch knows), when known. */
  verdicts?: Verdicts;
  note?: string;
  /** "Diagnose now" and "Stop watching" buttons; off for a card about a watch that is gone. */
  actions?: boolean;
}

/** `heading`, `message` and `note` come in the card's language (`messagesFor(locale).watch`). */
export function watchStateCard(input: WatchStateInput, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const WATCH_TEXT = m.watch;
  const banner = input.banner ?? BANNER.info;
  const name = truncate(stripControl(input.cluster.name), 63, m.common.cut);
  const checks = CHECK_IDS.flatMap((id: CheckId) => {
    const status = input.verdicts?.[id];
    return status === undefined ? [] : [{ status: statusText(status, m), color: STATUS_LOOK[status].color, title: m.checkTitle[id] }];
  });
  const note = input.note ? inertRun(truncate(stripControl(input.note), 500, m.common.cut)) : '';
  return expandCard(stateTemplate, {
    fallbackText: stripControl(`${input.heading} ${input.message}`),
    bannerStyle: banner.style,
    bannerColor: banner.color,
    heading: inertMarkdown(truncate(input.heading, 200, m.common.cut)),
    message: inertRun(truncate(input.message, 500, m.common.cut)),
    hasChecks: checks.length > 0,
    checks,
    hasNote: note !== '',
    note,
    hasActions: input.actions !== false,
    diagnoseLabel: WATCH_TEXT.diagnoseNow,
    diagnoseData: diagnoseSubmitData(input.cluster.id, `diagnose cluster ${name}`),
    unwatchLabel: WATCH_TEXT.stopWatching,
    unwatchData: unwatchSubmitData(input.cluster.id, name),
  });
}

export interface WatchListEntry {
  cluster: WatchedCluster;
  intervalMinutes: number;
  nextDueAt: string;
  verdicts?: Verdicts;
  paused?: { reason: string };
}

/** Well inside Teams' 28 KB: 20 per chat is the default limit anyway. */
const MAX_LISTED = 30;

function verdictSummary(verdicts: Verdicts | undefined, m: Messages): { text: string; color: string } {
  const WATCH_TEXT = m.watch;
  const known = CHECK_IDS.flatMap((id) => (verdicts?.[id] ? [verdicts[id]] : []));
  if (known.length === 0) return { text: WATCH_TEXT.listNoBaseline, color: 'Default' };
  const order: CheckStatus[] = ['fail', 'warn', 'unknown', 'pass', 'not-applicable'];
  const parts = order.flatMap((s) => {
    const n = known.filter((k) => k === s).length;
    return n === 0 ? [] : [WATCH_TEXT.listVerdictPart(STATUS_LOOK[s].icon, n, m.status[s])];
  });
  const worst = order.find((s) => known.includes(s)) ?? 'pass';
  return { text: WATCH_TEXT.listVerdicts(parts), color: STATUS_LOOK[worst].color };
}

/** `offerStop`: a "Stop watching" button per cluster (the answer to a bare `unwatch`). */
export function watchesCard(entries: WatchListEntry[], locale: Locale = 'en', offerStop = false): AdaptiveCard {
  const m = messagesFor(locale);
  const WATCH_TEXT = m.watch;
  const { shown, more } = firstOf(entries, MAX_LISTED);
  const rows = shown.map((w) => {
    const summary = w.paused ? { text: WATCH_TEXT.listPaused(w.paused.reason), color: 'Warning' } : verdictSummary(w.verdicts, m);
    return {
      name: inertRun(truncate(stripControl(w.cluster.name), 63, m.common.cut)),
      schedule: WATCH_TEXT.listSchedule(formatInterval(w.intervalMinutes), shortTime(w.nextDueAt)),
      state: summary.text,
      stateColor: summary.color,
      unwatchData: unwatchSubmitData(w.cluster.id, w.cluster.name),
    };
  });
  const heading = WATCH_TEXT.listHeading(entries.length);
  return expandCard(listTemplate, {
    fallbackText: stripControl(`${heading}: ${shown.map((w) => w.cluster.name).join(', ')}`),
    heading,
    empty: entries.length === 0,
    emptyText: WATCH_TEXT.listEmpty,
    watches: rows,
    offerStop: offerStop && entries.length > 0,
    stopLabel: WATCH_TEXT.stopWatching,
    hasHint: entries.length > 0,
    hint: more > 0 ? `${WATCH_TEXT.listMore(more)}. ${WATCH_TEXT.listHint}` : WATCH_TEXT.listHint,
  });
}
