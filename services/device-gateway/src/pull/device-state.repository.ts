import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export type CapacityLevel = 'ok' | 'warning' | 'critical';

/** What the gateway knows about one pulled device (ZK TCP, Hikvision): the heartbeat reads it. */
export interface DeviceState {
  serial: string;
  protocol: string;
  /** null until the first attempt to reach it. */
  reachable: boolean | null;
  lastContactAt: string | null;
  lastPunchAt: string | null;
  clockSkewMs: number | null;
  clockSkewState: 'ok' | 'exceeded' | null;
  clockCheckedAt: string | null;
  deviceLocalTime: string | null;
  recordsUsed: number | null;
  recordsMax: number | null;
  capacityLevel: CapacityLevel | null;
  lastError: string | null;
  lastErrorAt: string | null;
  lastReconciledAt: string | null;
  lastRecovered: number | null;
  recoveredTotal: number;
  updatedAt: string;
}

type Patch = Partial<Omit<DeviceState, 'serial' | 'protocol' | 'updatedAt' | 'recoveredTotal'>>;

const COLUMNS: Record<keyof Patch, string> = {
  reachable: 'reachable',
  lastContactAt: 'last_contact_at',
  lastPunchAt: 'last_punch_at',
  clockSkewMs: 'clock_skew_ms',
  clockSkewState: 'clock_skew_state',
  clockCheckedAt: 'clock_checked_at',
  deviceLocalTime: 'device_local_time',
  recordsUsed: 'records_used',
  recordsMax: 'records_max',
  capacityLevel: 'capacity_level',
  lastError: 'last_error',
  lastErrorAt: 'last_error_at',
  lastReconciledAt: 'last_reconciled_at',
  lastRecovered: 'last_recovered',
};

/** The `device_state` table: one row per pulled device, patched field by field as facts arrive. */
export class DeviceStateRepository {
  private readonly ensureStmt: Statement;
  private readonly getStmt: Statement<[string], Record<string, unknown>>;
  private readonly listStmt: Statement<[], Record<string, unknown>>;
  private readonly lastPunchStmt: Statement;
  private readonly recoveredStmt: Statement;
  private readonly patchStmts = new Map<string, Statement>();

  constructor(private readonly db: EdgeDatabase) {
    this.ensureStmt = db.prepare(
      `INSERT INTO device_state (serial, protocol, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(serial) DO UPDATE SET protocol = excluded.protocol`,
    );
    this.getStmt = db.prepare('SELECT * FROM device_state WHERE serial = ?');
    this.listStmt = db.prepare('SELECT * FROM device_state ORDER BY serial');
    // Newest punch wins even when an older one is stored later (backfill).
    this.lastPunchStmt = db.prepare(
      `UPDATE device_state SET last_punch_at = CASE WHEN last_punch_at IS NULL OR last_punch_at < @at THEN @at ELSE last_punch_at END,
       updated_at = @now WHERE serial = @serial`,
    );
    this.recoveredStmt = db.prepare(
      `UPDATE device_state SET last_reconciled_at = @now, last_recovered = @recovered, recovered_total = recovered_total + @recovered,
       updated_at = @now WHERE serial = @serial`,
    );
  }

  ensure(serial: string, protocol: string, now: string): void {
    this.ensureStmt.run(serial, protocol, now);
  }

  get(serial: string): DeviceState | null {
    const row = this.getStmt.get(serial);
    return row ? toState(row) : null;
  }

  list(): DeviceState[] {
    return this.listStmt.all().map(toState);
  }

  patch(serial: string, patch: Patch, now: string): void {
    const keys = (Object.keys(patch) as (keyof Patch)[]).filter((k) => patch[k] !== undefined).sort();
    if (keys.length === 0) return;
    const signature = keys.join(',');
    let stmt = this.patchStmts.get(signature);
    if (!stmt) {
      stmt = this.db.prepare(`UPDATE device_state SET ${keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ')}, updated_at = @now WHERE serial = @serial`);
      this.patchStmts.set(signature, stmt);
    }
    const values: Record<string, unknown> = { serial, now };
    for (const key of keys) {
      const value = patch[key];
      values[key] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    }
    stmt.run(values);
  }

  notePunch(serial: string, punchedAt: string, now: string): void {
    this.lastPunchStmt.run({ serial, at: punchedAt, now });
  }

  noteReconciled(serial: string, recovered: number, now: string): void {
    this.recoveredStmt.run({ serial, recovered, now });
  }
}

function toState(row: Record<string, unknown>): DeviceState {
  const text = (k: string) => (row[k] as string | null) ?? null;
  const num = (k: string) => (row[k] as number | null) ?? null;
  return {
    serial: row.serial as string,
    protocol: row.protocol as string,
    reachable: row.reachable === null || row.reachable === undefined ? null : row.reachable === 1,
    lastContactAt: text('last_contact_at'),
    lastPunchAt: text('last_punch_at'),
    clockSkewMs: num('clock_skew_ms'),
    clockSkewState: text('clock_skew_state') as DeviceState['clockSkewState'],
    clockCheckedAt: text('clock_checked_at'),
    deviceLocalTime: text('device_local_time'),
    recordsUsed: num('records_used'),
    recordsMax: num('records_max'),
    capacityLevel: text('capacity_level') as CapacityLevel | null,
    lastError: text('last_error'),
    lastErrorAt: text('last_error_at'),
    lastReconciledAt: text('last_reconciled_at'),
    lastRecovered: num('last_recovered'),
    recoveredTotal: (row.recovered_total as number) ?? 0,
    updatedAt: row.updated_at as string,
  };
}
