import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from './edge-database';

/**
 * One device as the edge store knows it, merged from the tables the protocol adapters keep: `device` (every
 * device that contacted us; ADMS clock columns), `device_state` (pulled devices: reachability, skew, capacity,
 * last error), `adms_device_info` (ADMS INFO= counts), `device_lease` (pull leases) and the punch outbox.
 * Null means nobody has measured it (yet).
 */
export interface StoredDeviceSummary {
  serial: string;
  /** `device.protocol`, else `device_state.protocol`. */
  protocol: string | null;
  /** `device.status`; null for a pulled device that has never been written to `device`. */
  registration: string | null;
  reachable: boolean | null;
  lastContactAt: string | null;
  lastPunchReceivedAt: string | null;
  clockSkewSeconds: number | null;
  clockSkewMeasuredAt: string | null;
  recordsUsed: number | null;
  recordsMax: number | null;
  backlogCount: number;
  lease: { leaseId: string; fencingToken: number; expiresAt: string } | null;
  lastError: string | null;
}

/** Read side of the heartbeat: one query per concern, each on an index, so a big backlog stays cheap. */
export class HeartbeatSourceRepository {
  private readonly devicesStmt: Statement<[string], Record<string, unknown>>;
  private readonly quarantineStmt: Statement<[], { n: number }>;

  constructor(db: EdgeDatabase) {
    this.devicesStmt = db.prepare(
      `WITH serials AS (
         SELECT serial FROM device UNION SELECT serial FROM device_state UNION SELECT device_serial FROM adms_device_info
       ),
       backlog AS (
         SELECT device_serial, COUNT(*) AS n FROM punch_outbox INDEXED BY punch_outbox_device_unpublished
         WHERE published_at IS NULL AND rejected_reason IS NULL GROUP BY device_serial
       )
       SELECT s.serial,
              COALESCE(d.protocol, st.protocol) AS protocol, d.status AS registration,
              st.reachable, COALESCE(st.last_contact_at, d.last_seen_at) AS last_contact_at,
              -- NOTE: one index lookup per device (punch_outbox_device, newest first). A GROUP BY device_serial with
              -- MAX(id) walked the whole index, published rows included: 134 ms per heartbeat at 2M rows, on the
              -- thread that answers devices, every 15 s.
              (SELECT p.created_at FROM punch_outbox p INDEXED BY punch_outbox_device
               WHERE p.device_serial = s.serial ORDER BY p.id DESC LIMIT 1) AS last_punch_received_at,
              COALESCE(st.clock_skew_ms / 1000.0, d.clock_skew_seconds) AS clock_skew_seconds,
              CASE WHEN st.clock_skew_ms IS NOT NULL THEN st.clock_checked_at ELSE d.clock_checked_at END AS clock_checked_at,
              COALESCE(st.records_used, i.record_count) AS records_used, COALESCE(st.records_max, i.records_max) AS records_max,
              COALESCE(b.n, 0) AS backlog,
              l.lease_id, l.fencing_token, l.expires_at AS lease_expires_at,
              st.last_error
       FROM serials s
       LEFT JOIN device d ON d.serial = s.serial
       LEFT JOIN device_state st ON st.serial = s.serial
       LEFT JOIN adms_device_info i ON i.device_serial = s.serial
       LEFT JOIN backlog b ON b.device_serial = s.serial
       LEFT JOIN device_lease l ON l.device_serial = s.serial AND l.revoked_at IS NULL AND l.expires_at > ?
       ORDER BY s.serial`,
    );
    this.quarantineStmt = db.prepare('SELECT COUNT(*) AS n FROM quarantine');
  }

  /** Every device in the store; leases count only when unrevoked and unexpired at `now`. */
  devices(now: string): StoredDeviceSummary[] {
    return this.devicesStmt.all(now).map((r) => ({
      serial: r.serial as string,
      protocol: str(r.protocol),
      registration: str(r.registration),
      reachable: r.reachable === null || r.reachable === undefined ? null : r.reachable === 1,
      lastContactAt: str(r.last_contact_at),
      lastPunchReceivedAt: str(r.last_punch_received_at),
      clockSkewSeconds: num(r.clock_skew_seconds),
      clockSkewMeasuredAt: str(r.clock_checked_at),
      recordsUsed: num(r.records_used),
      recordsMax: num(r.records_max),
      backlogCount: num(r.backlog) ?? 0,
      lease:
        typeof r.lease_id === 'string' && typeof r.fencing_token === 'number' && typeof r.lease_expires_at === 'string'
          ? { leaseId: r.lease_id, fencingToken: r.fencing_token, expiresAt: r.lease_expires_at }
          : null,
      lastError: str(r.last_error),
    }));
  }

  quarantinedCount(): number {
    return this.quarantineStmt.get()!.n;
  }
}

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
