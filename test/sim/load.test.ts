import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioDir, loadScenarioFile, loadScenarios, ScenarioError } from '../../src/scenario/load.js';
import { EXAMPLE_HEALTHY, exampleScenario } from '../support/sim.js';
import { tempDir } from '../support/temp-dir.js';

function errorOf(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('loadScenarioFile', () => {
  it('loads the shared healthy example', () => {
    const s = loadScenarioFile(EXAMPLE_HEALTHY);
    expect(s.format).toBe('tunnel-doctor-scenario/v1');
    expect(s.nodes).toHaveLength(3);
    expect(s.resources.some((r) => r.type === 'Microsoft.ContainerService/ManagedClusters')).toBe(true);
  });

  it('names a missing file and says what to pass', () => {
    const e = errorOf(() => loadScenarioFile('/nonexistent/dir/nope.json'));
    expect(e.message).toContain('/nonexistent/dir/nope.json');
    expect(e.message).toContain('does not exist');
    expect(e.message).toMatch(/scenario \.json file/);
  });

  it('reports bad JSON with the parser position', () => {
    const dir = tempDir('scenarios');
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "format": "tunnel-doctor-scenario/v1", ');
    const e = errorOf(() => loadScenarioFile(file));
    expect(e.message).toContain(file);
    expect(e.message).toContain('not valid JSON');
  });

  it('rejects a wrong format with the expected value', () => {
    const dir = tempDir('scenarios');
    const file = join(dir, 'old.json');
    writeFileSync(file, JSON.stringify({ ...exampleScenario(), format: 'tunnel-doctor-scenario/v0' }));
    const e = errorOf(() => loadScenarioFile(file));
    expect(e.message).toContain('"tunnel-doctor-scenario/v0"');
    expect(e.message).toContain('expected "tunnel-doctor-scenario/v1"');
  });

  it('lists field problems: bad IP, bad osType, bad fault regex, missing subscriptions', () => {
    const s = exampleScenario() as any;
    s.nodes[0].privateIp = '10.224.0.400';
    s.nodes[1].osType = 'linux';
    s.faults = [{ path: '([', status: 429 }];
    s.subscriptions = [];
    const dir = tempDir('scenarios');
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(s));
    const e = errorOf(() => loadScenarioFile(file));
    expect(e.message).toContain('nodes[0].privateIp "10.224.0.400" is not an IPv4 address');
    expect(e.message).toContain('nodes[1].osType must be "Linux" or "Windows"');
    expect(e.message).toContain('faults[0].path is not a valid regular expression');
    expect(e.message).toContain('"subscriptions" must list at least one');
  });

  it('rejects duplicate resource ids regardless of case', () => {
    const s = exampleScenario();
    s.resources.push({ ...s.resources[0]!, id: s.resources[0]!.id.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/').replace('/RESOURCEGROUPS/', '/resourceGroups/').replace('/PROVIDERS/', '/providers/') });
    const dir = tempDir('scenarios');
    const file = join(dir, 'dup.json');
    writeFileSync(file, JSON.stringify(s));
    expect(errorOf(() => loadScenarioFile(file)).message).toContain('appears twice');
  });
});

describe('loadScenarioDir / loadScenarios', () => {
  it('loads every .json sorted by name and fails on any bad one', () => {
    const dir = tempDir('scenarios');
    const a = exampleScenario();
    a.title = 'A';
    const b = exampleScenario();
    b.title = 'B';
    writeFileSync(join(dir, '2-b.json'), JSON.stringify(b));
    writeFileSync(join(dir, '1-a.json'), JSON.stringify(a));
    writeFileSync(join(dir, 'notes.txt'), 'ignored: not json');
    expect(loadScenarioDir(dir).map((s) => s.title)).toEqual(['A', 'B']);
    writeFileSync(join(dir, '3-bad.json'), '{}');
    expect(errorOf(() => loadScenarioDir(dir)).message).toContain('3-bad.json');
  });

  it('refuses an empty directory and a missing one', () => {
    const dir = tempDir('scenarios');
    mkdirSync(join(dir, 'empty'));
    expect(errorOf(() => loadScenarioDir(join(dir, 'empty'))).message).toContain('holds no .json files');
    expect(errorOf(() => loadScenarioDir(join(dir, 'missing'))).message).toContain('cannot be read');
  });

  it('accepts comma-separated files and directories', () => {
    const dir = tempDir('scenarios');
    writeFileSync(join(dir, 'x.json'), JSON.stringify(exampleScenario()));
    expect(loadScenarios(`${EXAMPLE_HEALTHY}, ${dir}`)).toHaveLength(2);
  });
});
