import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EDGE_MIGRATIONS } from './edge-migrations';

export type EdgeDatabase = Database.Database;

/**
 * Opens the gateway's SQLite database with the durability the guarantees need:
 * WAL (readers never block the writer) and `synchronous=FULL` (a committed transaction survives power loss,
 * which is what lets us answer a device `OK` right after the commit). Then applies pending migrations.
 */
export function openEdgeDatabase(path: string): EdgeDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: EdgeDatabase): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let version = applied; version < EDGE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(EDGE_MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
