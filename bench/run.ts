/**
 * `npm run bench`: where a diagnosis spends its time, and what finding a cluster costs.
 *
 * Diagnoses: simulated clusters of BENCH_SIZES nodes (4 pools — fewer for tiny clusters —, one
 * faulty node) whose VMSS run-commands take L ms, with AKS command invoke at L ("kubectl":"L", as on
 * Azure where both take tens of seconds) and faster (0.4 L), per BENCH_KUBECTL. One JSON line each:
 *   nodes, kubectl, wall_ms, wall_over_L (finding the cluster by name included), phases_over_L (each
 *   phase's [start, end] in L: find, inventory, pods, probe, reads, symptom — they overlap), speculative_probe, run_commands (agent_nodes and
 *   faulty_nodes beside it), command_invokes, arm_requests, peak_rss_mb, verdicts.
 * Lookups: the same cluster found by name among BENCH_SUBSCRIPTIONS subscriptions (the others
 * empty), with Resource Graph allowed and refused: lookup_subscriptions, resource_graph, via,
 * wall_ms, arm_requests.
 *
 * The simulated Azure and the bot run in separate processes, so peak RSS is the bot's alone;
 * requests are counted from the simulator's access log. Both run the compiled build, as a deployed
 * bot does: the TypeScript loader alone adds ~55 MB of RSS. Environment: BENCH_L_MS (default 4000),
 * BENCH_SIZES (default "3,100,1000"; 5000 also works), BENCH_KUBECTL ("L,fast"), BENCH_SUBSCRIPTIONS
 * ("1,50,300"; empty = no lookups).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../src/scenario/types.js';
import { makeBenchScenario } from './estate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const L = Number(process.env.BENCH_L_MS ?? 4000);
const list = (v: string | undefined, fallback: string) => (v ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
const SIZES = list(process.env.BENCH_SIZES, '3,100,1000').map(Number);
const KUBECTL = list(process.env.BENCH_KUBECTL, 'L,fast') as Array<'L' | 'fast'>;
const SUBSCRIPTIONS = list(process.env.BENCH_SUBSCRIPTIONS, '1,50,300').map(Number);
const NODE_ARGS = ['--disable-warning=DEP0111'];
const DIST = path.join(ROOT, 'dist');
for (const k of KUBECTL) if (k !== 'L' && k !== 'fast') throw new Error(`BENCH_KUBECTL: "${k}" is neither L nor fast`);

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

function runOnce<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, path.join(DIST, 'bench', script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${script} exited ${code}: ${out}`))));
  });
}

interface DiagnosisLine {
  wall_ms: number;
  find_ms: number;
  peak_rss_mb: number;
  verdicts: Record<string, string>;
  timing?: { phases: Record<string, { startMs: number; endMs: number }>; speculativeProbe?: { outcome: string; probedAfterPods: string[] } };
}

type Logged = { method: string; path: string; route?: string };

/** Serves one scenario for the length of `work`, and hands it the requests the simulator logged. */
async function withSim<T>(dir: string, label: string, scenario: Scenario, work: (url: string) => Promise<T>): Promise<{ result: T; requests: Logged[] }> {
  const file = path.join(dir, `${label}.json`);
  const log = path.join(dir, `${label}.access.log`);
  writeFileSync(file, JSON.stringify(scenario));
  writeFileSync(log, '');
  const { url, child } = await startSim(file, log);
  try {
    const result = await work(url);
    const requests = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Logged);
    return { result, requests };
  } finally {
    child.kill('SIGTERM');
  }
}

const inL = (ms: number) => Math.round((ms / L) * 100) / 100;
const clusterOf = (s: Scenario) => s.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;

const dir = mkdtempSync(path.join(tmpdir(), 'td-bench-'));
// The scenario files and access logs are scratch: gone when the benchmark ends, however it ends.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const nodes of SIZES) {
  for (const kubectl of KUBECTL) {
    const scenario = makeBenchScenario({ nodes, pools: Math.min(4, nodes), runCommandMs: L, armMs: 30, kubectlMs: kubectl === 'L' ? L : Math.round(L * 0.4) });
    const agentNodes = new Set((scenario.pods ?? []).filter((p) => p.labels?.app === 'konnectivity-agent').map((p) => p.node)).size;
    const { result, requests } = await withSim(dir, `bench-${nodes}-${kubectl}`, scenario, (url) => runOnce<DiagnosisLine>('diagnose-once.js', [url, clusterOf(scenario).name]));
    const posts = (re: RegExp) => requests.filter((r) => r.method === 'POST' && re.test(r.path)).length;
    // The report's phases count from the start of the diagnosis, which begins once the cluster is found.
    const phases = {
      find: [0, inL(result.find_ms)],
      ...Object.fromEntries(Object.entries(result.timing?.phases ?? {}).map(([k, v]) => [k, [inL(result.find_ms + v.startMs), inL(result.find_ms + v.endMs)]])),
    };
    process.stdout.write(
      JSON.stringify({
        nodes,
        kubectl: kubectl === 'L' ? 'L' : '0.4L',
        wall_ms: result.wall_ms,
        wall_over_L: inL(result.wall_ms),
        phases_over_L: phases,
        speculative_probe: result.timing?.speculativeProbe?.outcome ?? 'none',
        run_commands: posts(/\/virtualMachines\/[^/]+\/runCommand$/i),
        agent_nodes: agentNodes,
        faulty_nodes: 1,
        command_invokes: posts(/\/managedClusters\/[^/]+\/runCommand$/i),
        arm_requests: requests.length,
        peak_rss_mb: result.peak_rss_mb,
        L_ms: L,
        verdicts: result.verdicts,
      }) + '\n',
    );
  }
}

for (const count of SUBSCRIPTIONS) {
  // As the bot finds it, and with Resource Graph refused (403), to show what the fallback costs.
  for (const graph of ['allowed', 'refused'] as const) {
    const scenario = makeBenchScenario({ nodes: 3, pools: 1, runCommandMs: L, armMs: 30 });
    for (let i = 1; i < count; i++) scenario.subscriptions.push({ subscriptionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, displayName: `team-${i}` });
    if (graph === 'refused') scenario.faults = [{ method: 'POST', path: '/providers/Microsoft.ResourceGraph/resources$', status: 403 }];
    const name = clusterOf(scenario).name;
    const { result, requests } = await withSim(dir, `lookup-${count}-${graph}`, scenario, (url) => runOnce<{ wall_ms: number; kind: string; via: string }>('find-once.js', [url, name]));
    process.stdout.write(JSON.stringify({ lookup_subscriptions: count, resource_graph: graph, found: result.kind === 'found', via: result.via, wall_ms: result.wall_ms, arm_requests: requests.length }) + '\n');
  }
}
