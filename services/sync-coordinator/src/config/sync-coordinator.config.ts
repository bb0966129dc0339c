import { z } from 'zod';
import { booleanFromEnv, logLevelSchema, parseConfig, portSchema, postgresUrlSchema, type Env, apiKeysEnvSchema } from '@attendance/config';
import { kafkaEnvSchema } from '@attendance/kafka';
import { edgeSyncEnvShape } from './edge-sync.config';

/** An optional string where an empty value (`KEY=` in Compose or an env file) means "not set". */
const optionalString = (schema: z.ZodString) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const syncEnvSchema = kafkaEnvSchema.extend({
  PORT: portSchema.default(3002),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: postgresUrlSchema.default('postgres://postgres@127.0.0.1:5432/attendance'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Create the database if missing and apply migrations at start-up (a k8s Job can do it instead). */
  DB_MIGRATE_ON_START: booleanFromEnv.default(true),
  SYNC_ADMIN_API_KEYS: apiKeysEnvSchema,
  /** Largest page of `GET /api/v1/sync/pull` (a gateway asks with `limit`, capped here). */
  SYNC_PULL_MAX_LIMIT: z.coerce.number().int().min(1).max(10000).default(1000),
  /** Largest CSV import of employees, in rows. */
  SYNC_CSV_IMPORT_MAX_ROWS: z.coerce.number().int().min(1).max(100000).default(10000),
  /** HS256 secret of mobile JWTs (claims: sub = employee id, tid = tenant, facilities = allowed site ids). */
  SYNC_MOBILE_JWT_SECRET: optionalString(z.string().min(32, 'must be at least 32 characters')),
  /** When set, a mobile JWT must carry this `iss` / `aud`. */
  SYNC_MOBILE_JWT_ISSUER: optionalString(z.string().min(1)),
  SYNC_MOBILE_JWT_AUDIENCE: optionalString(z.string().min(1)),
  /** Mobile sync requests allowed per user per window (DESIGN.md 6: 20 per 5 minutes). */
  SYNC_MOBILE_RATE_LIMIT: z.coerce.number().int().min(1).max(100000).default(20),
  SYNC_MOBILE_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86400).default(300),
  SYNC_MOBILE_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** A record more than this ahead of the server clock is rejected as a future timestamp. */
  SYNC_MOBILE_FUTURE_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Conflict when the client's and the server's record times differ by more than this (DESIGN.md 6: 1 minute). */
  SYNC_MOBILE_CONFLICT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86400).default(60),
  ...edgeSyncEnvShape,
  LOG_LEVEL: logLevelSchema,
  SERVICE_VERSION: z.string().default('0.1.0-dev'),
});

export type SyncCoordinatorConfig = z.infer<typeof syncEnvSchema>;
export type AdminApiKeyEntry = SyncCoordinatorConfig['SYNC_ADMIN_API_KEYS'][number];
export const SYNC_CONFIG = Symbol('SYNC_CONFIG');

export function loadSyncCoordinatorConfig(env: Env): SyncCoordinatorConfig {
  return parseConfig(syncEnvSchema, env);
}
