// Bundles each service to dist/services/<name>/main.js (see esbuild-options.mjs for why SWC is involved).
// Usage: node tools/build/build-services.mjs [service ...]   (default: every service under services/)
import { readdirSync, existsSync } from 'node:fs';
import { build } from 'esbuild';
import { esbuildOptions } from './esbuild-options.mjs';

const root = new URL('../../', import.meta.url).pathname;
const all = readdirSync(`${root}services`).filter((name) => existsSync(`${root}services/${name}/src/main.ts`));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown service(s): ${unknown.join(', ')}. Known: ${all.join(', ')}`);
  process.exit(2);
}
const services = wanted.length > 0 ? wanted : all;
const started = Date.now();
await Promise.all(
  services.map((name) =>
    build(
      esbuildOptions({
        entryPoints: [`${root}services/${name}/src/main.ts`],
        outfile: `${root}dist/services/${name}/main.js`,
      }),
    ),
  ),
);
console.log(`built ${services.join(', ')} in ${Date.now() - started} ms → dist/services/<name>/main.js`);
