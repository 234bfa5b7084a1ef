/**
 * `npm run bench`: diagnoses simulated clusters of 3, 100 and 1000 nodes (4 pools — 3 for 3 nodes —, one faulty node)
 * whose run-commands take L ms, and prints one JSON line per size:
 *   nodes, wall_ms, wall_over_L, run_commands, arm_requests, peak_rss_mb
 * The simulated Azure and the diagnosis run in separate processes, so peak RSS is the bot's alone;
 * requests are counted from the simulator's access log. Both run the compiled build (`npm run
 * build` first), as a deployed bot does: the TypeScript loader alone adds ~55 MB of RSS. Environment: BENCH_L_MS (default 4000),
 * BENCH_SIZES (default "3,100,1000").
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBenchScenario } from './estate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const L = Number(process.env.BENCH_L_MS ?? 4000);
const SIZES = (process.env.BENCH_SIZES ?? '3,100,1000').split(',').map(Number);
const NODE_ARGS = ['--disable-warning=DEP0111'];
const DIST = path.join(ROOT, 'dist');

execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });

function startSim(scenarioFile: string, accessLog: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, path.join(DIST, 'src/sim/main.js')], {
      cwd: ROOT,
      env: { ...process.env, SIM_SCENARIOS: scenarioFile, SIM_PORT: '0', SIM_LATENCY_SCALE: '1', SIM_ACCESS_LOG: accessLog },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`simulated Azure exited (${code}) before listening: ${out}`)));
  });
}

function diagnoseOnce(simUrl: string, clusterId: string): Promise<{ wall_ms: number; peak_rss_mb: number; verdicts: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, path.join(DIST, 'bench/diagnose-once.js'), simUrl, clusterId], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`diagnosis exited ${code}: ${out}`))));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'td-bench-'));
for (const nodes of SIZES) {
  const scenario = makeBenchScenario({ nodes, pools: Math.min(4, nodes), runCommandMs: L, armMs: 30, kubectlMs: Math.round(L * 0.4) });
  const file = path.join(dir, `bench-${nodes}.json`);
  const log = path.join(dir, `access-${nodes}.log`);
  writeFileSync(file, JSON.stringify(scenario));
  writeFileSync(log, '');
  const cluster = scenario.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
  const { url, child } = await startSim(file, log);
  try {
    const result = await diagnoseOnce(url, cluster.id);
    const requests = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { method: string; path: string });
    const runCommands = requests.filter((r) => r.method === 'POST' && /\/virtualMachines\/[^/]+\/runCommand$/i.test(r.path)).length;
    process.stdout.write(
      JSON.stringify({
        nodes,
        wall_ms: result.wall_ms,
        wall_over_L: Math.round((result.wall_ms / L) * 100) / 100,
        run_commands: runCommands,
        arm_requests: requests.length,
        peak_rss_mb: result.peak_rss_mb,
        L_ms: L,
        verdicts: result.verdicts,
      }) + '\n',
    );
  } finally {
    child.kill('SIGTERM');
  }
}
