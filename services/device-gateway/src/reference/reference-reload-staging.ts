import type { Statement } from 'better-sqlite3';
import type { ReferenceChange } from '@attendance/contracts';
import type { EdgeDatabase } from '../store/edge-database';
import type { ReferenceCacheRepository } from './reference-cache.repository';

/** Staged rows are moved into the cache this many at a time (bounded memory, one transaction for all). */
const APPLY_CHUNK = 1000;

const TABLES: Record<ReferenceChange['entity'], { table: string; key: string }> = {
  site: { table: 'reference_site', key: 'site_id' },
  device: { table: 'reference_device', key: 'serial' },
  employee: { table: 'reference_employee', key: 'employee_id' },
};

/**
 * A full reload of the reference cache ("reload roster" with `full: true`). The pages of a pull from cursor 0
 * arrive over many awaits; applying each as it comes would let a reader (the dashboard, push-users) see the
 * cache half old and half new. So the pages are staged in a TEMP table (this connection only, never synced,
 * nothing in the schema: no migration) and only `commit` touches the cache, in ONE transaction: rows the cloud
 * no longer lists are deleted, every staged row is upserted, the cursor moves. A reader sees the old cache or
 * the new one, never a mix; a failure before `commit` leaves the cache and its cursor exactly as they were.
 */
export class ReferenceReloadStaging {
  private readonly stageStmt: Statement<{ entity: string; id: string; change: string }>;
  private readonly unstageStmt: Statement<{ entity: string; id: string }>;
  private readonly clearStmt: Statement;
  private readonly chunkStmt: Statement<[number, number], { seq: number; change: string }>;
  private readonly pruneStmts: Statement[];

  constructor(
    private readonly db: EdgeDatabase,
    private readonly cache: ReferenceCacheRepository,
  ) {
    // NOTE: `seq` keeps the server's order (a row re-staged after a later change moves to the end)
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS reference_reload (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL, change TEXT NOT NULL, UNIQUE (entity, id))`);
    this.stageStmt = db.prepare('INSERT OR REPLACE INTO temp.reference_reload (entity, id, change) VALUES (@entity, @id, @change)');
    this.unstageStmt = db.prepare('DELETE FROM temp.reference_reload WHERE entity = @entity AND id = @id');
    this.clearStmt = db.prepare('DELETE FROM temp.reference_reload');
    this.chunkStmt = db.prepare('SELECT seq, change FROM temp.reference_reload WHERE seq > ? ORDER BY seq LIMIT ?');
    this.pruneStmts = Object.entries(TABLES).map(([entity, { table, key }]) =>
      db.prepare(`DELETE FROM main.${table} WHERE ${key} NOT IN (SELECT id FROM temp.reference_reload WHERE entity = '${entity}')`),
    );
  }

  /** Starts a reload with nothing staged. */
  begin(): void {
    this.clearStmt.run();
  }

  /** Stages one validated page: an upsert replaces the row's staged version, a tombstone removes it. */
  stage(changes: readonly ReferenceChange[]): void {
    this.db.transaction(() => {
      for (const change of changes) {
        if (change.op === 'delete') this.unstageStmt.run({ entity: change.entity, id: change.id });
        else this.stageStmt.run({ entity: change.entity, id: change.id, change: JSON.stringify(change) });
      }
    })();
  }

  /**
   * Replaces the cache with what is staged and moves the cursor, atomically (BEGIN IMMEDIATE ... COMMIT).
   * Returns how many cached rows were dropped because the cloud no longer has them.
   */
  commit(cursor: string, serverTime: string, now: string): { removed: number; rows: number } {
    return this.db
      .transaction(() => {
        let removed = 0;
        for (const prune of this.pruneStmts) removed += prune.run().changes;
        let rows = 0;
        for (let after = 0; ; ) {
          const chunk = this.chunkStmt.all(after, APPLY_CHUNK);
          if (chunk.length === 0) break;
          for (const row of chunk) this.cache.applyChange(JSON.parse(row.change) as ReferenceChange);
          rows += chunk.length;
          after = chunk.at(-1)!.seq;
        }
        this.cache.advance(cursor, serverTime, now);
        return { removed, rows };
      })
      .immediate();
  }

  /** Frees the staged rows (after a commit or a failed reload). */
  discard(): void {
    this.clearStmt.run();
  }
}
