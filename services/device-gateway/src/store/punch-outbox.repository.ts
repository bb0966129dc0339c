import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { z } from 'zod';
import { TOPICS } from '@attendance/contracts';
import type { EdgeDatabase } from './edge-database';

/**
 * The contract version this gateway validates punch payloads with, recorded with every row it stores: the topic
 * name and a fingerprint of its schema (fields, types, patterns, enums, lengths), so any change to the punch
 * contract in a new gateway version makes the rows of the old one "another version" without anyone having to
 * remember to bump a number. Refinements JSON Schema cannot express (eventId = punchEventId(...), the ICU zone
 * check) are not in the fingerprint; they are part of the punch identity and do not change within v1.
 */
export const PUNCH_PAYLOAD_VERSION = `${TOPICS.punchRaw.name}#${createHash('sha256')
  .update(JSON.stringify(z.toJSONSchema(TOPICS.punchRaw.schema, { io: 'input', unrepresentable: 'any' })))
  .digest('hex')
  .slice(0, 16)}`;

export interface NewOutboxPunch {
  eventId: string;
  deviceSerial: string;
  rawRequestId: number;
  /** Must have passed TOPICS.punchRaw's schema in this process (every punch builder checks before storing). */
  payload: string;
  createdAt: string;
  /**
   * Which contract validated `payload`: PUNCH_PAYLOAD_VERSION unless given. null = unknown (what rows of an
   * older gateway have), so the relay checks the payload again before sending it.
   */
  payloadVersion?: string | null;
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
  /** 1 when the payload was validated by this gateway's contract version (PUNCH_PAYLOAD_VERSION) when stored, else 0. */
  sameVersion: number;
}

/** One device's part of a batch read: its rows after `afterId`, `share` of them (one more when `extra`). */
export interface DeviceShare {
  serial: string;
  afterId: number;
  extra?: boolean;
}

const UNSENT = 'published_at IS NULL AND rejected_reason IS NULL';

/** Parsed punches waiting for (or done with) their trip to Kafka. */
export class PunchOutboxRepository {
  private readonly insertStmt: Statement;
  private readonly nextStmt: Statement<[number], OutboxPunch>;
  private readonly nextOfDeviceStmt: Statement<[string, number, number], PendingPunch>;
  private readonly nextOfDevicesStmt: Statement<[{ devices: string; skip: number; skipWide: number; version: string }], PendingPunch>;
  private readonly devicesAfterStmt: Statement<[string, number], { serial: string }>;
  private readonly markRangeStmt: Statement<[string, number, number]>;
  private readonly markRanges: (sortedIds: readonly number[], at: string) => void;
  private readonly countStmt: Statement<[], { count: number }>;
  private readonly oldestStmt: Statement<[], { created_at: string }>;
  private readonly byDeviceStmt: Statement<[], { device_serial: string; count: number }>;
  private readonly rejectStmt: Statement;
  private readonly pruneStmt: Statement<[string, number]>;

  constructor(private readonly db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO punch_outbox (event_id, device_serial, raw_request_id, payload, created_at, payload_version)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.nextStmt = db.prepare(`SELECT id, payload FROM punch_outbox WHERE ${UNSENT} ORDER BY id LIMIT ?`);
    this.nextOfDeviceStmt = db.prepare(
      `SELECT id, event_id AS eventId, device_serial AS deviceSerial, payload, (payload_version IS '${PUNCH_PAYLOAD_VERSION}') AS sameVersion
       FROM punch_outbox INDEXED BY punch_outbox_device_unpublished
       WHERE device_serial = ? AND id > ? AND ${UNSENT} ORDER BY id LIMIT ?`,
    );
    // One statement for a whole batch: per device (serial, after-id, extra) from a JSON array, its oldest
    // `share` unsent rows (share + 1 when extra). The correlated subquery finds the id of each device's last row
    // (an index walk of `share` entries), which bounds the join; NULL when the device has fewer rows than that.
    // NOTE: two subqueries because SQLite's OFFSET may not refer to a column of the outer query.
    const nthRow = (offset: string) =>
      `(SELECT q.id FROM punch_outbox AS q INDEXED BY punch_outbox_device_unpublished
        WHERE q.device_serial = d.value ->> 0 AND q.id > d.value ->> 1 AND q.published_at IS NULL AND q.rejected_reason IS NULL
        ORDER BY q.id LIMIT 1 OFFSET ${offset})`;
    this.nextOfDevicesStmt = db.prepare(
      `SELECT p.id, p.event_id AS eventId, p.device_serial AS deviceSerial, p.payload, (p.payload_version IS @version) AS sameVersion
       FROM json_each(@devices) AS d
       JOIN punch_outbox AS p INDEXED BY punch_outbox_device_unpublished
         ON p.device_serial = d.value ->> 0 AND p.id > d.value ->> 1
       WHERE p.published_at IS NULL AND p.rejected_reason IS NULL
         AND p.id <= coalesce(CASE WHEN d.value ->> 2 THEN ${nthRow('@skipWide')} ELSE ${nthRow('@skip')} END, 9223372036854775807)
       ORDER BY p.id`,
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
    // A batch is mostly runs of consecutive ids (devices buffered side by side): one range seek per run.
    this.markRangeStmt = db.prepare('UPDATE punch_outbox SET published_at = ? WHERE id BETWEEN ? AND ?');
    this.markRanges = db.transaction((sorted: readonly number[], at: string) => {
      let low = sorted[0]!;
      let high = low;
      for (let i = 1; i < sorted.length; i++) {
        const id = sorted[i]!;
        if (id === high || id === high + 1) {
          high = id;
          continue;
        }
        this.markRangeStmt.run(at, low, high);
        low = high = id;
      }
      this.markRangeStmt.run(at, low, high);
    });
    this.countStmt = db.prepare(`SELECT COUNT(*) AS count FROM punch_outbox WHERE ${UNSENT}`);
    this.oldestStmt = db.prepare(`SELECT created_at FROM punch_outbox WHERE ${UNSENT} ORDER BY id LIMIT 1`);
    this.byDeviceStmt = db.prepare(
      `SELECT device_serial, COUNT(*) AS count FROM punch_outbox INDEXED BY punch_outbox_device_unpublished WHERE ${UNSENT} GROUP BY device_serial`,
    );
    this.rejectStmt = db.prepare('UPDATE punch_outbox SET rejected_reason = ? WHERE id = ?');
    // NOTE: `published_at IS NOT NULL` keeps unsent rows out of reach whatever the cutoff (DESIGN.md 3.5).
    this.pruneStmt = db.prepare(
      `DELETE FROM punch_outbox WHERE id IN (
         SELECT id FROM punch_outbox WHERE published_at IS NOT NULL AND published_at < ? ORDER BY published_at LIMIT ?)`,
    );
  }

  insert(punch: NewOutboxPunch): void {
    const version = punch.payloadVersion === undefined ? PUNCH_PAYLOAD_VERSION : punch.payloadVersion;
    this.insertStmt.run(punch.eventId, punch.deviceSerial, punch.rawRequestId, punch.payload, punch.createdAt, version);
  }

  /** Oldest unpublished punches first (DESIGN.md 6: drain oldest first). */
  nextUnpublished(limit: number): OutboxPunch[] {
    return this.nextStmt.all(limit);
  }

  /** The oldest unsent punches of one device after id `afterId`, in id (= arrival) order. */
  nextUnpublishedOfDevice(deviceSerial: string, limit: number, afterId = 0): PendingPunch[] {
    return this.nextOfDeviceStmt.all(deviceSerial, afterId, limit);
  }

  /**
   * The oldest `share` unsent punches of each device after its `afterId` (`share + 1` for a device with
   * `extra`), all in one statement, sorted by id (arrival order), so a batch shared between many devices costs
   * one query instead of one per device.
   */
  nextUnpublishedOfDevices(devices: readonly DeviceShare[], share: number): PendingPunch[] {
    if (devices.length === 0 || share < 1) return [];
    const json = JSON.stringify(devices.map((d) => [d.serial, d.afterId, d.extra ? 1 : 0]));
    return this.nextOfDevicesStmt.all({ devices: json, skip: share - 1, skipWide: share, version: PUNCH_PAYLOAD_VERSION });
  }

  /** Serials with unsent punches, in serial order, starting after `after` ('' = from the first). */
  devicesWithBacklog(after: string, limit: number): string[] {
    return this.devicesAfterStmt.all(after, limit).map((row) => row.serial);
  }

  /**
   * Marks rows published: one transaction, one range update per run of consecutive ids.
   *
   * TRICKY: this commit is the only one that may skip the fsync (`synchronous=NORMAL` for this one
   * transaction; WAL order means the next FULL commit, e.g. a device upload, makes it durable too). Losing a
   * mark to a power cut re-sends rows the broker already has, which the cloud dedupes by eventId (DESIGN.md
   * 3.3), exactly like a crash between ack and mark; losing an upload would lose punches, so those stay FULL.
   * db.pragma, not a prepared statement: SQLite applies `PRAGMA synchronous = x` while preparing it, so re-running
   * a prepared one does nothing (this repository's first version did exactly that, and its marks stayed FULL).
   */
  markPublished(ids: readonly number[], at: string): void {
    if (ids.length === 0) return;
    const sorted = [...ids].sort((a, b) => a - b);
    const relaxSync = !this.db.inTransaction;
    if (relaxSync) this.db.pragma('synchronous = NORMAL');
    try {
      this.markRanges(sorted, at);
    } finally {
      if (relaxSync) this.db.pragma('synchronous = FULL');
    }
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

  /** Deletes at most `limit` rows published before `cutoff`; returns how many. */
  prunePublished(cutoff: string, limit: number): number {
    return this.pruneStmt.run(cutoff, limit).changes;
  }
}
