import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';
import type { Env } from '@attendance/config';

/**
 * A credential read at start-up. It prints as `[secret]` in logs, JSON and util.inspect, so a device list or a
 * config object can be logged whole without leaking a password; call `reveal()` only where it is sent.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string, readonly source: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return `[secret from ${this.source}]`;
  }
  toString(): string {
    return this.toJSON();
  }
  [inspect.custom](): string {
    return this.toJSON();
  }
}

/**
 * How the config file names a credential: never inline, always by reference, so the file can be shared, backed
 * up and committed to a site's ops repo. `{ env: NAME }` reads an environment variable; `{ file: path }` reads a
 * file (Docker/Kubernetes secrets), trimmed of a trailing newline.
 */
export const secretRefSchema = z.union([
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

/** Resolves a reference, or returns the reason it cannot be resolved (collected, so every bad one is listed). */
export function resolveSecret(ref: SecretRef, env: Env): Secret | string {
  if ('env' in ref) {
    const value = env[ref.env];
    return value ? new Secret(value, `env ${ref.env}`) : `environment variable ${ref.env} is not set`;
  }
  try {
    return new Secret(readFileSync(ref.file, 'utf8').replace(/\r?\n$/, ''), `file ${ref.file}`);
  } catch (error) {
    return `cannot read secret file ${ref.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}
