import { dropDatabase, ensureDatabase, withDatabase } from '../../../tools/infra/postgres';
import { BASE_TEST_DATABASE } from './infra/test-database-url';
import { testInfra } from './test-infra';
import { uniqueSuffix } from './unique-suffix';

export interface IsolatedDatabase {
  /** Connection URL of the fresh database. */
  url: string;
  name: string;
  /** Drops the database, disconnecting any sessions left open. */
  drop(): Promise<void>;
}

// Postgres truncates identifiers longer than 63 bytes; keep the random part intact.
const MAX_IDENTIFIER = 63;

/**
 * A new empty database `attendance_test_<prefix>_<random>` on the test server, so suites that migrate or
 * write can run in parallel workers without seeing each other's rows.
 */
export async function createIsolatedDatabase(prefix: string): Promise<IsolatedDatabase> {
  const suffix = uniqueSuffix();
  const cleanPrefix = prefix.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const room = MAX_IDENTIFIER - BASE_TEST_DATABASE.length - suffix.length - 2;
  const name = [BASE_TEST_DATABASE, cleanPrefix.slice(0, Math.max(room, 0)), suffix].filter(Boolean).join('_');
  const url = withDatabase(testInfra().databaseUrl, name);
  await ensureDatabase(url);
  return { url, name, drop: () => dropDatabase(url) };
}
