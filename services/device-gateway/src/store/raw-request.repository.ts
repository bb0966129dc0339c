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

/** The raw bytes of every data-carrying device request, kept so nothing a device sent can be lost. */
export class RawRequestRepository {
  private readonly insertStmt: Statement;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO raw_request (device_serial, protocol, table_name, query, body, received_at, outcome)
       VALUES (@deviceSerial, @protocol, @tableName, @query, @body, @receivedAt, @outcome)`,
    );
  }

  insert(request: NewRawRequest): number {
    return Number(this.insertStmt.run(request).lastInsertRowid);
  }
}
