/**
 * One cluster lookup in a fresh process, for the benchmark: `find-once.ts <sim url> <cluster name>`.
 * Finds the cluster as the bot does with AZURE_SUBSCRIPTION_IDS empty (every subscription the
 * identity can read) and prints one JSON line: wall time, outcome and how it was looked up.
 */
import { createAzureLayer } from '../src/azure/clients.js';
import { azureClusterDirectory } from '../src/engine/cluster-directory.js';
import { resolveCluster } from '../src/engine/find-cluster.js';

const [simUrl, name] = process.argv.slice(2);
if (!simUrl || !name) throw new Error('usage: find-once.ts <sim url> <cluster name>');
const layer = createAzureLayer({ mode: 'simulated', endpoint: simUrl });
const started = performance.now();
const resolution = await resolveCluster(azureClusterDirectory(layer, []), { by: 'name', name });
process.stdout.write(
  JSON.stringify({ wall_ms: Math.round(performance.now() - started), kind: resolution.kind, via: resolution.lookup?.via ?? 'unknown' }) + '\n',
);
