import { z } from 'zod';

/** Reusable env fragments; each service composes its own schema from these plus its own keys. */

/** 0 asks the OS for any free port (used by tests that run several services side by side). */
export const portSchema = z.coerce.number().int().min(0).max(65535);

export const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

export const postgresUrlSchema = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL');

export const redisUrlSchema = z
  .string()
  .url()
  .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL');

/** Comma-separated `host:port` list. */
export const brokerListSchema = z
  .string()
  .transform((v) => v.split(',').map((b) => b.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port')).min(1));

/** One configured API key: the SHA-256 of its secret (the secret itself is never configured) and its tenant. */
export interface ApiKeyEntry {
  keyId: string;
  tenantId: string;
  secretSha256: string;
}

/**
 * API keys of a cloud service's HTTP API: comma-separated `keyId:tenantId:sha256hex` entries. A client sends
 * `x-api-key: <keyId>.<secret>`; make an entry with `printf %s "$SECRET" | sha256sum`. Empty means no keys.
 */
export const apiKeysEnvSchema = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(
    z.array(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9][A-Za-z0-9._-]{0,127}:[0-9a-f]{64}$/, 'each entry must be keyId:tenantId:sha256hex')
        .transform((entry): ApiKeyEntry => {
          const [keyId, tenantId, secretSha256] = entry.split(':') as [string, string, string];
          return { keyId, tenantId, secretSha256 };
        }),
    ),
  );
