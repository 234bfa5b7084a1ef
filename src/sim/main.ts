/**
 * `npm run sim`: serves scenarios as a simulated Azure on 127.0.0.1.
 *   SIM_SCENARIOS  a directory or comma-separated scenario files (default ./scenarios)
 *   SIM_PORT       port (default 4010; 0 = any free port)
 *   SIM_LATENCY_SCALE  multiplies scenario latencies (default 1)
 *   SIM_ACCESS_LOG one JSON line per request, appended to this file
 */
import { loadScenarios, ScenarioError } from '../scenario/load.js';
import { servedClusters, startSimulatedAzure } from './server.js';

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const spec = env.SIM_SCENARIOS ?? './scenarios';
  const port = Number.parseInt(env.SIM_PORT ?? '4010', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SIM_PORT "${env.SIM_PORT}" is not a port number (0-65535).`);
  const latencyScale = Number(env.SIM_LATENCY_SCALE ?? '1');
  if (!Number.isFinite(latencyScale) || latencyScale < 0) throw new Error(`SIM_LATENCY_SCALE "${env.SIM_LATENCY_SCALE}" must be a number ≥ 0.`);
  const accessLogPath = env.SIM_ACCESS_LOG || undefined;
  const scenarios = loadScenarios(spec);
  const sim = await startSimulatedAzure({ scenarios, port, latencyScale, ...(accessLogPath ? { accessLogPath } : {}) });
  console.log(`Simulated Azure listening on ${sim.url} (${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} from ${spec})`);
  for (const c of servedClusters(scenarios)) console.log(`  ${c.name}  ${c.id}  — ${c.scenario}`);
  if (accessLogPath) console.log(`Access log: ${accessLogPath}`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.env).catch((e: unknown) => {
  console.error(e instanceof ScenarioError ? e.message : `Simulated Azure failed to start: ${(e as Error).message}`);
  process.exit(2);
});
