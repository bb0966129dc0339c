import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from './edge-database';

export interface NewOutboxPunch {
  eventId: string;
  deviceSerial: string;
  rawRequestId: number;
  payload: string;
  createdAt: string;
}

export interface OutboxPunch {
  id: number;
  payload: string;
}

/** An unsent punch as the relay reads it. */
export interface PendingPunch {
  id: number;
  eventId: string;
  deviceSerial: string;
  payload: string;
}

const UNSENT = 'published_at IS NULL AND rejected_reason IS NULL';

/** Parsed punches waiting for (or done with) their trip to Kafka. */
export class PunchOutboxRepository {
  private readonly insertStmt: Statement;
  private readonly nextStmt: Statement<[number], OutboxPunch>;
  private readonly nextOfDeviceStmt: Statement<[string, number, number], PendingPunch>;
  private readonly devicesAfterStmt: Statement<[string, number], { serial: string }>;
  private readonly markStmt: Statement<[string, string]>;
  private readonly countStmt: Statement<[], { count: number }>;
  private readonly oldestStmt: Statement<[], { created_at: string }>;
  private readonly byDeviceStmt: Statement<[], { device_serial: string; count: number }>;
  private readonly maxIdStmt: Statement<[], { id: number | null }>;
  private readonly rejectStmt: Statement;
  private readonly pruneStmt: Statement<[string, number]>;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO punch_outbox (event_id, device_serial, raw_request_id, payload, created_at)
       VALUES (@eventId, @deviceSerial, @rawRequestId, @payload, @createdAt)`,
    );
    this.nextStmt = db.prepare(`SELECT id, payload FROM punch_outbox WHERE ${UNSENT} ORDER BY id LIMIT ?`);
    this.nextOfDeviceStmt = db.prepare(
      `SELECT id, event_id AS eventId, device_serial AS deviceSerial, payload
       FROM punch_outbox INDEXED BY punch_outbox_device_unpublished
       WHERE device_serial = ? AND id > ? AND ${UNSENT} ORDER BY id LIMIT ?`,
    );
    // A skip-scan of the (device_serial, id) index of unsent rows: one seek per device, however many rows
    // each device has buffered, instead of a DISTINCT over the whole backlog.
    this.devicesAfterStmt = db.prepare(
      `WITH RECURSIVE d(serial) AS (
         SELECT (SELECT MIN(device_serial) FROM punch_outbox INDEXED BY punch_outbox_device_unpublished WHERE device_serial > ? AND ${UNSENT})
         UNION ALL
         SELECT (SELECT MIN(device_serial) FROM punch_outbox INDEXED BY punch_outbox_device_unpublished WHERE device_serial > d.serial AND ${UNSENT})
         FROM d WHERE d.serial IS NOT NULL
       )
       SELECT serial FROM d WHERE serial IS NOT NULL LIMIT ?`,
    );
    // One statement for a whole batch: the ids travel as one JSON array.
    this.markStmt = db.prepare('UPDATE punch_outbox SET published_at = ? WHERE id IN (SELECT value FROM json_each(?))');
    this.countStmt = db.prepare(`SELECT COUNT(*) AS count FROM punch_outbox WHERE ${UNSENT}`);
    this.oldestStmt = db.prepare(`SELECT created_at FROM punch_outbox WHERE ${UNSENT} ORDER BY id LIMIT 1`);
    this.byDeviceStmt = db.prepare(
      `SELECT device_serial, COUNT(*) AS count FROM punch_outbox INDEXED BY punch_outbox_device_unpublished WHERE ${UNSENT} GROUP BY device_serial`,
    );
    this.maxIdStmt = db.prepare('SELECT MAX(id) AS id FROM punch_outbox');
    this.rejectStmt = db.prepare('UPDATE punch_outbox SET rejected_reason = ? WHERE id = ?');
    // NOTE: `published_at IS NOT NULL` keeps unsent rows out of reach whatever the cutoff (DESIGN.md 3.5).
    this.pruneStmt = db.prepare(
      `DELETE FROM punch_outbox WHERE id IN (
         SELECT id FROM punch_outbox WHERE published_at IS NOT NULL AND published_at < ? ORDER BY published_at LIMIT ?)`,
    );
  }

  insert(punch: NewOutboxPunch): void {
    this.insertStmt.run(punch);
  }

  /** Oldest unpublished punches first (DESIGN.md 6: drain oldest first). */
  nextUnpublished(limit: number): OutboxPunch[] {
    return this.nextStmt.all(limit);
  }

  /** The oldest unsent punches of one device after id `afterId`, in id (= arrival) order. */
  nextUnpublishedOfDevice(deviceSerial: string, limit: number, afterId = 0): PendingPunch[] {
    return this.nextOfDeviceStmt.all(deviceSerial, afterId, limit);
  }

  /** Serials with unsent punches, in serial order, starting after `after` ('' = from the first). */
  devicesWithBacklog(after: string, limit: number): string[] {
    return this.devicesAfterStmt.all(after, limit).map((row) => row.serial);
  }

  markPublished(ids: readonly number[], at: string): void {
    if (ids.length > 0) this.markStmt.run(at, JSON.stringify(ids));
  }

  /** Sets a row aside (kept, visible, not retried) when its stored payload can no longer be published. */
  markRejected(id: number, reason: string): void {
    this.rejectStmt.run(reason.slice(0, 2000), id);
  }

  backlog(): { count: number; oldestCreatedAt: string | null } {
    return { count: this.countStmt.get()!.count, oldestCreatedAt: this.oldestStmt.get()?.created_at ?? null };
  }

  backlogByDevice(): Map<string, number> {
    return new Map(this.byDeviceStmt.all().map((row) => [row.device_serial, row.count]));
  }

  /** Highest id ever stored (0 when empty): rows up to it were written before the caller started. */
  maxId(): number {
    return this.maxIdStmt.get()?.id ?? 0;
  }

  /** Deletes at most `limit` rows published before `cutoff`; returns how many. */
  prunePublished(cutoff: string, limit: number): number {
    return this.pruneStmt.run(cutoff, limit).changes;
  }
}
