import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The monorepo root, found by walking up from this file to the folder holding nx.json.
 * NOTE: this file runs both from source (Jest) and bundled into dist/tools/... (run-ts.mjs), so a fixed
 * number of `..` would be wrong in one of the two; walking up works in both.
 */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'nx.json')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`repoRoot: no nx.json found above ${__dirname}`);
    dir = parent;
  }
}

/** Git-ignored folder for local infrastructure state (Kafka data, logs, pid files). */
export function localStateDir(...parts: string[]): string {
  return join(repoRoot(), '.local', ...parts);
}
