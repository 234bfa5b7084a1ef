/**
 * The container without Docker (no engine here): the Dockerfile's runtime stage is assembled as a
 * plain folder — package.json, the compiled dist/ (built here, as the build stage does), the data
 * folders it copies, and a node_modules holding ONLY the production dependencies — and its CMD is run
 * in that folder with Node alone. The bot must start, answer /healthz, and answer a Bot Framework
 * message, proving no dev dependency (TypeScript, tsx, vitest, ajv…) is needed at run time.
 *
 * node_modules is the closure of package.json "dependencies" through package-lock.json, without tsx
 * (the runtime runs compiled JavaScript; tsx only serves `npm start` on the sources). Files are hard
 * links into the shared node_modules, not symlinks: Node resolves a symlink to its real path and
 * would then find every dev package next to it, which is exactly what this test must not allow.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** Dockerfile instructions per stage, continuation lines joined. */
function stagesOf(dockerfile: string): Stage[] {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1]!, ...(from[2] ? { name: from[2] } : {}), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

function instruction(stage: Stage, keyword: string): string[] {
  return stage.lines.filter((l) => l.toUpperCase().startsWith(`${keyword} `)).map((l) => l.slice(keyword.length).trim());
}

const stages = stagesOf(DOCKERFILE);
const runtime = stages.at(-1)!;

// ---------------------------------------------------------------------------------------------
// The production dependency closure from package-lock.json
// ---------------------------------------------------------------------------------------------

interface LockPackage {
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Lockfile keys (node_modules/… paths) of everything `dependencies` needs, as npm would place them. */
export function productionClosure(lock: { packages: Record<string, LockPackage> }, roots: string[]): Set<string> {
  const pkgs = lock.packages;
  // Node's lookup: <from>/node_modules/<name>, then each enclosing node_modules up to the root.
  const locate = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (pkgs[key]) return key;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const needed = new Set<string>();
  const queue: Array<[string, string, boolean]> = roots.map((name) => ['', name, false]);
  while (queue.length > 0) {
    const [from, name, optional] = queue.pop()!;
    const key = locate(from, name);
    if (!key) {
      if (optional) continue; // an optional dependency for another platform
      throw new Error(`package-lock.json has no ${name} reachable from ${from || 'the root'}`);
    }
    if (needed.has(key)) continue;
    needed.add(key);
    const p = pkgs[key]!;
    for (const d of Object.keys(p.dependencies ?? {})) queue.push([key, d, false]);
    for (const d of Object.keys(p.optionalDependencies ?? {})) queue.push([key, d, true]);
    for (const d of Object.keys(p.peerDependencies ?? {})) queue.push([key, d, p.peerDependenciesMeta?.[d]?.optional === true]);
  }
  return needed;
}

/** Hard-links a package folder (its own nested node_modules excluded: those are placed by key). */
function linkPackage(src: string, dst: string, top = true): void {
  mkdirSync(dst, { recursive: true });
  for (const entry of readdirSync(src)) {
    if (top && entry === 'node_modules') continue;
    const s = path.join(src, entry);
    const d = path.join(dst, entry);
    const st = lstatSync(s);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(s), d);
    else if (st.isDirectory()) linkPackage(s, d, false);
    else {
      try {
        linkSync(s, d);
      } catch {
        copyFileSync(s, d);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

let tree: string;
let closure: Set<string>;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  tree = tempDir('prod-tree');
  // Nothing above the tree may supply packages (Node would walk up to it).
  for (let dir = path.dirname(tree); ; dir = path.dirname(dir)) {
    expect(existsSync(path.join(dir, 'node_modules')), `${dir}/node_modules would leak packages into the tree`).toBe(false);
    if (dir === path.dirname(dir)) break;
  }

  // The build stage: `npm run build` (tsc -p tsconfig.build.json), into the tree's dist/.
  const dist = path.join(tree, 'dist');
  // Asynchronously: a synchronous minute-long child would starve the test worker's RPC.
  const tsc = await run(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', dist], REPO_ROOT);
  expect(tsc.code, `tsc failed:\n${tsc.output}`).toBe(0);
  // …and its asset step: every non-.ts file under src/ next to the compiled modules.
  cpSync(path.join(REPO_ROOT, 'src'), path.join(dist, 'src'), {
    recursive: true,
    filter: (src) => lstatSync(src).isDirectory() || !src.endsWith('.ts'),
  });

  // The runtime stage's COPY lines, in order.
  for (const copy of instruction(runtime, 'COPY')) {
    const args = copy.split(/\s+/).filter((a) => !a.startsWith('--'));
    const fromStage = /--from=(\S+)/.exec(copy)?.[1];
    const [source, target] = [args[0]!, args[1]!];
    const targetPath = path.join(tree, target);
    if (fromStage === 'deps') {
      expect(source).toBe('/app/node_modules');
      const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
      const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
      closure = productionClosure(lock, Object.keys(pkg.dependencies).filter((n) => n !== 'tsx'));
      for (const key of closure) linkPackage(path.join(REPO_ROOT, key), path.join(tree, key));
    } else if (fromStage === 'build' && source === '/app/dist') {
      expect(existsSync(path.join(dist, 'src', 'main.js'))).toBe(true);
    } else {
      const rel = source.replace(/^\/app\//, '');
      cpSync(path.join(REPO_ROOT, rel), target.endsWith('/') ? path.join(targetPath, path.basename(rel)) : targetPath, { recursive: true });
    }
  }
  mkdirSync(path.join(tree, 'data'), { recursive: true });
}, 300_000);

afterAll(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
});

describe('the production tree', () => {
  it('holds only production packages: no TypeScript, tsx, vitest, ajv or anything the lockfile marks dev', () => {
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> };
    expect([...closure].filter((k) => lock.packages[k]?.dev)).toEqual([]);
    for (const dev of ['typescript', 'tsx', 'vitest', 'ajv', 'esbuild', 'playwright-core', 'azurite', '@types/better-sqlite3']) {
      expect(existsSync(path.join(tree, 'node_modules', dev)), dev).toBe(false);
    }
    for (const prod of ['botbuilder', 'restify', 'better-sqlite3', '@azure/arm-network', 'adaptivecards-templating']) {
      expect(existsSync(path.join(tree, 'node_modules', prod, 'package.json')), prod).toBe(true);
    }
  });

  it('runs the Dockerfile CMD with Node alone: /healthz, a diagnosis over Bot Framework, SIGTERM → exit 0', async () => {
    const cmd = JSON.parse(instruction(runtime, 'CMD').at(-1)!) as string[];
    expect(cmd[0]).toBe('node');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: tree,
      NODE_ENV: 'production',
      PORT: '0',
      AZURE_MODE: 'simulated',
      SIM_LATENCY_SCALE: '0',
      STATE_SQLITE_PATH: path.join(tree, 'data', 'state.sqlite'),
      LOG_LEVEL: 'warn',
      TD_INSTANCE_ID: 'production-tree',
    };
    const child = spawn(process.execPath, cmd.slice(1), { cwd: tree, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 45_000;
      let url: string | undefined;
      while (!(url = /listening on (http:\/\/\S+)\/api\/messages/.exec(out)?.[1])) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the production start failed:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);

      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const res = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: 'prod-tree-1',
          channelId: 'msteams',
          serviceUrl: 'http://127.0.0.1:1/',
          deliveryMode: 'expectReplies',
          from: { id: '29:prod-tree', name: 'On-call', aadObjectId: '00000000-0000-0000-0000-00000000a001' },
          recipient: { id: '28:tunnel-doctor', name: 'Tunnel Doctor' },
          conversation: { id: 'a:prod-tree', conversationType: 'personal', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
          text: 'diagnose cluster aks-demo-healthy',
        }),
      });
      expect(res.status, out).toBe(200);
      const body = (await res.json()) as { activities: Array<{ attachments?: Array<{ contentType: string; content: unknown }> }> };
      const cards = body.activities.flatMap((a) => a.attachments ?? []);
      expect(cards.some((c) => c.contentType === 'application/vnd.microsoft.card.adaptive')).toBe(true);
      expect(JSON.stringify(cards)).toContain('aks-demo-healthy');
      expect(JSON.stringify(cards)).toMatch(/konnectivity/i);

      child.kill('SIGTERM');
      expect(await exited, out).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('the Dockerfile', () => {
  it('builds in stages and runs on node:20-bookworm-slim as the non-root node user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.from).toBe('node:20-bookworm-slim');
    const users = instruction(runtime, 'USER');
    expect(users.at(-1)).toBe('node');
    // Nothing after USER switches back to root.
    expect(users.filter((u) => /^(root|0)(:|$)/.test(u))).toEqual([]);
  });

  it('installs production dependencies only for the runtime, and builds with the dev ones elsewhere', () => {
    const deps = stages.find((s) => s.name === 'deps')!;
    expect(instruction(deps, 'RUN').join('\n')).toMatch(/npm ci --omit=dev/);
    const build = stages.find((s) => s.name === 'build')!;
    expect(instruction(build, 'RUN').join('\n')).toMatch(/npm ci(?! --omit=dev)[\s\S]*npm run build/);
    // The runtime stage installs nothing itself and takes node_modules from the production stage.
    expect(instruction(runtime, 'RUN').join('\n')).not.toMatch(/npm (ci|install)/);
    expect(instruction(runtime, 'COPY').some((c) => /--from=deps\b.*\/app\/node_modules/.test(c))).toBe(true);
    expect(instruction(runtime, 'COPY').some((c) => /--from=build\b.*\/app\/node_modules/.test(c))).toBe(false);
  });

  it('checks /healthz with Node (no curl in the slim image), exposes 3978 and starts compiled JavaScript', () => {
    const health = instruction(runtime, 'HEALTHCHECK').join(' ');
    expect(health).toMatch(/CMD \["node", "-e", .*fetch\(.*\/healthz/);
    expect(health).not.toMatch(/curl|wget/);
    expect(instruction(runtime, 'EXPOSE')).toEqual(['3978']);
    const cmd = JSON.parse(instruction(runtime, 'CMD').at(-1)!) as string[];
    expect(cmd.at(-1)).toBe('dist/src/main.js');
    expect(cmd.join(' ')).not.toMatch(/tsx|\.ts\b/);
  });

  it('keeps secrets, state and local builds out of the build context', () => {
    const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', 'dist', 'data', '.git', '*.sqlite']) expect(ignored, entry).toContain(entry);
  });
});
