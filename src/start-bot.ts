/**
 * The composition root: configuration in, a running bot out (the simulated Azure too, in simulated
 * mode). main.ts and the tests both start the bot through here.
 */
import { assertSafeToServe, type Config } from './config.js';
import type { Logger } from './log.js';
import { listSubscriptions } from './azure/clusters.js';
import type { AzureLayer } from './azure/clients.js';
import type { SimServer } from './sim/server.js';
import { openAzure } from './open-azure.js';
import { createBotApp } from './app/bot-app.js';
import { azureClusterDirectory } from './engine/cluster-directory.js';
import { diagnoseCluster, type DiagnoseOptions } from './engine/diagnose.js';
import { ALL_CHECKS } from './engine/checks/index.js';
import { createBotFramework } from './transport/bot-framework.js';
import { createConversationStore } from './transport/conversation-store.js';
import { createIncidentFeed, feedIncidentsFrom } from './app/incident-feed.js';
import { createAppEvents } from './app/app-events.js';
import { startHttpServer } from './transport/http-server.js';
import { createStateStore, storeReady, type DurableStore } from './store/create-store.js';
import { createFixFlow } from './app/fix-flow.js';
import { azureFixRunner } from './engine/fixes/fix-runner.js';
import { tracedVerification } from './telemetry/verification.js';
import { WatchRepository } from './engine/watch/repository.js';
import { createWatchCommands } from './app/watch-commands.js';
import { createWatchScheduler } from './app/watch-scheduler.js';
import type { ClusterRef } from './cluster-ref.js';
import type { DiagnosisScope } from './app/bot-app.js';
import { noTelemetry, type Telemetry } from './telemetry/telemetry.js';
import { countingAuditLog } from './telemetry/audit.js';
import { traceDiagnosis } from './telemetry/diagnosis.js';
import { DEMO_IDENTITIES } from './app/demo-identities.js';

export interface RunningBot {
  url: string;
  sim?: SimServer;
  layer: AzureLayer;
  store: DurableStore;
  /** Traces and metrics (no-op unless Application Insights or a test's exporters are set). */
  telemetry: Telemetry;
  /** Waits for replies still being sent after their turn. */
  drain(): Promise<void>;
  close(): Promise<void>;
  /**
   * Graceful stop (SIGTERM): stops listening at once, lets running work finish for up to `graceMs`,
   * then marks this instance's fix requests still executing 'interrupted' (never re-run) and closes
   * the store. Never waits longer than `graceMs` for work.
   */
  shutdown(graceMs: number): Promise<ShutdownSummary>;
}

export interface ShutdownSummary {
  /** True when every running diagnosis and execution finished within the grace period. */
  drained: boolean;
  /** Work still running when the grace period ended. */
  unfinished: number;
  /** Fix requests of this instance marked interrupted. */
  interrupted: string[];
  /** Chat diagnoses that were still waiting for a slot and never started (their cards say so). */
  droppedDiagnoses: number;
}

/** Resolves true when `work` settles within `ms`, false when the time runs out first. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface StartOptions {
  /** Tests: telemetry with in-memory exporters; default from config.telemetry. */
  telemetry?: Telemetry;
}

export async function startBot(config: Config, log: Logger, opts: StartOptions = {}): Promise<RunningBot> {
  assertSafeToServe(config);
  const connectionString = config.telemetry.connectionString;
  // The Azure Monitor exporters load only when used: the package is large.
  const telemetry =
    opts.telemetry ??
    (connectionString ? (await import('./telemetry/app-insights.js')).appInsightsTelemetry({ connectionString, instanceId: config.instanceId, log }) : noTelemetry());
  const azure = await openAzure(config, { telemetry, log });
  const { layer, sim, demoClusters } = azure;

  if (config.demoIdentities) {
    log.warn('DEMO IDENTITIES ON: local mode without an app id; the demo approvers may approve fixes (set TD_DEMO_IDENTITIES=false or APPROVER_IDS to change)', {
      approverIds: config.approvals.approverIds,
    });
  }
  // Opened at start so a bad location fails now, not at the first approval.
  const store = createStateStore(config.store);
  // The transport first: the outbox the incident feed and the watches post through is made from its
  // adapter; the app is plugged into it below, once built (bolt's receiver shape).
  const conversations = createConversationStore(store.state);
  const bot = createBotFramework({ bot: config.bot, log, conversations, trustedChannels: config.trustedChannels });
  const outbox = bot.outbox;
  // One path to the incident channel: the app's events (a finished diagnosis, each approval step).
  const events = createAppEvents(log);
  const incidents = createIncidentFeed({
    ...(config.incidentChannelId ? { channelId: config.incidentChannelId } : {}),
    state: store.state,
    outbox,
    findConversation: (id) => conversations.find(id),
    forgetConversation: (id) => conversations.forget(id),
    locale: config.incidentLocale,
    log,
  });
  feedIncidentsFrom(events, incidents);
  // Telemetry counts approvals by outcome where each step appends its audit record; the fix flow
  // turns the same records into app events (app-events.ts).
  const audit = countingAuditLog(store.audit, telemetry);
  const fixes = createFixFlow({
    state: store.state,
    audit,
    policy: config.approvals,
    instanceId: config.instanceId,
    runner: tracedVerification(azureFixRunner(layer), telemetry),
    // Who to name as approvers: the demo people in local mode; a real deployment knows object ids only.
    ...(config.demoIdentities ? { approverNames: approverNamesOf(config.approvals.approverIds) } : {}),
    log,
    executionLeaseMs: config.executionLeaseSeconds * 1000,
    events,
  });
  // Before any click is served. A store that does not answer yet must not stop the start (the
  // readiness check reports it); the sweep then runs at the next start.
  try {
    const interrupted = await fixes.markInterrupted();
    if (interrupted.length > 0) log.warn('fix executions interrupted by the previous run', { requestIds: interrupted });
  } catch (err) {
    log.warn('could not sweep interrupted fix executions', { err });
  }
  // Watches: kept in the store; run by whichever instance holds the watch lease (watch-scheduler.ts),
  // with the same diagnosis as `diagnose`, posting through the transport's outbox.
  const watchRepository = new WatchRepository(store.state);
  // One directory for chat commands and watches alike.
  const directory = azureClusterDirectory(layer, config.subscriptionIds);
  /** The one diagnosis of chat commands and watches alike, traced; `scope` names the event it serves. */
  const diagnose = (cluster: ClusterRef, scope: Partial<DiagnosisScope> & Pick<DiagnoseOptions, 'onProgress'> = {}) =>
    traceDiagnosis(telemetry, { cluster, ...(scope.correlationId ? { correlationId: scope.correlationId } : {}) }, () =>
      diagnoseCluster(layer, cluster, { checks: ALL_CHECKS, log: scope.log ?? log, ...(scope.onProgress ? { onProgress: scope.onProgress } : {}) }),
    );
  const diagnoseForWatch = (cluster: ClusterRef) => diagnose(cluster, { log: log.child({ watch: cluster.name }) });
  const watchCommands = createWatchCommands({ watches: watchRepository, directory, diagnose: diagnoseForWatch, log });
  const watchScheduler = createWatchScheduler({
    state: store.state,
    watches: watchRepository,
    outbox,
    directory,
    diagnose: diagnoseForWatch,
    instanceId: config.instanceId,
    tickSeconds: config.watch.tickSeconds,
    log,
    sweep: () => fixes.sweepOpenRequests(),
  });
  const app = createBotApp({
    watches: watchCommands,
    fixes,
    audit,
    directory,
    diagnose: (cluster, onProgress, scope) => diagnose(cluster, { ...scope, onProgress }),
    demoClusters,
    log,
    events,
  });
  bot.init(app);
  /** Replies after their turn and the incident posts they cause (and the replies those cause). */
  const drainAll = async () => {
    do {
      await bot.drain();
      await incidents.idle();
    } while (bot.pending() > 0);
  };
  const http = await startHttpServer({
    host: config.bindHost,
    port: config.port,
    bot,
    log,
    // The local chat page speaks to the bot with authentication off: only where it is off anyway.
    ...(config.local && !config.bot.appId ? { localChat: { demoIdentities: config.demoIdentities } } : {}),
    readiness: [
      {
        name: 'azure',
        check: async () => {
          await listSubscriptions(layer, config.subscriptionIds);
        },
      },
      {
        name: 'store',
        check: async () => {
          const r = await storeReady(store);
          if (!r.ready) throw new Error(r.error ?? `${r.kind} store at ${r.location} does not answer`);
        },
      },
    ],
  });
  if (config.local && !config.bot.appId) log.info('local chat page (authentication is off)', { url: `${http.url}/` });
  // Listening: start running watches (the first tick takes or respects the lease at once).
  watchScheduler.start();
  // Stopping the listener once: close() and shutdown() may both run (a test's afterAll after a SIGTERM).
  let serverClosed: Promise<void> | undefined;
  const stopServing = () => (serverClosed ??= http.close());
  /** Everything startBot opened besides the listener: close() and shutdown() both end here. */
  async function releaseResources(): Promise<void> {
    // Before the store closes: gives the watch lease up and lets running watch diagnoses store their
    // verdicts, briefly (shutdown() allows this whole function 5 s; telemetry must still flush).
    await watchScheduler.close({ waitMs: 2_000 });
    await store.close();
    await azure.close();
    // Last: exports the spans and metrics of everything above (bounded, see telemetry.ts).
    await telemetry.shutdown();
  }
  return {
    url: http.url,
    ...(sim ? { sim } : {}),
    layer,
    store,
    telemetry,
    drain: drainAll,
    async close() {
      await stopServing();
      await drainAll();
      await releaseResources();
    },
    async shutdown(graceMs) {
      // http.close() stops accepting connections now; requests already in (an expectReplies
      // diagnosis, an invoke) are answered, and replies sent after their turn are awaited by drain().
      // Diagnoses still waiting for a slot would outlast any grace period: they are dropped now, and
      // their progress cards say so (those posts are part of the drain).
      const closing = stopServing();
      const droppedDiagnoses = app.stopDiagnoses();
      if (droppedDiagnoses > 0) log.warn('queued diagnoses dropped: the bot is stopping', { droppedDiagnoses });
      const drained = await settlesWithin(Promise.all([closing, drainAll()]), graceMs);
      const unfinished = bot.pending();
      let interrupted: string[] = [];
      try {
        // The same sweep as at start-up, for this instance's own executions: a fix that could not
        // finish is recorded as interrupted now instead of waiting for the next start.
        interrupted = await fixes.markInterrupted();
      } catch (err) {
        log.warn('could not mark unfinished fix executions interrupted; the next start will', { err });
      }
      await settlesWithin(releaseResources(), 5_000);
      return { drained, unfinished, interrupted, droppedDiagnoses };
    },
  };
}

/** Display names of the demo people among the approvers (local mode), for the cards' "who may approve". */
function approverNamesOf(approverIds: readonly string[]): string[] {
  const ids = new Set(approverIds.map((id) => id.toLowerCase()));
  return DEMO_IDENTITIES.filter((d) => ids.has(d.aadObjectId.toLowerCase())).map((d) => d.name);
}
