/**
 * The simulated Azure at the HTTP level: what the SDKs rely on (ARM shapes, LRO headers,
 * paging, errors, faults, latency) and multi-scenario routing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulatedAzure, type SimServer } from '../../src/sim/server.js';
import { EXAMPLE_IDS, exampleScenario, inSubscription } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';

const API = 'api-version=2025-05-01';
const OTHER_SUB = '0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a41';
let sim: SimServer | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const url = path.startsWith('http') ? path : `${sim!.url}${path}${path.includes('?') ? '&' : '?'}${API}`;
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('simulated Azure over HTTP', () => {
  it('answers in ARM shapes: nested properties, case-insensitive ids, ARM errors', async () => {
    sim = await startSimulatedAzure({ scenarios: [exampleScenario()], latencyScale: 0 });
    const lower = await call(EXAMPLE_IDS.vnet.toLowerCase());
    expect(lower.status).toBe(200);
    expect(lower.body.id).toBe(EXAMPLE_IDS.vnet);
    expect(lower.body.properties.subnets[0].name).toBe('aks-subnet');
    const subnet = await call(EXAMPLE_IDS.subnet);
    expect(subnet.body).toMatchObject({ id: EXAMPLE_IDS.subnet, name: 'aks-subnet', properties: { addressPrefix: '10.224.0.0/16' } });
    const missing = await call(EXAMPLE_IDS.nsg.replace('aks-agentpool-12345678-nsg', 'nope'));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'ResourceNotFound', message: expect.stringContaining("'Microsoft.Network/networkSecurityGroups/nope'") } });
    const noVersion = await fetch(`${sim.url}${EXAMPLE_IDS.vnet}`);
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as any).error.code).toBe('MissingApiVersionParameter');
    const badRg = await call(`/subscriptions/${EXAMPLE_IDS.subscriptionId}/resourceGroups/nope/providers/Microsoft.Network/networkSecurityGroups`);
    expect(badRg.body.error.code).toBe('ResourceGroupNotFound');
  });

  it('pages lists with value + nextLink', async () => {
    sim = await startSimulatedAzure({ scenarios: [exampleScenario()], latencyScale: 0, pageSize: 2 });
    const first = await call(`${EXAMPLE_IDS.vmss}/virtualMachines`);
    expect(first.body.value).toHaveLength(2);
    expect(first.body.nextLink).toMatch(new RegExp(`^${sim.url}/subscriptions/.*/virtualMachines\\?.*api-version=.*skiptoken=2`));
    const second = await call(first.body.nextLink);
    expect(second.body.value.map((v: any) => v.instanceId)).toEqual(['2']);
    expect(second.body.nextLink).toBeUndefined();
  });

  it('runs run-command as an LRO: 202 + Azure-AsyncOperation + Location + Retry-After, then the envelope', async () => {
    const s = exampleScenario();
    s.latency = { armMs: 0, runCommandMs: 1500, kubectlMs: 0 };
    sim = await startSimulatedAzure({ scenarios: [s], latencyScale: 1 });
    const started = await call(`${EXAMPLE_IDS.vmss}/virtualMachines/0/runCommand`, { method: 'POST', body: JSON.stringify({ commandId: 'RunShellScript', script: ['ufw status verbose'] }) });
    expect(started.status).toBe(202);
    const monitor = started.headers.get('azure-asyncoperation')!;
    const location = started.headers.get('location')!;
    expect(monitor).toMatch(/\/providers\/Microsoft\.Compute\/locations\/eastus\/operations\/[0-9a-f-]{36}\?api-version=/);
    // 1.5 s to go: rounded up to whole seconds (a 0 would make the SDK poll in a tight loop).
    expect(started.headers.get('retry-after')).toBe('2');
    const busy = await call(`${EXAMPLE_IDS.vmss}/virtualMachines/0/runCommand`, { method: 'POST', body: JSON.stringify({ commandId: 'RunShellScript', script: ['true'] }) });
    expect(busy.status).toBe(409);
    expect(busy.body.error).toEqual({ code: 'Conflict', message: 'Run command extension execution is in progress. Please wait for completion before invoking a run command.' });
    expect((await call(monitor)).body.status).toBe('InProgress');
    expect((await call(location)).status).toBe(202);
    // Polled as a client would, until the operation leaves InProgress (the test's timeout catches a hang).
    let status = 'InProgress';
    while (status === 'InProgress') {
      await new Promise((r) => setTimeout(r, 100));
      status = (await call(monitor)).body.status as string;
    }
    expect(status).toBe('Succeeded');
    const result = await call(location);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      value: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: 'Enable succeeded: \n[stdout]\nStatus: inactive\n\n[stderr]\n' }],
    });
  });

  it('applies scenario latency (× latencyScale) to every ARM request', async () => {
    const s = exampleScenario();
    s.latency = { armMs: 4000, runCommandMs: 0, kubectlMs: 0 };
    sim = await startSimulatedAzure({ scenarios: [s], latencyScale: 0.05 });
    const t0 = performance.now();
    await call(EXAMPLE_IDS.vnet);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('injects faults a limited number of times, 429 with Retry-After, and logs every request', async () => {
    const log = join(tempDir('sim'), 'access.jsonl');
    const s = exampleScenario();
    s.faults = [{ method: 'GET', path: '/virtualNetworks/', status: 429, retryAfter: 3, times: 2 }];
    sim = await startSimulatedAzure({ scenarios: [s], latencyScale: 0, accessLogPath: log });
    const a = await call(EXAMPLE_IDS.vnet);
    const b = await call(EXAMPLE_IDS.vnet);
    const c = await call(EXAMPLE_IDS.vnet);
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
    expect(a.headers.get('retry-after')).toBe('3');
    expect(a.body.error.code).toBe('TooManyRequests');
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ method: 'GET', path: EXAMPLE_IDS.vnet, status: 429 });
    expect(typeof lines[0].ms).toBe('number');
    expect(sim.stats().requests).toBe(3);
  });

  it('serves several scenarios: merged subscription lists, separate state per scenario', async () => {
    sim = await startSimulatedAzure({ scenarios: [exampleScenario(), inSubscription(exampleScenario(), OTHER_SUB)], latencyScale: 0 });
    const subs = await call('/subscriptions');
    expect(subs.body.value.map((s: any) => s.subscriptionId).sort()).toEqual([EXAMPLE_IDS.subscriptionId, OTHER_SUB].sort());
    const rule = { properties: { priority: 300, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '10250' } };
    const put = await call(`${EXAMPLE_IDS.nsg}/securityRules/deny-kubelet`, { method: 'PUT', body: JSON.stringify(rule) });
    expect(put.status).toBe(201);
    expect(put.headers.get('azure-asyncoperation')).toContain('/providers/Microsoft.Network/locations/eastus/operations/');
    expect((await call(EXAMPLE_IDS.nsg)).body.properties.securityRules).toHaveLength(1);
    expect((await call(EXAMPLE_IDS.nsg.replace(EXAMPLE_IDS.subscriptionId, OTHER_SUB))).body.properties.securityRules).toHaveLength(0);
  });

  it('deletes a rule as an LRO (202) and a re-read no longer has it', async () => {
    sim = await startSimulatedAzure({ scenarios: [exampleScenario()], latencyScale: 0 });
    const rule = { properties: { priority: 300, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '10250' } };
    const put = await call(`${EXAMPLE_IDS.nsg}/securityRules/deny-kubelet`, { method: 'PUT', body: JSON.stringify(rule) });
    const del = await call(`${EXAMPLE_IDS.nsg}/securityRules/deny-kubelet`, { method: 'DELETE', headers: { 'If-Match': put.body.etag } });
    expect(del.status).toBe(202);
    expect((await call(del.headers.get('azure-asyncoperation')!)).body.status).toBe('Succeeded');
    expect((await call(`${EXAMPLE_IDS.nsg}/securityRules/deny-kubelet`)).status).toBe(404);
    expect((await call(`${EXAMPLE_IDS.nsg}/securityRules/deny-kubelet`, { method: 'DELETE' })).status).toBe(204);
  });

  it('does not leak writes into the scenario object it was given', async () => {
    const s = exampleScenario();
    sim = await startSimulatedAzure({ scenarios: [s], latencyScale: 0 });
    const rule = { properties: { priority: 300, direction: 'Inbound', access: 'Allow', protocol: '*', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '*' } };
    await call(`${EXAMPLE_IDS.nsg}/securityRules/x`, { method: 'PUT', body: JSON.stringify(rule) });
    expect(s.resources.find((r) => r.id === EXAMPLE_IDS.nsg)!.properties!.securityRules).toEqual([]);
  });
});
