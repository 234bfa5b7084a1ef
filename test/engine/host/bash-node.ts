/**
 * Runs the real node scripts with real bash, the way run-command does (the script written to a
 * file and started with `/bin/bash -c <path>`), with stub `nc`, `ufw` and `iptables` first on
 * PATH. Each stub answers from files the test prepares (`<stub>/<name>/<key>.out|.err|.rc`,
 * key = the arguments with unsafe characters as "_") and logs every call, one line per call,
 * with the arguments %q-quoted, to `<stub>/calls`. PATH is closed: the stubs and a few core
 * utilities, so "nc is missing" means the same whether or not this machine has netcat.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeScript, ScriptParameter } from '../../../src/engine/node-scripts.js';

const STUB = `#!/bin/bash
name=$(basename "$0")
# One write per call: parallel probes append to the same file, and separate printfs interleave.
line="$name"
for a in "$@"; do line+=" $(printf '%q' "$a")"; done
printf '%s\\n' "$line" >> "$TD_STUB_DIR/calls"
if [ "$name" = nc ]; then
  date +"start %s%N" >> "$TD_STUB_DIR/nc-times"
  sleep "$TD_NC_DELAY"
  # nc: the key is host, port and protocol, whatever the flag order.
  proto=tcp; rest=()
  while [ $# -gt 0 ]; do
    case "$1" in -u) proto=udp ;; -w) shift ;; -v|-z|-vz|-zv) ;; *) rest+=("$1") ;; esac
    shift
  done
  set -- "\${rest[@]}" "$proto"
fi
key=$(printf '%s ' "$@" | sed 's/ $//' | tr -c 'A-Za-z0-9._-' '_')
f="$TD_STUB_DIR/$name/$key"
[ -f "$f.out" ] && cat "$f.out"
[ -f "$f.err" ] && cat "$f.err" >&2
if [ "$name" = nc ]; then date +"end %s%N" >> "$TD_STUB_DIR/nc-times"; fi
if [ -f "$f.rc" ]; then exit "$(cat "$f.rc")"; fi
if [ -f "$f.out" ] || [ -f "$f.err" ]; then exit 0; fi
echo "$name stub: no answer for: $*" >&2
exit 1
`;

/** Every tool the node scripts may call, stubbed so the machine's own (if any) never answers. */
export const STUBBED = ['nc', 'ufw', 'iptables', 'iptables-legacy', 'curl', 'systemctl', 'ss', 'nft'] as const;
export type StubbedTool = (typeof STUBBED)[number];

/** The core utilities the scripts and stubs use; PATH holds only these and the stubs. */
const CORE_TOOLS = ['bash', 'sh', 'awk', 'tr', 'xargs', 'sort', 'sed', 'cut', 'tail', 'wc', 'head', 'grep', 'cat', 'date', 'sleep', 'basename'];

/** What an AKS node's tools answer by default (the simulator's default node prints the same). */
export const KUBELET_LISTENING = 'LISTEN 0      4096               *:10250            *:*    users:(("kubelet",pid=2817,fd=21))\n';

export function stubKey(args: readonly string[]): string {
  return args.join(' ').replace(/[^A-Za-z0-9._-]/g, '_');
}

export class BashNode {
  readonly dir: string;
  readonly stubs: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'td-bash-node-'));
    this.stubs = join(this.dir, 'stubs');
    mkdirSync(join(this.stubs, 'bin'), { recursive: true });
    for (const name of STUBBED) {
      mkdirSync(join(this.stubs, name), { recursive: true });
      const path = join(this.stubs, 'bin', name);
      writeFileSync(path, STUB);
      chmodSync(path, 0o755);
    }
    // A closed PATH: the stubs and the core utilities, nothing else the machine happens to have.
    mkdirSync(join(this.dir, 'sys'), { recursive: true });
    for (const tool of CORE_TOOLS) {
      const found = spawnSync('/bin/bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found) symlinkSync(found, join(this.dir, 'sys', tool));
    }
    writeFileSync(join(this.stubs, 'calls'), '');
    this.answer('systemctl', ['is-active', 'kubelet'], { stdout: 'active\n' });
    this.answer('ss', ['-ltnpH', 'sport = :10250'], { stdout: KUBELET_LISTENING });
    this.answer('nft', ['list', 'ruleset'], { stdout: '' });
    this.answer('iptables', ['-S'], { stdout: '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n' });
  }

  /** Prepares what `<name> <args…>` prints and returns. */
  answer(name: StubbedTool, args: readonly string[], reply: { stdout?: string; stderr?: string; exitCode?: number }): void {
    const base = join(this.stubs, name, stubKey(args));
    if (reply.stdout !== undefined) writeFileSync(`${base}.out`, reply.stdout);
    if (reply.stderr !== undefined) writeFileSync(`${base}.err`, reply.stderr);
    writeFileSync(`${base}.rc`, String(reply.exitCode ?? 0));
  }

  /** Takes a command away from PATH (as on a node without it). */
  remove(name: StubbedTool): void {
    rmSync(join(this.stubs, 'bin', name));
  }

  calls(): string[] {
    return readFileSync(join(this.stubs, 'calls'), 'utf8').split('\n').filter((l) => l.length > 0);
  }

  /** Most nc processes that ran at the same time. */
  maxConcurrentNc(): number {
    const file = join(this.stubs, 'nc-times');
    if (!existsSync(file)) return 0;
    const events = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
      const [kind, ns] = l.split(' ');
      return { t: BigInt(ns as string), d: kind === 'start' ? 1 : -1 };
    }).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.d - b.d));
    let cur = 0;
    let max = 0;
    for (const e of events) { cur += e.d; max = Math.max(max, cur); }
    return max;
  }

  /**
   * Runs a script as run-command would. `mode: 'env'` exports the parameters (the managed
   * handler's os.Setenv); `mode: 'prelude'` prepends `export NAME=value …` and `set -- …` lines
   * (the action run-command's way, Azure/azure-cli#10400) — only safe for validated values.
   */
  async run(script: NodeScript, params: readonly ScriptParameter[] = [], opts: { mode?: 'env' | 'prelude'; ncDelay?: number } = {}): Promise<{ stdout: string; stderr: string; exitCode: number; ms: number }> {
    const mode = opts.mode ?? 'env';
    const path = join(this.dir, `script-${script.id}.sh`);
    const prelude = mode === 'prelude' && params.length > 0
      ? [`export ${params.map((p) => `${p.name}=${p.value}`).join(' ')}`, `set -- ${params.map((p) => p.value).join(' ')}`]
      : [];
    writeFileSync(path, `${[...prelude, ...script.lines].join('\n')}\n`);
    chmodSync(path, 0o500);
    const env: Record<string, string> = {
      PATH: `${join(this.stubs, 'bin')}:${join(this.dir, 'sys')}`,
      LANG: 'C',
      TD_STUB_DIR: this.stubs,
      TD_NC_DELAY: String(opts.ncDelay ?? 0),
      // No rc files: bash reads ~/.bashrc when stdin looks like a socket (libuv's pipes do).
      HOME: this.dir,
    };
    if (mode === 'env') for (const p of params) env[p.name] = p.value;
    const started = Date.now();
    // Asynchronous on purpose: a long synchronous spawn blocks the test worker's event loop, and on a
    // loaded machine vitest's worker RPC then times out ("Timeout calling onTaskUpdate").
    const r = await runBash(path, { cwd: this.dir, env });
    return { ...r, ms: Date.now() - started };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `/bin/bash -c <path>` with no stdin, collecting both streams; killed after two minutes. */
function runBash(path: string, opts: { cwd: string; env: Record<string, string> }): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', path], { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', (e) => {
      clearTimeout(killer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? -1 });
    });
  });
}
