/**
 * The custom roles in infra/roles/ against the code, three ways:
 * (a) statically: every Azure SDK operation called in src/azure/*.ts is declared, with its
 *     permission, by the module that calls it (its PERMISSIONS, gathered into SDK_OPERATIONS by
 *     src/azure/rbac-actions.ts), every declaration is a real SDK method its module still calls,
 *     and no module spells an action outside its declarations (what a 403 names is the declaration's);
 * (b) the table against the roles: every action an operation needs is in the role it names, and
 *     the roles hold nothing the table does not need (no wildcards, no writes in diagnose);
 * (c) dynamically: diagnoses and every fix executor run against the simulated Azure with its access
 *     log on; each logged request (method + ARM path) is turned into the action ARM would check and
 *     must be granted — diagnosis by the diagnose role alone, fixes by diagnose + remediate — so a
 *     call that slips past the static scan is still caught, by the action's name.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { ComputeManagementClient } from '@azure/arm-compute';
import { MonitorClient } from '@azure/arm-monitor';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armActionOf } from '../../src/azure/arm-action.js';
import { listClusters, listSubscriptions } from '../../src/azure/clusters.js';
import { runShellScript } from '../../src/azure/compute.js';
import { isAzureError } from '../../src/azure/errors.js';
import type { OperationPermission, SdkPermission } from '../../src/azure/operation-permission.js';
import { actionsNeededBy, KUBECTL_DATA_ACTIONS, kubectlDataActionKey, PERMISSIONS_BY_MODULE, roleGrants, SDK_OPERATIONS, type RolePermissions } from '../../src/azure/rbac-actions.js';
import { ALL_CHECKS } from '../../src/engine/checks/index.js';
import { diagnoseCluster } from '../../src/engine/diagnose.js';
import { executorFor, FIX_KINDS } from '../../src/engine/fixes/fix-kinds.js';
import { nsgBaselineOf } from '../../src/engine/fixes/nsg-rule.js';
import { appliedByBot } from '../../src/engine/report.js';
import { verifyFix } from '../../src/engine/fixes/verify.js';
import type { FixProposal } from '../../src/engine/report.js';
import type { Scenario } from '../../src/scenario/types.js';
import { clusterOf, scenario } from '../engine/fixes/fix-env.js';
import { EXAMPLE_IDS, exampleScenario, startSimForTest } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';

interface RoleFile extends RolePermissions {
  Name: string;
  IsCustom: boolean;
  Description: string;
  Actions: string[];
  NotActions: string[];
  DataActions: string[];
  NotDataActions: string[];
  AssignableScopes: string[];
}

const readRole = (file: string): RoleFile => JSON.parse(readFileSync(path.resolve('infra/roles', file), 'utf8')) as RoleFile;
const DIAGNOSE = readRole('tunnel-doctor-diagnose.json');
const REMEDIATE = readRole('tunnel-doctor-remediate.json');
/** Fixes run with both roles assigned (remediate holds only what the fixes need on top). */
const FIXING: RolePermissions = { Actions: [...DIAGNOSE.Actions, ...REMEDIATE.Actions], NotActions: [...DIAGNOSE.NotActions, ...REMEDIATE.NotActions] };
const TABLE: Readonly<Record<string, OperationPermission>> = SDK_OPERATIONS;
const lower = (s: string) => s.toLowerCase();
/** The action an operation's declaration names (the one its module names on a 403). */
function actionOf(operation: string): string {
  const p = TABLE[operation];
  if (!p) throw new Error(`${operation} is not declared`);
  return p.action;
}

// ---------------------------------------------------------------------------------------------
// (a) the static scan

const dummyCredential: TokenCredential = { getToken: async () => null };
const ZERO_SUB = '00000000-0000-0000-0000-000000000000';
/** Operation groups by name, from the SDK clients themselves (their own properties holding methods). */
function operationGroups(): Map<string, Record<string, unknown>> {
  const clients: object[] = [
    new ContainerServiceClient(dummyCredential, ZERO_SUB),
    new ComputeManagementClient(dummyCredential, ZERO_SUB),
    new NetworkManagementClient(dummyCredential, ZERO_SUB),
    new MonitorClient(dummyCredential, ZERO_SUB),
    new SubscriptionClient(dummyCredential),
  ];
  const groups = new Map<string, Record<string, unknown>>();
  for (const client of clients) {
    for (const [name, value] of Object.entries(client)) {
      if (name.startsWith('_') || name === 'pipeline' || typeof value !== 'object' || value === null) continue;
      const holder = value as Record<string, unknown>;
      const methods = [...Object.keys(holder), ...Object.getOwnPropertyNames(Object.getPrototypeOf(holder) ?? {})];
      if (methods.some((m) => m !== 'constructor' && typeof holder[m] === 'function')) groups.set(name, holder);
    }
  }
  // ResourceGraphClient's query is a method of the client itself, called as layer.resourceGraph.resources(.
  groups.set('resourceGraph', new ResourceGraphClient(dummyCredential) as unknown as Record<string, unknown>);
  return groups;
}

function stripComments(source: string): string {
  // Line numbers are kept: block comments become as many newlines as they held.
  return source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

interface SdkCall {
  operation: string;
  file: string;
  line: number;
}

/** Every `.<operationGroup>.<method>(` call in a source text (chains over several lines included). */
function sdkCallsIn(source: string, file: string, groups: ReadonlySet<string>): SdkCall[] {
  const text = stripComments(source);
  const calls: SdkCall[] = [];
  for (const m of text.matchAll(/\.\s*([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(/g)) {
    const [, group, method] = m;
    if (!group || !method || !groups.has(group)) continue;
    calls.push({ operation: `${group}.${method}`, file, line: text.slice(0, m.index).split('\n').length });
  }
  return calls;
}

function azureLayerSources(): Array<{ file: string; source: string }> {
  const dir = path.resolve('src/azure');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && statSync(path.join(dir, f)).isFile())
    .map((f) => ({ file: `src/azure/${f}`, source: readFileSync(path.join(dir, f), 'utf8') }));
}

/** The operations called but not declared by the module that calls them (its PERMISSIONS), each with where it is called. */
function undeclared(calls: readonly SdkCall[], byModule: Readonly<Record<string, readonly SdkPermission[]>>): string[] {
  return calls
    .filter((c) => !(byModule[c.file] ?? []).some((p) => p.operation === c.operation))
    .map((c) => `${c.file}:${c.line} calls ${c.operation}: declare its permission next to the call and list it in that module's PERMISSIONS (gathered in src/azure/rbac-actions.ts)`);
}

/** RBAC action literals (…/read, /write, /delete, /action) in a module's source outside its permission declarations. */
function actionLiteralsOutsideDeclarations(source: string): string[] {
  const outside = stripComments(source).replace(/const [A-Z_]+ = \{[\s\S]*?\} as const satisfies SdkPermission;/g, '');
  return [...outside.matchAll(/['"`](Microsoft\.[\w./]+\/(?:read|write|delete|action))['"`]/gi)].map((m) => m[1] ?? '');
}

const GROUPS = operationGroups();
const GROUP_NAMES = new Set(GROUPS.keys());
const CALLS = azureLayerSources().flatMap(({ file, source }) => sdkCallsIn(source, file, GROUP_NAMES));

describe('(a) every SDK operation the Azure layer calls has its RBAC action in the table', () => {
  it('finds the SDK operation groups from the clients and the calls in src/azure/*.ts', () => {
    for (const g of ['managedClusters', 'virtualMachineScaleSetVMs', 'securityRules', 'networkSecurityGroups', 'metrics', 'subscriptions']) expect(GROUP_NAMES.has(g), g).toBe(true);
    // The scan sees the calls this repo is known to make (a scan that finds nothing proves nothing).
    const called = new Set(CALLS.map((c) => c.operation));
    for (const op of ['virtualMachineScaleSetVMs.runCommand', 'managedClusters.runCommand', 'securityRules.beginCreateOrUpdateAndWait', 'networkSecurityGroups.get', 'metrics.list', 'subscriptions.list']) {
      expect(called.has(op), op).toBe(true);
    }
  });

  it('no call is missing from SDK_OPERATIONS: each is declared by the module that makes it', () => {
    expect(undeclared(CALLS, PERMISSIONS_BY_MODULE)).toEqual([]);
  });

  it('the scan catches a new call, on one line or chained over several, and names it', () => {
    const source = [
      'export async function restartNode(layer, p) {',
      '  // layer.compute(s).virtualMachines.commentedOut(',
      '  await layer.compute(p.subscriptionId).virtualMachineScaleSetVMs.beginRestartAndWait(p.rg, p.vmss, p.id);',
      '  const client = layer.network(p.subscriptionId);',
      '  return client',
      '    .networkInterfaces',
      '    .beginDeleteAndWait(p.rg, p.nic);',
      '}',
    ].join('\n');
    const calls = sdkCallsIn(source, 'src/azure/new.ts', GROUP_NAMES);
    expect(calls.map((c) => `${c.operation}@${c.line}`)).toEqual(['virtualMachineScaleSetVMs.beginRestartAndWait@3', 'networkInterfaces.beginDeleteAndWait@6']);
    expect(undeclared(calls, PERMISSIONS_BY_MODULE)).toEqual([
      "src/azure/new.ts:3 calls virtualMachineScaleSetVMs.beginRestartAndWait: declare its permission next to the call and list it in that module's PERMISSIONS (gathered in src/azure/rbac-actions.ts)",
      "src/azure/new.ts:6 calls networkInterfaces.beginDeleteAndWait: declare its permission next to the call and list it in that module's PERMISSIONS (gathered in src/azure/rbac-actions.ts)",
    ]);
    // A call declared in another module does not count: the declaration stays next to its call.
    const moved = sdkCallsIn('await layer.network(s).routeTables.get(rg, name);', 'src/azure/compute.ts', GROUP_NAMES);
    expect(undeclared(moved, PERMISSIONS_BY_MODULE)).toHaveLength(1);
  });

  it('every declaration is a real SDK method that its module still calls', () => {
    for (const [file, declared] of Object.entries(PERMISSIONS_BY_MODULE)) {
      const called = new Set(CALLS.filter((c) => c.file === file).map((c) => c.operation));
      for (const { operation: op } of declared) {
        const [group, method] = op.split('.') as [string, string];
        expect(typeof GROUPS.get(group)?.[method], `${op} is not a method of the SDK clients`).toBe('function');
        expect(called.has(op), `${op} is declared in ${file} but no longer called there`).toBe(true);
      }
    }
    expect(Object.keys(TABLE).sort()).toEqual(Object.values(PERMISSIONS_BY_MODULE).flatMap((d) => d.map((p) => p.operation)).sort());
  });

  it('an action a module names on a 403 comes from its declarations (no second spelling of an action string)', () => {
    for (const file of Object.keys(PERMISSIONS_BY_MODULE)) {
      expect(actionLiteralsOutsideDeclarations(readFileSync(path.resolve(file), 'utf8')), file).toEqual([]);
    }
    // The check sees a literal written next to a call, and not one inside a declaration.
    const source = [
      "const ROUTE_TABLES_GET = {\n  action: 'Microsoft.Network/routeTables/read',\n} as const satisfies SdkPermission;",
      "throw toAzureError(e, 'read route table', 'Microsoft.Network/routeTables/read');",
    ].join('\n');
    expect(actionLiteralsOutsideDeclarations(source)).toEqual(['Microsoft.Network/routeTables/read']);
  });

  it("each entry's documented request derives (as ARM derives it) to the entry's action", () => {
    for (const [op, p] of Object.entries(TABLE)) {
      const [method, template] = p.request.split(' ') as [string, string];
      const sample = template.replace(/\{subscriptionId\}/g, ZERO_SUB).replace(/\{[A-Za-z]+\}/g, 'x1');
      expect(lower(armActionOf(method, sample) ?? 'none'), op).toBe(lower(p.action));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (b) the table against the roles

describe('(b) the custom roles grant exactly what the table needs', () => {
  it('role files are az role definition create documents', () => {
    for (const role of [DIAGNOSE, REMEDIATE]) {
      expect(role.IsCustom).toBe(true);
      expect(role.Name).toMatch(/^Tunnel Doctor /);
      expect(role.AssignableScopes).toEqual(['/subscriptions/SUBSCRIPTION_ID']);
      for (const list of [role.Actions, role.NotActions, role.DataActions, role.NotDataActions]) expect(Array.isArray(list)).toBe(true);
    }
  });

  it('every action a diagnosis operation needs is in the diagnose role', () => {
    const missing = actionsNeededBy('diagnose').filter((a) => !roleGrants(DIAGNOSE, a));
    expect(missing).toEqual([]);
  });

  it('every action a fix operation needs is in the remediate role (or already in diagnose)', () => {
    const missing = actionsNeededBy('remediate').filter((a) => !roleGrants(FIXING, a));
    expect(missing).toEqual([]);
  });

  it('the roles hold nothing the code does not need, and do not repeat each other', () => {
    const needed = new Set([...actionsNeededBy('diagnose'), ...actionsNeededBy('remediate')].map(lower));
    expect(DIAGNOSE.Actions.filter((a) => !needed.has(lower(a)))).toEqual([]);
    expect(REMEDIATE.Actions.filter((a) => !needed.has(lower(a)))).toEqual([]);
    const diagnose = new Set(DIAGNOSE.Actions.map(lower));
    expect(REMEDIATE.Actions.filter((a) => diagnose.has(lower(a)))).toEqual([]);
    // A read-only operation's actions belong in diagnose, so diagnosis never needs remediate.
    expect(actionsNeededBy('diagnose').filter((a) => !diagnose.has(lower(a)))).toEqual([]);
  });

  it('diagnose writes and deletes nothing; its only actions are the two run-commands', () => {
    expect(DIAGNOSE.Actions.filter((a) => /\/(write|delete)$/i.test(a))).toEqual([]);
    expect(DIAGNOSE.Actions.filter((a) => /\/action$/i.test(a)).map(lower).sort()).toEqual(
      ['Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action', 'Microsoft.ContainerService/managedClusters/runcommand/action'].map(lower).sort(),
    );
  });

  it('no wildcard anywhere', () => {
    for (const role of [DIAGNOSE, REMEDIATE]) {
      expect([...role.Actions, ...role.NotActions, ...role.DataActions, ...role.NotDataActions].filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it('roleGrants reports a missing action, with wildcards and NotActions as Azure applies them', () => {
    const without = { Actions: DIAGNOSE.Actions.filter((a) => lower(a) !== lower(actionOf('virtualMachineScaleSetVMs.runCommand'))) };
    expect(actionsNeededBy('diagnose').filter((a) => !roleGrants(without, a))).toEqual([actionOf('virtualMachineScaleSetVMs.runCommand')]);
    expect(roleGrants({ Actions: ['Microsoft.Network/*/read'] }, 'microsoft.network/routeTables/read')).toBe(true);
    expect(roleGrants({ Actions: ['Microsoft.Network/*'], NotActions: ['Microsoft.Network/*/delete'] }, actionOf('securityRules.beginDeleteAndWait'))).toBe(false);
  });

  it('kubectl data actions: every kubectl command the engine sends maps to a data action its role holds', () => {
    const dir = path.resolve('src/engine');
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
    const commands = files.flatMap((f) => [...stripComments(readFileSync(path.join(dir, f), 'utf8')).matchAll(/[`'"](kubectl (?:get|logs|delete|patch|create|describe|exec) [^`'"]*)/g)].map((m) => m[1] ?? ''));
    // Only what the bot runs through runKubectl; `kubectl patch/create/describe …` appear as advice text for people.
    const run = commands.filter((c) => /^kubectl (get|logs|delete) /.test(c));
    expect(run.length).toBeGreaterThanOrEqual(4);
    const table = KUBECTL_DATA_ACTIONS as Record<string, { dataAction: string; role: 'diagnose' | 'remediate' }>;
    for (const command of run) {
      const key = kubectlDataActionKey(command);
      expect(key && table[key], `no data action for "${command}" in KUBECTL_DATA_ACTIONS`).toBeTruthy();
    }
    for (const { dataAction, role } of Object.values(table)) {
      expect((role === 'diagnose' ? DIAGNOSE : REMEDIATE).DataActions.map(lower), dataAction).toContain(lower(dataAction));
    }
    const tabled = new Set(Object.values(table).map((t) => lower(t.dataAction)));
    expect([...DIAGNOSE.DataActions, ...REMEDIATE.DataActions].filter((a) => !tabled.has(lower(a)))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) the wire: what the simulated Azure was asked, turned into actions

interface AccessLine {
  method: string;
  path: string;
  status: number;
}

/**
 * The simulator serves Compute's Location poll under …/locations/{l}/operationResults/{id};
 * real Compute serves both of its poll URLs under …/locations/{l}/operations/{id}, and RBAC has no
 * Microsoft.Compute/locations/operationResults action. Only this spelling is mapped.
 */
const SIM_ONLY_ALIASES: Record<string, string> = {
  'microsoft.compute/locations/operationresults/read': 'Microsoft.Compute/locations/operations/read',
};

function actionOfLine(line: AccessLine): string | undefined {
  const action = armActionOf(line.method, line.path);
  return action === undefined ? undefined : (SIM_ONLY_ALIASES[lower(action)] ?? action);
}

/** Requests the role does not grant, one per action: "<action> (e.g. GET /subscriptions/…)". */
function ungrantedRequests(lines: readonly AccessLine[], role: RolePermissions): string[] {
  const out = new Map<string, string>();
  for (const line of lines) {
    const action = actionOfLine(line);
    if (action === undefined) {
      out.set(`unmapped ${line.method} ${line.path}`, `no RBAC action derivable for ${line.method} ${line.path}`);
      continue;
    }
    if (!roleGrants(role, action) && !out.has(lower(action))) out.set(lower(action), `${action} (e.g. ${line.method} ${line.path})`);
  }
  return [...out.values()];
}

function readAccessLog(file: string): AccessLine[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AccessLine);
}

interface FixRun {
  scenario: string;
  kind: string;
  result: string;
  detail: string;
}

const work = tempDir('role-coverage');
const diagnosisLines: AccessLine[] = [];
const fixLines: AccessLine[] = [];
const fixRuns: FixRun[] = [];

/** Start a simulator with its own access log; returns the layer, the cluster and the log's lines so far. */
async function simWithLog(s: Scenario, name: string) {
  const log = path.join(work, `${name}-${Math.random().toString(36).slice(2)}.log`);
  const env = await startSimForTest([s], { accessLogPath: log });
  return { env, cluster: clusterOf(s), lines: () => readAccessLog(log) };
}

/** The diagnosis path the chat takes: find the cluster across subscriptions, then diagnose it. */
async function diagnosisPhase(name: string, s: Scenario): Promise<void> {
  const { env, cluster, lines } = await simWithLog(s, name);
  try {
    const subs = await listSubscriptions(env.layer);
    await listClusters(env.layer, subs.map((x) => x.subscriptionId));
    await diagnoseCluster(env.layer, cluster, { checks: ALL_CHECKS });
    diagnosisLines.push(...lines());
  } finally {
    await env.close();
  }
}

/** One fix kind on a fresh simulator: diagnose (not counted), then capture, execute and verify (counted). */
async function fixPhase(name: string, s: Scenario, kind: string): Promise<void> {
  const { env, cluster, lines } = await simWithLog(s, `${name}-${kind}`);
  try {
    const report = await diagnoseCluster(env.layer, cluster, { checks: ALL_CHECKS });
    const fix = report.checks.flatMap((c) => c.fixes).find((f: FixProposal) => f.kind === kind && appliedByBot(f));
    if (!fix) {
      fixRuns.push({ scenario: name, kind, result: 'not proposed', detail: '' });
      return;
    }
    const before = lines().length;
    const done = await executorFor(kind)!.execute({ layer: env.layer, cluster, fix, baseline: nsgBaselineOf(fix) });
    await verifyFix(env.layer, cluster, fix);
    fixRuns.push({ scenario: name, kind, result: done.result, detail: done.detail });
    fixLines.push(...lines().slice(before));
  } finally {
    await env.close();
  }
}

function withDenyRange(s: Scenario): Scenario {
  // As test/engine/fixes/nsg-fixes.test.ts: a deny of 10250-10255 is narrowed, not deleted.
  const nsg = s.resources.find((r) => r.type === 'Microsoft.Network/networkSecurityGroups');
  const rules = (nsg?.properties?.securityRules ?? []) as Array<{ name: string; properties: Record<string, unknown> }>;
  const deny = rules.find((r) => r.name === 'Deny-Kubelet-Hardening');
  if (deny) deny.properties.destinationPortRange = '10250-10255';
  return s;
}

function withoutEgressBlock(s: Scenario): Scenario {
  // As nsg-fixes.test.ts: without the off-ARM block, the NSG outbound deny is what the fix lifts.
  delete s.egress;
  return s;
}

/** One scenario per fix kind the executors know (a new executor needs a line here). */
const FIX_SCENARIOS: Array<[kind: string, scenario: string, shape?: (s: Scenario) => Scenario]> = [
  ['nsg-allow-10250', 'nsg-deny-10250-subnet'],
  ['nsg-allow-egress', 'egress-443-nsg-outbound-deny', withoutEgressBlock],
  ['nsg-edit-deny', 'nsg-deny-at-priority-100', withDenyRange],
  ['nsg-delete-deny', 'nsg-deny-at-priority-100'],
  ['ufw-allow-10250', 'ufw-enabled'],
  ['ufw-disable', 'ufw-enabled'],
  ['iptables-delete-rule', 'iptables-drop-10250'],
  ['iptables-insert-accept', 'iptables-policy-drop'],
  ['recreate-tunnel-pods', 'agents-crashloop'],
  ['lb-allocated-outbound-ports', 'snat-exhaustion-lb'],
  ['lb-outbound-ips', 'snat-exhaustion-lb'],
];

/** Diagnoses that between them read every kind of resource the checks read. */
const DIAGNOSIS_SCENARIOS = ['combo-everything', 'healthy-natgateway', 'egress-udr-appliance-blocked', 'nsg-deny-asg', 'nsg-deny-nic-level', 'healthy-kubenet-routes', 'healthy-custom-vnet-other-rg'];

describe('(c) every request a diagnosis and every fix makes is granted by the roles', () => {
  beforeAll(async () => {
    for (const name of DIAGNOSIS_SCENARIOS) await diagnosisPhase(name, scenario(name));
    for (const [kind, name, shape] of FIX_SCENARIOS) await fixPhase(name, (shape ?? ((x) => x))(scenario(name)), kind);
  }, 240_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('every executor kind ran and succeeded (so its requests are in the log)', () => {
    const kinds = [...FIX_KINDS.values()].filter((k) => k.executor).map((k) => k.kind).sort();
    expect(FIX_SCENARIOS.map(([k]) => k).sort(), 'FIX_SCENARIOS needs one scenario per executor kind').toEqual(kinds);
    for (const run of fixRuns) expect(run.result, `${run.kind} on ${run.scenario}: ${run.detail}`).toBe('succeeded');
  });

  it('the log holds what the checks and fixes do (reads, both run-commands, LRO polls, writes)', () => {
    const actions = new Set([...diagnosisLines, ...fixLines].map((l) => lower(actionOfLine(l) ?? '')));
    for (const a of [
      actionOf('virtualMachineScaleSetVMs.runCommand'),
      actionOf('managedClusters.runCommand'),
      'Microsoft.ContainerService/managedClusters/commandResults/read',
      'Microsoft.Compute/locations/operations/read',
      actionOf('metrics.list'),
      actionOf('routeTables.get'),
      actionOf('natGateways.get'),
      actionOf('networkSecurityGroups.beginCreateOrUpdateAndWait'),
      actionOf('managedClusters.createOrUpdate'),
    ]) {
      expect(actions.has(lower(a)), a).toBe(true);
    }
  });

  it('diagnosis: every logged request is granted by the diagnose role alone', () => {
    expect(diagnosisLines.length).toBeGreaterThan(50);
    expect(ungrantedRequests(diagnosisLines, DIAGNOSE)).toEqual([]);
  });

  it('fixes: every logged request is granted by diagnose + remediate', () => {
    expect(fixLines.length).toBeGreaterThan(20);
    expect(ungrantedRequests(fixLines, FIXING)).toEqual([]);
  });

  it('fixes need the remediate role: diagnose alone is refused the writes, named by action', () => {
    const refused = ungrantedRequests(fixLines, DIAGNOSE).map((r) => r.split(' ')[0]);
    expect(refused.map((a) => lower(a ?? ''))).toEqual(expect.arrayContaining([actionOf('networkSecurityGroups.beginCreateOrUpdateAndWait'), actionOf('managedClusters.createOrUpdate')].map(lower)));
  });

  it('a role missing one action fails with that action named', () => {
    const without = { Actions: DIAGNOSE.Actions.filter((a) => a !== 'Microsoft.Compute/locations/operations/read') };
    const missing = ungrantedRequests(diagnosisLines, without);
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/^Microsoft\.Compute\/locations\/operations\/read \(e\.g\. GET \/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/locations\/[^/]+\/operations\//);
  });
});

describe('a 403 names the action ARM refused, even on a request the module did not make itself', () => {
  it('a refused LRO status poll names Microsoft.Compute/locations/operations/read, not the run-command', async () => {
    const s = exampleScenario();
    s.faults = [{ method: 'GET', path: '/providers/Microsoft\\.Compute/locations/[^/]+/operations/', status: 403, code: 'AuthorizationFailed' }];
    const env = await startSimForTest([s]);
    try {
      const err = await runShellScript(env.layer, EXAMPLE_IDS.vmss, '0', ['echo ok']).then(() => undefined, (e: unknown) => e);
      expect(isAzureError(err) && err.statusCode, String(err)).toBe(403);
      expect(isAzureError(err) && err.rbacAction).toBe('Microsoft.Compute/locations/operations/read');
      expect(isAzureError(err) && err.userMessage).toContain('"Microsoft.Compute/locations/operations/read"');
    } finally {
      await env.close();
    }
  });

  it('a refused request the module expected keeps its spelling', async () => {
    const s = exampleScenario();
    s.faults = [{ method: 'POST', path: '/runCommand$', status: 403, code: 'AuthorizationFailed' }];
    const env = await startSimForTest([s]);
    try {
      const err = await runShellScript(env.layer, EXAMPLE_IDS.vmss, '0', ['echo ok']).then(() => undefined, (e: unknown) => e);
      expect(isAzureError(err) && err.rbacAction).toBe(actionOf('virtualMachineScaleSetVMs.runCommand'));
    } finally {
      await env.close();
    }
  });
});
