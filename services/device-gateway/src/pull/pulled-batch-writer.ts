import type { Statement } from 'better-sqlite3';
import type { PunchProtocol, PunchRawV1 } from '@attendance/contracts';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import type { DiskBudget } from '../store/disk-budget';
import type { EdgeStore } from '../store/edge-store';
import { RESOLVED_REASON_PREFIX, type RetryableQuarantinedLine } from '../store/quarantine.repository';
import { DeviceStateRepository } from './device-state.repository';
import { PullCursorRepository } from './pull-cursor.repository';

/**
 * One record a pull (or a device push on a pull-mode device) returned, with what the punch builder made of it.
 * `rawText` is its line in the stored raw body (ZK: the record's bytes as hex; ISAPI: the event's JSON) and
 * `rawBytes` what quarantine keeps (ZK: the record's exact bytes; ISAPI: the JSON as UTF-8).
 */
export interface PulledRecord {
  rawText: string;
  rawBytes: Buffer;
  built: { ok: true; punch: PunchRawV1 } | { ok: false; reason: string; detail: string };
}

export interface PulledBatch {
  deviceSerial: string;
  /** Config protocol of the device (`zk-tcp`, `hikvision`), as raw_request.protocol. */
  protocol: string;
  /** Contract protocol, for line-quarantined events. */
  punchProtocol: PunchProtocol;
  /** What was read: `ATTLOG` (ZK log), `EF_ATTLOG` (ZK realtime), `AcsEvent`, `alertStream`, `httpHosts`. */
  tableName: string;
  /** How it was read, for the operator (trigger, window, serial range...). */
  query: string;
  receivedAt: Date;
  records: readonly PulledRecord[];
  /**
   * A device push is stored raw as received, whatever it contains (it is acknowledged on commit). A pull stores
   * only the lines of new punches and first-time quarantines: a re-read returns the whole log, and what was
   * stored before is already kept with its raw bytes.
   */
  rawBody?: Buffer;
  /** Cursor moved in the same transaction as the punches it covers. */
  cursor?: { channel: string; value: string };
  gaps?: readonly { from: number; to: number; basis: string }[];
}

export interface PulledBatchOutcome {
  /** Punches the batch held (valid records, each eventId once). */
  found: number;
  /** Of those, punches not stored before: written to punch_outbox. */
  new: number;
  /** Records quarantined now for the first time. */
  quarantined: number;
  /** Bad records already quarantined by an earlier read. */
  quarantinedBefore: number;
  newEventIds: string[];
}

/** A quarantined line rebuilt after what made it fail changed (e.g. the user table was re-read). */
export interface QuarantineRetry {
  quarantineId: number;
  /** The raw request the line came in: the punch's stored evidence, as when it is stored on first read. */
  rawRequestId: number;
  /** The reason it is quarantined for now; the row is only changed if it still has it. */
  reason: string;
  /** What the line was quarantined with, kept in the new detail for audit. */
  detail: string;
  built: PulledRecord['built'];
}

export interface QuarantineRetryOutcome {
  /** Lines that became punches: their rows are marked `resolved:<reason>`. */
  resolved: number;
  /** Of those, punches not stored before (written to punch_outbox); the rest were already known by eventId. */
  new: number;
  /** Lines that still fail, now for another reason (the row's reason is updated, it stays quarantined). */
  reclassified: number;
  newEventIds: string[];
}

/**
 * Writes what a pull returned the way AdmsUploadService writes an upload: ONE SQLite transaction holds the raw
 * bytes, the new punches (outbox), the quarantined records with their bytes and reason, the cursor and the
 * gaps, and the device events they cause. A punch whose eventId is already stored is counted, not stored again,
 * so re-reads, realtime events and pushes of the same punch collapse here already (the cloud dedupes anyway).
 */
export class PulledBatchWriter {
  readonly cursors: PullCursorRepository;
  readonly states: DeviceStateRepository;
  private readonly seenStmt: Statement<[string, string], { n: number }>;
  private readonly markSeenStmt: Statement;
  private readonly quarantinedStmt: Statement<[string, Buffer], { n: number }>;
  private readonly lastIdStmt: Statement<[], { id: number }>;

  constructor(
    private readonly store: EdgeStore,
    private readonly events: DeviceEventRecorder,
    private readonly onPunchesStored: () => void,
    /** When spent, nothing is stored (DESIGN.md 3.5): the records stay on the device and the cursor does not move. */
    private readonly diskBudget?: DiskBudget,
  ) {
    this.cursors = new PullCursorRepository(store.db);
    this.states = new DeviceStateRepository(store.db);
    this.seenStmt = store.db.prepare(
      'SELECT (EXISTS (SELECT 1 FROM punch_seen WHERE event_id = ?) OR EXISTS (SELECT 1 FROM punch_outbox WHERE event_id = ?)) AS n',
    );
    this.markSeenStmt = store.db.prepare('INSERT OR IGNORE INTO punch_seen (event_id, device_serial, first_source, first_seen_at) VALUES (?, ?, ?, ?)');
    this.quarantinedStmt = store.db.prepare('SELECT COUNT(*) AS n FROM quarantine WHERE device_serial = ? AND raw_line = ?');
    this.lastIdStmt = store.db.prepare('SELECT last_insert_rowid() AS id');
  }

  /** One device's lines still quarantined for `reason` from requests of `tableName`: their ids, oldest first. */
  quarantinedIds(query: { deviceSerial: string; reason: string; tableName: string }): number[] {
    return this.store.quarantine.retryableIds(query);
  }

  /** Quarantined lines with their bytes, by id (a page of {@link quarantinedIds}). */
  quarantinedLines(ids: readonly number[]): RetryableQuarantinedLine[] {
    return this.store.quarantine.retryableLines(ids);
  }

  /** True when this punch identity is already stored (punch_seen, or the outbox for push devices). */
  isKnown(eventId: string): boolean {
    return this.seenStmt.get(eventId, eventId)!.n === 1;
  }

  /** @throws DiskBudgetExceededError before writing anything when the storage budget is spent. */
  write(batch: PulledBatch): PulledBatchOutcome {
    this.diskBudget?.assertRoom();
    const now = batch.receivedAt.toISOString();
    const outcome = this.store.transaction((): PulledBatchOutcome => {
      const result: PulledBatchOutcome = { found: 0, new: 0, quarantined: 0, quarantinedBefore: 0, newEventIds: [] };
      const inBatch = new Set<string>();
      const fresh: { record: PulledRecord; punch: PunchRawV1 }[] = [];
      const bad: { record: PulledRecord; reason: string; detail: string }[] = [];
      for (const record of batch.records) {
        if (record.built.ok) {
          const { punch } = record.built;
          if (inBatch.has(punch.eventId)) continue;
          inBatch.add(punch.eventId);
          result.found++;
          if (!this.isKnown(punch.eventId)) fresh.push({ record, punch });
        } else if (batch.rawBody === undefined && this.quarantinedStmt.get(batch.deviceSerial, record.rawBytes)!.n > 0) {
          result.quarantinedBefore++;
        } else {
          bad.push({ record, reason: record.built.reason, detail: record.built.detail });
        }
      }

      if (fresh.length > 0 || bad.length > 0 || batch.rawBody !== undefined) {
        const lines = [...fresh.map((f) => f.record), ...bad.map((b) => b.record)];
        const rawRequestId = this.store.rawRequests.insert({
          deviceSerial: batch.deviceSerial,
          protocol: batch.protocol,
          tableName: batch.tableName,
          query: batch.query,
          body: batch.rawBody ?? Buffer.from(lines.map((l) => l.rawText).join('\n'), 'utf8'),
          receivedAt: now,
          outcome: 'parsed',
        });
        for (const { punch } of fresh) {
          this.store.outbox.insert({ eventId: punch.eventId, deviceSerial: batch.deviceSerial, rawRequestId, payload: JSON.stringify(punch), createdAt: now });
          this.markSeenStmt.run(punch.eventId, batch.deviceSerial, punch.source, now);
          this.states.notePunch(batch.deviceSerial, punch.punchedAt, now);
          result.newEventIds.push(punch.eventId);
        }
        result.new = fresh.length;
        bad.forEach(({ record, reason, detail }, index) => {
          // Line numbers point into the stored body: new punches first, then the quarantined records.
          this.store.quarantine.insert({
            rawRequestId,
            deviceSerial: batch.deviceSerial,
            lineNumber: batch.rawBody === undefined ? fresh.length + index + 1 : index + 1,
            rawLine: record.rawBytes,
            reason,
            detail: detail.slice(0, 2000),
            createdAt: now,
          });
          const quarantineId = this.lastIdStmt.get()!.id;
          this.events.record({
            type: 'line-quarantined',
            deviceSerial: batch.deviceSerial,
            protocol: batch.punchProtocol,
            quarantineId: String(quarantineId),
            reason,
            detail: detail.slice(0, 1000),
            rawExcerpt: record.rawText.slice(0, 1024),
            occurredAt: now,
          });
        });
        result.quarantined = bad.length;
      }
      for (const gap of batch.gaps ?? []) this.cursors.addGap(batch.deviceSerial, gap, now);
      if (batch.cursor) this.cursors.set(batch.deviceSerial, batch.cursor.channel, batch.cursor.value, now);
      return result;
    });
    if (outcome.new > 0) this.onPunchesStored();
    return outcome;
  }

  /**
   * Applies rebuilt quarantined lines in ONE transaction: a line that is now a punch is stored like a new
   * punch of a read (outbox + punch_seen, unless its eventId is already stored: then it is only counted) and
   * its quarantine row is marked `resolved:<reason>` with the punch it became, kept for audit; a line that now
   * fails for another reason keeps its row with that reason. A line still failing for the same reason is left
   * as it is. Rows changed meanwhile (no longer with `reason`) are skipped, so a retry never runs twice.
   * @throws DiskBudgetExceededError before writing anything when the storage budget is spent.
   */
  retryQuarantined(deviceSerial: string, retries: readonly QuarantineRetry[], at: Date): QuarantineRetryOutcome {
    this.diskBudget?.assertRoom();
    const now = at.toISOString();
    const outcome = this.store.transaction((): QuarantineRetryOutcome => {
      const result: QuarantineRetryOutcome = { resolved: 0, new: 0, reclassified: 0, newEventIds: [] };
      for (const retry of [...retries].sort((a, b) => a.quarantineId - b.quarantineId)) {
        const { built } = retry;
        if (!built.ok) {
          if (built.reason === retry.reason) continue;
          const detail = `${built.detail} (first quarantined as ${retry.reason}: ${retry.detail})`;
          if (this.store.quarantine.reclassify(retry.quarantineId, retry.reason, built.reason, detail)) result.reclassified++;
          continue;
        }
        const { punch } = built;
        const detail = `resolved ${now}: user ${punch.deviceUserId}, event ${punch.eventId} (was: ${retry.detail})`;
        if (!this.store.quarantine.reclassify(retry.quarantineId, retry.reason, `${RESOLVED_REASON_PREFIX}${retry.reason}`, detail)) continue;
        result.resolved++;
        if (this.isKnown(punch.eventId)) continue;
        this.store.outbox.insert({ eventId: punch.eventId, deviceSerial, rawRequestId: retry.rawRequestId, payload: JSON.stringify(punch), createdAt: now });
        this.markSeenStmt.run(punch.eventId, deviceSerial, punch.source, now);
        this.states.notePunch(deviceSerial, punch.punchedAt, now);
        result.newEventIds.push(punch.eventId);
        result.new++;
      }
      return result;
    });
    if (outcome.new > 0) this.onPunchesStored();
    return outcome;
  }
}
