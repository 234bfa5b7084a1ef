#!/usr/bin/env node
// The CLI entry: the compiled build when there is one (production), else the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

// restify 11 pulls in a module that touches process.binding('http_parser') on Node 20: known, harmless
// noise (DEP0111) that would only confuse someone reading the CLI's output.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1];
  if (code === 'DEP0111') return;
  emitWarning(warning, ...rest);
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'src', 'cli', 'main.js');
let runCli;
if (existsSync(built)) {
  ({ runCli } = await import(pathToFileURL(built).href));
} else {
  const { tsImport } = await import('tsx/esm/api');
  ({ runCli } = await tsImport(pathToFileURL(path.join(root, 'src', 'cli', 'main.ts')).href, import.meta.url));
}
process.exitCode = await runCli(process.argv.slice(2), process.env, {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
