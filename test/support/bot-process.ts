/**
 * Bots and the simulated Azure as separate OS processes, for tests that need what one process
 * cannot show: several bot instances sharing one store and one Azure, and a bot killed with
 * SIGKILL mid-execution (no close(), no finally blocks) and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BOT_ENTRY = fileURLToPath(new URL('./bot-entry.ts', import.meta.url));
const SIM_ENTRY = fileURLToPath(new URL('../../src/sim/main.ts', import.meta.url));
// Generous: only a hang should fail here. A tsx process on a loaded 2-core machine can take 30 s to listen.
const START_TIMEOUT_MS = 120_000;
// Preloaded into the simulator (whose entry we do not own): exit when the test process's end of the
// stdin pipe closes, so a test worker killed by a signal leaves no simulator behind.
const EXIT_WITH_PARENT = 'data:text/javascript,process.stdin.on("end",()=>process.exit(0));process.stdin.on("error",()=>process.exit(0));process.stdin.resume();';

export interface ChildServer {
  name: string;
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGKILL: no shutdown code runs, as when a host dies. Resolves once the process is gone. */
  kill(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function spawnServer(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  const output = () => chunks.join('').slice(-4000);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const kill = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (exited(child)) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  };
  child.stderr?.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      const onData = (c: Buffer): void => {
        const text = c.toString('utf8');
        stdout += text;
        chunks.push(text);
        const m = ready.exec(stdout);
        if (m?.[1]) {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(m[1].replace(/\/$/, ''));
        }
      };
      const onExit = (code: number | null, signal: string | null): void => fail(`exited before listening (code ${code}, signal ${signal})`);
      const fail = (why: string): void => {
        clearTimeout(timer);
        reject(new Error(`${name} ${why}:\n${output()}`));
      };
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
      child.once('error', (err) => fail(err.message));
    });
    return { name, url, child, output, kill };
  } catch (err) {
    await kill();
    throw err;
  }
}

/** `npm run sim` as a child: the one simulated Azure several bots share. Env: SIM_SCENARIOS, SIM_LATENCY_SCALE, SIM_ACCESS_LOG. */
export function spawnSimulator(env: Record<string, string>): Promise<ChildServer> {
  return spawnServer('simulated Azure', ['--import', EXIT_WITH_PARENT, '--import', 'tsx', SIM_ENTRY], { ...process.env, SIM_PORT: '0', ...env }, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
}

/** One bot instance as a child (startBot(parseConfig(env))). Pass PORT=0 and its own TD_INSTANCE_ID. */
export function spawnBot(name: string, env: Record<string, string>): Promise<ChildServer> {
  return spawnServer(name, ['--import', 'tsx', BOT_ENTRY], { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env }, /BOT_LISTENING (http:\/\/\S+)/);
}

export interface AccessLine {
  method: string;
  path: string;
  status: number;
  route: string;
}

/** The simulator's access log (one JSON line per answered request); empty before the first request. */
export function readAccessLog(file: string): AccessLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AccessLine);
}

/** NSG rule writes the simulator answered: the Azure side effect that must happen exactly once. */
/** NSG writes in the log: the fixes PUT the whole NSG (…/networkSecurityGroups/<name>), single-rule PUTs count too. */
export function rulePutsIn(file: string): AccessLine[] {
  return readAccessLog(file).filter((l) => l.method === 'PUT' && /\/networkSecurityGroups\/[^/]+(\/securityRules\/[^/]+)?$/i.test(l.path.split('?')[0] ?? ''));
}
