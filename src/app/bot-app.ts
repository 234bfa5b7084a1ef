/**
 * The app: one entry point for every message, whichever transport delivered it (Bot Framework over
 * HTTP, the CLI, tests). Commands in, replies out; Azure work goes through the engine.
 */
import type { Logger } from '../log.js';
import type { ClusterDirectory, ClusterResolution } from '../engine/find-cluster.js';
import type { ClusterRef } from '../cluster-ref.js';
import { resolveCluster } from '../engine/find-cluster.js';
import type { CheckStatus, Report } from '../engine/report.js';
import { CHECK_IDS } from '../engine/report.js';
import type { CardActionAnswer, CardActionEvent, MessageEvent, ReplyChannel } from './events.js';
import { cardActionErrorCard, type FixFlow } from './fix-flow.js';
import { parseCommand, type ClusterTarget, type Command } from './parse-command.js';
import {
  chooseClusterCard,
  clusterNotFoundCard,
  diagnosisCard,
  errorCard,
  helpCard,
  progressCard,
  type FinishedCheck,
  refusalCard,
  auditCard,
  AUDIT_CARD_RECORDS,
} from './cards/index.js';
import { auditRecordsFor } from './audit-records.js';
import { userMessageIn } from './i18n/index.js';
import type { AuditLog } from '../store/append-log.js';
import type { WatchCommands } from './watch-commands.js';
import type { AppEvents } from './app-events.js';
import { createCardVerbRegistry, type CardVerbFeature } from './card-verbs.js';
import { eventContextOf, type EventContext } from './event-context.js';
import { createDiagnosisQueue, DiagnosisDropped, type DiagnosisQueueOptions } from './diagnosis-queue.js';

export interface DemoCluster {
  cluster: string;
  title: string;
}

export interface DiagnoseProgress {
  done: number;
  total: number;
  /** The check that just finished, and its verdict (the progress card shows each as it comes). */
  check?: string;
  status?: CheckStatus;
}

export interface DiagnosisScope {
  correlationId: string;
  log: Logger;
}

export interface AppDeps {
  directory: ClusterDirectory;
  /** `scope`: the diagnosis's correlation id and its logger (bound to it), for the engine's log lines and the trace. */
  diagnose(cluster: ClusterRef, onProgress: (p: DiagnoseProgress) => void, scope?: DiagnosisScope): Promise<Report>;
  demoClusters: DemoCluster[];
  log: Logger;
  /** The approval flow; without it, diagnosis cards carry no "Request this fix" buttons. */
  fixes?: FixFlow;
  /** The audit log, for `audit` and `audit cluster X`. */
  audit?: AuditLog;
  /** `watch`, `unwatch`, `watches` (watch-commands.ts); without it they are answered "not available". */
  watches?: WatchCommands;
  /** Told of every finished diagnosis (the incident channel listens there: incident-feed.ts). */
  events?: Pick<AppEvents, 'emit'>;
  /**
   * Card verbs of features other than the fix flow (which brings its own). Every verb is registered
   * once at start-up: a verb two features claim throws here, not at the first click.
   */
  features?: readonly CardVerbFeature[];
  /** Bounds on chat diagnoses (diagnosis-queue.ts); defaults DEFAULT_DIAGNOSIS_QUEUE. */
  diagnosisQueue?: Partial<DiagnosisQueueOptions>;
}

export interface BotApp {
  handleMessage(event: MessageEvent, replies: ReplyChannel): Promise<void>;
  /**
   * An Action.Execute click: answers with the card to show at once (the transport must answer the
   * invoke within seconds); slow work is in `followUp`, which the transport runs after the turn.
   */
  handleCardAction(event: CardActionEvent): Promise<CardActionAnswer>;
  /**
   * Shutdown: no new diagnosis starts; those still waiting for a slot are dropped (their progress
   * card says so). Returns how many were dropped.
   */
  stopDiagnoses(): number;
}

/** Action.Submit data from our own cards ("choose this cluster"): untrusted, so it is re-parsed as text. */
function commandFromValue(value: unknown): Command | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (v.action === 'diagnose' && typeof v.clusterId === 'string') return parseCommand(`diagnose ${v.clusterId.slice(0, 600)}`);
  if (v.action === 'help') return { kind: 'help' };
  if (v.action === 'unwatch' && typeof v.clusterId === 'string') return parseCommand(`unwatch ${v.clusterId.slice(0, 600)}`);
  return undefined;
}

/**
 * Text a user typed, echoed in a reply's (markdown) text: inside a code span, so a link, an @mention
 * or formatting shows as the literal characters and never renders as a link in Teams. Backticks and
 * line breaks, which could close the span, become spaces.
 */
export function asCodeSpan(text: string): string {
  const plain = text.slice(0, 80).replace(/[`\r\n\u0000-\u001f\u007f]/g, ' ').trim();
  return `\`${plain || ' '}\``;
}

export function createBotApp(deps: AppDeps): BotApp {
  const queue = createDiagnosisQueue(deps.diagnosisQueue);
  // Watches bring no card verbs yet: their Stop buttons are Action.Submit messages (commandFromValue).
  const features: CardVerbFeature[] = [...(deps.fixes ? [deps.fixes] : []), ...(deps.features ?? [])];
  const verbs = createCardVerbRegistry(features.flatMap((f) => f.cardVerbs));

  async function diagnose(target: ClusterTarget, event: MessageEvent, ctx: EventContext, replies: ReplyChannel, started: Promise<void>): Promise<void> {
    const { log, locale, m } = ctx;
    const shownName = target.name;
    // Answer at once: finding the cluster alone reads every subscription, and the checks take minutes.
    const progressId = await replies.send({ card: progressCard(shownName, 0, CHECK_IDS.length, locale) });
    const show = async (card: object) => {
      if (progressId) await replies.update(progressId, { card });
      else await replies.send({ card });
    };
    try {
      await started;
    } catch (err) {
      if (!(err instanceof DiagnosisDropped)) throw err;
      log.info('diagnosis dropped: the bot is stopping', { cluster: shownName });
      await show(errorCard({ title: m.app.droppedTitle(shownName), message: m.app.dropped, correlationId: ctx.correlationId }, locale));
      return;
    }
    let resolution: ClusterResolution;
    try {
      resolution = await resolveCluster(deps.directory, target);
    } catch (err) {
      log.warn('cluster lookup failed', { err });
      await show(errorCard({ title: m.error.lookupFailed(shownName), message: userMessageIn(m, err), correlationId: ctx.correlationId }, locale));
      return;
    }
    // Say how the cluster was found: one Resource Graph query, or a list per subscription (and why).
    log.info('cluster lookup', { kind: resolution.kind, ...resolution.lookup });
    switch (resolution.kind) {
      case 'not-found':
        await show(clusterNotFoundCard(resolution, locale));
        return;
      case 'unknown-subscription':
        await show(
          errorCard({ title: m.error.noSubscription(resolution.subscription), message: m.error.knownSubscriptions(resolution.known) }, locale),
        );
        return;
      case 'ambiguous':
        await show(chooseClusterCard(resolution, locale));
        return;
      case 'found':
        break;
    }
    const cluster = resolution.cluster;
    log.info('diagnosis started', { cluster: cluster.id });
    try {
      let lastShown = -1;
      const finished: FinishedCheck[] = [];
      const report = await deps.diagnose(cluster, (p) => {
        if (p.check && p.status) finished.push({ check: p.check, status: p.status });
        // Progress updates are best-effort; the final card below is what matters. The outbox
        // coalesces queued updates of one activity (paced-delivery.ts), within Teams' rate limits.
        if (progressId && p.done !== lastShown) {
          lastShown = p.done;
          replies.update(progressId, { card: progressCard(cluster.name, p.done, p.total, locale, finished) }).catch(() => {});
        }
      }, { correlationId: ctx.correlationId, log });
      const reportId = await deps.fixes?.keepReport(report, cluster);
      await show(diagnosisCard(report, reportId ? { reportId } : {}, locale));
      deps.events?.emit({ kind: 'diagnosed', report, by: event.caller, correlationId: ctx.correlationId });
      log.info('diagnosis finished', { cluster: cluster.id, checks: report.checks.map((c) => `${c.id}:${c.status}`) });
    } catch (err) {
      log.error('diagnosis failed', { cluster: cluster.id, err });
      await show(errorCard({ title: m.error.diagnosisFailed(cluster.name), message: userMessageIn(m, err), correlationId: ctx.correlationId }, locale));
    }
  }

  return {
    stopDiagnoses: () => queue.close(),
    async handleCardAction(event) {
      const ctx = eventContextOf(event, deps.log);
      const handler = verbs.handlerFor(event.verb);
      if (!handler) {
        ctx.log.info('unknown card verb', { verb: event.verb });
        const m = ctx.m;
        return { card: refusalCard({ reason: m.refusal.unknownButton(event.verb.slice(0, 40)), hint: m.refusal.unknownButtonHint }, m.locale) };
      }
      try {
        return await handler(event, ctx);
      } catch (err) {
        ctx.log.error('card action failed', { err, verb: event.verb });
        return { card: cardActionErrorCard(err, ctx.correlationId, ctx.locale) };
      }
    },
    async handleMessage(event, replies) {
      const command = commandFromValue(event.value) ?? parseCommand(event.text);
      const ctx = eventContextOf(event, deps.log);
      const { locale, m, log } = ctx;
      switch (command.kind) {
        case 'help':
          await replies.send({ card: helpCard(deps.demoClusters, locale) });
          return;
        case 'greeting':
          await replies.send({ text: m.app.greeting });
          return;
        case 'audit': {
          if (!deps.audit) {
            await replies.send({ card: errorCard({ title: m.error.noAuditLog, message: m.error.noAuditLogDetail }, locale) });
            return;
          }
          try {
            const records = await auditRecordsFor(deps.audit, command.cluster, AUDIT_CARD_RECORDS + 1);
            await replies.send({ card: auditCard({ ...(command.cluster ? { cluster: command.cluster } : {}), records }, locale) });
          } catch (err) {
            log.warn('audit read failed', { err });
            await replies.send({ card: errorCard({ title: m.error.auditReadFailed, message: userMessageIn(m, err), correlationId: ctx.correlationId }, locale) });
          }
          return;
        }
        case 'unrecognised':
          await replies.send({ text: m.app.unrecognised(asCodeSpan(command.text)), card: helpCard(deps.demoClusters, locale) });
          return;
        case 'refused':
          // A bare `unwatch`: offer the clusters this chat watches instead of only refusing.
          if (command.refusal?.code === 'watch-no-cluster' && command.refusal.verb === 'unwatch' && (await deps.watches?.offerUnwatch(event, replies, ctx))) return;
          log.info('command refused', { reason: command.reason });
          await replies.send({ card: refusalCard(m.refusal.command(command.refusal, { reason: command.reason, hint: command.hint }), locale) });
          return;
        case 'diagnose': {
          const admission = queue.admit(event.conversationId);
          if (!admission.ok) {
            log.info('diagnosis refused: busy', { scope: admission.scope, retryAfterSeconds: admission.retryAfterSeconds, told: admission.tell });
            // Said once per conversation into the chat (paced posts); always in an HTTP response.
            if (admission.tell || replies.inResponse) await replies.send({ text: m.app.busy(admission.retryAfterSeconds) });
            return;
          }
          try {
            await diagnose(command.target, event, ctx, replies, admission.ticket.started);
          } finally {
            admission.ticket.done();
          }
          return;
        }
        case 'watch':
        case 'unwatch':
        case 'watches': {
          const watches = deps.watches;
          if (!watches) {
            await replies.send({ card: refusalCard({ reason: m.watch.unavailableReason, hint: '' }, locale) });
            return;
          }
          try {
            if (command.kind === 'watch') await watches.watch(command.target, command.intervalMinutes, event, replies, ctx);
            else if (command.kind === 'unwatch') await watches.unwatch(command.target, event, replies, ctx);
            else await watches.list(event, replies, ctx);
          } catch (err) {
            log.error('watch command failed', { err });
            await replies.send({ card: errorCard({ title: m.watch.commandFailedTitle, message: userMessageIn(m, err), correlationId: ctx.correlationId }, locale) });
          }
          return;
        }
      }
    },
  };
}
