/**
 * The simulated command invoke's shell (src/sim/command-shell.ts): a `;` list of kubectl and echo,
 * `$?` as POSIX defines it, the last command's status as the result, and everything else refused.
 */
import { describe, expect, it } from 'vitest';
import { runShellScript } from '../../src/sim/command-shell.js';
import { runKubectlCommand } from '../../src/sim/kubectl.js';
import { Estate } from '../../src/sim/estate.js';
import { createNetworkOracle } from '../../src/sim/network-oracle.js';
import { exampleScenario } from '../support/sim.js';

const fake = (answers: Record<string, { exitCode: number; logs: string }>) => (command: string) => answers[command] ?? { exitCode: 127, logs: `not found: ${command}\n` };

describe('the simulated command invoke shell', () => {
  it('runs a ; list in order; $? is the previous command\'s status; the result is the last status', () => {
    const run = fake({ 'kubectl a': { exitCode: 0, logs: 'A\n' }, 'kubectl b': { exitCode: 1, logs: 'Error from server (NotFound): b\n' } });
    const r = runShellScript('kubectl a; echo "end a $?"; kubectl b; echo "end b $?"; kubectl b', run);
    expect(r.logs).toBe('A\nend a 0\nError from server (NotFound): b\nend b 1\nError from server (NotFound): b\n');
    expect(r.exitCode).toBe(1);
  });

  it('a single command is passed through unchanged', () => {
    expect(runShellScript('kubectl a', fake({ 'kubectl a': { exitCode: 3, logs: 'x' } }))).toEqual({ exitCode: 3, logs: 'x' });
  });

  it('single quotes do not expand $?; a ; inside quotes does not split', () => {
    const r = runShellScript(`echo '$?'; echo "a;b"`, fake({}));
    expect(r.logs).toBe('$?\na;b\n');
  });

  it.each(['kubectl a | head', 'kubectl a && kubectl b', 'kubectl a > /tmp/x', 'echo $(id)', 'kubectl a &', 'echo `id`', 'kubectl a || true'])(
    'refuses what it does not model: %s',
    (script) => {
      const r = runShellScript(script, fake({ 'kubectl a': { exitCode: 0, logs: '' } }));
      expect(r.exitCode).toBe(2);
      expect(r.logs).toMatch(/runs kubectl and echo commands separated by ';' only/);
    },
  );

  it('an unterminated quote is a syntax error, and nothing runs', () => {
    let ran = 0;
    const r = runShellScript('kubectl a; echo "x', () => ({ exitCode: 0, logs: String(++ran) }));
    expect(r.exitCode).toBe(2);
    expect(ran).toBe(0);
  });
});

describe('the simulated kubectl: custom columns', () => {
  const estate = () => new Estate(exampleScenario(), 0);

  it('prints one row per pod with the asked fields, <none> where unset, in kubectl\'s table layout', () => {
    const e = estate();
    const r = runKubectlCommand(e, 'kubectl get pods -n kube-system -l app=konnectivity-agent -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,GONE:.spec.nothing', createNetworkOracle(e));
    expect(r.exitCode).toBe(0);
    const [header, ...rows] = r.logs.trimEnd().split('\n');
    expect(header).toMatch(/^NAME {3,}NODE {3,}GONE$/);
    const proxies = (e.scenario.pods ?? []).filter((p) => p.labels?.app === 'konnectivity-agent' && p.namespace === 'kube-system');
    expect(proxies.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.split(/\s+/))).toEqual(proxies.map((p) => [p.name, p.node, '<none>']));
  });

  it('a spec that is not HEADER:.path is refused as kubectl refuses it', () => {
    const e = estate();
    const r = runKubectlCommand(e, 'kubectl get pods -n kube-system -o custom-columns=NAME', createNetworkOracle(e));
    expect(r.exitCode).toBe(1);
    expect(r.logs).toMatch(/expected <header>:<json-path-expr>/);
  });
});
