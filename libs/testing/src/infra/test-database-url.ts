import { databaseName, withDatabase } from '../../../../tools/infra/postgres';

/** Base database of integration runs; isolated databases are created next to it. */
export const BASE_TEST_DATABASE = 'attendance_test';

/**
 * The URL integration tests may use: the given one when its database name says "test", otherwise the same
 * server with `attendance_test`. NOTE: tests create, truncate and drop things, so they must never run
 * against a development or production database that merely happens to be in DATABASE_URL.
 */
export function toTestDatabaseUrl(databaseUrl: string): { url: string; derived: boolean } {
  let name: string;
  try {
    name = databaseName(databaseUrl);
  } catch {
    return { url: withDatabase(databaseUrl, BASE_TEST_DATABASE), derived: true };
  }
  return name.toLowerCase().includes('test')
    ? { url: databaseUrl, derived: false }
    : { url: withDatabase(databaseUrl, BASE_TEST_DATABASE), derived: true };
}
