/**
 * Reads and validates `tunnel-doctor-scenario/v1` files (../shared/scenario-format.md).
 * Errors name the file, what is wrong and what to do, because people write these by hand.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SCENARIO_FORMAT, type Scenario } from './types.js';

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAX_PROBLEMS = 8;

type Problems = string[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireString(obj: Record<string, unknown>, key: string, where: string, problems: Problems): void {
  if (typeof obj[key] !== 'string' || (obj[key] as string).length === 0) {
    problems.push(`${where}.${key} must be a non-empty string`);
  }
}

function checkResources(value: unknown, problems: Problems): void {
  if (!Array.isArray(value)) {
    problems.push('"resources" must be an array of ARM resources');
    return;
  }
  const seen = new Set<string>();
  value.forEach((r, i) => {
    const where = `resources[${i}]`;
    if (!isObject(r)) {
      problems.push(`${where} must be an object`);
      return;
    }
    requireString(r, 'id', where, problems);
    requireString(r, 'name', where, problems);
    requireString(r, 'type', where, problems);
    if (typeof r.id === 'string') {
      if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i.test(r.id)) {
        problems.push(`${where}.id "${r.id}" is not an ARM id (/subscriptions/…/resourceGroups/…/providers/…)`);
      }
      const key = r.id.toLowerCase();
      if (seen.has(key)) problems.push(`${where}.id "${r.id}" appears twice (ids are case-insensitive)`);
      seen.add(key);
    }
    if (r.properties !== undefined && !isObject(r.properties)) problems.push(`${where}.properties must be an object`);
  });
}

function checkNodes(value: unknown, problems: Problems): void {
  if (!Array.isArray(value)) {
    problems.push('"nodes" must be an array (one entry per VM scale-set instance)');
    return;
  }
  value.forEach((n, i) => {
    const where = `nodes[${i}]`;
    if (!isObject(n)) {
      problems.push(`${where} must be an object`);
      return;
    }
    for (const key of ['vmss', 'instanceId', 'computerName', 'privateIp', 'powerState']) requireString(n, key, where, problems);
    if (typeof n.privateIp === 'string' && !IPV4.test(n.privateIp)) problems.push(`${where}.privateIp "${n.privateIp}" is not an IPv4 address`);
    if (n.osType !== 'Linux' && n.osType !== 'Windows') problems.push(`${where}.osType must be "Linux" or "Windows"`);
    if (n.ufw !== undefined) {
      if (!isObject(n.ufw) || typeof n.ufw.enabled !== 'boolean' || !Array.isArray(n.ufw.rules)) {
        problems.push(`${where}.ufw must be { "enabled": boolean, "rules": [...] }`);
      }
    }
    if (n.iptables !== undefined && (!isObject(n.iptables) || !isObject(n.iptables.chains))) {
      problems.push(`${where}.iptables must be { "chains": { "INPUT": { "policy": "ACCEPT", "rules": [...] } } }`);
    }
    if (n.inbound !== undefined) {
      if (!isObject(n.inbound)) problems.push(`${where}.inbound must be an object like { "10250/tcp": "timeout" }`);
      else
        for (const [k, v] of Object.entries(n.inbound)) {
          if (!/^\d{1,5}\/(tcp|udp)$/.test(k)) problems.push(`${where}.inbound key "${k}" must look like "10250/tcp"`);
          if (v !== 'open' && v !== 'timeout' && v !== 'refused' && v !== 'not-https') {
            problems.push(`${where}.inbound["${k}"] must be "open", "timeout", "refused" or "not-https"`);
          }
        }
    }
    if (n.kubelet !== undefined && (!isObject(n.kubelet) || (n.kubelet.active !== undefined && typeof n.kubelet.active !== 'string'))) {
      problems.push(`${where}.kubelet must be { "active": "active"|"inactive"|"failed", "listening": boolean, "listener": "<process>" }`);
    }
    if (n.nftables !== undefined && (!Array.isArray(n.nftables) || !n.nftables.every((t) => isObject(t) && typeof t.name === 'string' && Array.isArray(t.chains)))) {
      problems.push(`${where}.nftables must be [{ "family": "inet", "name": "…", "chains": [{ "name": "…", "hook": "input", "rules": ["tcp dport 10250 drop"] }] }]`);
    }
    if (n.outputs !== undefined && !isObject(n.outputs)) problems.push(`${where}.outputs must map command lines to output text`);
  });
  const names = new Set<string>();
  for (const n of value) {
    if (isObject(n) && typeof n.computerName === 'string') {
      if (names.has(n.computerName)) problems.push(`node computerName "${n.computerName}" appears twice`);
      names.add(n.computerName);
    }
  }
}

function checkPods(value: unknown, problems: Problems): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push('"pods" must be an array');
    return;
  }
  value.forEach((p, i) => {
    const where = `pods[${i}]`;
    if (!isObject(p)) {
      problems.push(`${where} must be an object`);
      return;
    }
    for (const key of ['namespace', 'name', 'phase']) requireString(p, key, where, problems);
    if (p.restarts !== undefined && (typeof p.restarts !== 'number' || p.restarts < 0)) problems.push(`${where}.restarts must be a number ≥ 0`);
    if (p.labels !== undefined && !isObject(p.labels)) problems.push(`${where}.labels must be an object`);
  });
}

function checkFaults(value: unknown, problems: Problems): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push('"faults" must be an array');
    return;
  }
  value.forEach((f, i) => {
    const where = `faults[${i}]`;
    if (!isObject(f)) {
      problems.push(`${where} must be an object`);
      return;
    }
    if (typeof f.path !== 'string') problems.push(`${where}.path must be a regular expression string`);
    else {
      try {
        new RegExp(f.path);
      } catch (e) {
        problems.push(`${where}.path is not a valid regular expression (${(e as Error).message})`);
      }
    }
    if (typeof f.status !== 'number' || f.status < 400 || f.status > 599) problems.push(`${where}.status must be an HTTP error status (400-599)`);
    if (f.times !== undefined && (typeof f.times !== 'number' || f.times < 0)) problems.push(`${where}.times must be a number ≥ 0`);
    if (f.retryAfter !== undefined && (typeof f.retryAfter !== 'number' || f.retryAfter < 0)) problems.push(`${where}.retryAfter must be seconds ≥ 0`);
  });
}

function checkOptionalShapes(s: Record<string, unknown>, problems: Problems): void {
  if (s.latency !== undefined) {
    if (!isObject(s.latency)) problems.push('"latency" must be an object');
    else
      for (const [k, v] of Object.entries(s.latency)) {
        if (typeof v !== 'number' || v < 0) problems.push(`latency.${k} must be milliseconds ≥ 0`);
      }
  }
  if (s.egress !== undefined) {
    if (!isObject(s.egress) || !Array.isArray(s.egress.blocked)) problems.push('"egress" must be { "blocked": [{ "protocol": "tcp", "port": 9000 }] }');
    else
      s.egress.blocked.forEach((b, i) => {
        if (!isObject(b) || (b.protocol !== 'tcp' && b.protocol !== 'udp') || typeof b.port !== 'number') {
          problems.push(`egress.blocked[${i}] must be { "protocol": "tcp"|"udp", "port": <number> }`);
        }
      });
  }
  if (s.metrics !== undefined && !isObject(s.metrics)) problems.push('"metrics" must map resource ids to { metricName: [series] }');
  for (const key of ['configMaps', 'events']) {
    if (s[key] !== undefined && !Array.isArray(s[key])) problems.push(`"${key}" must be an array of Kubernetes objects`);
  }
}

/** Validates parsed JSON as a scenario; `source` names it in messages. */
export function validateScenario(data: unknown, source: string): Scenario {
  if (!isObject(data)) {
    throw new ScenarioError(`Scenario ${source}: the file must hold one JSON object. Start from ../shared/example-healthy.json.`, source);
  }
  if (data.format !== SCENARIO_FORMAT) {
    throw new ScenarioError(
      `Scenario ${source}: "format" is ${JSON.stringify(data.format)}, expected "${SCENARIO_FORMAT}". ` +
        'Set "format": "tunnel-doctor-scenario/v1" (see shared/scenario-format.md).',
      source,
    );
  }
  const problems: Problems = [];
  if (typeof data.title !== 'string') problems.push('"title" must be a string');
  if (!Array.isArray(data.subscriptions) || data.subscriptions.length === 0) {
    problems.push('"subscriptions" must list at least one { "subscriptionId": "…" }');
  } else {
    data.subscriptions.forEach((s, i) => {
      if (!isObject(s) || typeof s.subscriptionId !== 'string' || s.subscriptionId === '') problems.push(`subscriptions[${i}].subscriptionId must be a string`);
    });
  }
  checkResources(data.resources, problems);
  checkNodes(data.nodes, problems);
  checkPods(data.pods, problems);
  checkFaults(data.faults, problems);
  checkOptionalShapes(data, problems);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS).map((p) => `  - ${p}`).join('\n');
    const more = problems.length > MAX_PROBLEMS ? `\n  … and ${problems.length - MAX_PROBLEMS} more` : '';
    throw new ScenarioError(`Scenario ${source} is not a valid ${SCENARIO_FORMAT} file:\n${shown}${more}\nFix these fields (see shared/scenario-format.md).`, source);
  }
  return data as unknown as Scenario;
}

export function loadScenarioFile(path: string): Scenario {
  const full = resolve(path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? (e as Error).message})`;
    throw new ScenarioError(`Scenario file ${full} ${why}. Pass the path of a scenario .json file.`, full);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`Scenario file ${full} is not valid JSON: ${(e as Error).message}. Fix the syntax (a JSON linter shows where).`, full);
  }
  return validateScenario(data, full);
}

export function loadScenarioDir(dir: string): Scenario[] {
  const full = resolve(dir);
  let names: string[];
  try {
    if (!statSync(full).isDirectory()) throw new ScenarioError(`Scenario directory ${full} is a file. Pass a directory of scenario .json files.`, full);
    names = readdirSync(full);
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw new ScenarioError(`Scenario directory ${full} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Pass an existing directory.`, full);
  }
  const files = names.filter((n) => n.toLowerCase().endsWith('.json')).sort();
  if (files.length === 0) throw new ScenarioError(`Scenario directory ${full} holds no .json files. Add at least one scenario file.`, full);
  return files.map((n) => loadScenarioFile(join(full, n)));
}

/** A directory, or one or more files separated by commas (SIM_SCENARIOS, --scenario). */
export function loadScenarios(spec: string): Scenario[] {
  const parts = spec.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new ScenarioError('No scenario given. Pass a directory or comma-separated scenario files.');
  return parts.flatMap((p) => {
    let isDir = false;
    try {
      isDir = statSync(resolve(p)).isDirectory();
    } catch {
      /* loadScenarioFile reports the missing file */
    }
    return isDir ? loadScenarioDir(p) : [loadScenarioFile(p)];
  });
}
