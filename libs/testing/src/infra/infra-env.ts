/**
 * Environment variables through which the integration global setup hands the discovered infrastructure to
 * Jest workers (they are forked after global setup and inherit its process.env).
 */
export const INFRA_ENV = {
  kafkaBrokers: 'KAFKA_BROKERS',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  /** Set by global setup once all three are verified; tells `testInfra()` the values are test values. */
  ready: 'ATTENDANCE_TEST_INFRA',
  /** `local` or `docker`: skip Docker detection / insist on Docker. */
  tierOverride: 'TEST_INFRA',
} as const;

/** Which rung of DESIGN.md section 8's ladder provided a dependency. */
export type InfraTier = 'env' | 'docker' | 'local';

/** One discovered dependency: how to reach it, where it came from, and how to stop it if we started it. */
export interface DiscoveredService<T> {
  name: 'kafka' | 'postgres' | 'redis';
  tier: InfraTier;
  value: T;
  /** Human-readable origin for the one-line summary (no passwords). */
  detail: string;
  stop?: () => Promise<void>;
}
