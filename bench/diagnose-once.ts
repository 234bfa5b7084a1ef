/**
 * One diagnosis in a fresh process, for the benchmark: `diagnose-once.ts <sim url> <cluster name>`.
 * Finds the cluster by name as the bot does (every subscription the identity can read), diagnoses
 * it, and prints one JSON line: wall time (finding included), how long finding took, peak RSS of
 * this process (the bot's side only), verdicts, and the report's own per-phase timing.
 */
import { createAzureLayer } from '../src/azure/clients.js';
import { azureClusterDirectory } from '../src/engine/cluster-directory.js';
import { ALL_CHECKS } from '../src/engine/checks/index.js';
import { diagnoseCluster } from '../src/engine/diagnose.js';
import { resolveCluster } from '../src/engine/find-cluster.js';

const [simUrl, name] = process.argv.slice(2);
if (!simUrl || !name) throw new Error('usage: diagnose-once.ts <sim url> <cluster name>');
// Not "fast": the SDK polls as it would against Azure, honouring Retry-After.
const layer = createAzureLayer({ mode: 'simulated', endpoint: simUrl });
const started = performance.now();
const found = await resolveCluster(azureClusterDirectory(layer, []), { by: 'name', name });
if (found.kind !== 'found') throw new Error(`cluster ${name}: ${found.kind}`);
const findMs = performance.now() - started;
const report = await diagnoseCluster(layer, found.cluster, { checks: ALL_CHECKS });
const wallMs = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    wall_ms: Math.round(wallMs),
    find_ms: Math.round(findMs),
    peak_rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    verdicts: Object.fromEntries(report.checks.map((c) => [c.id, `${c.status}${c.nodes.length ? ` (${c.nodes.length} nodes)` : ''}`])),
    timing: report.timing,
  }) + '\n',
);
