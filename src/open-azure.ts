/**
 * The Azure the bot and the CLI talk to, opened one way for both: the real Azure, a simulated Azure
 * already running (SIM_ENDPOINT, shared by several bot instances), or one started here from the
 * scenario files (SIM_SCENARIOS). The demo clusters are those the scenarios hold.
 */
import { statSync } from 'node:fs';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createAzureLayer, simulatedDeadlines, type AzureLayer } from './azure/clients.js';
import { loadScenarioDir, loadScenarioFile } from './scenario/load.js';
import type { Scenario } from './scenario/types.js';
import { startSimulatedAzure, type SimServer } from './sim/server.js';
import type { DemoCluster } from './app/bot-app.js';
import type { Telemetry } from './telemetry/telemetry.js';

export interface OpenAzure {
  layer: AzureLayer;
  /** The simulated Azure started here, if any (closed by close()). */
  sim?: SimServer;
  /** The scenarios' clusters, featured ones first; empty against the real Azure. */
  demoClusters: DemoCluster[];
  close(): Promise<void>;
}

export interface OpenAzureOptions {
  /** Only when recording: the ARM pipeline then carries the tracing/counting policy. */
  telemetry?: Telemetry;
  log?: Logger;
  /** The port of a simulated Azure started here; default config.simulator.port (0: any free port). */
  simulatorPort?: number;
  /**
   * False: a running simulated Azure's scenario files are not read for the demo list (the CLI names
   * its cluster and never lists them). Default true.
   */
  demoClusters?: boolean;
}

export function loadScenarios(paths: string[]): Scenario[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? loadScenarioDir(p) : [loadScenarioFile(p)]));
}

/** The demo's headline clusters, listed first in the help card: healthy, then one per cause. */
const FEATURED_DEMOS = ['aks-demo-healthy', 'aks-nsg-deny', 'aks-ufw-one', 'aks-ipt-drop', 'aks-egress-443', 'aks-snat-lb', 'aks-agents-oom', 'aks-unexplained'];

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

export async function openAzure(config: Config, opts: OpenAzureOptions = {}): Promise<OpenAzure> {
  const traced = opts.telemetry?.exporting ? { telemetry: opts.telemetry } : {};
  const deadlines = simulatedDeadlines(config.simulator.latencyScale);
  if (config.azureMode === 'azure') {
    return { layer: createAzureLayer({ mode: 'azure', ...traced }), demoClusters: [], close: async () => {} };
  }
  if (config.simulator.endpoint) {
    // Several bot instances sharing one simulated Azure (and one state store): scale-out tests; or a
    // proxy or recorder put in front of it.
    const demoClusters = opts.demoClusters === false ? [] : demoClustersOf(loadScenarios(config.simulator.scenarios));
    opts.log?.info('using a running simulated Azure', { url: config.simulator.endpoint });
    return { layer: createAzureLayer({ mode: 'simulated', endpoint: config.simulator.endpoint, deadlines, ...traced }), demoClusters, close: async () => {} };
  }
  const scenarios = loadScenarios(config.simulator.scenarios);
  const sim = await startSimulatedAzure({
    scenarios,
    port: opts.simulatorPort ?? config.simulator.port,
    latencyScale: config.simulator.latencyScale,
    ...(config.simulator.accessLog ? { accessLogPath: config.simulator.accessLog } : {}),
  });
  const demoClusters = demoClustersOf(scenarios);
  opts.log?.info('simulated Azure started', { url: sim.url, clusters: demoClusters.length });
  return {
    layer: createAzureLayer({ mode: 'simulated', endpoint: sim.url, deadlines, ...traced }),
    sim,
    demoClusters,
    close: () => sim.close(),
  };
}
