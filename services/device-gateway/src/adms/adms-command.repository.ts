import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export type AdmsCommandStatus = 'pending' | 'sent' | 'done' | 'expired';

export interface AdmsCommandRow {
  id: number;
  deviceSerial: string;
  command: string;
  status: AdmsCommandStatus;
  enqueuedAt: string;
  deadlineAt: string;
  sentAt: string | null;
  sendCount: number;
  completedAt: string | null;
  returnCode: number | null;
  resultBody: Record<string, string> | null;
  resultRaw: string | null;
}

/** The `adms_command` table: commands queued for ADMS devices and the results they posted back. */
export class AdmsCommandRepository {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<[number], Record<string, unknown>>;
  private readonly deliverableStmt: Statement<[string, string, string, number], Record<string, unknown>>;
  private readonly markSentStmt: Statement;
  private readonly completeStmt: Statement;
  private readonly expireStmt: Statement;

  constructor(private readonly db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO adms_command (device_serial, command, status, enqueued_at, deadline_at)
       VALUES (?, ?, 'pending', ?, ?)`,
    );
    this.getStmt = db.prepare('SELECT * FROM adms_command WHERE id = ?');
    // Pending commands, and sent ones the device never answered (it may have rebooted) once resendBefore passed.
    this.deliverableStmt = db.prepare(
      `SELECT * FROM adms_command
       WHERE device_serial = ? AND status IN ('pending', 'sent') AND deadline_at > ?
         AND (status = 'pending' OR sent_at <= ?)
       ORDER BY id LIMIT ?`,
    );
    this.markSentStmt = db.prepare(`UPDATE adms_command SET status = 'sent', sent_at = ?, send_count = send_count + 1 WHERE id = ?`);
    this.completeStmt = db.prepare(
      `UPDATE adms_command SET status = 'done', completed_at = ?, return_code = ?, result_body = ?, result_raw = ?
       WHERE id = ? AND device_serial = ? AND status IN ('pending', 'sent', 'expired')`,
    );
    this.expireStmt = db.prepare(`UPDATE adms_command SET status = 'expired' WHERE status IN ('pending', 'sent') AND deadline_at <= ?`);
  }

  insert(serial: string, command: string, enqueuedAt: string, deadlineAt: string): number {
    return Number(this.insertStmt.run(serial, command, enqueuedAt, deadlineAt).lastInsertRowid);
  }

  get(id: number): AdmsCommandRow | null {
    const row = this.getStmt.get(id);
    return row ? toRow(row) : null;
  }

  /** Marks the returned commands as sent, in one transaction with the select. */
  takeDeliverable(serial: string, now: string, resendBefore: string, limit: number): AdmsCommandRow[] {
    return this.db.transaction(() => {
      const rows = this.deliverableStmt.all(serial, now, resendBefore, limit).map(toRow);
      for (const row of rows) this.markSentStmt.run(now, row.id);
      return rows;
    })();
  }

  /**
   * Stores a result. A late result for an expired command is still recorded (the device did run it), but
   * the waiter has already been told it expired. Returns false for an id this device was never given.
   */
  complete(id: number, serial: string, result: { returnCode: number; body: Record<string, string>; raw: string }, now: string): boolean {
    return this.completeStmt.run(now, result.returnCode, JSON.stringify(result.body), result.raw, id, serial).changes > 0;
  }

  expireOverdue(now: string): number {
    return this.expireStmt.run(now).changes;
  }
}

function toRow(row: Record<string, unknown>): AdmsCommandRow {
  return {
    id: row.id as number,
    deviceSerial: row.device_serial as string,
    command: row.command as string,
    status: row.status as AdmsCommandStatus,
    enqueuedAt: row.enqueued_at as string,
    deadlineAt: row.deadline_at as string,
    sentAt: (row.sent_at as string | null) ?? null,
    sendCount: row.send_count as number,
    completedAt: (row.completed_at as string | null) ?? null,
    returnCode: (row.return_code as number | null) ?? null,
    resultBody: row.result_body ? (JSON.parse(row.result_body as string) as Record<string, string>) : null,
    resultRaw: (row.result_raw as string | null) ?? null,
  };
}
