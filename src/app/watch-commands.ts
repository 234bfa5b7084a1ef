/**
 * The chat side of watches: `watch cluster X [every 15m]`, `unwatch cluster X`, `watches`.
 * A watch belongs to the conversation it was asked in (it keeps that conversation's handle, to post
 * there later) and to one cluster, resolved now exactly as diagnose resolves it; the scheduler
 * (watch-scheduler.ts) runs it from then on.
 *
 * `watch` runs the first diagnosis at once and shows the current state, which becomes the
 * baseline: from then on the chat hears only about changes.
 *
 * Every answer is in the asker's language (the activity's locale), and the watch keeps that language
 * for what the scheduler posts later.
 */
import type { Logger } from '../log.js';
import { resolveCluster, type ClusterDirectory, type ClusterTarget } from '../engine/find-cluster.js';
import type { ClusterRef } from '../cluster-ref.js';
import type { Report } from '../engine/report.js';
import { formatInterval } from '../engine/watch/interval.js';
import { intervalMs } from '../engine/watch/due.js';
import { compareVerdicts } from '../engine/watch/verdicts.js';
import { watchIdOf, type Watch, type WatchRepository } from '../engine/watch/repository.js';
import type { EventContext } from './event-context.js';
import type { MessageEvent, ReplyChannel } from './events.js';
import { chooseClusterCard, clusterNotFoundCard, errorCard, refusalCard } from './cards/index.js';
import { shortTime, watchesCard, watchStateCard } from './cards/watch-card.js';
import { BANNER } from './cards/status-look.js';
import { LOCALES, messagesFor, userMessageIn, type Messages } from './i18n/index.js';

export interface WatchCommandDeps {
  watches: WatchRepository;
  directory: ClusterDirectory;
  /** The same diagnosis the app runs for `diagnose`. */
  diagnose(cluster: ClusterRef): Promise<Report>;
  log: Logger;
  now?: () => Date;
}

export interface WatchCommands {
  /** `ctx`: the event's context (event-context.ts): its logger, bound to the correlation id, and the asker's language. */
  watch(target: ClusterTarget, intervalMinutes: number, event: MessageEvent, replies: ReplyChannel, ctx: EventContext): Promise<void>;
  unwatch(target: ClusterTarget, event: MessageEvent, replies: ReplyChannel, ctx: EventContext): Promise<void>;
  list(event: MessageEvent, replies: ReplyChannel, ctx: EventContext): Promise<void>;
  /** A bare `unwatch`: the clusters this chat watches, each with its Stop button; false when it watches none. */
  offerUnwatch(event: MessageEvent, replies: ReplyChannel, ctx: EventContext): Promise<boolean>;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Does this stored watch's cluster answer to what the user typed? */
function matchesTarget(w: Watch, target: ClusterTarget): boolean {
  if (target.by === 'id') return same(w.cluster.id, target.id);
  if (!same(w.cluster.name, target.name)) return false;
  if (target.resourceGroup !== undefined && !same(w.cluster.resourceGroup, target.resourceGroup)) return false;
  if (target.subscription !== undefined && !same(w.cluster.subscriptionId, target.subscription)) return false;
  return true;
}

/**
 * A paused watch's reason is stored in English (a stable value, watch-scheduler.ts); shown in the
 * reader's language when it is one of the scheduler's own.
 */
function pausedReasonIn(t: Messages['watch'], reason: string): string {
  for (const locale of LOCALES) {
    const known = messagesFor(locale).watch;
    if (reason === known.pausedGoneReason) return t.pausedGoneReason;
    if (reason === known.pausedFailingReason) return t.pausedFailingReason;
  }
  return reason;
}

export function createWatchCommands(deps: WatchCommandDeps): WatchCommands {
  const now = deps.now ?? (() => new Date());

  async function resolved(target: ClusterTarget, replies: ReplyChannel, ctx: EventContext): Promise<ClusterRef | undefined> {
    const { m, locale } = ctx;
    let resolution;
    try {
      resolution = await resolveCluster(deps.directory, target);
    } catch (err) {
      ctx.log.warn('cluster lookup failed', { err });
      await replies.send({ card: errorCard({ title: m.watch.lookupFailedTitle(target.name), message: userMessageIn(m, err), correlationId: ctx.correlationId }, locale) });
      return undefined;
    }
    switch (resolution.kind) {
      case 'found':
        return resolution.cluster;
      case 'not-found':
        await replies.send({ card: clusterNotFoundCard(resolution, locale) });
        return undefined;
      case 'ambiguous':
        await replies.send({ card: chooseClusterCard(resolution, locale) });
        return undefined;
      case 'unknown-subscription':
        await replies.send({
          card: errorCard(
            {
              title: m.watch.unknownSubscriptionTitle(resolution.subscription),
              message: m.watch.unknownSubscriptionMessage(resolution.known.join(m.common.listSeparator)),
            },
            locale,
          ),
        });
        return undefined;
    }
  }

  return {
    async watch(target, intervalMinutes, event, replies, ctx) {
      const { log, locale, m } = ctx;
      const t = m.watch;
      const conversation = event.conversation;
      if (!conversation) {
        await replies.send({ card: refusalCard({ reason: t.noConversationReason, hint: t.noConversationHint }, locale) });
        return;
      }
      const cluster = await resolved(target, replies, ctx);
      if (!cluster) return;
      const at = now();
      const watch: Watch = {
        id: watchIdOf(conversation.id, cluster.id),
        conversation,
        locale,
        cluster,
        intervalMinutes,
        createdBy: { id: event.caller.aadObjectId ?? event.caller.id, ...(event.caller.name ? { name: event.caller.name } : {}) },
        createdAt: at.toISOString(),
        nextDueAt: new Date(at.getTime() + intervalMs(intervalMinutes)).toISOString(),
        failures: 0,
      };
      const outcome = await deps.watches.add(watch);
      const interval = formatInterval(intervalMinutes);
      if (outcome.kind === 'limit') {
        log.info('watch refused: limit', { scope: outcome.scope, limit: outcome.limit });
        const reason = outcome.scope === 'conversation' ? t.limitConversationReason(outcome.limit) : t.limitTotalReason(outcome.limit);
        await replies.send({ card: refusalCard({ reason, hint: t.limitHint }, locale) });
        return;
      }
      if (outcome.kind === 'updated' && outcome.watch.verdicts) {
        log.info('watch updated', { watchId: watch.id, cluster: cluster.id, intervalMinutes });
        await replies.send({
          card: watchStateCard(
            {
              heading: t.updatedHeading(cluster.name, interval, formatInterval(outcome.previousIntervalMinutes)),
              message: t.startedMessage,
              cluster,
              verdicts: outcome.watch.verdicts,
              ...(outcome.watch.lastRunAt ? { note: t.lastStateNote(shortTime(outcome.watch.lastRunAt)) } : {}),
            },
            locale,
          ),
        });
        return;
      }
      log.info('watch added', { watchId: watch.id, cluster: cluster.id, conversationId: conversation.id, intervalMinutes });
      const heading = t.startedHeading(cluster.name, interval);
      const cardId = await replies.send({ card: watchStateCard({ heading, message: t.noBaselineMessage, cluster, note: t.checkingNote }, locale) });
      const show = async (card: object) => (cardId ? replies.update(cardId, { card }) : replies.send({ card }).then(() => undefined));
      try {
        const report = await deps.diagnose(cluster);
        const ranAt = now().toISOString();
        // The scheduler may have taken a baseline meanwhile (a very short interval): keep the first.
        const stored = await deps.watches.update(watch.id, (w) => (w.verdicts ? undefined : { ...w, verdicts: compareVerdicts(undefined, report).next, lastRunAt: ranAt }));
        const verdicts = stored?.verdicts ?? compareVerdicts(undefined, report).next;
        await show(watchStateCard({ heading, message: t.startedMessage, cluster, verdicts, note: t.lastStateNote(shortTime(ranAt)) }, locale));
      } catch (err) {
        log.warn('first watch diagnosis failed', { watchId: watch.id, cluster: cluster.id, err });
        // Let the scheduler take the baseline at its next tick rather than a whole interval later.
        await deps.watches.update(watch.id, (w) => (w.verdicts ? undefined : { ...w, nextDueAt: now().toISOString() })).catch(() => undefined);
        await show(watchStateCard({ heading, message: t.noBaselineMessage, banner: BANNER.warning, cluster, note: t.baselineFailedNote(userMessageIn(m, err)) }, locale));
      }
    },

    async unwatch(target, event, replies, ctx) {
      const { locale } = ctx;
      const t = ctx.m.watch;
      const conversationId = event.conversation?.id ?? event.conversationId;
      const matches = (await deps.watches.listFor(conversationId)).filter((w) => matchesTarget(w, target));
      if (matches.length === 0) {
        await replies.send({ card: refusalCard({ reason: t.notWatchingReason(target.name), hint: t.notWatchingHint }, locale) });
        return;
      }
      if (matches.length > 1) {
        await replies.send({ card: refusalCard({ reason: t.severalMatchReason(target.name, matches.length), hint: t.severalMatchHint }, locale) });
        return;
      }
      const w = matches[0] as Watch;
      await deps.watches.remove(w.id);
      ctx.log.info('watch removed', { watchId: w.id, cluster: w.cluster.id });
      await replies.send({ card: watchStateCard({ heading: t.stoppedHeading(w.cluster.name), message: t.stoppedMessage, cluster: w.cluster, actions: false }, locale) });
    },

    async offerUnwatch(event, replies, ctx) {
      const conversationId = event.conversation?.id ?? event.conversationId;
      if ((await deps.watches.listFor(conversationId)).length === 0) return false;
      await listWatches(event, replies, ctx, true);
      return true;
    },

    list: (event, replies, ctx) => listWatches(event, replies, ctx, false),
  };

  async function listWatches(event: MessageEvent, replies: ReplyChannel, ctx: EventContext, offerStop: boolean): Promise<void> {
    const { locale } = ctx;
    const t = ctx.m.watch;
    const conversationId = event.conversation?.id ?? event.conversationId;
    const watches = await deps.watches.listFor(conversationId);
    await replies.send({
      card: watchesCard(
        watches.map((w) => ({
          cluster: w.cluster,
          intervalMinutes: w.intervalMinutes,
          nextDueAt: w.nextDueAt,
          ...(w.verdicts ? { verdicts: w.verdicts } : {}),
          ...(w.paused ? { paused: { reason: pausedReasonIn(t, w.paused.reason) } } : {}),
        })),
        locale,
        offerStop,
      ),
    });
  }
}
