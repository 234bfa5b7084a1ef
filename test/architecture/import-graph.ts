// The import graph of src/, read from the source text (static `import … from` and
// `export … from`, plus dynamic `import('…')`), so architecture rules can be tested
// without building anything.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportGraph {
  /** Module path relative to the repository root, e.g. `src/app/bot-app.ts`. */
  readonly modules: readonly string[];
  readonly edges: ReadonlyMap<string, readonly string[]>;
  readonly lines: ReadonlyMap<string, number>;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTs(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function readImportGraph(root: string, srcDir = 'src'): ImportGraph {
  const files = listTs(resolve(root, srcDir)).map((f) => relative(root, f)).sort();
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  const lines = new Map<string, number>();
  for (const file of files) {
    const text = readFileSync(resolve(root, file), 'utf8');
    lines.set(file, text.split('\n').length - (text.endsWith('\n') ? 1 : 0));
    const targets = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec || !spec.startsWith('.')) continue;
      const base = join(dirname(file), spec).replace(/\.js$/, '');
      const target = [`${base}.ts`, join(base, 'index.ts')].find((c) => known.has(c));
      if (target) targets.add(target);
    }
    edges.set(file, [...targets].sort());
  }
  return { modules: files, edges, lines };
}

/** Strongly connected components with more than one module (or a self-import): the cycles. */
export function importCycles(graph: ImportGraph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.edges.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const m of graph.modules) if (!idx.has(m)) visit(m);
  return out;
}
