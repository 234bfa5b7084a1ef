/**
 * Architecture rules of issue #14, read from the source: no import cycle in src/, no module over
 * 400 lines except the message catalogs, the RBAC table and the node-script constants, and the
 * layers in one direction (the simulator never imports the engine, the engine never imports the
 * app or the transport, the app never imports the transport).
 */
import { describe, expect, it } from 'vitest';
import { importCycles, readImportGraph } from './import-graph.js';

const graph = readImportGraph(process.cwd());
const MAX_LINES = 400;
/** Data, not logic: translations, the permission table and the scripts sent to nodes. */
const SIZE_EXEMPT = [/^src\/app\/i18n\/messages(\.[a-zA-Z-]+)?\.ts$/, /^src\/azure\/rbac-actions\.ts$/, /^src\/engine\/node-scripts\.ts$/];

describe('src/ architecture', () => {
  it('has no import cycle', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it(`has no module over ${MAX_LINES} lines, except the catalogs`, () => {
    const big = [...graph.lines].filter(([m, n]) => n > MAX_LINES && !SIZE_EXEMPT.some((re) => re.test(m))).map(([m, n]) => `${m} (${n})`);
    expect(big).toEqual([]);
  });

  it.each([
    ['src/sim/', ['src/engine/', 'src/app/', 'src/transport/']],
    ['src/engine/', ['src/app/', 'src/transport/', 'src/sim/', 'src/cli/']],
    ['src/azure/', ['src/engine/', 'src/app/', 'src/transport/', 'src/sim/']],
    ['src/app/', ['src/transport/', 'src/sim/', 'src/cli/']],
  ])('%s imports nothing from %j', (from, forbidden) => {
    const wrong = [...graph.edges].flatMap(([m, targets]) => (m.startsWith(from) ? targets.filter((t) => forbidden.some((f) => t.startsWith(f))).map((t) => `${m} -> ${t}`) : []));
    expect(wrong).toEqual([]);
  });

  it('the rules can fail: a made-up cycle is found', () => {
    const edges = new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']], ['c.ts', []]]);
    expect(importCycles({ modules: ['a.ts', 'b.ts', 'c.ts'], edges, lines: new Map() })).toEqual([['a.ts', 'b.ts']]);
  });
});
