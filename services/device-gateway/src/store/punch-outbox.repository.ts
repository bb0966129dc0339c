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

/** Parsed punches waiting for (or done with) their trip to Kafka. */
export class PunchOutboxRepository {
  private readonly insertStmt: Statement;
  private readonly nextStmt: Statement<[number], OutboxPunch>;
  private readonly markStmt: Statement;
  private readonly backlogStmt: Statement<[], { count: number; oldest: string | null }>;
  private readonly rejectStmt: Statement;
  private readonly markMany: (ids: readonly number[], at: string) => void;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO punch_outbox (event_id, device_serial, raw_request_id, payload, created_at)
       VALUES (@eventId, @deviceSerial, @rawRequestId, @payload, @createdAt)`,
    );
    this.nextStmt = db.prepare(
      'SELECT id, payload FROM punch_outbox WHERE published_at IS NULL AND rejected_reason IS NULL ORDER BY id LIMIT ?',
    );
    this.markStmt = db.prepare('UPDATE punch_outbox SET published_at = ? WHERE id = ?');
    this.backlogStmt = db.prepare(
      'SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM punch_outbox WHERE published_at IS NULL AND rejected_reason IS NULL',
    );
    this.rejectStmt = db.prepare('UPDATE punch_outbox SET rejected_reason = ? WHERE id = ?');
    this.markMany = db.transaction((ids: readonly number[], at: string) => {
      for (const id of ids) this.markStmt.run(at, id);
    });
  }

  insert(punch: NewOutboxPunch): void {
    this.insertStmt.run(punch);
  }

  /** Oldest unpublished punches first (DESIGN.md 6: drain oldest first). */
  nextUnpublished(limit: number): OutboxPunch[] {
    return this.nextStmt.all(limit);
  }

  markPublished(ids: readonly number[], at: string): void {
    this.markMany(ids, at);
  }

  /** Sets a row aside (kept, visible, not retried) when its stored payload can no longer be published. */
  markRejected(id: number, reason: string): void {
    this.rejectStmt.run(reason.slice(0, 2000), id);
  }

  backlog(): { count: number; oldestCreatedAt: string | null } {
    const row = this.backlogStmt.get()!;
    return { count: row.count, oldestCreatedAt: row.oldest };
  }
}
