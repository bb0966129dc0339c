import { Client } from 'pg';

/**
 * Creates the database named in `databaseUrl` if it does not exist (DESIGN.md 7: "created if missing"),
 * connecting to the server's `postgres` maintenance database. Safe when several processes race to create it.
 */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`Refusing to create database with unusual name "${name}"`);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return { created: false };
    try {
      await client.query(`CREATE DATABASE "${name}"`);
      return { created: true };
    } catch (error) {
      // 42P04 duplicate_database, 23505: another process created it between our check and our CREATE
      const code = (error as { code?: string }).code;
      if (code === '42P04' || code === '23505') return { created: false };
      throw error;
    }
  } finally {
    await client.end();
  }
}
