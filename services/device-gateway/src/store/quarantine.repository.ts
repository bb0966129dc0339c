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

/** A quarantined line that a later read may turn into a punch, with the table its raw request read. */
export interface RetryableQuarantinedLine {
  id: number;
  rawRequestId: number;
  rawLine: Buffer;
  detail: string;
  createdAt: string;
}

/**
 * Reason prefix of a line that was quarantined and later became a punch (e.g. `resolved:unresolved-user`):
 * the row is kept for audit, with what it became in its detail, and is never retried again.
 */
export const RESOLVED_REASON_PREFIX = 'resolved:';

/** Lines that could not become punches, with their raw bytes and why (DESIGN.md 3.4). */
export class QuarantineRepository {
  private readonly insertStmt: Statement;
  private readonly listStmt: Statement<[number], Record<string, unknown>>;
  private readonly pageStmt: Statement<{ beforeId: number; serial: string | null; limit: number }, Record<string, unknown>>;
  private readonly getStmt: Statement<[number], Record<string, unknown>>;
  private readonly countStmt: Statement<{ serial: string | null }, { n: number }>;
  private readonly retryableIdsStmt: Statement<{ serial: string; reason: string; tableName: string }, { id: number }>;
  private readonly retryableRowsStmt: Statement<[string], Record<string, unknown>>;
  private readonly reclassifyStmt: Statement<{ id: number; from: string; reason: string; detail: string }>;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO quarantine (raw_request_id, device_serial, line_number, raw_line, reason, detail, created_at)
       VALUES (@rawRequestId, @deviceSerial, @lineNumber, @rawLine, @reason, @detail, @createdAt)`,
    );
    this.listStmt = db.prepare(
      `SELECT id, raw_request_id, device_serial, line_number, raw_line, reason, detail, created_at
       FROM quarantine ORDER BY id DESC LIMIT ?`,
    );
    this.pageStmt = db.prepare(
      `SELECT id, raw_request_id, device_serial, line_number, raw_line, reason, detail, created_at
       FROM quarantine WHERE id < @beforeId AND (@serial IS NULL OR device_serial = @serial) ORDER BY id DESC LIMIT @limit`,
    );
    this.getStmt = db.prepare(
      'SELECT id, raw_request_id, device_serial, line_number, raw_line, reason, detail, created_at FROM quarantine WHERE id = ?',
    );
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM quarantine WHERE (@serial IS NULL OR device_serial = @serial)');
    // Two steps, because no index has (device, reason): the ids in one scan of the device's rows, then the
    // rows by primary key a page at a time (a LIMITed scan per page would re-scan the device's rows per page).
    this.retryableIdsStmt = db.prepare(
      `SELECT q.id FROM quarantine q JOIN raw_request r ON r.id = q.raw_request_id
       WHERE q.device_serial = @serial AND q.reason = @reason AND r.table_name = @tableName ORDER BY q.id`,
    );
    this.retryableRowsStmt = db.prepare(
      'SELECT id, raw_request_id, raw_line, detail, created_at FROM quarantine WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id',
    );
    this.reclassifyStmt = db.prepare('UPDATE quarantine SET reason = @reason, detail = @detail WHERE id = @id AND reason = @from');
  }

  insert(line: NewQuarantinedLine): void {
    this.insertStmt.run(line);
  }

  latest(limit: number): QuarantinedLine[] {
    return this.listStmt.all(limit).map(toQuarantinedLine);
  }

  /** Newest first, keyset-paged: lines with id below `beforeId` (pass the last id of the previous page). */
  page(query: { beforeId?: number; deviceSerial?: string; limit: number }): QuarantinedLine[] {
    return this.pageStmt
      .all({ beforeId: query.beforeId ?? Number.MAX_SAFE_INTEGER, serial: query.deviceSerial ?? null, limit: query.limit })
      .map(toQuarantinedLine);
  }

  get(id: number): QuarantinedLine | null {
    const row = this.getStmt.get(id);
    return row ? toQuarantinedLine(row) : null;
  }

  count(deviceSerial?: string): number {
    return this.countStmt.get({ serial: deviceSerial ?? null })!.n;
  }

  /** Ids of one device's lines still quarantined for `reason` from requests of `tableName`, oldest first. */
  retryableIds(query: { deviceSerial: string; reason: string; tableName: string }): number[] {
    return this.retryableIdsStmt.all({ serial: query.deviceSerial, reason: query.reason, tableName: query.tableName }).map((row) => row.id);
  }

  /** Those lines with their bytes, for a page of ids from {@link retryableIds}. */
  retryableLines(ids: readonly number[]): RetryableQuarantinedLine[] {
    return this.retryableRowsStmt.all(JSON.stringify(ids)).map((row) => ({
      id: row.id as number,
      rawRequestId: row.raw_request_id as number,
      rawLine: row.raw_line as Buffer,
      detail: row.detail as string,
      createdAt: row.created_at as string,
    }));
  }

  /**
   * Changes the reason of a line still quarantined for `from` (resolved, or quarantined now for another
   * reason). The row, its raw bytes and its request stay. False when the line no longer has reason `from`.
   */
  reclassify(id: number, from: string, reason: string, detail: string): boolean {
    return this.reclassifyStmt.run({ id, from, reason, detail: detail.slice(0, 2000) }).changes === 1;
  }
}

function toQuarantinedLine(row: Record<string, unknown>): QuarantinedLine {
  return {
    id: row.id as number,
    rawRequestId: row.raw_request_id as number,
    deviceSerial: row.device_serial as string,
    lineNumber: row.line_number as number,
    rawLine: row.raw_line as Buffer,
    reason: row.reason as string,
    detail: row.detail as string,
    createdAt: row.created_at as string,
  };
}
