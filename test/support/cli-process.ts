/** The `tunnel-doctor` command as a child process, as a user runs it (bin/tunnel-doctor.js). */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const CLI_BIN = path.resolve('bin/tunnel-doctor.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args`; the environment is this one plus `env` (simulated latencies at 0 unless set). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, SIM_LATENCY_SCALE: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
