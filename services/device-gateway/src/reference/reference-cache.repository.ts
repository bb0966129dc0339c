import type { Statement } from 'better-sqlite3';
import { REFERENCE_PULL_INITIAL_CURSOR, type ReferenceChange } from '@attendance/contracts';
import type { EdgeDatabase } from '../store/edge-database';

export interface ReferenceSyncState {
  cursor: string;
  /** The server's clock when the last page was read: "last synced" as the cloud saw it. */
  serverTime: string | null;
  /** Our clock when the last page was applied. */
  syncedAt: string | null;
  lastAttemptAt: string | null;
  /** Why the last attempt failed; null after a success. */
  lastError: string | null;
}

export interface ReferenceCounts {
  sites: number;
  devices: number;
  employees: number;
}

export interface CachedEmployee {
  employeeId: string;
  code: string;
  name: string;
  status: string;
}

/**
 * The read-only cache of the cloud's sites, devices and employees (tables `reference_*`), written only here.
 * A page's rows and the cursor after it are applied in ONE transaction, so the cache and its cursor never
 * disagree: a crash or a failed page leaves both where the last complete page put them.
 */
export class ReferenceCacheRepository {
  private readonly stateStmt: Statement<[], Record<string, unknown>>;
  private readonly initStmt: Statement;
  private readonly advanceStmt: Statement<{ cursor: string; serverTime: string; now: string }>;
  private readonly failStmt: Statement<{ error: string; now: string }>;
  private readonly countsStmt: Statement<[], ReferenceCounts>;
  private readonly employeesStmt: Statement<[], CachedEmployee>;
  private readonly upsert: Record<ReferenceChange['entity'], Statement>;
  private readonly remove: Record<ReferenceChange['entity'], Statement<[string]>>;

  constructor(private readonly db: EdgeDatabase) {
    this.initStmt = db.prepare('INSERT OR IGNORE INTO reference_sync_state (id, cursor) VALUES (1, ?)');
    this.stateStmt = db.prepare('SELECT cursor, server_time, synced_at, last_attempt_at, last_error FROM reference_sync_state WHERE id = 1');
    this.advanceStmt = db.prepare(
      'UPDATE reference_sync_state SET cursor = @cursor, server_time = @serverTime, synced_at = @now, last_attempt_at = @now, last_error = NULL WHERE id = 1',
    );
    this.failStmt = db.prepare('UPDATE reference_sync_state SET last_attempt_at = @now, last_error = @error WHERE id = 1');
    this.countsStmt = db.prepare(
      `SELECT (SELECT COUNT(*) FROM reference_site) AS sites, (SELECT COUNT(*) FROM reference_device) AS devices,
              (SELECT COUNT(*) FROM reference_employee) AS employees`,
    );
    this.employeesStmt = db.prepare('SELECT employee_id AS employeeId, code, name, status FROM reference_employee ORDER BY name, employee_id');
    this.upsert = {
      site: db.prepare(
        `INSERT INTO reference_site (site_id, name, time_zone, cursor, changed_at) VALUES (@id, @name, @timeZone, @cursor, @changedAt)
         ON CONFLICT(site_id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone, cursor = excluded.cursor, changed_at = excluded.changed_at`,
      ),
      device: db.prepare(
        `INSERT INTO reference_device (serial, name, protocol, site_id, time_zone_override, expected_gateway_id, cursor, changed_at)
         VALUES (@id, @name, @protocol, @siteId, @timeZoneOverride, @expectedGatewayId, @cursor, @changedAt)
         ON CONFLICT(serial) DO UPDATE SET name = excluded.name, protocol = excluded.protocol, site_id = excluded.site_id,
           time_zone_override = excluded.time_zone_override, expected_gateway_id = excluded.expected_gateway_id,
           cursor = excluded.cursor, changed_at = excluded.changed_at`,
      ),
      employee: db.prepare(
        `INSERT INTO reference_employee (employee_id, code, name, status, cursor, changed_at) VALUES (@id, @code, @name, @status, @cursor, @changedAt)
         ON CONFLICT(employee_id) DO UPDATE SET code = excluded.code, name = excluded.name, status = excluded.status,
           cursor = excluded.cursor, changed_at = excluded.changed_at`,
      ),
    };
    this.remove = {
      site: db.prepare('DELETE FROM reference_site WHERE site_id = ?'),
      device: db.prepare('DELETE FROM reference_device WHERE serial = ?'),
      employee: db.prepare('DELETE FROM reference_employee WHERE employee_id = ?'),
    };
  }

  state(): ReferenceSyncState {
    this.initStmt.run(REFERENCE_PULL_INITIAL_CURSOR);
    const row = this.stateStmt.get()!;
    return {
      cursor: row.cursor as string,
      serverTime: (row.server_time as string | null) ?? null,
      syncedAt: (row.synced_at as string | null) ?? null,
      lastAttemptAt: (row.last_attempt_at as string | null) ?? null,
      lastError: (row.last_error as string | null) ?? null,
    };
  }

  /** Applies one validated page and moves the cursor, atomically (BEGIN IMMEDIATE ... COMMIT). */
  applyPage(page: { changes: readonly ReferenceChange[]; nextCursor: string; serverTime: string }, now: string): void {
    this.db
      .transaction(() => {
        for (const change of page.changes) this.applyChange(change);
        this.advance(page.nextCursor, page.serverTime, now);
      })
      .immediate();
  }

  /** Moves the cursor; call it only inside the transaction that applied the rows it stands for. */
  advance(cursor: string, serverTime: string, now: string): void {
    this.initStmt.run(REFERENCE_PULL_INITIAL_CURSOR);
    this.advanceStmt.run({ cursor, serverTime, now });
  }

  recordFailure(error: string, now: string): void {
    this.initStmt.run(REFERENCE_PULL_INITIAL_CURSOR);
    this.failStmt.run({ error: error.slice(0, 2000), now });
  }

  counts(): ReferenceCounts {
    return this.countsStmt.get()!;
  }

  employees(): CachedEmployee[] {
    return this.employeesStmt.all();
  }

  /** One upsert or tombstone; call it only inside a transaction that also moves the cursor. */
  applyChange(change: ReferenceChange): void {
    const base = { id: change.id, cursor: change.cursor, changedAt: change.changedAt };
    if (change.op === 'delete') {
      this.remove[change.entity].run(change.id);
      return;
    }
    switch (change.entity) {
      case 'site':
        this.upsert.site.run({ ...base, name: change.site.name, timeZone: change.site.timeZone });
        return;
      case 'device': {
        const d = change.device;
        this.upsert.device.run({ ...base, name: d.name, protocol: d.protocol, siteId: d.siteId, timeZoneOverride: d.timeZoneOverride, expectedGatewayId: d.expectedGatewayId });
        return;
      }
      case 'employee': {
        const e = change.employee;
        this.upsert.employee.run({ ...base, code: e.code, name: e.name, status: e.status });
        return;
      }
    }
  }
}
