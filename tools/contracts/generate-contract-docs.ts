// Writes docs/contracts/json-schema/<topic>.schema.json and docs/contracts/asyncapi.yaml from the zod schemas
// of libs/contracts, and deletes schema files of topics that no longer exist. The unit test
// libs/contracts/src/docs/contract-docs.spec.ts fails when the committed files differ from this output.
// Usage: npm run docs:contracts
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { JSON_SCHEMA_DIR, renderContractDocs } from '../../libs/contracts/src/docs';

// run-ts.mjs bundles this file to dist/tools/contracts/, so locate the repository from the working directory
// (npm scripts run at the root) and check that it is the root.
const root = resolve(process.cwd());
if (!readFileSync(join(root, 'package.json'), 'utf8').includes('"name": "attendance-pipeline"')) {
  throw new Error(`Run from the repository root (npm run docs:contracts), not ${root}`);
}

const files = renderContractDocs();
let changed = 0;
for (const file of files) {
  const target = join(root, file.path);
  mkdirSync(dirname(target), { recursive: true });
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== file.content) {
    writeFileSync(target, file.content);
    changed += 1;
    console.log(`wrote ${file.path}`);
  }
}

const expected = new Set(files.map((file) => file.path));
for (const name of readdirSync(join(root, JSON_SCHEMA_DIR))) {
  const path = `${JSON_SCHEMA_DIR}/${name}`;
  if (name.endsWith('.schema.json') && !expected.has(path)) {
    rmSync(join(root, path));
    changed += 1;
    console.log(`removed ${path}`);
  }
}

console.log(`contract docs: ${files.length} files, ${changed} changed`);
