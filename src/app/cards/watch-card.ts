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
import { firstOf, inertMarkdown, inertRun, plural, stripControl, truncate } from './card-text.js';
import { BANNER, CHECK_TITLES, STATUS_LOOK, type Banner } from './status-look.js';

/** Every string the watch cards and replies show. */
export const WATCH_TEXT = {
  changedHeading: (cluster: string, n: number) => `🔔 ${cluster}: ${n === 1 ? 'a verdict changed' : `${n} verdicts changed`}`,
  changedSubtitle: (checkedAt: string, interval: string) => `Checked ${checkedAt} · watching every ${interval}`,
  changedFooter: 'I post here only when a verdict changes. "Diagnose now" shows the full report with fixes.',
  changedFallback: (cluster: string, changes: string) => `${cluster}: ${changes}`,
  diagnoseNow: 'Diagnose now',
  stopWatching: 'Stop watching',
  startedHeading: (cluster: string, interval: string) => `👁️ Watching ${cluster} every ${interval}`,
  updatedHeading: (cluster: string, interval: string, previous: string) =>
    previous === interval ? `👁️ Already watching ${cluster} every ${interval}` : `👁️ Watching ${cluster} every ${interval} (was every ${previous})`,
  startedMessage: "I'll post here when a verdict changes. Current state:",
  checkingNote: 'Checking the current state now; this card updates when the first diagnosis is done.',
  noBaselineMessage: "I'll post here when a verdict changes.",
  baselineFailedNote: (why: string) => `I could not check the current state now (${why}). The first scheduled check will take the baseline.`,
  lastStateNote: (at: string) => `State as of ${at}.`,
  stoppedHeading: (cluster: string) => `Stopped watching ${cluster}`,
  stoppedMessage: 'No more posts about it in this chat.',
  notWatchingReason: (cluster: string) => `This chat is not watching a cluster named "${cluster}".`,
  notWatchingHint: 'Type "watches" to see what this chat watches.',
  severalMatchReason: (cluster: string, n: number) => `This chat watches ${n} clusters named "${cluster}".`,
  severalMatchHint: 'Name the one to stop by its resource id, or with "in resource group <rg>".',
  limitConversationReason: (limit: number) => `This chat already watches ${limit} clusters, the most one chat may watch.`,
  limitTotalReason: (limit: number) => `This bot already runs ${limit} watches, the most it runs at once.`,
  limitHint: 'Stop a watch first ("unwatch cluster <name>"); "watches" lists them.',
  noConversationReason: 'I cannot post into this conversation later, so I cannot watch a cluster from here.',
  noConversationHint: 'Ask me from Teams (a chat or a channel), or use "diagnose" for a one-off check.',
  unavailableReason: 'Watching is not available: this bot runs without a state store or a way to post later.',
  pausedGoneHeading: (cluster: string) => `⏸️ Watch paused: ${cluster} is gone`,
  pausedGoneMessage: 'The cluster no longer exists in any subscription I can read, so I stopped checking it.',
  pausedFailingHeading: (cluster: string) => `⏸️ Watch paused: ${cluster} could not be diagnosed`,
  pausedFailingMessage: (n: number, why: string) => `The last ${n} diagnoses failed (${why}), so I stopped checking.`,
  resumeNote: (cluster: string) => `To try again: watch cluster ${cluster}. To remove it: unwatch cluster ${cluster}.`,
  listHeading: (n: number) => (n === 0 ? 'Watches in this chat' : `Watches in this chat (${n})`),
  listEmpty: 'This chat watches no cluster. Start with "watch cluster <name> every 15m".',
  listSchedule: (interval: string, next: string) => `every ${interval} · next check ${next}`,
  listPaused: (reason: string) => `⏸️ Paused: ${reason}`,
  listNoBaseline: '⏳ No verdicts yet: the first check is pending',
  listVerdicts: (parts: string[]) => parts.join(' · '),
  listVerdictPart: (icon: string, n: number, label: string) => `${icon} ${n} ${label.toLowerCase()}`,
  listHint: 'Stop one: unwatch cluster <name>. Change its interval: watch cluster <name> every 1h.',
  listMore: (n: number) => `… and ${plural(n, 'more watch', 'more watches')}`,
  lookupFailedTitle: (cluster: string) => `Could not look up ${cluster}`,
  unknownSubscriptionTitle: (subscription: string) => `No subscription "${subscription}"`,
  unknownSubscriptionMessage: (known: string) => `I can see these subscriptions: ${known || 'none'}. Name one of them by id or display name.`,
  commandFailedTitle: 'The watch command failed',
  pausedGoneReason: 'the cluster is gone',
  pausedFailingReason: 'diagnoses kept failing',
} as const;

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

function statusText(status: CheckStatus): string {
  const look = STATUS_LOOK[status];
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

export function watchChangeCard(input: WatchChangeInput): AdaptiveCard {
  const name = truncate(stripControl(input.cluster.name), 63);
  const banner = bannerFor(input.changes);
  const interval = formatInterval(input.intervalMinutes);
  return expandCard(changeTemplate, {
    fallbackText: stripControl(WATCH_TEXT.changedFallback(name, input.changes.map((c) => `${c.check} ${c.before} → ${c.after}`).join(', '))),
    bannerStyle: banner.style,
    bannerColor: banner.color,
    heading: inertMarkdown(WATCH_TEXT.changedHeading(name, input.changes.length)),
    subtitle: WATCH_TEXT.changedSubtitle(shortTime(input.checkedAt), interval),
    changes: input.changes.map((c) => ({
      title: CHECK_TITLES[c.check],
      check: c.check,
      before: statusText(c.before),
      beforeColor: STATUS_LOOK[c.before].color,
      after: statusText(c.after),
      afterColor: STATUS_LOOK[c.after].color,
      summary: inertRun(truncate(stripControl(c.summary), 400)),
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

export function watchStateCard(input: WatchStateInput): AdaptiveCard {
  const banner = input.banner ?? BANNER.info;
  const name = truncate(stripControl(input.cluster.name), 63);
  const checks = CHECK_IDS.flatMap((id: CheckId) => {
    const status = input.verdicts?.[id];
    return status === undefined ? [] : [{ status: statusText(status), color: STATUS_LOOK[status].color, title: CHECK_TITLES[id] }];
  });
  const note = input.note ? inertRun(truncate(stripControl(input.note), 500)) : '';
  return expandCard(stateTemplate, {
    fallbackText: stripControl(`${input.heading} ${input.message}`),
    bannerStyle: banner.style,
    bannerColor: banner.color,
    heading: inertMarkdown(truncate(input.heading, 200)),
    message: inertRun(truncate(input.message, 500)),
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

function verdictSummary(verdicts: Verdicts | undefined): { text: string; color: string } {
  const known = CHECK_IDS.flatMap((id) => (verdicts?.[id] ? [verdicts[id]] : []));
  if (known.length === 0) return { text: WATCH_TEXT.listNoBaseline, color: 'Default' };
  const order: CheckStatus[] = ['fail', 'warn', 'unknown', 'pass', 'not-applicable'];
  const parts = order.flatMap((s) => {
    const n = known.filter((k) => k === s).length;
    return n === 0 ? [] : [WATCH_TEXT.listVerdictPart(STATUS_LOOK[s].icon, n, STATUS_LOOK[s].label)];
  });
  const worst = order.find((s) => known.includes(s)) ?? 'pass';
  return { text: WATCH_TEXT.listVerdicts(parts), color: STATUS_LOOK[worst].color };
}

export function watchesCard(entries: WatchListEntry[]): AdaptiveCard {
  const { shown, more } = firstOf(entries, MAX_LISTED);
  const rows = shown.map((w) => {
    const summary = w.paused ? { text: WATCH_TEXT.listPaused(w.paused.reason), color: 'Warning' } : verdictSummary(w.verdicts);
    return {
      name: inertRun(truncate(stripControl(w.cluster.name), 63)),
      schedule: WATCH_TEXT.listSchedule(formatInterval(w.intervalMinutes), shortTime(w.nextDueAt)),
      state: summary.text,
      stateColor: summary.color,
    };
  });
  const heading = WATCH_TEXT.listHeading(entries.length);
  return expandCard(listTemplate, {
    fallbackText: stripControl(`${heading}: ${shown.map((w) => w.cluster.name).join(', ')}`),
    heading,
    empty: entries.length === 0,
    emptyText: WATCH_TEXT.listEmpty,
    watches: rows,
    hasHint: entries.length > 0,
    hint: more > 0 ? `${WATCH_TEXT.listMore(more)}. ${WATCH_TEXT.listHint}` : WATCH_TEXT.listHint,
  });
}
