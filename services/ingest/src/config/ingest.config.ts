import { z } from 'zod';
import { booleanFromEnv, logLevelSchema, parseConfig, portSchema, postgresUrlSchema, type Env, apiKeysEnvSchema } from '@attendance/config';
import { kafkaEnvSchema } from '@attendance/kafka';

const ingestEnvSchema = kafkaEnvSchema.extend({
  PORT: portSchema.default(3001),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: postgresUrlSchema.default('postgres://postgres@127.0.0.1:5432/attendance'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Create the database if missing and apply migrations at start-up (a k8s Job can do it instead). */
  DB_MIGRATE_ON_START: booleanFromEnv.default(true),
  INGEST_CONSUMER_GROUP: z.string().min(1).default('ingest'),
  INGEST_MAX_BATCH: z.coerce.number().int().min(1).max(20000).default(2000),
  /** How long a crashed instance holds its partitions before the group moves them to the others. */
  INGEST_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300000).default(30000),
  INGEST_PARTITION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(3),
  /**
   * Fetch and decode a partition's next batch while its current batch is written (BatchConsumer
   * overlapFetchWithHandler); false waits for the write before kafkajs fetches again.
   */
  INGEST_OVERLAP_FETCH: booleanFromEnv.default(true),
  /** Daily partitions created ahead of time; older days are created on demand when a backfill needs them. */
  INGEST_PARTITIONS_AHEAD_DAYS: z.coerce.number().int().min(1).max(60).default(7),
  /** Drop partitions (whole days of punches) older than this; 0 keeps everything. */
  INGEST_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(0),
  /**
   * Where accepted events are encoded and sent: `thread` (a worker thread with its own producer, off the
   * consumer's event loop; the default, see WorkerThreadProducer) or `inline` (the shared producer, on the loop).
   */
  INGEST_ACCEPTED_PRODUCER: z.enum(['thread', 'inline']).default('thread'),
  INGEST_API_KEYS: apiKeysEnvSchema,
  /** Largest `POST /api/v1/punches/batch`. */
  INGEST_HTTP_BATCH_MAX: z.coerce.number().int().min(1).max(20000).default(5000),
  /**
   * TEST ONLY (crash tests): `kill -9` this process right after the first batch's Postgres commit, before its
   * accepted events are published and its offsets committed, i.e. at the worst moment for exactly-once.
   */
  FAULT_CRASH_AFTER_DB_COMMIT: booleanFromEnv.default(false),
  LOG_LEVEL: logLevelSchema,
  SERVICE_VERSION: z.string().default('0.1.0-dev'),
});

export type IngestConfig = z.infer<typeof ingestEnvSchema>;
export type ApiKeyEntry = IngestConfig['INGEST_API_KEYS'][number];
export const INGEST_CONFIG = Symbol('INGEST_CONFIG');

export function loadIngestConfig(env: Env): IngestConfig {
  return parseConfig(ingestEnvSchema, env);
}
