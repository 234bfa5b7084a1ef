/**
 * The shell AKS command invoke runs its command in, reduced to what the bot sends: a list of
 * simple commands separated by `;` or newlines, each `kubectl …` or `echo …`, where `$?` is the
 * exit status of the previous command.
 *
 * Why a shell at all: command invoke runs "a shell command (with kubectl, helm)", and `--command`
 * is "Command or shell script you want to run" (https://learn.microsoft.com/cli/azure/aks/command);
 * Learn's own example chains commands (`helm repo add … && helm repo update && helm install …`,
 * "Access a private AKS cluster using command invoke"). The result's exitCode is the shell's: the
 * last command's status (POSIX Shell Command Language 2.9.3 "Lists": the exit status of a sequential
 * list is that of the last command; 2.5.2 "Special Parameters": `?` expands to the decimal exit
 * status of the most recent pipeline). Output is stdout and stderr together, in order, as the
 * command's "logs".
 *
 * Anything else a shell would do (pipes, redirections, substitutions, &&/||, background jobs) is
 * refused with a message naming it, so a bot that starts sending it fails loudly here first.
 */
import type { KubectlResult } from './kubectl.js';

export type RunSimpleCommand = (command: string) => KubectlResult;

/** Splits at `;` and newlines outside quotes. */
function splitList(script: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  for (const ch of script) {
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ';' || ch === '\n') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (quote) throw new ShellSyntaxError(`unexpected EOF while looking for matching \`${quote}'`);
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

class ShellSyntaxError extends Error {}

/** Shell operators the simulated shell does not model, outside single quotes. */
function unsupportedOperator(command: string): string | undefined {
  const unquoted = command.replace(/'[^']*'/g, "''");
  const m = /(\|\||&&|[|&<>`]|\$\()/.exec(unquoted);
  return m?.[1];
}

/** `echo` with its arguments: words joined by one space; `$?` expands outside single quotes. */
function echo(command: string, lastStatus: number): KubectlResult {
  const words: string[] = [];
  for (const m of command.slice('echo'.length).matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    words.push(m[1] !== undefined ? m[1] : (m[2] ?? m[3] ?? '').replaceAll('$?', String(lastStatus)));
  }
  return { exitCode: 0, logs: `${words.join(' ')}\n` };
}

/** Runs the script's commands in order; the result is the last command's status and all output. */
export function runShellScript(script: string, runSimple: RunSimpleCommand): KubectlResult {
  let parts: string[];
  try {
    parts = splitList(script);
  } catch (e) {
    if (e instanceof ShellSyntaxError) return { exitCode: 2, logs: `/bin/sh: 1: Syntax error: ${e.message}\n` };
    throw e;
  }
  let status = 0;
  let logs = '';
  for (const part of parts) {
    const operator = unsupportedOperator(part);
    if (operator) {
      return { exitCode: 2, logs: `${logs}error: the simulated command invoke runs kubectl and echo commands separated by ';' only (found '${operator}')\n` };
    }
    const result = /^echo(\s|$)/.test(part) ? echo(part, status) : runSimple(part);
    status = result.exitCode;
    logs += result.logs;
  }
  return { exitCode: status, logs };
}
