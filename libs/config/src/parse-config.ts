import { readFileSync } from 'node:fs';
import { type z } from 'zod';

/** Thrown at start-up when configuration is invalid; lists every bad key at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses and validates configuration once, at start-up. Services call this from `main.ts` (or their
 * `config/` folder) with `process.env`; nothing deeper in the code reads the environment.
 *
 * `<KEY>_FILE` variables are honoured for every key of the schema (Docker/Kubernetes secrets): the file's
 * contents, trimmed, become the value of `<KEY>` unless `<KEY>` is set explicitly. Other `*_FILE` variables
 * of the environment are none of our business and are left alone.
 */
export function parseConfig<TSchema extends z.ZodObject>(schema: TSchema, env: Env): z.infer<TSchema> {
  const resolved = resolveFileVariables(env, new Set(Object.keys(schema.shape)));
  const result = schema.safeParse(resolved);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

function resolveFileVariables(env: Env, knownKeys: ReadonlySet<string>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || !path) continue;
    const target = key.slice(0, -'_FILE'.length);
    if (!knownKeys.has(target) || out[target] !== undefined) continue;
    try {
      out[target] = readFileSync(path, 'utf8').trim();
    } catch (error) {
      throw new ConfigError([`${key}: cannot read secret file (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
  }
  return out;
}
