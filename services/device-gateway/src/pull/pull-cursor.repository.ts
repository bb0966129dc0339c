import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export interface StoredSerialGap {
  id: number;
  deviceSerial: string;
  from: number;
  to: number;
  basis: string;
  detectedAt: string;
}

/** `pull_cursor` and `serial_gap`: where each pulled channel stands, and the serial ranges still missing. */
export class PullCursorRepository {
  private readonly getStmt: Statement<[string, string], { cursor: string }>;
  private readonly setStmt: Statement;
  private readonly gapStmt: Statement;
  private readonly openGapsStmt: Statement<[string], Record<string, unknown>>;
  private readonly resolveStmt: Statement;

  constructor(db: EdgeDatabase) {
    this.getStmt = db.prepare('SELECT cursor FROM pull_cursor WHERE device_serial = ? AND channel = ?');
    this.setStmt = db.prepare(
      `INSERT INTO pull_cursor (device_serial, channel, cursor, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(device_serial, channel) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
    );
    this.gapStmt = db.prepare('INSERT INTO serial_gap (device_serial, from_serial, to_serial, basis, detected_at) VALUES (?, ?, ?, ?, ?)');
    this.openGapsStmt = db.prepare('SELECT * FROM serial_gap WHERE device_serial = ? AND resolved_at IS NULL ORDER BY id');
    this.resolveStmt = db.prepare('UPDATE serial_gap SET resolved_at = ? WHERE id = ?');
  }

  get(serial: string, channel: string): string | null {
    return this.getStmt.get(serial, channel)?.cursor ?? null;
  }

  set(serial: string, channel: string, cursor: string, now: string): void {
    this.setStmt.run(serial, channel, cursor, now);
  }

  addGap(serial: string, gap: { from: number; to: number; basis: string }, now: string): void {
    this.gapStmt.run(serial, gap.from, gap.to, gap.basis, now);
  }

  openGaps(serial: string): StoredSerialGap[] {
    return this.openGapsStmt.all(serial).map((row) => ({
      id: row.id as number,
      deviceSerial: row.device_serial as string,
      from: row.from_serial as number,
      to: row.to_serial as number,
      basis: row.basis as string,
      detectedAt: row.detected_at as string,
    }));
  }

  resolveGap(id: number, now: string): void {
    this.resolveStmt.run(now, id);
  }
}
