import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';
import { RESOLVED_REASON_PREFIX } from '../store/quarantine.repository';

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

/** Health the protocol adapters keep per device (DESIGN.md 3.7): `device_state` for pulled devices, `adms_device_info` and `device` clock columns for ADMS. */
export interface DeviceHealth {
  /** Pull-mode devices: the last connection attempt succeeded (null: never tried, or a push device). */
  reachable: boolean | null;
  lastContactAt: string | null;
  lastPunchAt: string | null;
  /** Device clock minus gateway clock; positive means the device is ahead. */
  clockSkewSeconds: number | null;
  clockSkewState: string | null;
  clockCheckedAt: string | null;
  capacity: { used: number | null; max: number | null; level: string | null } | null;
  lastError: { message: string; at: string | null } | null;
  lastReconciledAt: string | null;
  recoveredTotal: number | null;
  firmware: string | null;
  pushGeneration: string | null;
  enrolledUsers: number | null;
}

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
  private readonly healthStmt: Statement<[], Record<string, unknown>>;
  private readonly referenceNamesStmt: Statement<[], { serial: string; name: string }>;

  constructor(db: EdgeDatabase) {
    // NOTE: counted on the partial index punch_outbox_device_unpublished alone; the oldest row of a device is its
    // lowest unsent id (rows are appended in created_at order), so only one row per device is read from the table.
    this.backlogStmt = db.prepare(
      `SELECT b.serial, b.unsent, p.created_at AS oldest FROM (
         SELECT device_serial AS serial, COUNT(*) AS unsent, MIN(id) AS first_id FROM punch_outbox
         WHERE published_at IS NULL AND rejected_reason IS NULL GROUP BY device_serial) b
       JOIN punch_outbox p ON p.id = b.first_id ORDER BY b.serial`,
    );
    this.lastPunchStmt = db.prepare(
      `SELECT p.device_serial AS serial, p.created_at AS received_at,
              json_extract(p.payload, '$.deviceUserId') AS user_id, json_extract(p.payload, '$.localTime') AS local_time,
              json_extract(p.payload, '$.punchedAt') AS punched_at, json_extract(p.payload, '$.direction') AS direction,
              (SELECT MIN(e.name) FROM reference_employee e WHERE e.code = json_extract(p.payload, '$.deviceUserId')) AS employee_name
       FROM (SELECT (SELECT MAX(o.id) FROM punch_outbox o WHERE o.device_serial = d.serial) AS id
             FROM (SELECT serial FROM device UNION SELECT serial FROM device_state) d) last
       JOIN punch_outbox p ON p.id = last.id`,
    );
    this.pendingStmt = db.prepare(
      "SELECT device_serial AS serial, COUNT(*) AS n FROM raw_request WHERE outcome = 'pending-device' GROUP BY device_serial",
    );
    // Lines that later became punches stay listed for audit (reason `resolved:...`) but no longer count as quarantined.
    this.quarantinedStmt = db.prepare(
      `SELECT device_serial AS serial, COUNT(*) AS n FROM quarantine WHERE reason NOT LIKE '${RESOLVED_REASON_PREFIX}%' GROUP BY device_serial`,
    );
    this.rejectedStmt = db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE rejected_reason IS NOT NULL');
    this.healthStmt = db.prepare(
      `WITH serials AS (SELECT serial FROM device UNION SELECT serial FROM device_state UNION SELECT device_serial FROM adms_device_info)
       SELECT s.serial, st.reachable, st.last_contact_at, st.last_punch_at, st.clock_skew_ms, st.clock_skew_state,
              st.clock_checked_at AS state_clock_checked_at, st.records_used, st.records_max AS state_records_max,
              st.capacity_level AS state_capacity_level, st.last_error, st.last_error_at, st.last_reconciled_at, st.recovered_total,
              d.clock_skew_seconds, d.clock_checked_at AS device_clock_checked_at,
              i.record_count, i.records_max AS info_records_max, i.capacity_level AS info_capacity_level, i.firmware, i.push_generation, i.user_count
       FROM serials s
       LEFT JOIN device_state st ON st.serial = s.serial
       LEFT JOIN device d ON d.serial = s.serial
       LEFT JOIN adms_device_info i ON i.device_serial = s.serial`,
    );
    this.referenceNamesStmt = db.prepare('SELECT serial, name FROM reference_device WHERE name IS NOT NULL');
  }

  backlogByDevice(): DeviceBacklog[] {
    return this.backlogStmt.all().map((r) => ({ serial: r.serial, unsent: r.unsent, oldestCreatedAt: r.oldest }));
  }

  /** Outbox rows set aside because their stored payload can no longer be published (kept, not retried). */
  rejectedCount(): number {
    return this.rejectedStmt.get()!.n;
  }

  /** The last punch each known device delivered (by arrival; one index seek per device), with the employee's name when the cache knows it. */
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

  /** Per-device health from whichever adapter keeps it (pull: device_state; ADMS: adms_device_info and device). */
  healthBySerial(): Map<string, DeviceHealth> {
    return new Map(this.healthStmt.all().map((r) => [r.serial as string, toHealth(r)]));
  }
}

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function toHealth(r: Record<string, unknown>): DeviceHealth {
  const skewMs = num(r.clock_skew_ms);
  const used = num(r.records_used) ?? num(r.record_count);
  const max = num(r.state_records_max) ?? num(r.info_records_max);
  const level = str(r.state_capacity_level) ?? str(r.info_capacity_level);
  const error = str(r.last_error);
  return {
    reachable: r.reachable === null || r.reachable === undefined ? null : r.reachable === 1,
    lastContactAt: str(r.last_contact_at),
    lastPunchAt: str(r.last_punch_at),
    clockSkewSeconds: skewMs !== null ? skewMs / 1000 : num(r.clock_skew_seconds),
    clockSkewState: str(r.clock_skew_state),
    clockCheckedAt: str(r.state_clock_checked_at) ?? str(r.device_clock_checked_at),
    capacity: used === null && max === null && level === null ? null : { used, max, level },
    lastError: error === null ? null : { message: error, at: str(r.last_error_at) },
    lastReconciledAt: str(r.last_reconciled_at),
    recoveredTotal: num(r.recovered_total),
    firmware: str(r.firmware),
    pushGeneration: str(r.push_generation),
    enrolledUsers: num(r.user_count),
  };
}
