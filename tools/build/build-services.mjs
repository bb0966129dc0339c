// Bundles each service to dist/services/<name>/main.js, and the device simulators to dist/tools/simulators/
// (see esbuild-options.mjs for why SWC is involved).
// Usage: node tools/build/build-services.mjs [service ...]   (default: every service, plus the simulators)
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
const simulators = wanted.length > 0 ? [] : readdirSync(`${root}tools/simulators`).filter((f) => f.endsWith('-simulator.ts'));
const started = Date.now();
await Promise.all([
  ...services.map((name) =>
    build(esbuildOptions({ entryPoints: [`${root}services/${name}/src/main.ts`], outfile: `${root}dist/services/${name}/main.js` })),
  ),
  ...simulators.map((file) =>
    build(esbuildOptions({ entryPoints: [`${root}tools/simulators/${file}`], outfile: `${root}dist/tools/simulators/${file.replace(/\.ts$/, '.js')}` })),
  ),
]);
console.log(`built ${[...services, ...simulators].join(', ')} in ${Date.now() - started} ms → dist/`);
