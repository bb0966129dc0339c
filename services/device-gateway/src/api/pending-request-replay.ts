import type { PunchProtocol } from '@attendance/contracts';
import type { Statement } from 'better-sqlite3';
import { auditEventOf } from '../adms/adms-audit-event';
import type { AdmsDeviceHealth } from '../adms/adms-device-health';
import { AdmsDeviceInfoService } from '../adms/adms-device-info.service';
import { AdmsDeviceReporter } from '../adms/adms-device-reporter';
import { AdmsDeviceUserRepository } from '../adms/adms-device-user.repository';
import { parseAttlogBody, type AttlogRecord, type AttlogRejectedLine } from '../adms/attlog-parser';
import { parseOptionsBody } from '../adms/device-info-parser';
import { parseOperlogBody } from '../adms/operlog-parser';
import { parseRtlogBody } from '../adms/rtlog-parser';
import type { GatewayConfig } from '../config/gateway.config';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import { buildPunchFromAttlog } from '../punches/attlog-punch-builder';
import type { EdgeStore } from '../store/edge-store';
import type { RawRequestOutcome } from '../store/raw-request.repository';

/** Requests replayed per transaction: bounded transactions (WAL size, event-loop stalls), few fsyncs. */
const REQUESTS_PER_TRANSACTION = 50;
/** Protocols whose stored requests we know how to replay (ADMS PUSH 2.x / 3.x: the only ones kept pending). */
const REPLAYABLE_PROTOCOLS = ['zk-push2', 'zk-push3'] as const;

export interface ReplayCounts {
  replayedRequests: number;
  punches: number;
  quarantined: number;
  /** OPERLOG USER records upserted into the device's user list. */
  users: number;
  /** OPLOG audit operations (time set, logs deleted, data cleared) recorded as device events. */
  audits: number;
  /**
   * Raw requests kept raw and pending, visible to the operator: of a protocol without a replay path, or whose
   * replay failed (rolled back alone, retried at the next approval or start; the others are not held up).
   */
  keptPending: number;
}

export const emptyReplayCounts = (): ReplayCounts => ({ replayedRequests: 0, punches: 0, quarantined: 0, users: 0, audits: 0, keptPending: 0 });

interface PendingRow {
  id: number;
  protocol: string;
  tableName: string | null;
  query: string;
  body: Buffer;
  receivedAt: string;
}

const DISCARD_EVENTS: DeviceEventRecorder = { record: () => undefined };

/**
 * Turns the requests a device sent while it was pending into what a live request of an approved device would
 * have produced: ATTLOG (2.x) and rtlog (3.x) into punches, OPERLOG into users and `audit` device events,
 * options / registry / querydata into device info and capacity, bad lines into quarantine with their events;
 * photos were already kept or dropped by policy on arrival.
 *
 * Durable and exactly once: requests are replayed oldest first, a batch per transaction, and each request's
 * outcome leaves `pending-device` in the SAME transaction as what it produced. A crash mid-replay loses the
 * open batch whole; a restart (ApprovalReplayOnStart) replays from the first request still pending, so no
 * request's punches reach the outbox twice.
 */
export class PendingRequestReplay {
  private readonly reporter: AdmsDeviceReporter;
  private readonly users: AdmsDeviceUserRepository;
  private readonly deviceInfo: AdmsDeviceInfoService;
  private readonly events: DeviceEventRecorder;
  private readonly nextStmt: Statement<[string, number, number], PendingRow>;
  private readonly serialsStmt: Statement<[], { serial: string }>;
  private readonly setOutcomeStmt: Statement<[RawRequestOutcome, number]>;
  private readonly quarantinedStmt: Statement<[number], { n: number }>;

  constructor(
    private readonly store: EdgeStore,
    private readonly config: GatewayConfig,
    deps: { events?: DeviceEventRecorder; health?: AdmsDeviceHealth | null } = {},
  ) {
    this.events = deps.events ?? DISCARD_EVENTS;
    this.reporter = new AdmsDeviceReporter(store, this.events);
    this.users = new AdmsDeviceUserRepository(store.db);
    this.deviceInfo = new AdmsDeviceInfoService(store, deps.health ?? null);
    // NOTE: served by the partial index raw_request_pending (device_serial) WHERE outcome = 'pending-device'
    this.nextStmt = store.db.prepare(
      `SELECT id, protocol, table_name AS tableName, query, body, received_at AS receivedAt FROM raw_request
       WHERE device_serial = ? AND outcome = 'pending-device' AND id > ? ORDER BY id LIMIT ?`,
    );
    const replayable = REPLAYABLE_PROTOCOLS.map((p) => `'${p}'`).join(', ');
    this.serialsStmt = store.db.prepare(`SELECT DISTINCT device_serial AS serial FROM raw_request WHERE outcome = 'pending-device' AND protocol IN (${replayable})`);
    this.setOutcomeStmt = store.db.prepare('UPDATE raw_request SET outcome = ? WHERE id = ?');
    this.quarantinedStmt = store.db.prepare('SELECT COUNT(*) AS n FROM quarantine WHERE raw_request_id = ?');
  }

  /** Devices with requests still waiting for a replay (approved or not: the caller decides). */
  devicesWithPending(): string[] {
    return this.serialsStmt.all().map((row) => row.serial);
  }

  /**
   * Replays every request of `serial` still pending, oldest first, a batch per transaction (durable batch by
   * batch). Synchronous, so no live upload of the device interleaves with it in this process.
   */
  replayDevice(serial: string, timeZone: string, sendableAt: string, counts: ReplayCounts, onFailure: (requestId: number, error: unknown) => void = () => undefined): void {
    for (let after = 0; after >= 0; ) {
      after = this.store.transaction(() => {
        const batch = this.nextStmt.all(serial, after, REQUESTS_PER_TRANSACTION);
        for (const request of batch) {
          const own = emptyReplayCounts();
          try {
            // A savepoint per request: one that cannot be replayed must not poison the device's backlog.
            this.store.db.transaction(() => this.replayOne(serial, request, timeZone, sendableAt, own))();
          } catch (error) {
            counts.keptPending++;
            onFailure(request.id, error);
            continue;
          }
          for (const key of Object.keys(own) as (keyof ReplayCounts)[]) counts[key] += own[key];
        }
        return batch.length === 0 ? -1 : batch.at(-1)!.id;
      });
    }
  }

  private replayOne(serial: string, request: PendingRow, timeZone: string, sendableAt: string, counts: ReplayCounts): void {
    if (!(REPLAYABLE_PROTOCOLS as readonly string[]).includes(request.protocol)) {
      counts.keptPending++;
      return;
    }
    const protocol = request.protocol as PunchProtocol;
    const table = (request.tableName ?? '').toUpperCase();
    const quarantine = (lineNumber: number, rawLine: Buffer, reason: string, detail: string) => {
      this.reporter.quarantine({ rawRequestId: request.id, serial, protocol, lineNumber, rawLine, reason, detail, now: request.receivedAt });
      counts.quarantined++;
    };
    counts.replayedRequests++;
    let outcome: RawRequestOutcome = 'parsed';
    switch (table) {
      case 'ATTLOG': {
        const { records, rejected } = parseAttlogBody(request.body);
        this.storePunches(serial, request, { protocol, timeZone, sendableAt }, records, rejected, quarantine, counts);
        break;
      }
      case 'RTLOG': {
        const { records, rejected } = parseRtlogBody(request.body);
        // Door/alarm events are acknowledged on arrival and are not punches (as for a live rtlog upload).
        this.storePunches(serial, request, { protocol, timeZone, sendableAt }, records as (AttlogRecord & { logIndex?: string | null })[], rejected, quarantine, counts);
        break;
      }
      case 'OPERLOG': {
        const { records, rejected } = parseOperlogBody(request.body);
        for (const line of rejected) quarantine(line.lineNumber, line.rawLine, line.reason, line.detail);
        for (const record of records) {
          if (record.kind === 'user') {
            this.users.upsert(serial, record, request.receivedAt);
            counts.users++;
          } else if (record.kind === 'oplog') {
            const audit = auditEventOf(serial, record, request.receivedAt);
            if (audit) {
              this.events.record(audit);
              counts.audits++;
            }
          }
        }
        break;
      }
      // PUSH 2.x options upload; PUSH 3.x registry (capabilities) and querydata answers: device info, capacity.
      case 'OPTIONS':
      case 'REGISTRY':
      case 'QUERYDATA':
        this.deviceInfo.fromOptions(serial, parseOptionsBody(request.body.toString('utf8')), new Date(request.receivedAt));
        break;
      case 'PUSH':
        break;
      case 'ATTPHOTO':
        // The photo was kept or dropped by policy when it arrived, a bad one quarantined then; only the outcome moves.
        if (this.quarantinedStmt.get(request.id)!.n > 0) outcome = 'stored-unparsed';
        break;
      default:
        // As for an approved device: tables we do not parse are kept raw.
        outcome = 'stored-unparsed';
    }
    this.setOutcomeStmt.run(outcome, request.id);
  }

  private storePunches(
    serial: string,
    request: PendingRow,
    ctx: { protocol: PunchProtocol; timeZone: string; sendableAt: string },
    records: readonly (AttlogRecord & { logIndex?: string | null })[],
    rejected: readonly AttlogRejectedLine[],
    quarantine: (lineNumber: number, rawLine: Buffer, reason: string, detail: string) => void,
    counts: ReplayCounts,
  ): void {
    for (const line of rejected) quarantine(line.lineNumber, line.rawLine, line.reason, line.detail);
    const receivedAt = new Date(request.receivedAt);
    const stamp = stampOf(request.query);
    const context = { tenantId: this.config.tenantId, siteId: this.config.siteId, gatewayId: this.config.gatewayId, deviceSerial: serial, timeZone: ctx.timeZone };
    for (const record of records) {
      const built = buildPunchFromAttlog(record, context, { receivedAt, deviceCursor: record.logIndex ?? stamp });
      if (!built.ok) {
        quarantine(record.lineNumber, record.rawLine, built.reason, built.detail);
        continue;
      }
      // The identity (eventId) does not depend on the protocol: a 3.x punch is the same punch by any path.
      const punch = ctx.protocol === 'zk-push2' ? built.punch : { ...built.punch, protocol: ctx.protocol };
      // NOTE: created_at is when the punch became sendable (the approval), so the backlog's age counts from then
      this.store.outbox.insert({ eventId: punch.eventId, deviceSerial: serial, rawRequestId: request.id, payload: JSON.stringify(punch), createdAt: ctx.sendableAt });
      counts.punches++;
    }
  }
}

/** The ADMS `Stamp` of a stored upload's query string (keys are case-insensitive on the wire). */
function stampOf(query: string): string | null {
  for (const [key, value] of new URLSearchParams(query)) if (key.toLowerCase() === 'stamp') return value;
  return null;
}
