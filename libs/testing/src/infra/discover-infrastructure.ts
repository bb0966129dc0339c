import { discoverKafka } from './discover-kafka';
import { discoverPostgres } from './discover-postgres';
import { discoverRedis } from './discover-redis';
import type { DiscoveredService } from './infra-env';

export interface DiscoveredInfrastructure {
  kafka: DiscoveredService<string[]>;
  postgres: DiscoveredService<string>;
  redis: DiscoveredService<string>;
}

/**
 * Finds Kafka, Postgres and Redis independently and in parallel (Kafka's start-up dominates). If any of them
 * fails, whatever the others started is stopped again and one error lists every failure, so a missing
 * Postgres is not hidden behind a Kafka message or the other way round.
 */
export async function discoverInfrastructure(): Promise<DiscoveredInfrastructure> {
  const [kafka, postgres, redis] = await Promise.allSettled([discoverKafka(), discoverPostgres(), discoverRedis()]);
  if (kafka.status === 'fulfilled' && postgres.status === 'fulfilled' && redis.status === 'fulfilled') {
    return { kafka: kafka.value, postgres: postgres.value, redis: redis.value };
  }
  const failures: string[] = [];
  for (const [name, result] of [['kafka', kafka], ['postgres', postgres], ['redis', redis]] as const) {
    if (result.status === 'fulfilled') await result.value.stop?.();
    else failures.push(`- ${name}: ${(result.reason as Error).message}`);
  }
  throw new Error(
    `Integration tests need real Kafka, Postgres and Redis (DESIGN.md section 8) and never skip:\n${failures.join('\n')}`,
  );
}
