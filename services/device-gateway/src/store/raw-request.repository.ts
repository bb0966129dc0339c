import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from './edge-database';

export type RawRequestOutcome = 'parsed' | 'pending-device' | 'stored-unparsed';

export interface NewRawRequest {
  deviceSerial: string;
  protocol: string;
  tableName: string | null;
  query: string;
  body: Buffer;
  receivedAt: string;
  outcome: RawRequestOutcome;
}

export interface StoredRawRequest extends NewRawRequest {
  id: number;
}

/** The raw bytes of every data-carrying device request, kept so nothing a device sent can be lost. */
export class RawRequestRepository {
  private readonly insertStmt: Statement;
  private readonly pendingStmt: Statement<[string], Record<string, unknown>>;
  private readonly setOutcomeStmt: Statement<[RawRequestOutcome, number]>;
  private readonly metaStmt: Statement<[number], Record<string, unknown>>;
  private readonly windowStmt: Statement<[number, number], { upto: number | null; oldest: string | null }>;
  private readonly pruneStmt: Statement<{ after: number; upto: number; cutoff: string }>;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO raw_request (device_serial, protocol, table_name, query, body, received_at, outcome)
       VALUES (@deviceSerial, @protocol, @tableName, @query, @body, @receivedAt, @outcome)`,
    );
    this.pendingStmt = db.prepare("SELECT * FROM raw_request WHERE device_serial = ? AND outcome = 'pending-device' ORDER BY id");
    this.setOutcomeStmt = db.prepare('UPDATE raw_request SET outcome = ? WHERE id = ?');
    this.metaStmt = db.prepare(
      'SELECT id, device_serial, protocol, table_name, query, received_at, outcome, length(body) AS body_bytes FROM raw_request WHERE id = ?',
    );
    this.windowStmt = db.prepare('SELECT MAX(id) AS upto, MIN(received_at) AS oldest FROM (SELECT id, received_at FROM raw_request WHERE id > ? ORDER BY id LIMIT ?)');
    // NOTE: only `parsed` requests, and only once no punch (sent or not), quarantined line or photo refers to
    // one. Punch rows go only when published and past the retention, so a request whose punches are all
    // published and pruned goes too; one with an unsent or refused punch, a quarantined line (there is no
    // review that would release it), a pending device's upload or an unparsed one is kept whatever its age.
    this.pruneStmt = db.prepare(
      `DELETE FROM raw_request AS r
       WHERE r.id > @after AND r.id <= @upto AND r.received_at < @cutoff AND r.outcome = 'parsed'
         AND NOT EXISTS (SELECT 1 FROM punch_outbox p INDEXED BY punch_outbox_raw_request WHERE p.raw_request_id = r.id)
         AND NOT EXISTS (SELECT 1 FROM quarantine q INDEXED BY quarantine_raw_request WHERE q.raw_request_id = r.id)
         AND NOT EXISTS (SELECT 1 FROM adms_photo f INDEXED BY adms_photo_raw_request WHERE f.raw_request_id = r.id)`,
    );
  }

  insert(request: NewRawRequest): number {
    return Number(this.insertStmt.run(request).lastInsertRowid);
  }

  /** Requests kept raw while their device waited for approval, oldest first. */
  pendingForDevice(serial: string): StoredRawRequest[] {
    return this.pendingStmt.all(serial).map((row) => ({
      id: row.id as number,
      deviceSerial: row.device_serial as string,
      protocol: row.protocol as string,
      tableName: (row.table_name as string | null) ?? null,
      query: row.query as string,
      body: row.body as Buffer,
      receivedAt: row.received_at as string,
      outcome: row.outcome as RawRequestOutcome,
    }));
  }

  /**
   * Deletes the settled requests (see pruneStmt) received before `cutoff` among the `window` requests after id
   * `afterId`. Returns how many went and where to continue, or `next: null` when the window reached the end or
   * only held requests newer than the cutoff (ids follow arrival, so later ones are newer still).
   */
  pruneSettled(cutoff: string, afterId: number, window: number): { deleted: number; next: number | null } {
    const { upto, oldest } = this.windowStmt.get(afterId, window)!;
    if (upto === null || oldest === null || oldest >= cutoff) return { deleted: 0, next: null };
    const deleted = this.pruneStmt.run({ after: afterId, upto, cutoff }).changes;
    return { deleted, next: upto };
  }

  setOutcome(id: number, outcome: RawRequestOutcome): void {
    this.setOutcomeStmt.run(outcome, id);
  }

  /** A stored request without its body (for an operator looking at one of its quarantined lines). */
  meta(id: number): (Omit<StoredRawRequest, 'body'> & { bodyBytes: number }) | null {
    const row = this.metaStmt.get(id);
    if (!row) return null;
    return {
      id: row.id as number,
      deviceSerial: row.device_serial as string,
      protocol: row.protocol as string,
      tableName: (row.table_name as string | null) ?? null,
      query: row.query as string,
      receivedAt: row.received_at as string,
      outcome: row.outcome as RawRequestOutcome,
      bodyBytes: row.body_bytes as number,
    };
  }
}
