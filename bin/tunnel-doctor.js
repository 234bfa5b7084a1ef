#!/usr/bin/env node
// The CLI entry: the TypeScript sources through tsx in a checkout, the compiled build in a production image.
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
const source = path.join(root, 'src', 'cli', 'main.ts');
const built = path.join(root, 'dist', 'src', 'cli', 'main.js');
let runCli;
// The sources win when they are here (a checkout: a dist/ left by `npm run bench` may be stale);
// a production image without sources runs the compiled build.
if (existsSync(source)) {
  const { tsImport } = await import('tsx/esm/api');
  ({ runCli } = await tsImport(pathToFileURL(source).href, import.meta.url));
} else {
  ({ runCli } = await import(pathToFileURL(built).href));
}
process.exitCode = await runCli(process.argv.slice(2), process.env, {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
