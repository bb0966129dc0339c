import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export interface ReconciliationRun {
  deviceSerial: string;
  windowFrom: string;
  windowTo: string;
  startedAt: string;
  completedAt: string;
  found: number | null;
  recovered: number | null;
  quarantined: number | null;
  error: string | null;
}

/** `reconciliation_run`: one row per device per scheduled re-read, with what it recovered or why it failed. */
export class ReconciliationRepository {
  private readonly insertStmt: Statement;
  private readonly latestStmt: Statement<[string, number], Record<string, unknown>>;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO reconciliation_run (device_serial, window_from, window_to, started_at, completed_at, found, recovered, quarantined, error)
       VALUES (@deviceSerial, @windowFrom, @windowTo, @startedAt, @completedAt, @found, @recovered, @quarantined, @error)`,
    );
    this.latestStmt = db.prepare('SELECT * FROM reconciliation_run WHERE device_serial = ? ORDER BY id DESC LIMIT ?');
  }

  insert(run: ReconciliationRun): void {
    this.insertStmt.run(run);
  }

  latest(serial: string, limit = 10): ReconciliationRun[] {
    return this.latestStmt.all(serial, limit).map((row) => ({
      deviceSerial: row.device_serial as string,
      windowFrom: row.window_from as string,
      windowTo: row.window_to as string,
      startedAt: row.started_at as string,
      completedAt: row.completed_at as string,
      found: (row.found as number | null) ?? null,
      recovered: (row.recovered as number | null) ?? null,
      quarantined: (row.quarantined as number | null) ?? null,
      error: (row.error as string | null) ?? null,
    }));
  }
}
