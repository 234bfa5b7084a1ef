/**
 * Several constant kubectl commands in one AKS command invoke. Each command invoke is an ARM
 * long-running operation that takes as long as a VMSS run-command (tens of seconds on Azure), so a
 * diagnosis that reads five things through five invokes pays for them in parallel at best and in
 * quota always. Command invoke runs its command in a shell ("Command or shell script you want to
 * run", https://learn.microsoft.com/cli/azure/aks/command), so the commands go in as one `;` list,
 * each followed by an `echo` of a marker carrying its own exit status (`$?`): the one output is
 * split back into one result per command.
 *
 * Command invoke keeps 512 kB of output. A part whose end marker is missing was cut (or never ran):
 * it is reported as `cut`, and the caller reads it again on its own. Smallest outputs go first so a
 * cut costs the fewest re-reads. Only constants go into the script: no user text reaches a shell.
 */
import { userMessageOf } from '../user-message.js';

export interface KubectlResult {
  exitCode: number;
  logs: string;
}

export type Kubectl = (command: string) => Promise<KubectlResult>;

export interface BatchPart {
  /** Names the part in the marker: lower-case letters, digits and dashes. */
  key: string;
  /** A kubectl command built from constants only. */
  command: string;
}

export type PartResult = KubectlResult | { cut: true };

const KEY = /^[a-z0-9-]+$/;
const MARKER_PREFIX = '@@tunnel-doctor-end';
const MARKER = /@@tunnel-doctor-end ([a-z0-9-]+) (\d+)@@\r?\n?/g;

/** The shell list for the parts: `cmd; echo "@@tunnel-doctor-end key $?@@"; …`. */
export function batchScript(parts: readonly BatchPart[]): string {
  for (const p of parts) {
    if (!KEY.test(p.key)) throw new Error(`batch key "${p.key}" is not [a-z0-9-]+`);
    // Constants only: a shell metacharacter here would be a programming error, never user input.
    if (/[;&|`$<>\n"'\\]/.test(p.command)) throw new Error(`batch command for "${p.key}" holds a shell metacharacter`);
  }
  return parts.map((p) => `${p.command}; echo "${MARKER_PREFIX} ${p.key} $?@@"`).join('; ');
}

/** One result per part: its output and exit status, or `cut` when its end marker never came. */
export function splitBatchOutput(parts: readonly BatchPart[], logs: string): Map<string, PartResult> {
  const out = new Map<string, PartResult>();
  let from = 0;
  for (const m of logs.matchAll(MARKER)) {
    const key = m[1] as string;
    if (parts.some((p) => p.key === key) && !out.has(key)) out.set(key, { exitCode: Number(m[2]), logs: logs.slice(from, m.index) });
    from = (m.index ?? 0) + m[0].length;
  }
  for (const p of parts) if (!out.has(p.key)) out.set(p.key, { cut: true });
  return out;
}

/**
 * Runs the parts in one command invoke, and each part that was cut again on its own (in parallel).
 * Throws what the invoke threw (refused, throttled, timed out): the caller words it per part. A
 * re-read that throws gives that part exit status -1 and the error's user-facing message.
 */
export async function runBatch(kubectl: Kubectl, parts: readonly BatchPart[]): Promise<Map<string, KubectlResult>> {
  const results = new Map<string, KubectlResult>();
  const split = splitBatchOutput(parts, (await kubectl(batchScript(parts))).logs);
  const cut = parts.filter((p) => 'cut' in (split.get(p.key) as PartResult));
  for (const p of parts) {
    const r = split.get(p.key) as PartResult;
    if (!('cut' in r)) results.set(p.key, r);
  }
  const again = await Promise.all(
    cut.map(async (p) => {
      try {
        return [p.key, await kubectl(p.command)] as const;
      } catch (err) {
        return [p.key, { exitCode: -1, logs: userMessageOf(err) }] as const;
      }
    }),
  );
  for (const [key, r] of again) results.set(key, r);
  return results;
}
