import { ensureDatabase, pingPostgres } from '../../../../tools/infra/postgres';
import { redactUrl } from '../../../../tools/infra/redact-url';
import { useContainers } from './container-runtime';
import { type DiscoveredService, INFRA_ENV } from './infra-env';
import { BASE_TEST_DATABASE, toTestDatabaseUrl } from './test-database-url';

const POSTGRES_IMAGE = 'postgres:15-alpine';
const LOCAL_SERVER_URL = `postgres://postgres@127.0.0.1:5432/${BASE_TEST_DATABASE}`;

/**
 * Postgres for integration tests: DATABASE_URL (its server; a non-test database name is replaced by
 * `attendance_test`), else a postgres:15 container, else the server on 127.0.0.1:5432. The base test
 * database is created when missing.
 */
export async function discoverPostgres(): Promise<DiscoveredService<string>> {
  const fromEnv = process.env[INFRA_ENV.databaseUrl];
  if (fromEnv) {
    const { url, derived } = toTestDatabaseUrl(fromEnv);
    await prepare(url, INFRA_ENV.databaseUrl);
    const note = derived ? ` (its database is not a test database, so ${BASE_TEST_DATABASE} on that server)` : '';
    return { name: 'postgres', tier: 'env', value: url, detail: `${INFRA_ENV.databaseUrl}${note} → ${redactUrl(url)}` };
  }
  if (await useContainers()) return postgresContainer();
  await prepare(LOCAL_SERVER_URL, 'the local default');
  return { name: 'postgres', tier: 'local', value: LOCAL_SERVER_URL, detail: `local server → ${LOCAL_SERVER_URL}` };
}

async function prepare(url: string, source: string): Promise<void> {
  try {
    await pingPostgres(url);
    await ensureDatabase(url);
  } catch (error) {
    throw new Error(`Postgres from ${source}: ${(error as Error).message}`);
  }
}

async function postgresContainer(): Promise<DiscoveredService<string>> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE).withDatabase(BASE_TEST_DATABASE).start();
  const url = container.getConnectionUri();
  return {
    name: 'postgres',
    tier: 'docker',
    value: url,
    detail: `${POSTGRES_IMAGE} container → ${redactUrl(url)}`,
    stop: async () => void (await container.stop()),
  };
}
