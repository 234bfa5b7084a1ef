/**
 * The composition root: configuration in, a running bot out (the simulated Azure too, in simulated
 * mode). main.ts and the tests both start the bot through here.
 */
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createAzureLayer, type AzureLayer } from './azure/clients.js';
import { listSubscriptions } from './azure/clusters.js';
import { loadScenarioDir, loadScenarioFile } from './scenario/load.js';
import type { Scenario } from './scenario/types.js';
import { startSimulatedAzure, type SimServer } from './sim/server.js';
import { createBotApp, type DemoCluster } from './app/bot-app.js';
import { azureClusterDirectory } from './engine/cluster-directory.js';
import { diagnoseCluster } from './engine/diagnose.js';
import { ALL_CHECKS } from './engine/checks/index.js';
import { createBotFramework } from './transport/bot-framework.js';
import { startHttpServer } from './transport/http-server.js';
import { createStateStore, storeReady, type DurableStore } from './store/create-store.js';
import { createFixFlow, type FixRunner } from './app/fix-flow.js';
import { captureNsgEtag, executorFor } from './engine/fixes/executors.js';
import { verifyFix } from './engine/fixes/verify.js';

export interface RunningBot {
  url: string;
  sim?: SimServer;
  layer: AzureLayer;
  store: DurableStore;
  /** Waits for replies still being sent after their turn. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export function loadScenarios(paths: string[]): Scenario[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? loadScenarioDir(p) : [loadScenarioFile(p)]));
}

/** The demo's headline clusters, listed first in the help card: healthy, then one per cause. */
const FEATURED_DEMOS = ['aks-demo-healthy', 'aks-nsg-deny', 'aks-ufw-one', 'aks-ipt-drop', 'aks-egress-443', 'aks-snat-lb', 'aks-agents-oom'];

export function demoClustersOf(scenarios: Scenario[]): DemoCluster[] {
  const all = scenarios.flatMap((s) =>
    s.resources
      .filter((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')
      .map((r) => ({ cluster: r.name, title: s.title })),
  );
  const rank = (d: DemoCluster) => {
    const i = FEATURED_DEMOS.indexOf(d.cluster);
    return i < 0 ? FEATURED_DEMOS.length : i;
  };
  return all.map((d, i) => ({ d, i })).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map(({ d }) => d);
}

/** The engine's fix executors and re-check over the Azure layer, for the app's approval flow. */
export function azureFixRunner(layer: AzureLayer): FixRunner {
  return {
    async captureBaseline(fix) {
      const nsgEtag = await captureNsgEtag({ layer, fix });
      return nsgEtag ? { nsgEtag } : {};
    },
    async execute(cluster, fix, baseline) {
      const executor = executorFor(fix.kind);
      if (!executor) return { result: 'refused', detail: `The bot has no executor for ${fix.kind} fixes; apply it by hand.`, perTarget: [] };
      return executor.execute({ layer, cluster, fix, ...(baseline ? { baseline } : {}) });
    },
    verify: (cluster, fix, before) => verifyFix(layer, cluster, fix, { before }),
  };
}

/**
 * The owner id of this process's fix executions. Stable across restarts of the same host (not
 * random), so the start-up sweep recognises what its dead predecessor left 'executing'
 * (markInterruptedOnStartup only touches its own owner's requests when several instances share a store).
 */
export function instanceIdOf(env: NodeJS.ProcessEnv = process.env): string {
  return (env.TD_INSTANCE_ID?.trim() || hostname() || 'tunnel-doctor').slice(0, 100);
}

export async function startBot(config: Config, log: Logger): Promise<RunningBot> {
  let sim: SimServer | undefined;
  let demoClusters: DemoCluster[] = [];
  let layer: AzureLayer;
  if (config.azureMode === 'simulated' && config.simulator.endpoint) {
    // Several bot instances sharing one simulated Azure (and one state store): scale-out tests.
    layer = createAzureLayer({ mode: 'simulated', endpoint: config.simulator.endpoint });
    demoClusters = demoClustersOf(loadScenarios(config.simulator.scenarios));
    log.info('using a running simulated Azure', { url: config.simulator.endpoint });
  } else if (config.azureMode === 'simulated') {
    const scenarios = loadScenarios(config.simulator.scenarios);
    sim = await startSimulatedAzure({
      scenarios,
      port: config.simulator.port,
      latencyScale: config.simulator.latencyScale,
      ...(config.simulator.accessLog ? { accessLogPath: config.simulator.accessLog } : {}),
    });
    demoClusters = demoClustersOf(scenarios);
    layer = createAzureLayer({ mode: 'simulated', endpoint: sim.url });
    log.info('simulated Azure started', { url: sim.url, clusters: demoClusters.length });
  } else {
    layer = createAzureLayer({ mode: 'azure' });
  }

  if (config.demoIdentities) {
    log.warn('DEMO IDENTITIES ON: local mode without an app id; the demo approvers may approve fixes (set TD_DEMO_IDENTITIES=false or APPROVER_IDS to change)', {
      approverIds: config.approvals.approverIds,
    });
  }
  // Opened at start so a bad location fails now, not at the first approval.
  const store = createStateStore(config.store);
  const fixes = createFixFlow({
    state: store.state,
    audit: store.audit,
    policy: config.approvals,
    instanceId: instanceIdOf(),
    runner: azureFixRunner(layer),
    log,
  });
  // Before any click is served. A store that does not answer yet must not stop the start (the
  // readiness check reports it); the sweep then runs at the next start.
  try {
    const interrupted = await fixes.markInterrupted();
    if (interrupted.length > 0) log.warn('fix executions interrupted by the previous run', { requestIds: interrupted });
  } catch (err) {
    log.warn('could not sweep interrupted fix executions', { err });
  }
  const app = createBotApp({
    fixes,
    audit: store.audit,
    directory: azureClusterDirectory(layer, config.subscriptionIds),
    diagnose: (cluster, onProgress) => diagnoseCluster(layer, cluster, { checks: ALL_CHECKS, log, onProgress }),
    demoClusters,
    log,
  });
  const bot = createBotFramework({ bot: config.bot, app, log });
  const http = await startHttpServer({
    host: config.bindHost,
    port: config.port,
    bot,
    log,
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
  return {
    url: http.url,
    ...(sim ? { sim } : {}),
    layer,
    store,
    drain: () => bot.drain(),
    async close() {
      await http.close();
      await bot.drain();
      await store.close();
      await sim?.close();
    },
  };
}
