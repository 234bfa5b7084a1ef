/**
 * The kubectl commands the bot sends through AKS command invoke (managedClusters/runCommand),
 * interpreted against the scenario's pods, config maps, events and nodes. Output and error
 * text follow kubectl 1.31. `kubectl logs` goes API server → tunnel → kubelet:10250, so it
 * fails with kubectl's real "dial tcp <ip>:10250: i/o timeout" when the tunnel agents cannot
 * reach the pod's node (or cannot reach the API server themselves).
 */
import type { ProbeOutcome, ScenarioPod } from '../scenario/types.js';
import type { Estate } from './estate.js';
import type { NetworkOracle } from './host/run-script.js';
import { customColumns } from './custom-columns.js';
import { age, containerNameOf, kubeList, markPodCreated, nodeJson, podJson, podTable, table } from './kube-objects.js';

export interface KubectlResult {
  exitCode: number;
  logs: string;
}

interface ParsedArgs {
  verb: string;
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS: Record<string, string> = {
  '-n': 'namespace', '--namespace': 'namespace',
  '-l': 'selector', '--selector': 'selector',
  '-o': 'output', '--output': 'output',
  '-c': 'container', '--container': 'container',
  '--tail': 'tail', '--since': 'since', '--field-selector': 'field-selector', '--sort-by': 'sort-by',
  '--grace-period': 'grace-period', '--request-timeout': 'request-timeout', '--timeout': 'timeout',
};
const BOOLEAN_FLAGS: Record<string, string> = {
  '-A': 'all-namespaces', '--all-namespaces': 'all-namespaces',
  '-p': 'previous', '--previous': 'previous',
  '--no-headers': 'no-headers', '--force': 'force', '--wait': 'wait', '--timestamps': 'timestamps',
  '--ignore-not-found': 'ignore-not-found', '--now': 'now',
};

const fail = (text: string, exitCode = 1): KubectlResult => ({ exitCode, logs: text.endsWith('\n') ? text : `${text}\n` });
const done = (text: string): KubectlResult => ({ exitCode: 0, logs: text });

class KubectlUsageError extends Error {}

/** Splits a command line the way a shell would for plain words and simple quotes. */
export function tokenize(command: string): string[] {
  const tokens: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of command.matchAll(re)) tokens.push(m[1] ?? m[2] ?? m[3] ?? '');
  return tokens;
}

function parseArgs(tokens: string[]): ParsedArgs {
  const [, verb = '', ...rest] = tokens;
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i] as string;
    if (!t.startsWith('-') || t === '-') {
      positional.push(t);
      continue;
    }
    const eq = t.indexOf('=');
    const name = eq > 0 ? t.slice(0, eq) : t;
    if (BOOLEAN_FLAGS[name]) {
      flags.set(BOOLEAN_FLAGS[name] as string, eq > 0 ? t.slice(eq + 1) : true);
      continue;
    }
    // short flags written together with their value: -nkube-system, -ojson
    const shortJoined = /^-([nloc])(.+)$/.exec(t);
    if (!VALUE_FLAGS[name] && shortJoined) {
      flags.set(VALUE_FLAGS[`-${shortJoined[1]}`] as string, (shortJoined[2] as string).replace(/^=/, ''));
      continue;
    }
    const key = VALUE_FLAGS[name];
    if (!key) throw new KubectlUsageError(`error: unknown flag: ${name}\nSee 'kubectl ${verb} --help' for usage.`);
    if (eq > 0) flags.set(key, t.slice(eq + 1));
    else {
      const value = rest[i + 1];
      if (value === undefined) throw new KubectlUsageError(`error: flag needs an argument: '${name.replace(/^-+/, '')}' in ${name}`);
      flags.set(key, value);
      i++;
    }
  }
  return { verb, positional, flags };
}

function flag(args: ParsedArgs, key: string): string | undefined {
  const v = args.flags.get(key);
  return typeof v === 'string' ? v : undefined;
}

/** Equality-based label selectors: a=b, a==b, a!=b, a, !a, comma-separated. */
function selectorMatches(selector: string | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector.split(',').every((clause) => {
    const c = clause.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s*!=\s*(.*)$/.exec(c))) return labels[m[1] as string] !== m[2];
    if ((m = /^([\w./-]+)\s*==?\s*(.*)$/.exec(c))) return labels[m[1] as string] === m[2];
    if ((m = /^!([\w./-]+)$/.exec(c))) return !((m[1] as string) in labels);
    if ((m = /^([\w./-]+)$/.exec(c))) return (m[1] as string) in labels;
    throw new KubectlUsageError(`error: unable to parse requirement: found '${c}', expected: '=', '!=', '==', 'in', notin'`);
  });
}

/**
 * Pod field selectors: the fields the API server accepts for pods (Kubernetes docs, "Field
 * Selectors": metadata.name, metadata.namespace, spec.nodeName, status.phase among them; the list is
 * PodToSelectableFields in pkg/registry/core/pod/strategy.go). `=`, `==` and `!=`, comma = and.
 */
const POD_FIELDS: Record<string, (p: ScenarioPod) => string> = {
  'metadata.name': (p) => p.name,
  'metadata.namespace': (p) => p.namespace,
  'spec.nodeName': (p) => p.node ?? '',
  'status.phase': (p) => p.phase,
};

function podFieldsMatch(selector: string | undefined, pod: ScenarioPod): boolean {
  if (!selector) return true;
  return selector.split(',').every((clause) => {
    const m = /^([\w.]+)\s*(!=|==|=)\s*(.*)$/.exec(clause.trim());
    if (!m) throw new KubectlUsageError(`error: invalid field selector: '${clause.trim()}'`);
    const field = POD_FIELDS[m[1] as string];
    if (!field) {
      throw new KubectlUsageError(`Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "${selector}": field label not supported: ${m[1]}`);
    }
    return m[2] === '!=' ? field(pod) !== m[3] : field(pod) === m[3];
  });
}

const RESOURCE_ALIASES: Record<string, string> = {
  pod: 'pods', pods: 'pods', po: 'pods',
  configmap: 'configmaps', configmaps: 'configmaps', cm: 'configmaps',
  event: 'events', events: 'events', ev: 'events',
  node: 'nodes', nodes: 'nodes', no: 'nodes',
};

function splitResource(args: ParsedArgs): { kind: string; name?: string } {
  const [first, second] = args.positional;
  if (!first) throw new KubectlUsageError(`error: You must specify the type of resource to ${args.verb}.`);
  const [typePart, namePart] = first.includes('/') ? first.split('/', 2) : [first, second];
  const kind = RESOURCE_ALIASES[(typePart ?? '').toLowerCase()];
  if (!kind) throw new KubectlUsageError(`error: the server doesn't have a resource type "${typePart}"`);
  return namePart === undefined ? { kind } : { kind, name: namePart };
}

function namespaceOf(args: ParsedArgs): { namespace: string; all: boolean } {
  return { namespace: flag(args, 'namespace') ?? 'default', all: args.flags.has('all-namespaces') };
}

function outputFormat(args: ParsedArgs): string {
  const o = flag(args, 'output') ?? '';
  if (o.startsWith('custom-columns=')) return o;
  if (!['', 'json', 'wide', 'name'].includes(o)) throw new KubectlUsageError(`error: unable to match a printer suitable for the output format "${o}", allowed formats are: custom-columns,json,name,wide`);
  return o;
}

function noResources(namespace: string, all: boolean): KubectlResult {
  return done(all ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
}

function getPods(estate: Estate, args: ParsedArgs, name: string | undefined): KubectlResult {
  const { namespace, all } = namespaceOf(args);
  const output = outputFormat(args);
  const pods = estate.scenario.pods ?? [];
  const nodes = estate.scenario.nodes;
  const indexOf = (p: ScenarioPod): number => pods.indexOf(p);
  if (name) {
    const pod = pods.find((p) => p.name === name && p.namespace === namespace);
    if (!pod) return fail(`Error from server (NotFound): pods "${name}" not found`);
    if (output === 'json') return done(`${JSON.stringify(podJson(pod, nodes, indexOf(pod)), null, 4)}\n`);
    if (output === 'name') return done(`pod/${pod.name}\n`);
    return done(podTable([pod], nodes, { wide: output === 'wide', allNamespaces: false, indexOf }));
  }
  const selected = pods.filter((p) => (all || p.namespace === namespace) && selectorMatches(flag(args, 'selector'), p.labels) && podFieldsMatch(flag(args, 'field-selector'), p));
  if (output === 'json') return done(`${JSON.stringify(kubeList(selected.map((p) => podJson(p, nodes, indexOf(p)))), null, 4)}\n`);
  if (selected.length === 0) return noResources(namespace, all);
  if (output.startsWith('custom-columns=')) {
    const printed = customColumns(output, selected.map((p) => podJson(p, nodes, indexOf(p))));
    if ('error' in printed) throw new KubectlUsageError(printed.error);
    return done(printed.text);
  }
  if (output === 'name') return done(selected.map((p) => `pod/${p.name}\n`).join(''));
  return done(podTable(selected, nodes, { wide: output === 'wide', allNamespaces: all, indexOf }));
}

function inNamespace(obj: Record<string, any>, namespace: string, all: boolean): boolean {
  return all || (obj.metadata?.namespace ?? obj.involvedObject?.namespace ?? 'default') === namespace;
}

function getConfigMaps(estate: Estate, args: ParsedArgs, name: string | undefined): KubectlResult {
  const { namespace, all } = namespaceOf(args);
  const output = outputFormat(args);
  const maps: Array<Record<string, any>> = (estate.scenario.configMaps ?? []).map((m) => ({ apiVersion: 'v1', kind: 'ConfigMap', ...m }));
  if (name) {
    const found = maps.find((m) => m.metadata?.name === name && inNamespace(m, namespace, false));
    if (!found) return fail(`Error from server (NotFound): configmaps "${name}" not found`);
    if (output === 'json') return done(`${JSON.stringify(found, null, 4)}\n`);
    return done(table(['NAME', 'DATA', 'AGE'], [[name, String(Object.keys(found.data ?? {}).length), '3h']]));
  }
  const selected = maps.filter((m) => inNamespace(m, namespace, all) && selectorMatches(flag(args, 'selector'), m.metadata?.labels));
  if (output === 'json') return done(`${JSON.stringify(kubeList(selected), null, 4)}\n`);
  if (selected.length === 0) return noResources(namespace, all);
  return done(table(['NAME', 'DATA', 'AGE'], selected.map((m) => [String(m.metadata?.name), String(Object.keys(m.data ?? {}).length), '3h'])));
}

function getEvents(estate: Estate, args: ParsedArgs): KubectlResult {
  const { namespace, all } = namespaceOf(args);
  const output = outputFormat(args);
  const events: Array<Record<string, any>> = (estate.scenario.events ?? []).map((e) => ({ apiVersion: 'v1', kind: 'Event', ...e })).filter((e) => inNamespace(e, namespace, all));
  if (output === 'json') return done(`${JSON.stringify(kubeList(events), null, 4)}\n`);
  if (events.length === 0) return noResources(namespace, all);
  const rows = events.map((e) => {
    const last = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
    const when = last && !Number.isNaN(Date.parse(last)) && Date.parse(last) <= Date.now() ? age(new Date(last)) : '<unknown>';
    return [when, String(e.type ?? 'Normal'), String(e.reason ?? ''), `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`, String(e.message ?? '')];
  });
  return done(table(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], rows));
}

function kubernetesVersion(estate: Estate): string {
  const cluster = estate.resources().find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters');
  return String(cluster?.properties?.currentKubernetesVersion ?? cluster?.properties?.kubernetesVersion ?? '1.31.2');
}

function getNodes(estate: Estate, args: ParsedArgs, name: string | undefined): KubectlResult {
  const output = outputFormat(args);
  const version = kubernetesVersion(estate);
  const nodes = estate.scenario.nodes.filter((n) => name === undefined || n.computerName === name);
  if (name && nodes.length === 0) return fail(`Error from server (NotFound): nodes "${name}" not found`);
  if (output === 'json') return done(`${JSON.stringify(name ? nodeJson(nodes[0]!, version) : kubeList(nodes.map((n) => nodeJson(n, version))), null, 4)}\n`);
  const rows = nodes.map((n) => {
    const status = n.powerState.toLowerCase() === 'running' ? 'Ready' : 'NotReady';
    const base = [n.computerName, status, '<none>', '3h', `v${version}`];
    return output === 'wide' ? [...base, n.privateIp, '<none>', n.osType === 'Windows' ? 'Windows Server 2022 Datacenter' : 'Ubuntu 22.04.5 LTS'] : base;
  });
  const header = ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', ...(output === 'wide' ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE'] : [])];
  return done(table(header, rows));
}

const POD_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' random pod-name suffix (five characters from its safe alphabet). */
function podSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => POD_SUFFIX_ALPHABET[b % POD_SUFFIX_ALPHABET.length]).join('');
}

/**
 * How a recreated pod comes up. A tunnel agent whose node cannot reach the API server on the
 * tunnel port exits at start ("dial tcp …:443: i/o timeout") and goes straight back into
 * CrashLoopBackOff, as the real agents do; with the egress open it connects and runs. Other pods
 * come up Running.
 */
function replacementHealth(estate: Estate, pod: ScenarioPod, oracle: NetworkOracle): Pick<ScenarioPod, 'phase' | 'restarts' | 'lastTermination' | 'waitingReason'> {
  const fresh = { phase: 'Running', restarts: 0, lastTermination: null };
  const tunnel = pod.namespace === 'kube-system' ? TUNNEL_EGRESS.find((k) => k.match(pod)) : undefined;
  const from = pod.node ? estate.nodeByName(pod.node) : undefined;
  if (!tunnel || !from) return fresh;
  if (oracle.probe(from, apiServerHost(estate), tunnel.port, tunnel.protocol) === 'open') return fresh;
  return { phase: 'Running', restarts: 1, lastTermination: { reason: 'Error', exitCode: 1 }, waitingReason: 'CrashLoopBackOff' };
}

function deletePod(estate: Estate, args: ParsedArgs, name: string | undefined, oracle: NetworkOracle): KubectlResult {
  if (!name) return fail('error: resource(s) were provided, but no name was specified');
  const { namespace } = namespaceOf(args);
  const pods = estate.scenario.pods ?? [];
  const i = pods.findIndex((p) => p.name === name && p.namespace === namespace);
  if (i < 0) return args.flags.has('ignore-not-found') ? done('') : fail(`Error from server (NotFound): pods "${name}" not found`);
  const old = pods[i] as ScenarioPod;
  const parts = old.name.split('-');
  // A ReplicaSet/DaemonSet replaces the pod under a new random suffix; it comes up healthy unless
  // it is a tunnel agent whose egress is still blocked (replacementHealth).
  if (parts.length >= 2) {
    const replacement: ScenarioPod = { ...old, name: `${parts.slice(0, -1).join('-')}-${podSuffix()}` };
    delete replacement.waitingReason;
    Object.assign(replacement, replacementHealth(estate, old, oracle));
    markPodCreated(replacement, new Date());
    pods[i] = replacement;
  } else {
    pods.splice(i, 1);
  }
  return done(`pod "${name}" deleted\n`);
}

const TUNNEL_EGRESS: Array<{ match: (p: ScenarioPod) => boolean; port: number; protocol: 'tcp' | 'udp' }> = [
  { match: (p) => p.labels?.app === 'konnectivity-agent' || p.name.startsWith('konnectivity-agent-'), port: 443, protocol: 'tcp' },
  { match: (p) => p.labels?.component === 'tunnel' || p.name.startsWith('tunnelfront-'), port: 9000, protocol: 'tcp' },
  { match: (p) => p.labels?.app === 'aks-link' || p.name.startsWith('aks-link-'), port: 1194, protocol: 'udp' },
];

function apiServerHost(estate: Estate): string {
  const cluster = estate.resources().find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters');
  return String(cluster?.properties?.privateFQDN ?? cluster?.properties?.fqdn ?? 'kubernetes.default');
}

/** Whether the API server can reach a node's kubelet (10250) through the tunnel. */
export function kubeletReachable(estate: Estate, nodeName: string, oracle: NetworkOracle): ProbeOutcome {
  const target = estate.nodeByName(nodeName);
  if (!target) return 'timeout';
  const system = (estate.scenario.pods ?? []).filter((p) => p.namespace === 'kube-system');
  let agents: Array<{ node: string; port: number; protocol: 'tcp' | 'udp' }> = [];
  for (const kind of TUNNEL_EGRESS) {
    const pods = system.filter(kind.match);
    if (pods.length === 0) continue;
    agents = pods.filter((p) => p.phase === 'Running' && !p.waitingReason && p.node).map((p) => ({ node: p.node as string, port: kind.port, protocol: kind.protocol }));
    if (agents.length === 0) return 'timeout'; // agents exist but none is up: the tunnel is down
    break;
  }
  // No tunnel agents described at all: assume a working tunnel from every running node.
  if (agents.length === 0) agents = estate.scenario.nodes.filter((n) => n.powerState.toLowerCase() === 'running').map((n) => ({ node: n.computerName, port: 443, protocol: 'tcp' as const }));
  // Only agents that hold a tunnel to the API server serve requests; the server may pick any of
  // them, so one connected agent that cannot reach the kubelet is enough to break `kubectl logs`.
  const host = apiServerHost(estate);
  const connected = agents.map((a) => estate.nodeByName(a.node)).filter((from, i) => from !== undefined && oracle.probe(from, host, agents[i]!.port, agents[i]!.protocol) === 'open');
  if (connected.length === 0) return 'timeout';
  for (const from of connected) {
    const toKubelet = oracle.probe(from!, target.privateIp, 10250, 'tcp');
    if (toKubelet !== 'open') return toKubelet;
  }
  return 'open';
}

function logLines(pod: ScenarioPod): string[] {
  const c = containerNameOf(pod);
  if (c === 'konnectivity-agent') {
    return [
      'I1125 10:00:00.000000       1 options.go:133] AgentCert set to "/certs/client.crt".',
      'I1125 10:00:00.000000       1 options.go:148] ProxyServerHost set to "konnectivity.kube-system".',
      'I1125 10:00:00.000000       1 options.go:149] ProxyServerPort set to 443.',
      'I1125 10:00:00.100000       1 client.go:210] "Connect to server" serverID="9c3e4c4f-2f0a-4a6b-8d61-0d4b7f7f3a11"',
      'I1125 10:00:00.200000       1 clientset.go:222] "sync added client connecting to proxy server" serverID="9c3e4c4f-2f0a-4a6b-8d61-0d4b7f7f3a11"',
      'I1125 10:00:00.300000       1 client.go:312] "Start serving" serverID="9c3e4c4f-2f0a-4a6b-8d61-0d4b7f7f3a11" agentID="10.224.0.4"',
    ];
  }
  return [`I1125 10:00:00.000000       1 main.go:42] ${c} started`, `I1125 10:00:01.000000       1 main.go:57] ${c} ready`];
}

function logs(estate: Estate, args: ParsedArgs, oracle: NetworkOracle): KubectlResult {
  const [target] = args.positional;
  if (!target) return fail('error: expected \'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]\'.\nPOD or TYPE/NAME is a required argument for the logs command');
  const name = target.replace(/^(pod|pods|po)\//, '');
  const { namespace } = namespaceOf(args);
  const pod = (estate.scenario.pods ?? []).find((p) => p.name === name && p.namespace === namespace);
  if (!pod) return fail(`Error from server (NotFound): pods "${name}" not found`);
  const container = flag(args, 'container') ?? containerNameOf(pod);
  if (container !== containerNameOf(pod)) return fail(`error: container ${container} is not valid for pod ${pod.name}`);
  if (args.flags.has('previous') && !pod.lastTermination) return fail(`Error from server (BadRequest): previous terminated container "${container}" in pod "${pod.name}" not found`);
  const node = pod.node ? estate.nodeByName(pod.node) : undefined;
  if (!node) return fail(`Error from server (BadRequest): container "${container}" in pod "${pod.name}" is waiting to start: ContainerCreating`);
  const reach = kubeletReachable(estate, node.computerName, oracle);
  if (reach !== 'open') {
    const url = `https://${node.privateIp}:10250/containerLogs/${namespace}/${pod.name}/${container}`;
    // The article's three symptoms, as the API server's Go HTTP client words them.
    if (reach === 'not-https') return fail(`Error from server: Get "${url}": http: server gave HTTP response to HTTPS client`);
    const why = reach === 'refused' ? 'connect: connection refused' : 'i/o timeout';
    return fail(`Error from server: Get "${url}": dial tcp ${node.privateIp}:10250: ${why}`);
  }
  let lines = logLines(pod);
  const tail = Number.parseInt(flag(args, 'tail') ?? '-1', 10);
  if (tail >= 0) lines = tail === 0 ? [] : lines.slice(-tail);
  return done(lines.map((l) => `${l}\n`).join(''));
}

export function runKubectlCommand(estate: Estate, command: string, oracle: NetworkOracle): KubectlResult {
  const trimmed = command.trim();
  if (/[;&|`$><]/.test(trimmed)) return fail('error: the simulated command invoke runs single kubectl commands only (no shell operators)');
  const tokens = tokenize(trimmed);
  if (tokens[0] !== 'kubectl') return fail(`/bin/bash: line 1: ${tokens[0] ?? ''}: command not found`, 127);
  try {
    const args = parseArgs(tokens);
    switch (args.verb) {
      case 'get': {
        const { kind, name } = splitResource(args);
        if (kind === 'pods') return getPods(estate, args, name);
        if (kind === 'configmaps') return getConfigMaps(estate, args, name);
        if (kind === 'events') return getEvents(estate, args);
        return getNodes(estate, args, name);
      }
      case 'delete': {
        const { kind, name } = splitResource(args);
        if (kind !== 'pods') return fail(`error: the simulated cluster only deletes pods, not ${kind}`);
        return deletePod(estate, args, name, oracle);
      }
      case 'logs':
        return logs(estate, args, oracle);
      case '':
        return fail('error: no command given to kubectl');
      default:
        return fail(`error: unknown command "${args.verb}" for "kubectl"\n\nDid you mean this?\n\tget\n\nRun 'kubectl --help' for usage.`);
    }
  } catch (e) {
    if (e instanceof KubectlUsageError) return fail(e.message);
    throw e;
  }
}
