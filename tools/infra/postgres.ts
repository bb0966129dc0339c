import { Client } from 'pg';
import { ensureDatabase as ensureServiceDatabase } from '../../libs/persistence/src/ensure-database';
import { redactUrl } from './redact-url';

const CONNECT_TIMEOUT_MS = 5_000;

/** The database name in a postgres:// URL. */
export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`no database name in ${redactUrl(databaseUrl)}`);
  return name;
}

/** The same server and credentials, another database. */
export function withDatabase(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/**
 * Creates the database named in the URL if it does not exist yet, with a message that says what to start when
 * the server does not answer. The creation itself is the services' own (libs/persistence), imported by path
 * because Jest's global setup does not resolve `@attendance/*` aliases.
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  await pingPostgres(databaseUrl);
  await ensureServiceDatabase(databaseUrl);
}

/** Drops the database named in the URL, disconnecting its sessions (PG 13+ `WITH (FORCE)`). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  await withMaintenanceClient(databaseUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`).then(() => undefined),
  );
}

/** Resolves when the server answers `SELECT 1` on the maintenance DB; the error says what to start. */
export async function pingPostgres(databaseUrl: string): Promise<void> {
  await withMaintenanceClient(databaseUrl, (client) => client.query('SELECT 1').then(() => undefined));
}

async function withMaintenanceClient(databaseUrl: string, work: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({
    connectionString: withDatabase(databaseUrl, 'postgres'),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  try {
    await client.connect();
  } catch (error) {
    const { hostname, port } = new URL(databaseUrl);
    throw new Error(
      `Postgres at ${hostname || 'localhost'}:${port || 5432} did not answer (${(error as Error).message}). ` +
        'Start a Postgres 15 server there (e.g. apt install postgresql-15 && service postgresql start), ' +
        `or point DATABASE_URL at one (${redactUrl(databaseUrl)} was used).`,
    );
  }
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
