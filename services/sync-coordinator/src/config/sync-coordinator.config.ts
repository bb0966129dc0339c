import { z } from 'zod';
import { booleanFromEnv, logLevelSchema, parseConfig, portSchema, postgresUrlSchema, type Env } from '@attendance/config';
import { kafkaEnvSchema } from '@attendance/kafka';

const syncEnvSchema = kafkaEnvSchema.extend({
  PORT: portSchema.default(3002),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: postgresUrlSchema.default('postgres://postgres@127.0.0.1:5432/attendance'),
  DB_MIGRATE_ON_START: booleanFromEnv.default(true),
  LOG_LEVEL: logLevelSchema,
  SERVICE_VERSION: z.string().default('0.1.0-dev'),
});

export type SyncCoordinatorConfig = z.infer<typeof syncEnvSchema>;
export const SYNC_CONFIG = Symbol('SYNC_CONFIG');

export function loadSyncCoordinatorConfig(env: Env): SyncCoordinatorConfig {
  return parseConfig(syncEnvSchema, env);
}
