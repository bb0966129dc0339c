import { INFRA_ENV } from './infra/infra-env';

export interface TestInfra {
  kafkaBrokers: string[];
  /** The base test database (`attendance_test`); prefer `createIsolatedDatabase` for tests that write. */
  databaseUrl: string;
  redisUrl: string;
}

/**
 * The Kafka, Postgres and Redis the integration global setup discovered. Throws when the setup did not run
 * (e.g. an `*.int-spec.ts` run under the unit project), rather than quietly using whatever DATABASE_URL the
 * shell happens to hold.
 */
export function testInfra(): TestInfra {
  if (process.env[INFRA_ENV.ready] !== 'ready') {
    throw new Error(
      'testInfra(): the integration global setup did not run. Run integration tests through the `integration` ' +
        'Jest project (npm run test:int, or npx jest --selectProjects integration <path>).',
    );
  }
  return {
    kafkaBrokers: required(INFRA_ENV.kafkaBrokers).split(','),
    databaseUrl: required(INFRA_ENV.databaseUrl),
    redisUrl: required(INFRA_ENV.redisUrl),
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`testInfra(): ${name} is empty although the global setup ran`);
  return value;
}
