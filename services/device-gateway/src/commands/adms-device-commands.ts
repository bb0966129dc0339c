import type { Statement } from 'better-sqlite3';
import type { PunchRawV1 } from '@attendance/contracts';
import type { EdgeStore } from '../store/edge-store';
import { deviceLocalTime, inWindow, type UtcWindow } from '../pull/utc-window';
import type { WindowReadOutcome } from '../pull/pulled-device';

/** What the ADMS command queue offers (src/adms/adms-command-queue.ts); typed here so commands depend on the shape only. */
export interface AdmsCommandChannel {
  enqueue(serial: string, command: string, opts?: { deadlineMs?: number }): { id: number };
  waitForResult(id: number, timeoutMs: number): Promise<{ returnCode: number; body: Record<string, string>; raw: string }>;
}

export class AdmsCommandFailedError extends Error {
  constructor(
    readonly command: string,
    readonly returnCode: number,
  ) {
    super(`device answered Return=${returnCode} to ${command.split(' ').slice(0, 3).join(' ')}`);
    this.name = 'AdmsCommandFailedError';
  }
}

/**
 * Backfill, count and user commands for ADMS (push) devices, through the getrequest command queue
 * (device-protocols.md §1.7): `DATA QUERY ATTLOG` makes the device re-upload the window as ordinary ATTLOG
 * uploads (stored by AdmsUploadService), `VERIFY SUM ATTLOG` returns its own count, `DATA UPDATE/DELETE
 * USERINFO` writes users. Windows are sent in the device's local time, end inclusive, so [from, to) ends one
 * second before `to`.
 */
export class AdmsDeviceCommands {
  private readonly maxIdStmt: Statement<[], { id: number | null }>;
  private readonly sinceStmt: Statement<[string, number], { event_id: string; payload: string }>;
  private readonly knownBeforeStmt: Statement<[string, string, number], { n: number }>;

  constructor(
    private readonly store: EdgeStore,
    private readonly queue: AdmsCommandChannel,
  ) {
    this.maxIdStmt = store.db.prepare('SELECT MAX(id) AS id FROM punch_outbox');
    this.sinceStmt = store.db.prepare('SELECT event_id, payload FROM punch_outbox WHERE device_serial = ? AND id > ? ORDER BY id');
    this.knownBeforeStmt = store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ? AND event_id = ? AND id <= ?');
  }

  /**
   * Asks the device to re-upload the window and counts what arrived: `found` = distinct punches of the window
   * stored since the command was queued, `new` = those whose eventId was not in punch_outbox before.
   */
  async backfill(serial: string, timeZone: string, window: UtcWindow, deadline: Date): Promise<WindowReadOutcome> {
    const before = this.maxIdStmt.get()!.id ?? 0;
    const command = `DATA QUERY ATTLOG StartTime=${deviceLocalTime(window.from, timeZone)}\tEndTime=${endOf(window, timeZone)}`;
    const result = await this.run(serial, command, deadline);
    const found = new Set<string>();
    let fresh = 0;
    for (const row of this.sinceStmt.all(serial, before)) {
      const punch = JSON.parse(row.payload) as PunchRawV1;
      if (!inWindow(punch.punchedAt, window) || found.has(row.event_id)) continue;
      found.add(row.event_id);
      if (this.knownBeforeStmt.get(serial, row.event_id, before)!.n === 0) fresh++;
    }
    // A real device answers -1 to a query of an empty window (device-protocols.md §1.7).
    if (result.returnCode !== 0 && !(result.returnCode === -1 && found.size === 0)) throw new AdmsCommandFailedError(command, result.returnCode);
    return { found: found.size, new: fresh, quarantined: 0, complete: true, incompleteReasons: [] };
  }

  async countWindows(serial: string, timeZone: string, windows: readonly UtcWindow[], deadline: Date): Promise<number[]> {
    const counts: number[] = [];
    for (const window of windows) {
      const command = `VERIFY SUM ATTLOG StartTime=${deviceLocalTime(window.from, timeZone)}\tEndTime=${endOf(window, timeZone)}`;
      const result = await this.run(serial, command, deadline);
      const sum = Number(result.body['AttlogSum'] ?? result.body['attlogsum']);
      if (result.returnCode !== 0) throw new AdmsCommandFailedError(command, result.returnCode);
      if (!Number.isInteger(sum) || sum < 0) throw new Error(`VERIFY SUM ATTLOG answer has no AttlogSum: ${result.raw.slice(0, 200)}`);
      counts.push(sum);
    }
    return counts;
  }

  /** Writes and deletes users; returns the failures (command, return code). */
  async pushUsers(serial: string, upserts: readonly { pin: string; name: string | null }[], deletes: readonly string[], deadline: Date): Promise<{ sent: number; failed: { command: string; returnCode: number }[] }> {
    const commands = [
      ...upserts.map((u) => `DATA UPDATE USERINFO PIN=${u.pin}${u.name ? `\tName=${u.name.replace(/[\t\r\n]/g, ' ')}` : ''}`),
      ...deletes.map((pin) => `DATA DELETE USERINFO PIN=${pin}`),
    ];
    const queued = commands.map((command) => ({ command, id: this.queue.enqueue(serial, command, { deadlineMs: remaining(deadline) }).id }));
    const failed: { command: string; returnCode: number }[] = [];
    for (const { command, id } of queued) {
      const result = await this.queue.waitForResult(id, remaining(deadline));
      if (result.returnCode !== 0) failed.push({ command, returnCode: result.returnCode });
    }
    return { sent: commands.length, failed };
  }

  private async run(serial: string, command: string, deadline: Date) {
    const { id } = this.queue.enqueue(serial, command, { deadlineMs: remaining(deadline) });
    return this.queue.waitForResult(id, remaining(deadline));
  }
}

function endOf(window: UtcWindow, timeZone: string): string {
  return deviceLocalTime(new Date(Date.parse(window.to) - 1000), timeZone);
}

function remaining(deadline: Date): number {
  return Math.max(1, deadline.getTime() - Date.now());
}
