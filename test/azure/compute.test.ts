import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listScaleSetInstances, listScaleSets, parseRunCommandMessage, runShellScript } from '../../src/azure/compute.js';
import { AzureError } from '../../src/azure/errors.js';
import { EXAMPLE_HEALTHY, EXAMPLE_IDS, exampleScenario, startSimForTest, type SimForTest } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';

let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function accessLog(): string {
  return join(tempDir('sim-log'), 'access.jsonl');
}
function readLog(path: string): Array<{ method: string; path: string; status: number; route: string }> {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

describe('scale sets through the real ComputeManagementClient', () => {
  it('lists the node resource group scale sets and instances with power state, OS and computer name', async () => {
    const s = exampleScenario();
    s.nodes[2]!.powerState = 'deallocated';
    t = await startSimForTest([s], { pageSize: 2 });
    const sets = await listScaleSets(t.layer, EXAMPLE_IDS.subscriptionId, EXAMPLE_IDS.nodeResourceGroup);
    expect(sets.map((x) => x.name)).toEqual(['aks-nodepool1-12345678-vmss']);
    const instances = await listScaleSetInstances(t.layer, EXAMPLE_IDS.vmss);
    expect(instances.map((i) => [i.instanceId, i.computerName, i.osType, i.powerState, i.provisioningState])).toEqual([
      ['0', 'aks-nodepool1-12345678-vmss000000', 'Linux', 'running', 'Succeeded'],
      ['1', 'aks-nodepool1-12345678-vmss000001', 'Linux', 'running', 'Succeeded'],
      ['2', 'aks-nodepool1-12345678-vmss000002', 'Linux', 'deallocated', 'Succeeded'],
    ]);
    expect(t.sim.stats().byRoute['vmss.vms.list']).toBe(2); // 3 instances, 2 per page
  });

  it('runs a script with run-command: 202, polled until Succeeded, output from the envelope', async () => {
    const log = accessLog();
    const s = exampleScenario();
    s.nodes[0]!.ufw = { enabled: true, defaultIncoming: 'deny', rules: [{ to: '22/tcp', action: 'ALLOW', from: 'Anywhere' }] };
    t = await startSimForTest([s], { accessLogPath: log });
    const out = await runShellScript(t.layer, EXAMPLE_IDS.vmss, '0', ['ufw status verbose']);
    expect(out.truncated).toBe(false);
    expect(out.stdout).toContain('Status: active');
    expect(out.stdout).toMatch(/22\/tcp\s+ALLOW IN\s+Anywhere/);
    const routes = readLog(log).map((l) => `${l.method} ${l.route} ${l.status}`);
    expect(routes).toEqual(['POST vmss.vm.runCommand 202', ...routes.slice(1)]);
    expect(routes).toContain('GET operations.status 200');
    expect(routes[routes.length - 1]).toBe('GET operations.result 200');
    expect(t.sim.stats().runCommands).toBe(1);
  });

  it('keeps only the last 4096 bytes of stdout, as Azure does, and says so', async () => {
    const s = exampleScenario();
    const lines = Array.from({ length: 300 }, (_, i) => `${String(i + 1).padStart(4, '0')} ACCEPT tcp -- anywhere anywhere tcp dpt:${30000 + i}`);
    const full = `${lines.join('\n')}\n`;
    s.nodes[1]!.outputs = { 'iptables --list --line-numbers': full };
    t = await startSimForTest([s]);
    const out = await runShellScript(t.layer, EXAMPLE_IDS.vmss, '1', ['iptables --list --line-numbers']);
    expect(Buffer.byteLength(full)).toBeGreaterThan(4096);
    expect(out.truncated).toBe(true);
    expect(Buffer.byteLength(out.stdout)).toBe(4096);
    expect(full.endsWith(out.stdout)).toBe(true);
    expect(out.stdout).toContain('0300 ACCEPT');
    expect(out.stdout).not.toContain('0001 ACCEPT');
  });

  it('retries a 409 Conflict from a busy VM and succeeds', async () => {
    const s = exampleScenario();
    s.faults = [{ method: 'POST', path: '/virtualMachines/0/runCommand$', status: 409, code: 'Conflict', times: 2 }];
    t = await startSimForTest([s]);
    const out = await runShellScript(t.layer, EXAMPLE_IDS.vmss, '0', ['ufw status verbose']);
    expect(out.stdout).toContain('Status: inactive');
    expect(t.sim.stats().byRoute['vmss.vm.runCommand']).toBe(3); // two injected 409s, then accepted
  });

  it('gives up with RunCommandBusy when the VM stays busy', async () => {
    const s = exampleScenario();
    s.faults = [{ method: 'POST', path: '/runCommand$', status: 409, code: 'Conflict' }];
    t = await startSimForTest([s]);
    const e = await runShellScript(t.layer, EXAMPLE_IDS.vmss, '0', ['ufw status verbose']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AzureError);
    expect(e).toMatchObject({ code: 'RunCommandBusy', statusCode: 409 });
    expect((e as AzureError).userMessage).toContain('still busy');
  });

  it('meets a real in-progress run-command on the same VM with 409 and waits its turn', async () => {
    const log = accessLog();
    const s = exampleScenario();
    s.latency = { armMs: 0, runCommandMs: 60, kubectlMs: 0 };
    t = await startSimForTest([s], { latencyScale: 1, accessLogPath: log });
    const [a, b] = await Promise.all([
      runShellScript(t.layer, EXAMPLE_IDS.vmss, '2', ['ufw status verbose']),
      runShellScript(t.layer, EXAMPLE_IDS.vmss, '2', ['iptables --list --line-numbers']),
    ]);
    expect(a.stdout).toContain('Status: inactive');
    expect(b.stdout).toContain('Chain INPUT (policy ACCEPT)');
    const conflicts = readLog(log).filter((l) => l.route === 'error' && l.status === 409 && l.method === 'POST');
    expect(conflicts.length).toBeGreaterThanOrEqual(1);
  });

  it('retries 429 beyond the SDK retries, honouring Retry-After', async () => {
    const log = accessLog();
    const s = exampleScenario();
    s.faults = [{ method: 'POST', path: '/runCommand$', status: 429, retryAfter: 0, times: 4 }];
    t = await startSimForTest([s], { accessLogPath: log });
    const out = await runShellScript(t.layer, EXAMPLE_IDS.vmss, '1', ['ufw status verbose']);
    expect(out.stdout).toContain('Status:');
    const posts = readLog(log).filter((l) => l.method === 'POST');
    expect(posts.map((p) => p.status)).toEqual([429, 429, 429, 429, 202]);
  });

  it('refuses run-command on a deallocated VM without retrying, and RunShellScript on Windows', async () => {
    const s = exampleScenario();
    s.nodes[2]!.powerState = 'deallocated';
    s.nodes[1]!.osType = 'Windows';
    t = await startSimForTest([s]);
    await expect(runShellScript(t.layer, EXAMPLE_IDS.vmss, '2', ['ufw status verbose'])).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    expect(t.sim.stats().byRoute['vmss.vm.runCommand']).toBe(1);
    await expect(runShellScript(t.layer, EXAMPLE_IDS.vmss, '1', ['ufw status verbose'])).rejects.toMatchObject({ code: 'OperationNotAllowed' });
    const win = await runShellScript(t.layer, EXAMPLE_IDS.vmss, '1', ['Get-NetFirewallProfile'], [], { windows: true }).catch((e: unknown) => e);
    expect(win).not.toBeInstanceOf(Error);
  });

  it('validates instance ids and parameter values before calling Azure', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    await expect(runShellScript(t.layer, EXAMPLE_IDS.vmss, '0; reboot', ['true'])).rejects.toMatchObject({ code: 'InvalidInstanceId' });
    await expect(runShellScript(t.layer, EXAMPLE_IDS.vmss, '0', ['true'], [{ name: 'TARGETS', value: '10.0.0.1 $(reboot)' }])).rejects.toMatchObject({ code: 'InvalidParameter' });
    expect(t.sim.requestCount()).toBe(0);
  });
});

describe('parseRunCommandMessage', () => {
  it('splits the envelope message into stdout and stderr', () => {
    // As the Linux extension prints it: "\n[stdout]\n%s\n[stderr]\n%s", nothing after stderr.
    expect(parseRunCommandMessage('Enable succeeded: \n[stdout]\nhello\nworld\n\n[stderr]\noops\n')).toEqual({ stdout: 'hello\nworld\n', stderr: 'oops\n' });
    expect(parseRunCommandMessage('Enable succeeded: \n[stdout]\nhello\n\n[stderr]\noops')).toEqual({ stdout: 'hello\n', stderr: 'oops' });
    expect(parseRunCommandMessage('Enable succeeded: \n[stdout]\n\n[stderr]\n')).toEqual({ stdout: '', stderr: '' });
  });
});
