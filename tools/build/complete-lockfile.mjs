// Adds to package-lock.json the optional, platform-specific binaries (other OSes/CPUs of @swc/core, nx, ...)
// that `npm install` left out because the package registry this machine reaches does not serve them.
// Without them `npm ci` refuses the lock ("Missing: @swc/core-darwin-arm64@ from lock file"). Each entry
// carries its os/cpu/libc, so npm never tries to install it on a machine it does not fit.
// Run after `npm install` on a machine with a filtered registry:  node tools/build/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32'];
let added = 0;

for (const [location, pkg] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    const base = location === '' ? '' : `${location}/`;
    if (packages[`${base}node_modules/${name}`] || packages[`node_modules/${name}`]) continue;
    const tokens = name.split('/').pop().split('-');
    const os = tokens.find((t) => OS.includes(t));
    const cpu = tokens.find((t) => CPU.includes(t));
    if (!os || !cpu) {
      console.error(`skipping ${name}: cannot tell its platform from the name`);
      continue;
    }
    const version = range.replace(/^[\^~=]/, '');
    const entry = {
      version,
      resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`,
      cpu: [cpu],
      optional: true,
      os: [os],
    };
    if (tokens.includes('musl') || tokens.includes('musleabihf')) entry.libc = ['musl'];
    else if (tokens.includes('gnu') || tokens.includes('gnueabihf')) entry.libc = ['glibc'];
    packages[`node_modules/${name}`] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform entries to package-lock.json`);
