import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/scenario/types.js';
import { Estate } from '../../src/sim/estate.js';
import { runKubectlCommand, tokenize } from '../../src/sim/kubectl.js';
import { createNetworkOracle } from '../../src/sim/network-oracle.js';
import { exampleScenario } from '../support/sim.js';

function kubectl(command: string, edit: (s: Scenario) => void = () => {}, estate?: Estate) {
  const e = estate ?? new Estate((() => { const s = exampleScenario(); edit(s); return s; })(), 0);
  return { ...runKubectlCommand(e, command, createNetworkOracle(e)), estate: e };
}

describe('simulated kubectl', () => {
  it('prints pods as kubectl -o wide does', () => {
    const { exitCode, logs } = kubectl('kubectl get pods -n kube-system -o wide', (s) => {
      s.pods![1] = { ...s.pods![1]!, phase: 'Running', waitingReason: 'CrashLoopBackOff', restarts: 7 };
    });
    expect(exitCode).toBe(0);
    const [header, ...rows] = logs.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/^konnectivity-agent-6d9f7c8b5-k8w4m\s+0\/1\s+CrashLoopBackOff\s+7\s+\S+\s+10\.244\.1\.\d+\s+aks-nodepool1-12345678-vmss000001\s+<none>\s+<none>$/);
  });

  it('selects with -A and -l, and reports no matches the way kubectl does', () => {
    const all = JSON.parse(kubectl('kubectl get pods -A -l k8s-app=kube-dns -o json').logs);
    expect(all.items.map((p: any) => p.metadata.name)).toEqual(['coredns-789789675-abcde']);
    expect(kubectl('kubectl get pods -n default').logs).toBe('No resources found in default namespace.\n');
  });

  it('renders OOMKilled and resource limits in pod JSON', () => {
    const pod = JSON.parse(
      kubectl('kubectl get pod konnectivity-agent-6d9f7c8b5-k8w4m -n kube-system -o json', (s) => {
        s.pods![1] = { ...s.pods![1]!, restarts: 3, lastTermination: { reason: 'OOMKilled' }, resources: { limits: { memory: '100Mi' }, requests: { cpu: '20m' } } };
      }).logs,
    );
    expect(pod.spec.containers[0].resources).toEqual({ limits: { memory: '100Mi' }, requests: { cpu: '20m' } });
    expect(pod.status.containerStatuses[0].lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('gets a config map and events as JSON, and a missing config map as NotFound', () => {
    const edit = (s: Scenario): void => {
      s.configMaps = [{ metadata: { name: 'konnectivity-agent-autoscaler', namespace: 'kube-system' }, data: { 'ladder': '{"coresPerReplica":0,"nodesPerReplica":1,"min":3}' } }];
      s.events = [{ metadata: { name: 'e1', namespace: 'kube-system' }, reason: 'OOMKilling', type: 'Warning', involvedObject: { kind: 'Node', name: 'aks-nodepool1-12345678-vmss000001' }, message: 'Memory cgroup out of memory: Killed process 4242 (proxy-agent)' }];
    };
    const cm = JSON.parse(kubectl('kubectl get configmap konnectivity-agent-autoscaler -n kube-system -o json', edit).logs);
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { ladder: expect.stringContaining('nodesPerReplica') } });
    const events = JSON.parse(kubectl('kubectl get events -n kube-system -o json', edit).logs);
    expect(events.items.map((e: any) => e.reason)).toEqual(['OOMKilling']);
    expect(kubectl('kubectl get cm nope -n kube-system -o json', edit)).toMatchObject({ exitCode: 1, logs: 'Error from server (NotFound): configmaps "nope" not found\n' });
  });

  it('fails kubectl logs when the tunnel agents are down or cannot reach the API server', () => {
    const down = kubectl('kubectl logs coredns-789789675-abcde -n kube-system', (s) => {
      for (const p of s.pods!) if (p.labels?.app === 'konnectivity-agent') p.waitingReason = 'CrashLoopBackOff';
    });
    expect(down.exitCode).toBe(1);
    expect(down.logs).toContain('dial tcp 10.224.0.4:10250: i/o timeout');
    const egress = kubectl('kubectl logs coredns-789789675-abcde -n kube-system', (s) => {
      s.egress = { blocked: [{ protocol: 'tcp', port: 443 }] };
    });
    expect(egress.exitCode).toBe(1);
    const refused = kubectl('kubectl logs coredns-789789675-abcde -n kube-system', (s) => {
      s.nodes[0]!.inbound = { '10250/tcp': 'refused' };
    });
    expect(refused.logs).toContain('dial tcp 10.224.0.4:10250: connect: connection refused');
  });

  it('recreates a deleted tunnel agent healthy only once its egress to the API server is open', () => {
    const crashing = (s: Scenario): void => {
      s.egress = { blocked: [{ protocol: 'tcp', port: 443 }] };
      for (const p of s.pods!) if (p.labels?.app === 'konnectivity-agent') Object.assign(p, { restarts: 9, waitingReason: 'CrashLoopBackOff', lastTermination: { reason: 'Error', exitCode: 1 } });
    };
    const agentsOf = (e: Estate) => e.scenario.pods!.filter((p) => p.labels?.app === 'konnectivity-agent');
    const { estate, ...deleted } = kubectl('kubectl delete pod konnectivity-agent-6d9f7c8b5-x2x7q -n kube-system', crashing);
    expect(deleted).toEqual({ exitCode: 0, logs: 'pod "konnectivity-agent-6d9f7c8b5-x2x7q" deleted\n' });
    // Egress still blocked: the fresh pod cannot connect and backs off again.
    const stillBlocked = agentsOf(estate).find((p) => p.node === 'aks-nodepool1-12345678-vmss000000')!;
    expect(stillBlocked.name).toMatch(/^konnectivity-agent-6d9f7c8b5-[a-z0-9]{5}$/);
    expect(stillBlocked.name).not.toBe('konnectivity-agent-6d9f7c8b5-x2x7q');
    expect(stillBlocked).toMatchObject({ waitingReason: 'CrashLoopBackOff', restarts: 1 });
    // The egress opens (the fix): the next recreated pod connects and runs.
    estate.scenario.egress = { blocked: [] };
    expect(runKubectlCommand(estate, 'kubectl delete pod konnectivity-agent-6d9f7c8b5-k8w4m -n kube-system', createNetworkOracle(estate)).exitCode).toBe(0);
    const healthy = agentsOf(estate).find((p) => p.node === 'aks-nodepool1-12345678-vmss000001')!;
    expect(healthy).toMatchObject({ phase: 'Running', restarts: 0, lastTermination: null });
    expect(healthy.waitingReason).toBeUndefined();
    // A pod that is not a tunnel agent does not depend on that egress.
    const { estate: other } = kubectl('kubectl delete pod coredns-789789675-abcde -n kube-system', crashing);
    const dns = other.scenario.pods!.find((p) => p.labels?.['k8s-app'] === 'kube-dns')!;
    expect(dns).toMatchObject({ phase: 'Running', restarts: 0 });
    expect(dns.waitingReason).toBeUndefined();
  });

  it('rejects unknown verbs, unknown flags, unknown resource types and shell syntax', () => {
    expect(kubectl('kubectl exec -it x -- sh').exitCode).toBe(1);
    expect(kubectl('kubectl get pods --bogus').logs).toContain('unknown flag: --bogus');
    expect(kubectl('kubectl get widgets').logs).toContain('the server doesn\'t have a resource type "widgets"');
    expect(kubectl('kubectl get pods; id').exitCode).toBe(1);
    expect(kubectl('helm list').exitCode).toBe(127);
  });

  it('tokenizes quoted words', () => {
    expect(tokenize(`kubectl get pods -l 'app=a' -o "json"`)).toEqual(['kubectl', 'get', 'pods', '-l', 'app=a', '-o', 'json']);
  });
});
