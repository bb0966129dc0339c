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
