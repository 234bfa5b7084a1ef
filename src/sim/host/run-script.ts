/**
 * The simulator's side of VMSS run-command on a Linux node: it recognises the bot's constant
 * scripts by their `# tunnel-doctor-script: <id>` header, reads the run-command parameters the
 * way the script does (from the environment the platform exports them to) and prints exactly
 * what that bash would print, probing through the NetworkOracle. Fix scripts change the node's
 * ufw / iptables state. A few single command lines are also understood, for manual use:
 * `ufw status verbose`, `iptables --list --line-numbers` (or `-L`), `nc -v [-z] -w N <host> <port>`.
 *
 * The simulator knows each script by its header id only (its own reading of the scripts' inputs is
 * in script-inputs.ts); that the real bash prints the same is checked by
 * test/sim/host/bash-parity.test.ts, which runs the bot's constant scripts under bash. Windows nodes and stopped VMs are the caller's business (run-command answers
 * those before any script runs). The 4096-byte tail cut is also the caller's (the envelope).
 */
import type { ProbeOutcome, ScenarioNode } from '../../scenario/types.js';
import {
  FIREWALL_BUDGET as HOST_FIREWALL_BUDGET, NFT_BUDGET, NODE_READS_BUDGET, PROBE_DETAIL_BYTES as PROBE_DETAIL_BUDGET, headerId, isDottedQuad as isIpv4Address,
  isSimScriptId as isNodeScriptId, refusedParameter as scriptRejectsParameter, targetsOf as splitTargets, type SimScriptId as NodeScriptId,
} from './script-inputs.js';
import { iptablesDelete, iptablesInsertAccept, ufwAllow, ufwDisable } from './commands.js';
import { ncMessage } from './nc.js';
import { legacyWarning, renderNodeReads } from './node-reads.js';
import { renderWindowsFirewall } from './windows-firewall.js';
import { renderIptablesChain, renderIptablesList, renderUfwStatusVerbose } from './render.js';

export interface NetworkOracle {
  probe(from: ScenarioNode, host: string, port: number, protocol: 'tcp' | 'udp'): ProbeOutcome;
}

export interface ScriptResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Where run-command writes the script on the node; bash names it in its error messages. */
const SCRIPT_PATH = '/var/lib/waagent/run-command/download/0/script.sh';

export function runNodeScript(
  node: ScenarioNode,
  script: string[],
  parameters: Array<{ name: string; value: string }>,
  oracle: NetworkOracle,
): ScriptResult {
  const text = script.join('\n').replace(/\r\n/g, '\n');
  const env: Record<string, string> = {};
  for (const p of parameters) env[p.name] = p.value;
  const id = headerId(text);
  if (id !== undefined) {
    if (!isNodeScriptId(id)) return commandNotFound(text);
    return RUNNERS[id](node, env, oracle);
  }
  return runCommandLine(node, text.trim(), oracle);
}

type Runner = (node: ScenarioNode, env: Record<string, string>, oracle: NetworkOracle) => ScriptResult;

const RUNNERS: Readonly<Record<NodeScriptId, Runner>> = {
  'probe-kubelet': probeKubelet,
  'host-firewall': hostFirewall,
  'probe-egress': probeEgress,
  'ufw-allow-kubelet': (node) => ufwFix(node, 'ufw-allow-kubelet', 'ufw allow 10250/tcp', () => ufwAllow(node, '10250/tcp')),
  'ufw-disable': (node) => ufwFix(node, 'ufw-disable', 'ufw disable', () => ufwDisable(node)),
  'iptables-delete-rule': iptablesDeleteRule,
  'iptables-insert-accept': iptablesInsertAcceptRule,
  'windows-firewall': (node) => out([renderWindowsFirewall(node)]),
};

function out(lines: string[], exitCode = 0): ScriptResult {
  return { stdout: lines.join(''), stderr: '', exitCode };
}

/** The framing every script prints when its own parameter check fails. */
function rejected(id: NodeScriptId, env: Record<string, string>): ScriptResult | undefined {
  const bad = scriptRejectsParameter(id, env);
  return bad === undefined ? undefined : out([`TD-BEGIN ${id}\n`, `TD-ERROR invalid parameter ${bad}\n`, 'TD-END\n'], 2);
}

function ufwStatusText(node: ScenarioNode): string {
  return node.outputs?.['ufw status verbose'] ?? renderUfwStatusVerbose(node.ufw);
}

function iptablesListText(node: ScenarioNode): string {
  return node.outputs?.['iptables --list --line-numbers'] ?? `${legacyWarning(node)}${renderIptablesList(node.iptables)}`;
}

/** `$(cmd)` drops every trailing newline; `printf '%s\n'` puts one back. */
function captured(text: string): string {
  return text.replace(/\n+$/, '');
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

// ----- probe-kubelet -------------------------------------------------------------------------

function probeKubelet(node: ScenarioNode, env: Record<string, string>, oracle: NetworkOracle): ScriptResult {
  const bad = rejected('probe-kubelet', env);
  if (bad) return bad;
  const port = Number(env['PORT']);
  const rows = splitTargets(env['TARGETS'] ?? '').map((token) => {
    if (!isIpv4Address(token)) return { r: 'error', ip: sanitizeToken(token), reason: 'invalid-target' };
    const outcome = oracle.probe(node, token, port, 'tcp');
    // The script's TLS check: curl -sk https://… gets 000 from a plain-HTTP listener, which then
    // answers curl over http (a 404 for /healthz, as python's http.server in the fixtures does).
    if (outcome === 'not-https') return { r: 'not-https', ip: token, reason: 'http-404' };
    return { r: outcome as string, ip: token, reason: '' };
  });
  // The script's final awk, line for line.
  const lines = ['TD-BEGIN probe-kubelet\n'];
  const count: Record<string, number> = { open: 0, timeout: 0, refused: 0, error: 0, 'not-https': 0 };
  let outcomes = '';
  let used = 0;
  let elided = 0;
  for (const row of rows) {
    count[row.r] = (count[row.r] ?? 0) + 1;
    outcomes += row.r === 'open' ? 'o' : row.r === 'timeout' ? 't' : row.r === 'refused' ? 'r' : row.r === 'not-https' ? 'h' : 'e';
    if (row.r === 'open') continue;
    const line = row.r === 'error' || row.r === 'not-https' ? `${row.r} ${row.ip} ${row.reason}` : `${row.r} ${row.ip}`;
    if (used + line.length + 1 <= PROBE_DETAIL_BUDGET) { lines.push(`${line}\n`); used += line.length + 1; } else elided++;
  }
  if (elided > 0) lines.push(`TD-ELIDED ${elided}\n`, `TD-OUTCOMES ${outcomes}\n`);
  lines.push(`TD-SUMMARY open=${count['open']} timeout=${count['timeout']} refused=${count['refused']} error=${count['error']} not-https=${count['not-https']}\n`, 'TD-END\n');
  return out(lines);
}

/** `tr -c "A-Za-z0-9.:_/-" "?" | cut -c1-40`, byte for byte. */
function sanitizeToken(token: string): string {
  const safe = /[A-Za-z0-9.:_/-]/;
  return [...Buffer.from(token, 'utf8')].map((b) => (safe.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '?')).join('').slice(0, 40);
}

// ----- host-firewall -------------------------------------------------------------------------

function hostFirewall(node: ScenarioNode): ScriptResult {
  const ufw = captured(ufwStatusText(node));
  const ipt = captured(iptablesListText(node));
  // iptables first, ufw last, as the script prints them (the tail cut must only eat the listing).
  const reads = renderNodeReads(node, { reads: NODE_READS_BUDGET, nft: NFT_BUDGET });
  // The script's "ufw's status comes whole: when it leaves no room, the further reads give way".
  const extra = bytes(`${ufw}\n${reads}\n`) > HOST_FIREWALL_BUDGET ? 'TD-NOTE reads cut' : reads;
  const lines = ['TD-BEGIN host-firewall\n', '### iptables --list --line-numbers\n'];
  const used = bytes(`${ufw}\n${extra}\n`);
  const size = bytes(`${ipt}\n`);
  if (used + size <= HOST_FIREWALL_BUDGET) lines.push(`${ipt}\n`);
  else {
    lines.push(`TD-NOTE iptables listing reduced to INPUT and the chains it reaches; full listing ${size} bytes\n`);
    lines.push(reduceIptablesListing(ipt, HOST_FIREWALL_BUDGET - used));
  }
  lines.push(`${extra}\n`, '### ufw status verbose\n', `${ufw}\n`, 'TD-END\n');
  return out(lines);
}

/**
 * The host-firewall script's awk: INPUT and every chain reachable from it by jumps, in the order
 * they are first jumped to (breadth first). When those pass `room` bytes, a `TD-NOTE iptables
 * listing cut to fit` line, then whole chains dropped from the end (each named on a
 * `TD-NOTE dropped-chain <name>` line after the listing, whose bytes count against `room`).
 */
export function reduceIptablesListing(listing: string, room: number = Number.POSITIVE_INFINITY): string {
  const body = new Map<string, string>();
  const refs = new Map<string, string[]>();
  let cur = '';
  for (const line of listing.split('\n')) {
    // awk's default field splitting: blanks and tabs, leading ones ignored.
    const fields = line.split(/[ \t]+/).filter(Boolean);
    if (/^Chain /.test(line)) {
      cur = fields[1] ?? '';
      body.set(cur, line);
      refs.set(cur, []);
      continue;
    }
    if (cur === '') continue;
    body.set(cur, `${body.get(cur)}\n${line}`);
    if (/^[0-9]+$/.test(fields[0] ?? '') && fields[1] !== undefined) refs.get(cur)?.push(fields[1]);
  }
  const queue = body.has('INPUT') ? ['INPUT'] : [];
  const keep = new Set(queue);
  for (let q = 0; q < queue.length; q++) {
    for (const t of refs.get(queue[q] as string) ?? []) if (body.has(t) && !keep.has(t)) { keep.add(t); queue.push(t); }
  }
  const blocks = queue.map((n) => (body.get(n) ?? '').replace(/\n+$/, ''));
  const cost = (k: number) => bytes(blocks[k] as string) + 1 + (k > 0 ? 1 : 0);
  let total = blocks.reduce((sum, _b, k) => sum + cost(k), 0);
  let kept = blocks.length;
  const lines: string[] = [];
  if (total > room) {
    lines.push('TD-NOTE iptables listing cut to fit\n');
    while (kept > 0 && total > room) {
      kept--;
      total += bytes(`TD-NOTE dropped-chain ${queue[kept]}`) + 1 - cost(kept);
    }
  }
  if (kept > 0) lines.push(`${blocks.slice(0, kept).join('\n\n')}\n`);
  for (const name of queue.slice(kept)) lines.push(`TD-NOTE dropped-chain ${name}\n`);
  return lines.join('');
}

// ----- probe-egress --------------------------------------------------------------------------

function probeEgress(node: ScenarioNode, env: Record<string, string>, oracle: NetworkOracle): ScriptResult {
  const bad = rejected('probe-egress', env);
  if (bad) return bad;
  const host = env['HOST'] as string;
  const port = Number(env['PORT']);
  const protocol = env['PROTO'] as 'tcp' | 'udp';
  const nc = ncMessage(host, port, protocol, oracle.probe(node, host, port, protocol));
  const said = captured(nc.stderr);
  let result: string;
  if (said.includes('Connection refused')) result = 'refused';
  else if (said.includes('timed out')) result = 'timeout';
  else if (protocol === 'udp') result = nc.exitCode === 0 ? 'unverifiable-udp' : 'refused';
  else result = nc.exitCode === 0 ? 'open' : 'error';
  const lines = ['TD-BEGIN probe-egress\n'];
  if (said) lines.push(`${said}\n`);
  lines.push(`result ${result}\n`, 'TD-END\n');
  return out(lines);
}

// ----- fix scripts ---------------------------------------------------------------------------

function ufwFix(node: ScenarioNode, id: NodeScriptId, command: string, run: () => { output: string; exitCode: number }): ScriptResult {
  const done = run();
  return out([
    `TD-BEGIN ${id}\n`, `$ ${command}\n`, done.output, `TD-RESULT exit=${done.exitCode}\n`,
    '### ufw status verbose\n', renderUfwStatusVerbose(node.ufw), 'TD-END\n',
  ], done.exitCode);
}

function chainListing(node: ScenarioNode, chain: string): string {
  return renderIptablesChain(node.iptables, chain) ?? 'iptables: No chain/target/match by that name.\n';
}

function iptablesDeleteRule(node: ScenarioNode, env: Record<string, string>): ScriptResult {
  const bad = rejected('iptables-delete-rule', env);
  if (bad) return bad;
  const chain = env['CHAIN'] as string;
  const num = env['RULE_NUMBER'] as string;
  const done = iptablesDelete(node, chain, Number(num));
  return out([
    'TD-BEGIN iptables-delete-rule\n', `$ iptables --delete ${chain} ${num}\n`, done.output, `TD-RESULT exit=${done.exitCode}\n`,
    `### iptables --list ${chain} --line-numbers\n`, chainListing(node, chain), 'TD-END\n',
  ], done.exitCode);
}

function iptablesInsertAcceptRule(node: ScenarioNode, env: Record<string, string>): ScriptResult {
  const bad = rejected('iptables-insert-accept', env);
  if (bad) return bad;
  const chain = env['CHAIN'] as string;
  const cidr = env['SOURCE_CIDR'] as string;
  const done = iptablesInsertAccept(node, chain, cidr);
  return out([
    'TD-BEGIN iptables-insert-accept\n', `$ iptables --insert ${chain} 1 -p tcp --dport 10250 -s ${cidr} -j ACCEPT\n`, done.output,
    `TD-RESULT exit=${done.exitCode}\n`, `### iptables --list ${chain} --line-numbers\n`, chainListing(node, chain), 'TD-END\n',
  ], done.exitCode);
}

// ----- single command lines ------------------------------------------------------------------

function runCommandLine(node: ScenarioNode, line: string, oracle: NetworkOracle): ScriptResult {
  const verbatim = node.outputs?.[line];
  if (verbatim !== undefined) return { stdout: verbatim, stderr: '', exitCode: 0 };
  if (line === 'ufw status verbose') return { stdout: ufwStatusText(node), stderr: '', exitCode: 0 };
  if (line === 'iptables --list --line-numbers' || line === 'iptables -L --line-numbers') {
    return { stdout: iptablesListText(node), stderr: '', exitCode: 0 };
  }
  const nc = /^nc (?:-v -z|-vz|-zv|-v)(?: -z)? -w \d+ (\S+) (\d{1,5})$/.exec(line);
  if (nc && Number(nc[2]) >= 1 && Number(nc[2]) <= 65535) {
    const host = nc[1] as string;
    const port = Number(nc[2]);
    const said = ncMessage(host, port, 'tcp', oracle.probe(node, host, port, 'tcp'));
    return { stdout: '', stderr: said.stderr, exitCode: said.exitCode };
  }
  return commandNotFound(line);
}

function commandNotFound(text: string): ScriptResult {
  const first = text.split('\n').map((l) => l.trim()).findIndex((l) => l.length > 0 && !l.startsWith('#'));
  const lineNo = first < 0 ? 1 : first + 1;
  const word = first < 0 ? '' : (text.split('\n')[first] as string).trim().split(/\s+/)[0];
  return { stdout: '', stderr: `${SCRIPT_PATH}: line ${lineNo}: ${word}: command not found\n`, exitCode: 127 };
}
