import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from './edge-database';

export interface NewOutboxDeviceEvent {
  eventId: string;
  deviceSerial: string;
  eventType: string;
  payload: string;
  createdAt: string;
}

export interface OutboxDeviceEvent {
  id: number;
  eventId: string;
  deviceSerial: string;
  payload: string;
}

/** Device events waiting for (or done with) their trip to edge.device.event.v1. */
export class DeviceEventOutboxRepository {
  private readonly insertStmt: Statement;
  private readonly nextStmt: Statement<[number], OutboxDeviceEvent>;
  private readonly markStmt: Statement<[string, string]>;
  private readonly rejectStmt: Statement;
  private readonly backlogStmt: Statement<[], { count: number }>;
  private readonly pruneStmt: Statement<[string, number]>;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO device_event_outbox (event_id, device_serial, event_type, payload, created_at)
       VALUES (@eventId, @deviceSerial, @eventType, @payload, @createdAt)`,
    );
    this.nextStmt = db.prepare(
      `SELECT id, event_id AS eventId, device_serial AS deviceSerial, payload FROM device_event_outbox
       WHERE published_at IS NULL AND rejected_reason IS NULL ORDER BY id LIMIT ?`,
    );
    // One statement for a whole batch: the ids travel as one JSON array.
    this.markStmt = db.prepare('UPDATE device_event_outbox SET published_at = ? WHERE id IN (SELECT value FROM json_each(?))');
    this.rejectStmt = db.prepare('UPDATE device_event_outbox SET rejected_reason = ? WHERE id = ?');
    this.backlogStmt = db.prepare('SELECT COUNT(*) AS count FROM device_event_outbox WHERE published_at IS NULL AND rejected_reason IS NULL');
    // NOTE: `published_at IS NOT NULL` keeps unsent rows out of reach whatever the cutoff (DESIGN.md 3.5).
    this.pruneStmt = db.prepare(
      `DELETE FROM device_event_outbox WHERE id IN (
         SELECT id FROM device_event_outbox WHERE published_at IS NOT NULL AND published_at < ? ORDER BY published_at LIMIT ?)`,
    );
  }

  /** Plain insert: inside a caller's transaction it commits (or rolls back) with the caller's other writes. */
  insert(event: NewOutboxDeviceEvent): void {
    this.insertStmt.run(event);
  }

  /** Oldest first, so the events of a device keep their order. */
  nextUnpublished(limit: number): OutboxDeviceEvent[] {
    return this.nextStmt.all(limit);
  }

  markPublished(ids: readonly number[], at: string): void {
    if (ids.length > 0) this.markStmt.run(at, JSON.stringify(ids));
  }

  markRejected(id: number, reason: string): void {
    this.rejectStmt.run(reason.slice(0, 2000), id);
  }

  backlogCount(): number {
    return this.backlogStmt.get()!.count;
  }

  /** Deletes at most `limit` rows published before `cutoff`; returns how many. */
  prunePublished(cutoff: string, limit: number): number {
    return this.pruneStmt.run(cutoff, limit).changes;
  }
}
