import { Client } from 'pg';

// Two processes creating the same database at once: one wins, the other gets one of these.
const ALREADY_EXISTS = new Set(['42P04' /* duplicate_database */, '23505' /* unique_violation in pg_database */]);

/**
 * Creates the database named in `databaseUrl` if it does not exist (DESIGN.md 7: "created if missing"),
 * through the server's `postgres` maintenance database. Safe when several processes race to create it.
 *
 * NOTE: imports nothing through `@attendance/*` aliases, because the Jest global setup (tools/infra) uses it
 * and Jest does not apply path aliases there.
 */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return { created: false };
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return { created: true };
    } catch (error) {
      if (ALREADY_EXISTS.has((error as { code?: string }).code ?? '')) return { created: false };
      throw error;
    }
  } finally {
    await client.end();
  }
}
