import { discoverInfrastructure } from './discover-infrastructure';
import { rememberStops } from './infra-handles';
import { INFRA_ENV } from './infra-env';

/**
 * Jest globalSetup of the `integration` project: finds or starts Kafka, Postgres and Redis (env vars, then
 * Docker, then local processes) and exports them through process.env, which the test workers inherit.
 */
export default async function globalSetup(): Promise<void> {
  const startedAt = Date.now();
  const { kafka, postgres, redis } = await discoverInfrastructure();
  rememberStops([kafka, postgres, redis].flatMap((service) => (service.stop ? [service.stop] : [])));

  process.env[INFRA_ENV.kafkaBrokers] = kafka.value.join(',');
  process.env[INFRA_ENV.databaseUrl] = postgres.value;
  process.env[INFRA_ENV.redisUrl] = redis.value;
  process.env[INFRA_ENV.ready] = 'ready';

  const lines = [kafka, postgres, redis].map((s) => `[test-infra] ${s.name.padEnd(8)} ${s.tier.padEnd(6)} ${s.detail}`);
  lines.push(`[test-infra] ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  // Jest leaves the cursor after "Determining test suites…", hence the leading newline.
  process.stderr.write(`\n${lines.join('\n')}\n`);
}
