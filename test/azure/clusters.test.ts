import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getCluster, listClusters, listSubscriptionIds, listSubscriptions, runKubectl, updateCluster } from '../../src/azure/clusters.js';
import { AzureError } from '../../src/azure/errors.js';
import { putSecurityRule } from '../../src/azure/network.js';
import type { Scenario } from '../../src/scenario/types.js';
import { EXAMPLE_HEALTHY, EXAMPLE_IDS, exampleScenario, inSubscription, startSimForTest, type SimForTest } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';

const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
let t: SimForTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function accessLog(): string {
  return join(tempDir('sim-log'), 'access.jsonl');
}

function readLog(path: string): Array<{ method: string; path: string; status: number; ms: number; route: string }> {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

/** Extra clusters in the example's subscription, so a list spans several pages. */
function withExtraClusters(count: number): Scenario {
  const s = exampleScenario();
  const base = s.resources.find((r) => r.type === 'Microsoft.ContainerService/ManagedClusters')!;
  for (let i = 1; i <= count; i++) {
    s.resources.push({ ...structuredClone(base), id: base.id.replace(/aks-prod-eastus$/, `aks-extra-${i}`), name: `aks-extra-${i}` });
  }
  return s;
}

describe('clusters through the real ContainerServiceClient', () => {
  it('lists subscriptions and clusters across subscriptions, following nextLink pages', async () => {
    const log = accessLog();
    t = await startSimForTest([withExtraClusters(4), inSubscription(exampleScenario(), OTHER_SUB)], { pageSize: 2, accessLogPath: log });
    const subs = await listSubscriptionIds(t.layer);
    expect(subs.sort()).toEqual([EXAMPLE_IDS.subscriptionId, OTHER_SUB].sort());
    expect((await listSubscriptions(t.layer)).find((s) => s.subscriptionId === EXAMPLE_IDS.subscriptionId)?.displayName).toBe('contoso-prod');
    const clusters = await listClusters(t.layer, subs);
    expect(clusters).toHaveLength(6);
    expect(clusters.filter((c) => c.subscriptionId === OTHER_SUB).map((c) => c.name)).toEqual(['aks-prod-eastus']);
    expect(clusters.find((c) => c.name === 'aks-extra-3')).toMatchObject({ resourceGroup: 'rg-prod', location: 'eastus', subscriptionId: EXAMPLE_IDS.subscriptionId });
    // 5 clusters at 2 per page = 3 requests in the first subscription, 1 in the other
    const listCalls = readLog(log).filter((l) => l.route === 'managedClusters.listBySubscription');
    expect(listCalls).toHaveLength(4);
  });

  it('uses configured subscriptions as given, and refuses ones that are not GUIDs', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    expect(await listSubscriptionIds(t.layer, [EXAMPLE_IDS.subscriptionId.toUpperCase()])).toEqual([EXAMPLE_IDS.subscriptionId]);
    await expect(listSubscriptionIds(t.layer, ['prod; rm -rf /'])).rejects.toMatchObject({ code: 'InvalidSubscriptionId' });
    expect(t.sim.stats().byRoute['subscriptions.list']).toBeUndefined();
  });

  it('maps a 403 to an AzureError naming the RBAC action, or skips the subscription with onError', async () => {
    const denied = inSubscription(exampleScenario(), OTHER_SUB);
    denied.faults = [{ method: 'GET', path: '/providers/Microsoft.ContainerService/managedClusters$', status: 403, code: 'AuthorizationFailed' }];
    t = await startSimForTest([EXAMPLE_HEALTHY, denied]);
    const error = await listClusters(t.layer, [EXAMPLE_IDS.subscriptionId, OTHER_SUB]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureError);
    expect(error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed', rbacAction: 'Microsoft.ContainerService/managedClusters/read' });
    expect((error as AzureError).userMessage).toContain('Microsoft.ContainerService/managedClusters/read');
    const skipped: string[] = [];
    const clusters = await listClusters(t.layer, [EXAMPLE_IDS.subscriptionId, OTHER_SUB], { onError: (sub) => skipped.push(sub) });
    expect(clusters.map((c) => c.subscriptionId)).toEqual([EXAMPLE_IDS.subscriptionId]);
    expect(skipped).toEqual([OTHER_SUB]);
  });

  it('gets a cluster (ids case-insensitive) and reports a missing one as 404', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    const cluster = await getCluster(t.layer, EXAMPLE_IDS.cluster.replace('rg-prod', 'RG-PROD').replace('aks-prod-eastus', 'AKS-PROD-EASTUS'));
    expect(cluster.name).toBe('aks-prod-eastus');
    expect(cluster.networkProfile?.outboundType).toBe('loadBalancer');
    expect(cluster.agentPoolProfiles?.[0]?.count).toBe(3);
    const missing = await getCluster(t.layer, EXAMPLE_IDS.cluster.replace('aks-prod-eastus', 'nope')).catch((e: unknown) => e);
    expect(missing).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    await expect(getCluster(t.layer, '/subscriptions/x/../../etc')).rejects.toMatchObject({ code: 'InvalidResourceId' });
  });

  it('updates a cluster through a polled LRO and a re-read sees the change', async () => {
    const log = accessLog();
    t = await startSimForTest([EXAMPLE_HEALTHY], { accessLogPath: log });
    const before = await getCluster(t.layer, EXAMPLE_IDS.cluster);
    const updated = await updateCluster(t.layer, EXAMPLE_IDS.cluster, { ...before, tags: { owner: 'tunnel-doctor' } });
    expect(updated.provisioningState).toBe('Succeeded');
    const after = await getCluster(t.layer, EXAMPLE_IDS.cluster);
    expect(after.tags).toEqual({ owner: 'tunnel-doctor' });
    expect(after.fqdn).toBe(before.fqdn);
    const routes = readLog(log).map((l) => `${l.method} ${l.route} ${l.status}`);
    const put = routes.indexOf('PUT managedClusters.createOrUpdate 200');
    expect(put).toBeGreaterThanOrEqual(0);
    expect(routes.slice(put + 1)).toContain('GET operations.status 200');
  });
});

describe('kubectl through AKS command invoke', () => {
  it('returns pods as Kubernetes JSON, filtered by label', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    const all = await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get pods -n kube-system -o json');
    expect(all.exitCode).toBe(0);
    const list = JSON.parse(all.logs);
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(3);
    const agents = JSON.parse((await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get pods -n kube-system -l app=konnectivity-agent -o json')).logs);
    expect(agents.items.map((p: any) => p.metadata.name)).toEqual(['konnectivity-agent-6d9f7c8b5-x2x7q', 'konnectivity-agent-6d9f7c8b5-k8w4m']);
    const pod = agents.items[0];
    expect(pod).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'kube-system', labels: { app: 'konnectivity-agent' } },
      spec: { nodeName: 'aks-nodepool1-12345678-vmss000000' },
      status: { phase: 'Running', hostIP: '10.224.0.4' },
    });
    expect(pod.status.containerStatuses[0]).toMatchObject({ name: 'konnectivity-agent', restartCount: 0, ready: true });
    expect(t.sim.stats().byRoute['managedClusters.commandResult']).toBeGreaterThanOrEqual(2);
  });

  it('deletes a pod, which comes back under a new name, fresh', async () => {
    const s = exampleScenario();
    s.pods![0] = { ...s.pods![0]!, restarts: 12, waitingReason: 'CrashLoopBackOff', lastTermination: { reason: 'OOMKilled', exitCode: 137 } };
    t = await startSimForTest([s]);
    const before = JSON.parse((await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get pod konnectivity-agent-6d9f7c8b5-x2x7q -n kube-system -o json')).logs);
    expect(before.status.containerStatuses[0]).toMatchObject({ restartCount: 12, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } });
    const del = await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl delete pod konnectivity-agent-6d9f7c8b5-x2x7q -n kube-system');
    expect(del).toEqual({ exitCode: 0, logs: 'pod "konnectivity-agent-6d9f7c8b5-x2x7q" deleted\n' });
    const after = JSON.parse((await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get pods -n kube-system -l app=konnectivity-agent -o json')).logs);
    const names = after.items.map((p: any) => p.metadata.name);
    expect(names).not.toContain('konnectivity-agent-6d9f7c8b5-x2x7q');
    const fresh = after.items.find((p: any) => p.metadata.name !== 'konnectivity-agent-6d9f7c8b5-k8w4m');
    expect(fresh.metadata.name).toMatch(/^konnectivity-agent-6d9f7c8b5-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(fresh.status.containerStatuses[0]).toMatchObject({ restartCount: 0, state: { running: {} }, lastState: {} });
  });

  it('kubectl logs times out on 10250 once an NSG rule denies it, like the real tunnel failure', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    const ok = await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl logs coredns-789789675-abcde -n kube-system --tail 1');
    expect(ok.exitCode).toBe(0);
    expect(ok.logs.trim().split('\n')).toHaveLength(1);
    await putSecurityRule(t.layer, EXAMPLE_IDS.nsg, {
      name: 'deny-kubelet', priority: 200, direction: 'Inbound', access: 'Deny', protocol: 'Tcp',
      sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '10250',
    });
    const failed = await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl logs coredns-789789675-abcde -n kube-system');
    expect(failed.exitCode).toBe(1);
    expect(failed.logs).toBe(
      'Error from server: Get "https://10.224.0.4:10250/containerLogs/kube-system/coredns-789789675-abcde/kube-dns": dial tcp 10.224.0.4:10250: i/o timeout\n',
    );
  });

  it('answers an unknown kubectl verb with exit 1 and refuses shell syntax before sending it', async () => {
    t = await startSimForTest([EXAMPLE_HEALTHY]);
    const unknown = await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl frobnicate pods');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.logs).toContain('unknown command "frobnicate"');
    const before = t.sim.requestCount();
    await expect(runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get pods; cat /etc/passwd')).rejects.toMatchObject({ code: 'InvalidCommand' });
    await expect(runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get pods -o jsonpath="{$}"')).rejects.toMatchObject({ code: 'InvalidCommand' });
    expect(t.sim.requestCount()).toBe(before);
  });
});

describe('AKS command invoke when the cluster is busy', () => {
  const RUN_COMMAND = '/managedClusters/aks-prod-eastus/runCommand$';

  it('retries a 409 Conflict like run-command does, and answers once the cluster is free', async () => {
    const log = accessLog();
    const busy = exampleScenario();
    busy.faults = [{ method: 'POST', path: RUN_COMMAND, status: 409, code: 'Conflict', times: 2 }];
    t = await startSimForTest([busy], { accessLogPath: log });
    const listed = await runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get pods -n kube-system -o json');
    expect(JSON.parse(listed.logs).items.length).toBeGreaterThan(0);
    const posts = readLog(log).filter((l) => l.method === 'POST' && /\/runCommand$/.test(l.path.split('?')[0]!));
    expect(posts.map((l) => l.status)).toEqual([409, 409, 202]);
  });

  it('does not retry a stopped cluster: the 409 says what to do', async () => {
    const log = accessLog();
    const stopped = exampleScenario();
    const cluster = stopped.resources.find((r) => r.type.toLowerCase() === 'microsoft.containerservice/managedclusters')!;
    cluster.properties = { ...cluster.properties, powerState: { code: 'Stopped' } };
    t = await startSimForTest([stopped], { accessLogPath: log });
    await expect(runKubectl(t.layer, EXAMPLE_IDS.cluster, 'kubectl get pods -n kube-system -o json')).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    expect(readLog(log).filter((l) => l.method === 'POST').length).toBe(1);
  });
});
