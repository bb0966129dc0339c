/**
 * Validates docker-compose.yml without Docker: the official Compose Specification schema plus the project rules
 * (real Dockerfiles on node:24 with a non-root USER, pinned images, existing depends_on targets, declared
 * volumes, no host port collisions). Exits 1 on any problem.
 *
 * Usage: npm run compose:check [-- path/to/compose.yml] [-- --use-env]
 *   without a path: docker-compose.yml and the on-site deploy/edge/docker-compose.edge.yml.
 *   --use-env  interpolate with the current environment instead of the file's defaults (check an override).
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { checkComposeText } from './check-compose.lib';
import { repoRoot } from './repo-root';

const DEFAULT_FILES = ['docker-compose.yml', 'deploy/edge/docker-compose.edge.yml'];

function main(argv: readonly string[]): number {
  const useEnv = argv.includes('--use-env');
  const fileArg = argv.find((arg) => !arg.startsWith('--'));
  const root = repoRoot();
  const files = fileArg ? [resolve(process.cwd(), fileArg)] : DEFAULT_FILES.map((name) => resolve(root, name));
  return Math.max(...files.map((file) => checkFile(root, file, useEnv)));
}

function checkFile(root: string, file: string, useEnv: boolean): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`compose:check: cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const result = checkComposeText(text, { rootDir: dirname(file), ...(useEnv ? { env: process.env } : {}) });
  const shown = relative(root, file) || file;
  console.log(`compose:check ${shown} (schema: ${result.schemaSource}; variables: ${useEnv ? 'environment' : 'file defaults'})`);
  console.log(`  services: ${result.services.join(', ') || '(none)'}`);
  if (result.ok) {
    console.log('  OK: valid Compose Specification and project rules hold');
    return 0;
  }
  console.error(`  ${result.problems.length} problem(s):`);
  for (const problem of result.problems) console.error(`  - ${problem}`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
