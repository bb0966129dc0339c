/**
 * Checks a Compose file without Docker: YAML syntax (anchors and merge keys as Compose reads them), variable
 * interpolation with the file's own defaults, the official Compose Specification schema, and the project
 * rules of check-compose.rules.ts. Used by `npm run compose:check` (check-compose.ts) and its unit test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { interpolateDocument, type EnvLookup } from './check-compose.interpolate';
import { checkProjectRules, type RuleContext } from './check-compose.rules';
import { composeSchema, validateAgainstSchema } from './check-compose.schema';

export interface ComposeCheckOptions {
  /** The folder of the Compose file: build contexts and Dockerfiles resolve against it. */
  rootDir: string;
  /**
   * Variables for interpolation. Default: none, so every `${VAR:-default}` takes its default, which makes the
   * check deterministic in CI whatever the shell exports.
   */
  env?: EnvLookup;
  /** Reads a file by absolute path (undefined when missing); tests swap in Dockerfiles here. */
  readFile?: RuleContext['readFile'];
  /** Whether a path exists; tests may swap this too. */
  pathExists?: RuleContext['pathExists'];
}

export interface ComposeCheckResult {
  ok: boolean;
  problems: string[];
  services: string[];
  schemaSource: string;
}

export function checkComposeText(text: string, options: ComposeCheckOptions): ComposeCheckResult {
  const schemaSource = composeSchema().source;
  // Compose reads YAML 1.2 but honours `<<` merge keys, as used by the x-* anchors in docker-compose.yml.
  const parsed = parseDocument(text, { merge: true, prettyErrors: true });
  if (parsed.errors.length > 0) {
    return { ok: false, problems: parsed.errors.map((error) => `yaml: ${error.message}`), services: [], schemaSource };
  }
  const { value: document, problems: interpolationProblems } = interpolateDocument(
    parsed.toJS({ maxAliasCount: 1000 }) as unknown,
    options.env ?? {},
  );
  const problems = [
    ...interpolationProblems.map((problem) => `interpolation: ${problem}`),
    ...validateAgainstSchema(document),
    ...checkProjectRules(document, {
      rootDir: options.rootDir,
      readFile: options.readFile ?? readIfExists,
      pathExists: options.pathExists ?? existsSync,
    }),
  ];
  const services = Object.keys(asRecord(asRecord(document).services));
  return { ok: problems.length === 0, problems, services, schemaSource };
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
