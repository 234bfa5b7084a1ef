/**
 * The tunnel pods, listed by label (tunnel-pod-list.ts): which commands run, in which order, and
 * how a cut or failed output is reported. The kubectl function is the check's input here; the
 * end-to-end path through the simulated AKS is in test/scenarios/real-entra-150.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AGENT_POD_COMMANDS, AUTOSCALER_POD_COMMAND, podsFromCommand, readTunnelPods } from '../../src/engine/tunnel-pod-list.js';
import { eventsFromCommand } from '../../src/engine/checks/tunnel-agent-health.js';
import { runKubectlCommand } from '../../src/sim/kubectl.js';
import { runShellScript } from '../../src/sim/command-shell.js';
import { Estate } from '../../src/sim/estate.js';
import { createNetworkOracle } from '../../src/sim/network-oracle.js';
import { exampleScenario } from '../support/sim.js';

const list = (...items: Array<{ name: string; labels: Record<string, string> }>) =>
  JSON.stringify({ items: items.map((p) => ({ metadata: { name: p.name, namespace: 'kube-system', labels: p.labels }, spec: { nodeName: 'n0' }, status: { phase: 'Running' } })) });

/**
 * A command invoke whose shell is the simulator's (command-shell.ts) and whose kubectl answers from
 * the table: `invokes` counts command invokes, `asked` the kubectl commands they ran.
 */
function kubectlFrom(answers: Record<string, { exitCode: number; logs: string }>) {
  const asked: string[] = [];
  let invokes = 0;
  return {
    asked,
    invokes: () => invokes,
    kubectl: async (script: string) => {
      invokes += 1;
      return runShellScript(script, (command) => {
        asked.push(command);
        return answers[command] ?? { exitCode: 0, logs: list() };
      });
    },
  };
}

describe('readTunnelPods', () => {
  it('konnectivity: the agents and the autoscaler, in one command invoke; the legacy selectors do not count', async () => {
    const k = kubectlFrom({
      [AGENT_POD_COMMANDS.konnectivity]: { exitCode: 0, logs: list({ name: 'konnectivity-agent-abc12345-x2x7q', labels: { app: 'konnectivity-agent' } }) },
      [AUTOSCALER_POD_COMMAND]: { exitCode: 0, logs: list({ name: 'konnectivity-agent-autoscaler-7d9f8-abcde', labels: { 'k8s-app': 'konnectivity-agent-autoscaler' } }) },
    });
    const r = await readTunnelPods(k.kubectl);
    expect(r.ok && r.pods.map((p) => p.name)).toEqual(['konnectivity-agent-abc12345-x2x7q', 'konnectivity-agent-autoscaler-7d9f8-abcde']);
    expect(k.asked.sort()).toEqual([AGENT_POD_COMMANDS.konnectivity, AGENT_POD_COMMANDS['tunnel-front'], AGENT_POD_COMMANDS['aks-link'], AUTOSCALER_POD_COMMAND].sort());
    expect(k.invokes()).toBe(1);
  });

  it('no konnectivity agent: tunnelfront and aks-link count', async () => {
    const k = kubectlFrom({ [AGENT_POD_COMMANDS['tunnel-front']]: { exitCode: 0, logs: list({ name: 'tunnelfront-5d8f7-qwxyz', labels: { component: 'tunnel' } }) } });
    const r = await readTunnelPods(k.kubectl);
    expect(r.ok && r.pods.map((p) => p.name)).toEqual(['tunnelfront-5d8f7-qwxyz']);
    expect(k.invokes()).toBe(1);
  });

  it('a legacy selector that fails does not matter on a konnectivity cluster', async () => {
    const k = kubectlFrom({
      [AGENT_POD_COMMANDS.konnectivity]: { exitCode: 0, logs: list({ name: 'konnectivity-agent-abc12345-x2x7q', labels: { app: 'konnectivity-agent' } }) },
      [AGENT_POD_COMMANDS['aks-link']]: { exitCode: 1, logs: 'Error from server (Forbidden): pods is forbidden' },
    });
    const r = await readTunnelPods(k.kubectl);
    expect(r.ok && r.pods.map((p) => p.name)).toEqual(['konnectivity-agent-abc12345-x2x7q']);
  });

  it('a failed command makes the list unreadable, with kubectl\'s words', async () => {
    const k = kubectlFrom({ [AUTOSCALER_POD_COMMAND]: { exitCode: 1, logs: 'Error from server (Forbidden): pods is forbidden' } });
    const r = await readTunnelPods(k.kubectl);
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/kubectl exited 1: Error from server \(Forbidden\)/) });
  });
});

describe('podsFromCommand', () => {
  it('output cut at command invoke\'s 512 kB is named as such, with what to do', () => {
    const cut = list(...Array.from({ length: 6000 }, (_, i) => ({ name: `konnectivity-agent-abc12345-${i}`, labels: { app: 'konnectivity-agent' } }))).slice(0, 512 * 1024);
    expect(() => podsFromCommand(AGENT_POD_COMMANDS.konnectivity, { exitCode: 0, logs: cut })).toThrow(/reached AKS command invoke's 512 kB limit and was cut/);
  });

  it('short output that is not JSON is reported as such, not as cut', () => {
    expect(() => podsFromCommand(AGENT_POD_COMMANDS.konnectivity, { exitCode: 0, logs: '{"items": [' })).toThrow(/did not return a JSON pod list/);
  });
});

describe('events cut at 512 kB', () => {
  it('are noted as cut, and the pods still decide', () => {
    const cut = JSON.stringify({ items: Array.from({ length: 9000 }, (_, i) => ({ reason: 'OOMKilling', message: `Killed process ${i} (proxy-agent)`, involvedObject: { kind: 'Node', name: `n${i}` } })) }).slice(0, 512 * 1024);
    expect(eventsFromCommand({ exitCode: 0, logs: cut }).eventsUnreadable).toMatch(/512 kB output limit and were cut/);
  });
});

describe('the simulated kubectl: pod field selectors', () => {
  const estate = () => new Estate(exampleScenario(), 0);

  it('spec.nodeName and status.phase select the pods of one node', () => {
    const e = estate();
    const node = e.scenario.nodes[1]!.computerName;
    const r = runKubectlCommand(e, `kubectl get pods -n kube-system --field-selector spec.nodeName=${node},status.phase=Running -o json`, createNetworkOracle(e));
    const items = (JSON.parse(r.logs) as { items: Array<{ spec: { nodeName: string } }> }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((p) => p.spec.nodeName === node)).toBe(true);
    expect(items.length).toBeLessThan((e.scenario.pods ?? []).length);
  });

  it('a field pods do not support is refused as the API server refuses it', () => {
    const e = estate();
    const r = runKubectlCommand(e, 'kubectl get pods -n kube-system --field-selector spec.nodeNameX=a -o json', createNetworkOracle(e));
    expect(r.exitCode).toBe(1);
    expect(r.logs).toMatch(/field label not supported: spec.nodeNameX/);
  });
});
