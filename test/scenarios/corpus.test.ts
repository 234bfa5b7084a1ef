/**
 * Structural test of the scenario corpus (scenarios/*.json) and of the bench estate: every file is
 * a well-formed, self-consistent estate, no two files collide in the simulator (which serves them
 * all at once), and the JSON on disk is what scripts/make-scenarios.ts generates. Verdicts are
 * tested elsewhere, against the engine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeBenchScenario } from '../../bench/estate.js';
import { buildCorpus, renderReadme, SCENARIO_DIR, serialiseScenario } from '../../scripts/make-scenarios.js';
import type { ArmResource, Scenario } from '../../src/scenario/types.js';

const CHECK_IDS = ['nsg-10250', 'ufw-10250', 'iptables-10250', 'egress-tunnel-ports', 'snat-exhaustion', 'tunnel-agent-health', 'kubelet-reachability'];
const STATUSES = ['pass', 'fail', 'warn', 'not-applicable', 'unknown'];

type Json = Record<string, any>;

function loadCorpus(): Array<{ file: string; text: string; scenario: Scenario }> {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(SCENARIO_DIR, file), 'utf8');
      return { file, text, scenario: JSON.parse(text) as Scenario };
    });
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 ${ip}`);
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0);
}

function inPrefix(prefix: string, ip: string): boolean {
  const [base, bits] = prefix.split('/');
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((ipToInt(base!) & mask) >>> 0) === ((ipToInt(ip) & mask) >>> 0);
}

/** Every nested object, with the resource it sits in. */
function* walk(value: unknown): Generator<Json> {
  if (Array.isArray(value)) for (const v of value) yield* walk(v);
  else if (value && typeof value === 'object') {
    yield value as Json;
    for (const v of Object.values(value)) yield* walk(v);
  }
}

const isType = (r: ArmResource, type: string) => r.type.toLowerCase() === type.toLowerCase();

/** Problems with one scenario on its own; empty when it is consistent. */
function structuralProblems(s: Scenario): string[] {
  const problems: string[] = [];
  const byId = new Map(s.resources.map((r) => [r.id.toLowerCase(), r]));
  if (byId.size !== s.resources.length) problems.push('duplicate resource ids within the file');

  // Definitions: any object carrying an id plus other fields (resources, subnets, rules, pools …).
  const defined = new Set<string>();
  for (const obj of walk(s.resources)) if (typeof obj.id === 'string' && Object.keys(obj).length > 1) defined.add(obj.id.toLowerCase());

  const nodeKeys = new Set(s.nodes.map((n) => `${n.vmss.toLowerCase()}#${n.instanceId}`));
  const nicNames = new Map<string, string>();
  for (const r of s.resources.filter((r) => isType(r, 'Microsoft.Compute/virtualMachineScaleSets'))) {
    const cfg = r.properties?.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0];
    if (cfg) nicNames.set(r.id.toLowerCase(), String(cfg.name));
  }
  const resolves = (id: string): boolean => {
    if (defined.has(id.toLowerCase())) return true;
    // Scale-set instance NICs are synthesised by the simulator from the nodes.
    const m = /^(.*\/virtualMachineScaleSets\/[^/]+)\/virtualMachines\/([^/]+)\/networkInterfaces\/([^/]+)$/i.exec(id);
    return !!m && nodeKeys.has(`${m[1]!.toLowerCase()}#${m[2]}`) && nicNames.get(m[1]!.toLowerCase()) === m[3];
  };
  // References: objects that are just { id }, and the string-valued ones AKS uses.
  for (const obj of walk(s.resources)) {
    if (typeof obj.id === 'string' && Object.keys(obj).length === 1 && !resolves(obj.id)) problems.push(`unresolved reference ${obj.id}`);
    if (typeof obj.vnetSubnetID === 'string' && !resolves(obj.vnetSubnetID)) problems.push(`unresolved vnetSubnetID ${obj.vnetSubnetID}`);
  }

  // Back-references agree both ways: subnet → NSG / route table / NAT gateway and their "subnets" lists.
  const subnets = s.resources.filter((r) => isType(r, 'Microsoft.Network/virtualNetworks')).flatMap((v) => (v.properties?.subnets ?? []) as Json[]);
  for (const [field, type] of [
    ['networkSecurityGroup', 'Microsoft.Network/networkSecurityGroups'],
    ['routeTable', 'Microsoft.Network/routeTables'],
    ['natGateway', 'Microsoft.Network/natGateways'],
  ] as const) {
    const forward = new Set(subnets.filter((sn) => sn.properties?.[field]?.id).map((sn) => `${sn.properties[field].id}|${sn.id}`.toLowerCase()));
    const backward = new Set(
      s.resources.filter((r) => isType(r, type)).flatMap((r) => ((r.properties?.subnets ?? []) as Json[]).map((sn) => `${r.id}|${sn.id}`.toLowerCase())),
    );
    for (const link of forward) if (!backward.has(link)) problems.push(`${field} ${link} not listed back on the ${type}`);
    for (const link of backward) if (!forward.has(link)) problems.push(`${type} lists ${link} but the subnet does not point back`);
  }

  // Nodes: scale set exists, IP in its subnet, names and IPs unique.
  const names = new Set<string>();
  const ips = new Set<string>();
  for (const n of s.nodes) {
    const vmss = byId.get(n.vmss.toLowerCase());
    if (!vmss || !isType(vmss, 'Microsoft.Compute/virtualMachineScaleSets')) {
      problems.push(`${n.computerName}: no scale set ${n.vmss}`);
      continue;
    }
    const subnetId: string | undefined =
      vmss.properties?.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations?.[0]?.properties?.ipConfigurations?.[0]?.properties?.subnet?.id;
    const subnet = subnets.find((sn) => sn.id.toLowerCase() === subnetId?.toLowerCase());
    if (!subnet) problems.push(`${n.computerName}: subnet ${subnetId} not found`);
    else if (!inPrefix(subnet.properties.addressPrefix, n.privateIp)) problems.push(`${n.computerName}: ${n.privateIp} outside ${subnet.properties.addressPrefix}`);
    if (!n.computerName.startsWith(vmss.properties?.virtualMachineProfile?.osProfile?.computerNamePrefix ?? '\0')) problems.push(`${n.computerName}: not named after its scale set`);
    if (names.has(n.computerName)) problems.push(`duplicate node ${n.computerName}`);
    if (ips.has(n.privateIp)) problems.push(`duplicate IP ${n.privateIp}`);
    names.add(n.computerName);
    ips.add(n.privateIp);
    if (!['Linux', 'Windows'].includes(n.osType)) problems.push(`${n.computerName}: osType ${n.osType}`);
  }

  // Pods sit on existing nodes; pod names unique per namespace.
  const podKeys = new Set<string>();
  for (const p of s.pods ?? []) {
    if (p.node && !names.has(p.node)) problems.push(`pod ${p.name} on unknown node ${p.node}`);
    const key = `${p.namespace}/${p.name}`;
    if (podKeys.has(key)) problems.push(`duplicate pod ${key}`);
    podKeys.add(key);
  }
  for (const cm of s.configMaps ?? []) {
    if (cm.kind !== 'ConfigMap' || !cm.metadata?.name) problems.push('configMap without kind/metadata');
    if (cm.metadata?.name === 'konnectivity-agent-autoscaler') {
      const ladder = JSON.parse(cm.data?.ladder ?? 'null') as { nodesToReplicas?: unknown };
      if (!Array.isArray(ladder?.nodesToReplicas)) problems.push('autoscaler ladder without nodesToReplicas');
    }
  }
  for (const e of s.events ?? []) if (e.kind !== 'Event' || !e.involvedObject?.name || !e.reason) problems.push('event without kind/involvedObject/reason');

  for (const id of Object.keys(s.metrics ?? {})) if (!byId.has(id.toLowerCase())) problems.push(`metrics for unknown resource ${id}`);
  for (const f of s.faults ?? []) {
    try {
      new RegExp(f.path);
    } catch {
      problems.push(`fault path is not a regular expression: ${f.path}`);
    }
  }

  // Expected verdicts: all six ids, valid statuses, nodes sorted and real for fail/warn only.
  const expected = s.expected;
  if (!expected) problems.push('no expected verdicts');
  else {
    const ids = Object.keys(expected).sort();
    if (JSON.stringify(ids) !== JSON.stringify([...CHECK_IDS].sort())) problems.push(`expected ids ${ids.join(',')}`);
    for (const [id, v] of Object.entries(expected)) {
      if (!STATUSES.includes(v.status)) problems.push(`${id}: status ${v.status}`);
      const needsNodes = v.status === 'fail' || v.status === 'warn';
      if (needsNodes !== Array.isArray(v.nodes)) problems.push(`${id}: nodes ${needsNodes ? 'missing' : 'given'} for ${v.status}`);
      if (v.nodes) {
        if (JSON.stringify(v.nodes) !== JSON.stringify([...v.nodes].sort())) problems.push(`${id}: nodes not sorted`);
        for (const n of v.nodes) if (!names.has(n)) problems.push(`${id}: unknown node ${n}`);
      }
    }
  }
  return problems;
}

/** Request paths the engine could send for a scenario: GETs of every resource, both run-commands. */
function pathsOf(s: Scenario): string[] {
  const paths = s.resources.map((r) => r.id);
  for (const n of s.nodes) paths.push(`${n.vmss}/virtualMachines/${n.instanceId}/runCommand`);
  for (const r of s.resources.filter((r) => isType(r, 'Microsoft.ContainerService/managedClusters'))) paths.push(`${r.id}/runCommand`);
  return paths;
}

describe('scenario corpus', () => {
  const corpus = loadCorpus();

  it('has at least 28 scenarios', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(28);
  });

  it('is exactly what scripts/make-scenarios.ts generates (run it after changing a scenario)', () => {
    const generated = buildCorpus();
    expect(corpus.map((c) => c.file)).toEqual(generated.map((g) => g.file).sort());
    for (const g of generated) expect(corpus.find((c) => c.file === g.file)?.text, g.file).toBe(serialiseScenario(g.scenario));
    expect(readFileSync(join(SCENARIO_DIR, 'README.md'), 'utf8')).toBe(renderReadme(generated));
  });

  it('every file is a well-formed, self-consistent estate', () => {
    for (const { file, scenario } of corpus) {
      expect(scenario.format, file).toBe('tunnel-doctor-scenario/v1');
      expect(typeof scenario.title, file).toBe('string');
      expect(scenario.subscriptions.length, file).toBeGreaterThan(0);
      expect(structuralProblems(scenario), file).toEqual([]);
    }
  });

  it('no resource id repeats across files (ARM ids are case-insensitive)', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const { file, scenario } of corpus) {
      for (const r of scenario.resources) {
        const key = r.id.toLowerCase();
        if (owner.has(key)) clashes.push(`${r.id} in ${owner.get(key)} and ${file}`);
        owner.set(key, file);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('cluster names are unique, except aks-shared in two subscriptions', () => {
    const clusters = corpus.flatMap(({ file, scenario }) =>
      scenario.resources.filter((r) => isType(r, 'Microsoft.ContainerService/managedClusters')).map((r) => ({ file, name: r.name, sub: r.id.split('/')[2] })),
    );
    expect(clusters.length).toBe(corpus.length);
    const shared = clusters.filter((c) => c.name === 'aks-shared');
    expect(shared).toHaveLength(2);
    expect(new Set(shared.map((c) => c.sub)).size).toBe(2);
    const others = clusters.filter((c) => c.name !== 'aks-shared').map((c) => c.name);
    expect(new Set(others).size).toBe(others.length);
  });

  it('node computer names are unique across files', () => {
    const names = corpus.flatMap(({ scenario }) => scenario.nodes.map((n) => n.computerName));
    expect(new Set(names).size).toBe(names.length);
  });

  it('faults stay scoped to their own scenario', () => {
    const all = corpus.map(({ file, scenario }) => ({ file, paths: pathsOf(scenario), faults: scenario.faults ?? [] }));
    for (const { file, faults, paths } of all) {
      for (const fault of faults) {
        const re = new RegExp(fault.path);
        expect(paths.some((p) => re.test(p)), `${file}: ${fault.path} matches none of its own paths`).toBe(true);
        for (const other of all.filter((o) => o.file !== file)) {
          expect(other.paths.filter((p) => re.test(p)), `${file}: ${fault.path} leaks into ${other.file}`).toEqual([]);
        }
      }
    }
  });

  it('uses verbatim outputs somewhere, and both subscriptions', () => {
    expect(corpus.some(({ scenario }) => scenario.nodes.some((n) => n.outputs && Object.keys(n.outputs).length > 0))).toBe(true);
    expect(new Set(corpus.flatMap(({ scenario }) => scenario.subscriptions.map((s) => s.subscriptionId))).size).toBe(2);
  });
});

describe('makeBenchScenario', () => {
  it('builds 1000 nodes over 4 pools, with unique IPs in a /16 and one faulty node', () => {
    const s = makeBenchScenario({ nodes: 1000, runCommandMs: 5 });

    expect(s.nodes).toHaveLength(1000);
    expect(new Set(s.nodes.map((n) => n.privateIp)).size).toBe(1000);
    expect(new Set(s.nodes.map((n) => n.computerName)).size).toBe(1000);
    expect(new Set(s.nodes.map((n) => n.vmss)).size).toBe(4);
    const subnet = s.resources.find((r) => isType(r, 'Microsoft.Network/virtualNetworks'))!.properties!.subnets[0].properties.addressPrefix as string;
    expect(subnet.endsWith('/16')).toBe(true);
    expect(structuralProblems(s)).toEqual([]);

    // Agents per the default ladder (1000 nodes → 6), SNAT series for every backend.
    const agents = (s.pods ?? []).filter((p) => p.labels?.app === 'konnectivity-agent');
    expect(agents).toHaveLength(6);
    const lb = Object.values(s.metrics ?? {})[0]!;
    expect(new Set(lb.UsedSnatPorts!.map((m) => m.dimensions?.BackendIPAddress))).toEqual(new Set(s.nodes.map((n) => n.privateIp)));
    expect(new Set(lb.AllocatedSnatPorts!.map((m) => m.dimensions?.BackendIPAddress)).size).toBe(1000);

    const dropping = s.nodes.filter((n) => n.iptables?.chains.INPUT?.rules.some((r) => r.target === 'DROP' && r.match === 'tcp dpt:10250'));
    expect(dropping).toHaveLength(1);
    expect(s.expected?.['iptables-10250']).toEqual({ status: 'fail', nodes: [dropping[0]!.computerName] });
    expect(s.latency).toEqual({ armMs: 30, runCommandMs: 5, kubectlMs: 8000 });
  });

  it('spreads several faulty nodes over the pools and honours the options', () => {
    const s = makeBenchScenario({ nodes: 40, pools: 3, faultyNodes: 6, runCommandMs: 1, armMs: 2, kubectlMs: 3 });
    expect(s.nodes).toHaveLength(40);
    expect(new Set(s.nodes.map((n) => n.vmss)).size).toBe(3);
    const dropping = s.nodes.filter((n) => n.iptables?.chains.INPUT?.rules.length);
    expect(dropping).toHaveLength(6);
    expect(new Set(dropping.map((n) => n.vmss)).size).toBe(3);
    expect(s.latency).toEqual({ armMs: 2, runCommandMs: 1, kubectlMs: 3 });
    expect(structuralProblems(s)).toEqual([]);
    expect(() => makeBenchScenario({ nodes: 0, runCommandMs: 1 })).toThrow(/nodes/);
  });
});
