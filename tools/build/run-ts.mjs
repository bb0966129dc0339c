// Runs a TypeScript tool (simulators, infra scripts, benchmarks) with the same transform as the services:
// bundles it to dist/tools/<path>.js and loads it in this process, so path aliases and decorators just work.
// Usage: node tools/build/run-ts.mjs tools/infra/kafka-cli.ts [args...]
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import { esbuildOptions } from './esbuild-options.mjs';

const root = new URL('../../', import.meta.url).pathname;
const [entry, ...args] = process.argv.slice(2);
if (!entry || !entry.endsWith('.ts')) {
  console.error('Usage: node tools/build/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const entryPath = resolve(process.cwd(), entry);
const outfile = resolve(root, 'dist', relative(root, entryPath).replace(/\.ts$/, '.js'));
await build(esbuildOptions({ entryPoints: [entryPath], outfile }));
process.argv = [process.argv[0], outfile, ...args];
createRequire(import.meta.url)(outfile);
