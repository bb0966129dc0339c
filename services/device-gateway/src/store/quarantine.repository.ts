import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from './edge-database';

export interface NewQuarantinedLine {
  rawRequestId: number;
  deviceSerial: string;
  lineNumber: number;
  rawLine: Buffer;
  reason: string;
  detail: string;
  createdAt: string;
}

export interface QuarantinedLine extends Omit<NewQuarantinedLine, 'rawLine'> {
  id: number;
  rawLine: Buffer;
}

/** Lines that could not become punches, with their raw bytes and why (DESIGN.md 3.4). */
export class QuarantineRepository {
  private readonly insertStmt: Statement;
  private readonly listStmt: Statement<[number], Record<string, unknown>>;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO quarantine (raw_request_id, device_serial, line_number, raw_line, reason, detail, created_at)
       VALUES (@rawRequestId, @deviceSerial, @lineNumber, @rawLine, @reason, @detail, @createdAt)`,
    );
    this.listStmt = db.prepare(
      `SELECT id, raw_request_id, device_serial, line_number, raw_line, reason, detail, created_at
       FROM quarantine ORDER BY id DESC LIMIT ?`,
    );
  }

  insert(line: NewQuarantinedLine): void {
    this.insertStmt.run(line);
  }

  latest(limit: number): QuarantinedLine[] {
    return this.listStmt.all(limit).map((row) => ({
      id: row.id as number,
      rawRequestId: row.raw_request_id as number,
      deviceSerial: row.device_serial as string,
      lineNumber: row.line_number as number,
      rawLine: row.raw_line as Buffer,
      reason: row.reason as string,
      detail: row.detail as string,
      createdAt: row.created_at as string,
    }));
  }
}
