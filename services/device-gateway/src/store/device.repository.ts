import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from './edge-database';

export type DeviceStatus = 'approved' | 'pending';

export interface DeviceRecord {
  serial: string;
  status: DeviceStatus;
  protocol: string;
  firstSeenAt: string;
  lastSeenAt: string;
  pushVersion: string | null;
  /** When an operator approved the device through the local API (null: configured, or still pending). */
  approvedAt: string | null;
}

/** Devices seen on the LAN, their approval state, and their ADMS upload stamps. */
export class DeviceRepository {
  private readonly upsertStmt: Statement;
  private readonly getStmt: Statement<[string], Record<string, unknown>>;
  private readonly stampsStmt: Statement<[string], { table_name: string; stamp: string }>;
  private readonly setStampStmt: Statement;
  private readonly listStmt: Statement<[], Record<string, unknown>>;
  private readonly approveStmt: Statement<[string, string]>;

  constructor(db: EdgeDatabase) {
    // NOTE: a configured device is approved even if it was first seen as pending; the reverse never happens
    // here (un-approving is an operator action).
    this.upsertStmt = db.prepare(
      `INSERT INTO device (serial, status, protocol, first_seen_at, last_seen_at, push_version)
       VALUES (@serial, @status, @protocol, @now, @now, @pushVersion)
       ON CONFLICT(serial) DO UPDATE SET
         last_seen_at = excluded.last_seen_at,
         status = CASE WHEN excluded.status = 'approved' THEN 'approved' ELSE device.status END,
         push_version = COALESCE(excluded.push_version, device.push_version)`,
    );
    this.getStmt = db.prepare('SELECT * FROM device WHERE serial = ?');
    this.stampsStmt = db.prepare('SELECT table_name, stamp FROM device_stamp WHERE device_serial = ?');
    this.setStampStmt = db.prepare(
      `INSERT INTO device_stamp (device_serial, table_name, stamp, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(device_serial, table_name) DO UPDATE SET stamp = excluded.stamp, updated_at = excluded.updated_at`,
    );
    this.listStmt = db.prepare('SELECT * FROM device ORDER BY serial');
    this.approveStmt = db.prepare("UPDATE device SET status = 'approved', approved_at = ? WHERE serial = ? AND status = 'pending'");
  }

  /** Records contact; returns the device's status after the update. */
  recordContact(input: { serial: string; configured: boolean; protocol: string; pushVersion: string | null; now: string }): DeviceStatus {
    this.upsertStmt.run({
      serial: input.serial,
      status: input.configured ? 'approved' : 'pending',
      protocol: input.protocol,
      pushVersion: input.pushVersion,
      now: input.now,
    });
    return this.get(input.serial)!.status;
  }

  get(serial: string): DeviceRecord | null {
    const row = this.getStmt.get(serial);
    return row ? toDeviceRecord(row) : null;
  }

  /** Every device ever seen, by serial. */
  list(): DeviceRecord[] {
    return this.listStmt.all().map(toDeviceRecord);
  }

  /**
   * Marks a pending device approved (an operator's decision, durable once the caller's transaction commits).
   * Returns false when it was not pending (unknown, or already approved), so approving twice changes nothing.
   */
  approve(serial: string, now: string): boolean {
    return this.approveStmt.run(now, serial).changes === 1;
  }

  stamps(serial: string): Map<string, string> {
    return new Map(this.stampsStmt.all(serial).map((r) => [r.table_name, r.stamp]));
  }

  setStamp(serial: string, table: string, stamp: string, now: string): void {
    this.setStampStmt.run(serial, table, stamp, now);
  }
}

function toDeviceRecord(row: Record<string, unknown>): DeviceRecord {
  return {
    serial: row.serial as string,
    status: row.status as DeviceStatus,
    protocol: row.protocol as string,
    firstSeenAt: row.first_seen_at as string,
    lastSeenAt: row.last_seen_at as string,
    pushVersion: (row.push_version as string | null) ?? null,
    approvedAt: (row.approved_at as string | null) ?? null,
  };
}
