/**
 * The CLI as a subprocess, exactly as a user runs it: bin/tunnel-doctor.js on scenario files, with
 * the report contract and the exit codes of scenario-format.md section 2.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS, REPORT_FORMAT } from '../../src/engine/report.js';
import { EXAMPLE_HEALTHY } from '../support/sim.js';
import { createStateStore } from '../../src/store/create-store.js';
import { tempDir } from '../support/temp-dir.js';
import { runCli } from '../support/cli-process.js';



describe('tunnel-doctor diagnose (subprocess)', () => {
  it('prints a valid report for the shared healthy example and writes the access log', async () => {
    const dir = tempDir('cli');
    const log = path.join(dir, 'access.log');
    const r = await runCli(['diagnose', 'aks-prod-eastus', '--scenario', EXAMPLE_HEALTHY, '--json'], { SIM_ACCESS_LOG: log });
    expect(r.stderr).not.toMatch(/DeprecationWarning/);
    const report = JSON.parse(r.stdout);
    expect(report.format).toBe(REPORT_FORMAT);
    expect(report.cluster).toMatchObject({
      name: 'aks-prod-eastus',
      tunnel: 'konnectivity',
      private: false,
      outboundType: 'loadBalancer',
      nodeCount: 3,
      nodeResourceGroup: 'MC_rg-prod_aks-prod-eastus_eastus',
    });
    expect(report.cluster.nodePools).toEqual([expect.objectContaining({ name: 'nodepool1', count: 3, osType: 'Linux' })]);
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
    for (const c of report.checks) expect(CHECK_IDS).toContain(c.id);
    expect(r.code).toBe(report.checks.some((c: { status: string }) => c.status === 'fail') ? 1 : 0);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[0]).toEqual(expect.objectContaining({ method: expect.any(String), path: expect.any(String), status: expect.any(Number), ms: expect.any(Number) }));
  });

  it('prints a readable summary without --json', async () => {
    const r = await runCli(['diagnose', 'aks-prod-eastus', '--scenario', EXAMPLE_HEALTHY]);
    expect(r.stdout).toMatch(/Cluster aks-prod-eastus/);
    expect(r.stdout).toMatch(/tunnel: konnectivity/);
  });

  it('never exits 0 while a node does not answer on 10250, and leads with the node (issue #13)', async () => {
    const scenario = path.resolve('scenarios/reach-unexplained-timeout.json');
    const text = await runCli(['diagnose', 'aks-unexplained', '--scenario', scenario]);
    expect(text.code).toBe(1);
    const checkLines = text.stdout.split('\n').filter((l) => /^\[(PASS|FAIL|WARN|\?\?\?\?|n\/a )\]/.test(l));
    expect(checkLines[0]).toMatch(/^\[FAIL\] kubelet-reachability: aks-nodepool1-\d+-vmss000002 does not answer on TCP 10250 from the tunnel agents and none of the known causes explains it — read next: /);
    const json = await runCli(['diagnose', 'aks-unexplained', '--scenario', scenario, '--json']);
    const report = JSON.parse(json.stdout);
    expect(report.checks.filter((c: { status: string }) => c.status !== 'pass').map((c: { id: string; nodes: string[] }) => [c.id, c.nodes])).toEqual([
      ['kubelet-reachability', [expect.stringMatching(/vmss000002$/)]],
    ]);
    expect(json.code).toBe(1);
  });

  it('exits 2 with the closest name for an unknown cluster', async () => {
    const r = await runCli(['diagnose', 'aks-prod-eastsu', '--scenario', EXAMPLE_HEALTHY, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no managed cluster named "aks-prod-eastsu"/);
    expect(r.stderr).toMatch(/Did you mean: aks-prod-eastus/);
  });

  it.each([
    [['diagnose', 'aks', '--scenario', '/no/such/file.json'], /does not exist/],
    [['diagnose', 'aks;reboot', '--scenario', EXAMPLE_HEALTHY], /";"/],
    [['frobnicate'], /expected "diagnose <cluster>"/],
    [['diagnose', 'aks', '--bogus'], /Unknown option/],
  ])('exits 2 for bad input %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 naming the problem for an unreadable scenario', async () => {
    const dir = tempDir('cli');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"format": "tunnel-doctor-scenario/v1", "title": ');
    const r = await runCli(['diagnose', 'aks', '--scenario', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json/);
  });

  it('exits 3 when the diagnosis cannot complete (the cluster cannot be read)', async () => {
    const scenario = JSON.parse(readFileSync(EXAMPLE_HEALTHY, 'utf8'));
    scenario.faults = [{ method: 'GET', path: 'managedClusters/aks-prod-eastus$', status: 500, code: 'InternalServerError' }];
    const dir = tempDir('cli');
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(scenario));
    const r = await runCli(['diagnose', 'aks-prod-eastus', '--scenario', file, '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/could not complete/);
  });
});

describe('tunnel-doctor audit (subprocess)', () => {
  const A = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a';
  const B = '/subscriptions/3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69/resourceGroups/rg-b/providers/Microsoft.ContainerService/managedClusters/aks-b';

  async function seeded(): Promise<string> {
    const file = path.join(tempDir('audit'), 'state.sqlite');
    const store = createStateStore({ kind: 'sqlite', path: file });
    const actor = { id: '29:oncall', aadObjectId: '00000000-0000-0000-0000-00000000a001', name: 'On-call' };
    await store.audit.appendAudit({ at: '2026-11-25T10:00:00.000Z', actor, action: 'requested', clusterId: A, requestId: 'r1', detail: 'asked to allow TCP 10250' });
    await store.audit.appendAudit({ at: '2026-11-25T10:01:00.000Z', actor, action: 'requested', clusterId: B, requestId: 'r2', detail: 'asked to disable ufw' });
    await store.audit.appendAudit({ at: '2026-11-25T10:02:00.000Z', actor: { id: 'system' }, action: 'executed', clusterId: A, requestId: 'r1', detail: 'rule written', result: 'succeeded' });
    await store.close();
    return file;
  }

  it('prints the records newest first, and filters by cluster name', async () => {
    const file = await seeded();
    const all = await runCli(['audit', '--json'], { STATE_SQLITE_PATH: file });
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout).map((r: { requestId: string; action: string }) => `${r.requestId}:${r.action}`)).toEqual(['r1:executed', 'r2:requested', 'r1:requested']);
    const onlyA = await runCli(['audit', '--cluster', 'aks-a'], { STATE_SQLITE_PATH: file });
    expect(onlyA.code).toBe(0);
    expect(onlyA.stdout).toMatch(/executed +\[succeeded\] aks-a/);
    expect(onlyA.stdout).not.toMatch(/aks-b/);
  });

  it('refuses a hostile cluster filter and a bad limit with exit 2', async () => {
    const file = await seeded();
    expect((await runCli(['audit', '--cluster', 'a;b'], { STATE_SQLITE_PATH: file })).code).toBe(2);
    expect((await runCli(['audit', '--limit', 'lots'], { STATE_SQLITE_PATH: file })).stderr).toMatch(/--limit takes a whole number/);
  });

  it('shows refused clicks with their verb and reason, in English or Chinese (--lang); an identity-less clicker is marked', async () => {
    const file = path.join(tempDir('audit'), 'state.sqlite');
    const store = createStateStore({ kind: 'sqlite', path: file });
    const outsider = { id: '29:dev', aadObjectId: '00000000-0000-0000-0000-00000000c003', name: 'Developer' };
    await store.audit.appendAudit({ at: '2026-11-25T10:03:00.000Z', actor: outsider, action: 'refused', verb: 'approve', reason: 'not-approver', clusterId: A, requestId: 'r1', detail: 'Refused approve (not-approver) of …' });
    await store.audit.appendAudit({ at: '2026-11-25T10:04:00.000Z', actor: { id: '29:webchat', name: 'Team Lead' }, action: 'refused', verb: 'cancel', reason: 'no-identity', clusterId: A, requestId: 'r1', detail: 'Refused cancel (no-identity) of …' });
    await store.close();
    const english = await runCli(['audit'], { STATE_SQLITE_PATH: file });
    expect(english.code).toBe(0);
    expect(english.stdout).toMatch(/refused +\[approve: not an approver \(not-approver\)\] aks-a  Developer \(00000000-0000-0000-0000-00000000c003\): Refused approve/);
    expect(english.stdout).toMatch(/refused +\[cancel: no Entra identity sent \(no-identity\)\] aks-a  Team Lead \(29:webchat\) \(no Entra id\): /);
    const chinese = await runCli(['audit', '--lang', 'zh-CN'], { STATE_SQLITE_PATH: file });
    expect(chinese.code).toBe(0);
    expect(chinese.stdout).toContain('[批准: 不是审批人 (not-approver)]');
    expect(chinese.stdout).toContain('Team Lead (29:webchat)（无 Entra 身份）');
    const json = JSON.parse((await runCli(['audit', '--json'], { STATE_SQLITE_PATH: file })).stdout);
    expect(json.map((r: { verb: string; reason: string }) => `${r.verb}:${r.reason}`)).toEqual(['cancel:no-identity', 'approve:not-approver']);
    const bad = await runCli(['audit', '--lang', 'fr'], { STATE_SQLITE_PATH: file });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--lang takes en or zh-CN, got "fr"/);
  });
});
