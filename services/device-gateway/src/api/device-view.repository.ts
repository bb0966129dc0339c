import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export interface DeviceBacklog {
  serial: string;
  unsent: number;
  oldestCreatedAt: string | null;
}

export interface LastPunch {
  serial: string;
  receivedAt: string;
  deviceUserId: string;
  employeeName: string | null;
  localTime: string;
  punchedAt: string;
  direction: string;
}

/** Columns of `device` that the API maps by name; any other column (per-device state added later) is passed through. */
const MAPPED_DEVICE_COLUMNS = new Set(['serial', 'status', 'protocol', 'first_seen_at', 'last_seen_at', 'push_version', 'approved_at']);

/**
 * Read side of the local API: per-device aggregates over the outbox, raw requests and quarantine, with the
 * employee names of the reference cache. Queries ride on indexes (punch_outbox_device, raw_request_pending,
 * punch_outbox_unpublished), so a large backlog does not make the dashboard slow.
 */
export class DeviceViewRepository {
  private readonly backlogStmt: Statement<[], { serial: string; unsent: number; oldest: string | null }>;
  private readonly lastPunchStmt: Statement<[], Record<string, unknown>>;
  private readonly pendingStmt: Statement<[], { serial: string; n: number }>;
  private readonly quarantinedStmt: Statement<[], { serial: string; n: number }>;
  private readonly rejectedStmt: Statement<[], { n: number }>;
  private readonly deviceRowsStmt: Statement<[], Record<string, unknown>>;
  private readonly referenceNamesStmt: Statement<[], { serial: string; name: string }>;
  private readonly extraColumns: string[];

  constructor(db: EdgeDatabase) {
    this.backlogStmt = db.prepare(
      `SELECT device_serial AS serial, COUNT(*) AS unsent, MIN(created_at) AS oldest FROM punch_outbox
       WHERE published_at IS NULL AND rejected_reason IS NULL GROUP BY device_serial ORDER BY device_serial`,
    );
    this.lastPunchStmt = db.prepare(
      `SELECT p.device_serial AS serial, p.created_at AS received_at,
              json_extract(p.payload, '$.deviceUserId') AS user_id, json_extract(p.payload, '$.localTime') AS local_time,
              json_extract(p.payload, '$.punchedAt') AS punched_at, json_extract(p.payload, '$.direction') AS direction,
              (SELECT MIN(e.name) FROM reference_employee e WHERE e.code = json_extract(p.payload, '$.deviceUserId')) AS employee_name
       FROM punch_outbox p JOIN (SELECT device_serial, MAX(id) AS id FROM punch_outbox GROUP BY device_serial) last ON p.id = last.id`,
    );
    this.pendingStmt = db.prepare(
      "SELECT device_serial AS serial, COUNT(*) AS n FROM raw_request WHERE outcome = 'pending-device' GROUP BY device_serial",
    );
    this.quarantinedStmt = db.prepare('SELECT device_serial AS serial, COUNT(*) AS n FROM quarantine GROUP BY device_serial');
    this.rejectedStmt = db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE rejected_reason IS NOT NULL');
    this.deviceRowsStmt = db.prepare('SELECT * FROM device');
    this.referenceNamesStmt = db.prepare('SELECT serial, name FROM reference_device WHERE name IS NOT NULL');
    this.extraColumns = (db.pragma('table_info(device)') as { name: string }[]).map((c) => c.name).filter((name) => !MAPPED_DEVICE_COLUMNS.has(name));
  }

  backlogByDevice(): DeviceBacklog[] {
    return this.backlogStmt.all().map((r) => ({ serial: r.serial, unsent: r.unsent, oldestCreatedAt: r.oldest }));
  }

  /** Outbox rows set aside because their stored payload can no longer be published (kept, not retried). */
  rejectedCount(): number {
    return this.rejectedStmt.get()!.n;
  }

  /** The last punch each device delivered (by arrival), with the employee's name when the cache knows it. */
  lastPunchByDevice(): Map<string, LastPunch> {
    return new Map(
      this.lastPunchStmt.all().map((r) => [
        r.serial as string,
        {
          serial: r.serial as string,
          receivedAt: r.received_at as string,
          deviceUserId: r.user_id as string,
          employeeName: (r.employee_name as string | null) ?? null,
          localTime: r.local_time as string,
          punchedAt: r.punched_at as string,
          direction: r.direction as string,
        },
      ]),
    );
  }

  pendingRequestsByDevice(): Map<string, number> {
    return new Map(this.pendingStmt.all().map((r) => [r.serial, r.n]));
  }

  quarantinedByDevice(): Map<string, number> {
    return new Map(this.quarantinedStmt.all().map((r) => [r.serial, r.n]));
  }

  /** Device names from the cloud directory (reference cache). */
  referenceNames(): Map<string, string> {
    return new Map(this.referenceNamesStmt.all().map((r) => [r.serial, r.name]));
  }

  /** Per-device state columns other parts of the gateway keep on `device` (skew, capacity, errors...), camelCased. */
  deviceStateColumns(): Map<string, Record<string, unknown>> {
    if (this.extraColumns.length === 0) return new Map();
    return new Map(
      this.deviceRowsStmt.all().map((row) => [row.serial as string, Object.fromEntries(this.extraColumns.map((c) => [camelCase(c), row[c] ?? null]))]),
    );
  }
}

function camelCase(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}
