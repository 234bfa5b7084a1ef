/**
 * One diagnosis in a fresh process, for the benchmark: `diagnose-once.ts <sim url> <cluster id>`.
 * Prints one JSON line: wall time, peak RSS of this process (the bot's side only), verdicts, and
 * the report's own per-phase timing.
 */
import { createAzureLayer } from '../src/azure/clients.js';
import { parseArmId } from '../src/azure/arm-id.js';
import { ALL_CHECKS } from '../src/engine/checks/index.js';
import { diagnoseCluster } from '../src/engine/diagnose.js';

const [simUrl, clusterId] = process.argv.slice(2);
if (!simUrl || !clusterId) throw new Error('usage: diagnose-once.ts <sim url> <cluster id>');
const id = parseArmId(clusterId);
// Not "fast": the SDK polls as it would against Azure, honouring Retry-After.
const layer = createAzureLayer({ mode: 'simulated', endpoint: simUrl });
const started = performance.now();
const report = await diagnoseCluster(layer, {
  id: clusterId,
  name: id.name,
  resourceGroup: id.resourceGroup ?? '',
  subscriptionId: id.subscriptionId ?? '',
}, { checks: ALL_CHECKS });
const wallMs = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    wall_ms: Math.round(wallMs),
    peak_rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    verdicts: Object.fromEntries(report.checks.map((c) => [c.id, `${c.status}${c.nodes.length ? ` (${c.nodes.length} nodes)` : ''}`])),
    timing: report.timing,
  }) + '\n',
);
