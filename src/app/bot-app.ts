/**
 * The app: one entry point for every message, whichever transport delivered it (Bot Framework over
 * HTTP, the CLI, tests). Commands in, replies out; Azure work goes through the engine.
 */
import type { Logger } from '../log.js';
import type { ClusterDirectory, ClusterRef, ClusterResolution } from '../engine/find-cluster.js';
import { resolveCluster } from '../engine/find-cluster.js';
import type { Report } from '../engine/report.js';
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
  refusalCard,
  auditCard,
  AUDIT_CARD_RECORDS,
} from './cards/index.js';
import { userMessageOf } from '../user-message.js';
import { auditRecordsFor } from './audit-records.js';
import type { AuditLog } from '../store/append-log.js';

export interface DemoCluster {
  cluster: string;
  title: string;
}

export interface DiagnoseProgress {
  done: number;
  total: number;
}

export interface AppDeps {
  directory: ClusterDirectory;
  diagnose(cluster: ClusterRef, onProgress: (p: DiagnoseProgress) => void): Promise<Report>;
  demoClusters: DemoCluster[];
  log: Logger;
  /** The approval flow; without it, diagnosis cards carry no "Request this fix" buttons. */
  fixes?: FixFlow;
  /** The audit log, for `audit` and `audit cluster X`. */
  audit?: AuditLog;
}

export interface BotApp {
  handleMessage(event: MessageEvent, replies: ReplyChannel): Promise<void>;
  /**
   * An Action.Execute click: answers with the card to show at once (the transport must answer the
   * invoke within seconds); slow work is in `followUp`, which the transport runs after the turn.
   */
  handleCardAction(event: CardActionEvent): Promise<CardActionAnswer>;
}

/** Action.Submit data from our own cards ("choose this cluster"): untrusted, so it is re-parsed as text. */
function commandFromValue(value: unknown): Command | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (v.action === 'diagnose' && typeof v.clusterId === 'string') return parseCommand(`diagnose ${v.clusterId.slice(0, 600)}`);
  if (v.action === 'help') return { kind: 'help' };
  return undefined;
}

export function createBotApp(deps: AppDeps): BotApp {
  async function diagnose(target: ClusterTarget, event: MessageEvent, replies: ReplyChannel): Promise<void> {
    const log = deps.log.child({ correlationId: event.correlationId });
    const shownName = target.name;
    // Answer at once: finding the cluster alone reads every subscription, and the checks take minutes.
    const progressId = await replies.send({ card: progressCard(shownName, 0, CHECK_IDS.length) });
    const show = async (card: object) => {
      if (progressId) await replies.update(progressId, { card });
      else await replies.send({ card });
    };
    let resolution: ClusterResolution;
    try {
      resolution = await resolveCluster(deps.directory, target);
    } catch (err) {
      log.warn('cluster lookup failed', { err });
      await show(errorCard({ title: `Could not look up ${shownName}`, message: userMessageOf(err), correlationId: event.correlationId }));
      return;
    }
    switch (resolution.kind) {
      case 'not-found':
        await show(clusterNotFoundCard(resolution));
        return;
      case 'unknown-subscription':
        await show(
          errorCard({
            title: `No subscription "${resolution.subscription}"`,
            message: `I can see these subscriptions: ${resolution.known.join(', ') || 'none'}. Name one of them by id or display name.`,
          }),
        );
        return;
      case 'ambiguous':
        await show(chooseClusterCard(resolution));
        return;
      case 'found':
        break;
    }
    const cluster = resolution.cluster;
    log.info('diagnosis started', { cluster: cluster.id });
    try {
      let lastShown = -1;
      const report = await deps.diagnose(cluster, (p) => {
        // Progress updates are best-effort; the final card below is what matters.
        if (progressId && p.done !== lastShown) {
          lastShown = p.done;
          replies.update(progressId, { card: progressCard(cluster.name, p.done, p.total) }).catch(() => {});
        }
      });
      const reportId = await deps.fixes?.keepReport(report, cluster);
      await show(diagnosisCard(report, reportId ? { reportId } : {}));
      log.info('diagnosis finished', { cluster: cluster.id, checks: report.checks.map((c) => `${c.id}:${c.status}`) });
    } catch (err) {
      log.error('diagnosis failed', { cluster: cluster.id, err });
      await show(errorCard({ title: `Diagnosis of ${cluster.name} failed`, message: userMessageOf(err), correlationId: event.correlationId }));
    }
  }

  return {
    async handleCardAction(event) {
      const log = deps.log.child({ correlationId: event.correlationId });
      const handler = deps.fixes?.verbs.handlerFor(event.verb);
      if (!handler) {
        log.info('unknown card verb', { verb: event.verb });
        return { card: refusalCard({ reason: `This button ("${event.verb.slice(0, 40)}") is not one this bot answers.`, hint: 'Nothing was done. Type "help" for what I can do.' }) };
      }
      try {
        return await handler(event);
      } catch (err) {
        log.error('card action failed', { err, verb: event.verb });
        return { card: cardActionErrorCard(err, event.correlationId) };
      }
    },
    async handleMessage(event, replies) {
      const command = commandFromValue(event.value) ?? parseCommand(event.text);
      switch (command.kind) {
        case 'help':
          await replies.send({ card: helpCard(deps.demoClusters) });
          return;
        case 'audit': {
          if (!deps.audit) {
            await replies.send({ card: errorCard({ title: 'No audit log', message: 'This bot has no state store configured, so there is nothing to show.' }) });
            return;
          }
          try {
            const records = await auditRecordsFor(deps.audit, command.cluster, AUDIT_CARD_RECORDS + 1);
            await replies.send({ card: auditCard({ ...(command.cluster ? { cluster: command.cluster } : {}), records }) });
          } catch (err) {
            deps.log.warn('audit read failed', { correlationId: event.correlationId, err });
            await replies.send({ card: errorCard({ title: 'Could not read the audit log', message: userMessageOf(err), correlationId: event.correlationId }) });
          }
          return;
        }
        case 'unrecognised':
          await replies.send({ text: `I did not understand "${command.text.slice(0, 80)}". Here is what I can do:`, card: helpCard(deps.demoClusters) });
          return;
        case 'refused':
          deps.log.info('command refused', { correlationId: event.correlationId, reason: command.reason });
          await replies.send({ card: refusalCard({ reason: command.reason, hint: command.hint }) });
          return;
        case 'diagnose':
          await diagnose(command.target, event, replies);
          return;
      }
    },
  };
}
