/**
 * Reads what the node scripts of ../node-scripts.ts print. Each output is framed by
 * `TD-BEGIN <id>` … `TD-END`; run-command keeps only the last 4096 bytes of stdout, so a missing
 * TD-BEGIN means the head was cut and `complete` is false (whatever survived is still parsed).
 */
import { parseIptablesList, type IptablesListing } from './iptables.js';
import { parseUfwStatusVerbose, type UfwStatus } from './ufw.js';

interface Framed {
  complete: boolean;
  /** Lines between the markers (or all surviving lines when a marker is missing). */
  lines: string[];
  /** `TD-ERROR …` messages from the script's own checks. */
  scriptErrors: string[];
  /** TD-END was printed (the tail is whole even when the head was cut). */
  ended: boolean;
}

function frame(stdout: string, id: string): Framed {
  const all = stdout.replace(/\r\n/g, '\n').split('\n');
  const begin = all.findIndex((l) => l.trim() === `TD-BEGIN ${id}`);
  let end = -1;
  for (let k = all.length - 1; k >= 0; k--) if ((all[k] as string).trim() === 'TD-END') { end = k; break; }
  const lines = all.slice(begin >= 0 ? begin + 1 : 0, end > begin ? end : all.length);
  const scriptErrors = lines.filter((l) => l.startsWith('TD-ERROR ')).map((l) => l.slice('TD-ERROR '.length).trim());
  return { complete: begin >= 0 && end > begin, lines, scriptErrors, ended: end >= 0 && end > begin };
}

// ----- probe-kubelet -------------------------------------------------------------------------

/** `not-https`: TCP 10250 answers, but plain HTTP, not the kubelet's TLS (the article's third symptom). */
export type KubeletProbeOutcome = 'open' | 'timeout' | 'refused' | 'error' | 'not-https';

export interface KubeletProbeFailure {
  ip: string;
  outcome: Exclude<KubeletProbeOutcome, 'open'>;
  reason?: string;
}

export interface KubeletProbeResult {
  complete: boolean;
  summary?: { open: number; timeout: number; refused: number; error: number; notHttps: number };
  /** Targets that were not open, as listed (may be partial when `elided` > 0). */
  failures: KubeletProbeFailure[];
  /** How many failure lines the script left out to stay under 4096 bytes. */
  elided: number;
  /** Every target's outcome; only when the targets were given and the result is complete. */
  byTarget?: Record<string, KubeletProbeOutcome>;
  scriptErrors: string[];
  /** Why a seemingly framed result is still not trusted. */
  problems: string[];
}

/** Parses probe-kubelet output. Pass the TARGETS list (in order) to get `byTarget`. */
export function parseProbeKubelet(stdout: string, targets?: readonly string[]): KubeletProbeResult {
  const f = frame(stdout, 'probe-kubelet');
  const result: KubeletProbeResult = { complete: f.complete, failures: [], elided: 0, scriptErrors: f.scriptErrors, problems: [] };
  let outcomes: string | undefined;
  for (const line of f.lines) {
    let m = /^(timeout|refused) (\S+)$/.exec(line);
    if (m) { result.failures.push({ ip: m[2] as string, outcome: m[1] as 'timeout' | 'refused' }); continue; }
    m = /^not-https (\S+)(?: (.*))?$/.exec(line);
    if (m) {
      const failure: KubeletProbeFailure = { ip: m[1] as string, outcome: 'not-https' };
      if (m[2]?.trim()) failure.reason = m[2].trim();
      result.failures.push(failure);
      continue;
    }
    m = /^error (\S+)(?: (.*))?$/.exec(line);
    if (m) {
      const failure: KubeletProbeFailure = { ip: m[1] as string, outcome: 'error' };
      if (m[2]?.trim()) failure.reason = m[2].trim();
      result.failures.push(failure);
      continue;
    }
    // not-https= is absent from builds before the TLS check: read as 0.
    m = /^TD-SUMMARY open=(\d+) timeout=(\d+) refused=(\d+) error=(\d+)(?: not-https=(\d+))?$/.exec(line);
    if (m) { result.summary = { open: Number(m[1]), timeout: Number(m[2]), refused: Number(m[3]), error: Number(m[4]), notHttps: Number(m[5] ?? 0) }; continue; }
    m = /^TD-ELIDED (\d+)$/.exec(line);
    if (m) { result.elided = Number(m[1]); continue; }
    m = /^TD-OUTCOMES ([otreh]*)$/.exec(line);
    if (m) { outcomes = m[1] as string; continue; }
  }
  if (result.scriptErrors.length > 0) result.complete = false;
  if (result.complete && !result.summary) { result.complete = false; result.problems.push('no TD-SUMMARY line'); }
  if (!result.complete || !result.summary) return result;
  const s = result.summary;
  const total = s.open + s.timeout + s.refused + s.error + s.notHttps;
  if (targets && total !== targets.length) {
    result.complete = false;
    result.problems.push(`summary covers ${total} targets, ${targets.length} were asked for`);
    return result;
  }
  if (result.failures.length + result.elided !== s.timeout + s.refused + s.error + s.notHttps) {
    result.complete = false;
    result.problems.push('failure lines do not add up to the summary');
    return result;
  }
  if (!targets) return result;
  const byTarget: Record<string, KubeletProbeOutcome> = {};
  if (outcomes !== undefined) {
    if (outcomes.length !== targets.length) {
      result.complete = false;
      result.problems.push('TD-OUTCOMES length differs from the number of targets');
      return result;
    }
    const names: Record<string, KubeletProbeOutcome> = { o: 'open', t: 'timeout', r: 'refused', e: 'error', h: 'not-https' };
    targets.forEach((ip, k) => { byTarget[ip] = names[outcomes?.[k] ?? 'e'] ?? 'error'; });
    // Recover the elided failures from the letters so `failures` is complete too.
    const listed = new Set(result.failures.map((x) => x.ip));
    targets.forEach((ip) => {
      const o = byTarget[ip];
      if (o && o !== 'open' && !listed.has(ip)) { result.failures.push({ ip, outcome: o }); listed.add(ip); }
    });
  } else {
    for (const ip of targets) byTarget[ip] = 'open';
    for (const x of result.failures) byTarget[x.ip] = x.outcome;
  }
  result.byTarget = byTarget;
  return result;
}

// ----- host-firewall -------------------------------------------------------------------------

export interface HostFirewallResult {
  complete: boolean;
  /** The ufw section survived in full (its heading is there, and so is what follows it). */
  ufwComplete: boolean;
  /** The iptables section survived in full (its heading is there, and so is what follows it). */
  iptablesComplete: boolean;
  ufwText?: string;
  iptablesText?: string;
  ufw?: UfwStatus;
  /** The listing; its `droppedChains` names chains the script left out to fit (see below). */
  iptables?: IptablesListing;
  /** The script reduced the iptables listing to INPUT and the chains it reaches. */
  iptablesReduced: boolean;
  /**
   * Chains reachable from INPUT that the script dropped whole to stay under run-command's 4096
   * bytes (`TD-NOTE dropped-chain <name>`). A jump into one leads where the listing cannot show.
   */
  droppedChains: string[];
  iptablesMissing: boolean;
  notes: string[];
  /** The further reads for kubelet-reachability (src/engine/host/node-reads.ts), when printed. */
  reads?: NodeReadsText;
}

/** The raw sections of host-firewall's further reads, each as printed (without its heading). */
export interface NodeReadsText {
  kubelet?: string;
  nft?: string;
  iptablesSpec?: string;
  iptablesLegacySpec?: string;
  /** The whole of the reads survived (no `TD-NOTE reads cut`, and the next heading followed). */
  complete: boolean;
}

const READ_HEADINGS: Readonly<Record<string, keyof Omit<NodeReadsText, 'complete'>>> = {
  '### kubelet': 'kubelet',
  '### nft list ruleset': 'nft',
  '### iptables -S': 'iptablesSpec',
  '### iptables-legacy -S': 'iptablesLegacySpec',
};

const UFW_HEADING = '### ufw status verbose';
const IPTABLES_HEADING = '### iptables --list --line-numbers';

/**
 * Parses host-firewall output. The script prints the iptables section first and ufw last (so
 * run-command's tail cut eats only the head of the listing); older builds printed ufw first, so
 * either order is read. A section is complete when its heading survived and it is followed by the
 * other heading or by TD-END: the cut only ever removes a head, and a missing TD-END means the
 * script stopped early.
 */
export function parseHostFirewall(stdout: string): HostFirewallResult {
  const f = frame(stdout, 'host-firewall');
  const ufwAt = f.lines.indexOf(UFW_HEADING);
  const iptAt = f.lines.indexOf(IPTABLES_HEADING);
  const headingsAt = f.lines.flatMap((l, k) => (l === UFW_HEADING || l === IPTABLES_HEADING || READ_HEADINGS[l] ? [k] : []));
  // Where a section starting at `at` ends, and whether that end is a real one.
  const sectionEnd = (at: number): { end: number; closed: boolean } => {
    const next = headingsAt.filter((k) => k > at).sort((a, b) => a - b)[0];
    return next !== undefined ? { end: next, closed: true } : { end: f.lines.length, closed: f.ended };
  };
  const result: HostFirewallResult = {
    complete: f.complete, ufwComplete: false, iptablesComplete: false,
    iptablesReduced: false, droppedChains: [], iptablesMissing: false, notes: [],
  };
  if (ufwAt >= 0) {
    const { end, closed } = sectionEnd(ufwAt);
    result.ufwText = f.lines.slice(ufwAt + 1, end).join('\n');
    result.ufwComplete = closed;
  }
  if (iptAt >= 0) {
    const { end, closed } = sectionEnd(iptAt);
    result.iptablesComplete = closed;
    const kept: string[] = [];
    for (const line of f.lines.slice(iptAt + 1, end)) {
      if (line.startsWith('TD-NOTE ')) {
        const note = line.slice('TD-NOTE '.length);
        result.notes.push(note);
        if (/reduced/.test(note)) result.iptablesReduced = true;
        const dropped = /^dropped-chain (\S+)$/.exec(note.trim());
        if (dropped) result.droppedChains.push(dropped[1] as string);
        continue;
      }
      kept.push(line);
    }
    result.iptablesText = kept.join('\n');
    if (/^iptables: not installed$/m.test(result.iptablesText)) result.iptablesMissing = true;
  }
  for (const at of headingsAt) {
    const field = READ_HEADINGS[f.lines[at] as string];
    if (!field) continue;
    const { end, closed } = sectionEnd(at);
    const body = f.lines.slice(at + 1, end);
    const reads: NodeReadsText = result.reads ?? { complete: true };
    if (body.includes('TD-NOTE reads cut') || !closed) reads.complete = false;
    reads[field] = body.filter((l) => l !== 'TD-NOTE reads cut').join('\n');
    result.reads = reads;
  }
  if (result.ufwText !== undefined) result.ufw = parseUfwStatusVerbose(result.ufwText);
  if (result.iptablesText !== undefined && !result.iptablesMissing) {
    result.iptables = parseIptablesList(result.iptablesText);
    if (result.droppedChains.length > 0) result.iptables.droppedChains = [...result.droppedChains];
  }
  return result;
}

// ----- probe-egress --------------------------------------------------------------------------

export type EgressProbeOutcome = 'open' | 'timeout' | 'refused' | 'unverifiable-udp' | 'error';

export interface EgressProbeResult {
  complete: boolean;
  result?: EgressProbeOutcome;
  /** nc's own lines. */
  raw: string;
  scriptErrors: string[];
}

export function parseProbeEgress(stdout: string): EgressProbeResult {
  const f = frame(stdout, 'probe-egress');
  let result: EgressProbeOutcome | undefined;
  const raw: string[] = [];
  for (const line of f.lines) {
    const m = /^result (open|timeout|refused|unverifiable-udp|error)$/.exec(line);
    if (m) { result = m[1] as EgressProbeOutcome; continue; }
    if (!line.startsWith('TD-')) raw.push(line);
  }
  const out: EgressProbeResult = { complete: f.complete && result !== undefined && f.scriptErrors.length === 0, raw: raw.join('\n').trim(), scriptErrors: f.scriptErrors };
  if (result) out.result = result;
  return out;
}

// ----- fix scripts ---------------------------------------------------------------------------

export interface FixScriptResult {
  complete: boolean;
  /** The command line the script ran, as it echoed it (`$ ufw allow 10250/tcp`). */
  command?: string;
  exitCode?: number;
  /** The command's own output. */
  output: string;
  /** What the script printed after `### …` to show the state afterwards. */
  after?: { heading: string; text: string };
  scriptErrors: string[];
}

export function parseFixScriptOutput(stdout: string, id: string): FixScriptResult {
  const f = frame(stdout, id);
  const result: FixScriptResult = { complete: false, output: '', scriptErrors: f.scriptErrors };
  const output: string[] = [];
  let afterAt = -1;
  f.lines.forEach((line, k) => {
    if (afterAt >= 0) return;
    if (line.startsWith('$ ') && result.command === undefined) { result.command = line.slice(2); return; }
    const m = /^TD-RESULT exit=(\d+)$/.exec(line);
    if (m) { result.exitCode = Number(m[1]); return; }
    if (line.startsWith('### ')) { afterAt = k; return; }
    if (!line.startsWith('TD-')) output.push(line);
  });
  result.output = output.join('\n').trim();
  if (afterAt >= 0) result.after = { heading: (f.lines[afterAt] as string).slice(4), text: f.lines.slice(afterAt + 1).join('\n') };
  result.complete = f.complete && result.exitCode !== undefined && f.scriptErrors.length === 0;
  return result;
}
