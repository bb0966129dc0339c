import { z } from 'zod';
import { booleanFromEnv, logLevelSchema, parseConfig, portSchema, postgresUrlSchema, type Env } from '@attendance/config';
import { kafkaEnvSchema } from '@attendance/kafka';

const ingestEnvSchema = kafkaEnvSchema.extend({
  PORT: portSchema.default(3001),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: postgresUrlSchema.default('postgres://postgres@127.0.0.1:5432/attendance'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Create the database if missing and apply migrations at start-up (a k8s Job can do it instead). */
  DB_MIGRATE_ON_START: booleanFromEnv.default(true),
  INGEST_CONSUMER_GROUP: z.string().min(1).default('ingest'),
  INGEST_MAX_BATCH: z.coerce.number().int().min(1).max(10000).default(1000),
  INGEST_PARTITION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(3),
  LOG_LEVEL: logLevelSchema,
  SERVICE_VERSION: z.string().default('0.1.0-dev'),
});

export type IngestConfig = z.infer<typeof ingestEnvSchema>;
export const INGEST_CONFIG = Symbol('INGEST_CONFIG');

export function loadIngestConfig(env: Env): IngestConfig {
  return parseConfig(ingestEnvSchema, env);
}
