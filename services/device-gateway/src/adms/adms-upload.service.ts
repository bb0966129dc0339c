import type { PunchProtocol } from '@attendance/contracts';
import type { DiskBudget } from '../store/disk-budget';
import type { EdgeStore } from '../store/edge-store';
import { GroupCommitter } from '../store/group-committer';
import type { GatewayConfig } from '../config/gateway.config';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import { buildPunchFromAttlog } from '../punches/attlog-punch-builder';
import type { AdmsDeviceHealth } from './adms-device-health';
import { AdmsDeviceInfoService } from './adms-device-info.service';
import { AdmsDeviceReporter } from './adms-device-reporter';
import { AdmsDeviceUserRepository } from './adms-device-user.repository';
import { AdmsPhotoRepository } from './adms-photo.repository';
import { parseAttPhoto } from './attphoto-parser';
import { parseAttlogBody, type AttlogRecord, type AttlogRejectedLine } from './attlog-parser';
import { parseOptionsBody } from './device-info-parser';
import { parseOperlogBody, type OplogRecord } from './operlog-parser';
import { auditEventOf } from './adms-audit-event';
import { parseRtlogBody } from './rtlog-parser';
import { admsProtocol } from './adms-request';

export interface AdmsUpload {
  serial: string;
  table: string;
  stamp: string | null;
  pushVersion: string | null;
  query: string;
  body: Buffer;
  receivedAt: Date;
  /** The device's clock, when the request carried a `Date:` header. */
  deviceClock?: Date | null;
  remoteAddress?: string | null;
}

export interface AdmsUploadOutcome {
  /** Records the device may now forget: every non-blank line, stored as a punch or quarantined. */
  acknowledged: number;
  punches: number;
  quarantined: number;
  deviceStatus: 'approved' | 'pending';
  /** The reply body: `OK: n` for record tables (SPEC §11.2), bare `OK` for photos and options (§11.3, §8). */
  reply: string;
}

/** Uploads we parse; anything else is kept raw (stored-unparsed) and acknowledged. */
const PARSED_TABLES = new Set(['ATTLOG', 'RTLOG', 'OPERLOG', 'OPTIONS']);
/** Quarantined photo bytes kept when the policy discards photos: enough to see what the device sent. */
const DISCARDED_PHOTO_EXCERPT_BYTES = 1024;
/**
 * A realtime upload's newest punch this far behind our clock is taken as a late upload, not a slow device
 * clock: punch times only reveal a device that is ahead, or at most this much behind.
 */
const LATE_UPLOAD_MS = 120_000;
/** Only small uploads are realtime; a larger one is a backlog whose times say nothing about the clock now. */
const REALTIME_UPLOAD_MAX_RECORDS = 3;

const DISCARD_EVENTS: DeviceEventRecorder = { record: () => undefined };

/**
 * Handles `POST /iclock/cdata` uploads. Everything of one upload is all-or-nothing: the raw body, the parsed
 * punches (outbox), the quarantined lines, device users, audit events and the new Stamp are written in one
 * savepoint of a group transaction (uploads arriving together share one COMMIT, one fsync: the disk's commits
 * per second no longer cap the uploads per second), and only after that COMMIT does the caller answer. If
 * anything throws, none of the upload is kept and the device gets an error, so it keeps the batch and sends it
 * again (DESIGN.md 3.1); the other uploads of its group are not affected.
 * Tables: ATTLOG (2.x) and rtlog (3.x) become punches; OPERLOG users and audit operations; ATTPHOTO stored or
 * discarded by policy; options feed the device info. PUSH 3.x devices are told apart by `pushver` 3.*.
 */
export class AdmsUploadService {
  private readonly reporter: AdmsDeviceReporter;
  private readonly users: AdmsDeviceUserRepository;
  private readonly photos: AdmsPhotoRepository;
  readonly deviceInfo: AdmsDeviceInfoService;

  constructor(
    private readonly store: EdgeStore,
    private readonly config: GatewayConfig,
    private readonly onPunchesStored: () => void,
    private readonly diskBudget: DiskBudget,
    private readonly events: DeviceEventRecorder = DISCARD_EVENTS,
    private readonly health: AdmsDeviceHealth | null = null,
    /** Shared with other writers that want their commits grouped with the uploads'. */
    private readonly committer: GroupCommitter = new GroupCommitter(store.db),
  ) {
    this.reporter = new AdmsDeviceReporter(store, events);
    this.users = new AdmsDeviceUserRepository(store.db);
    this.photos = new AdmsPhotoRepository(store.db);
    this.deviceInfo = new AdmsDeviceInfoService(store, health);
  }

  /**
   * Stores one upload and resolves with the reply once it is durable. The upload joins the current commit group
   * (GroupCommitter): its writes are all-or-nothing in their own savepoint, and the promise settles only after
   * the group's COMMIT returned, so the caller may answer `OK` then and never before.
   * Rejects with DiskBudgetExceededError, before anything is written, when the storage budget is spent.
   */
  async handle(upload: AdmsUpload): Promise<AdmsUploadOutcome> {
    this.diskBudget.assertRoom();
    const outcome = await this.committer.submit(() => this.write(upload));
    if (outcome.punches > 0) this.onPunchesStored();
    return outcome;
  }

  /** Everything of one upload; runs inside its savepoint of a group transaction. */
  private write(upload: AdmsUpload): AdmsUploadOutcome {
    const now = upload.receivedAt.toISOString();
    const device = this.config.devices.get(upload.serial);
    const table = upload.table.toUpperCase();
    // NOTE: uploads rarely repeat pushver; the version from the handshake decides then
    const protocol = admsProtocol(upload.pushVersion ?? this.store.devices.get(upload.serial)?.pushVersion ?? null, table);
    const deviceStatus = this.reporter.contact({ serial: upload.serial, configured: device !== undefined, protocol, pushVersion: upload.pushVersion, now, remoteAddress: upload.remoteAddress });
    // NOTE: a device approved through the local API but not (yet) in the config file uses the site's zone
    const timeZone = device?.timeZone ?? this.config.siteTimeZone;
    const approved = deviceStatus === 'approved';
    if (table === 'ATTPHOTO') return this.storePhoto(upload, protocol, deviceStatus, now);

    const parseNow = approved && PARSED_TABLES.has(table);
    const rawRequestId = this.store.rawRequests.insert({
      deviceSerial: upload.serial,
      // NOTE: 3.x bodies are recorded as zk-push3 so an approval replay (ATTLOG parser) never misreads them
      protocol,
      tableName: table,
      query: upload.query,
      body: upload.body,
      receivedAt: now,
      // NOTE: unknown devices' data is kept raw and not forwarded until an operator approves them
      outcome: !approved ? 'pending-device' : parseNow ? 'parsed' : 'stored-unparsed',
    });
    if (upload.stamp !== null) this.store.devices.setStamp(upload.serial, table, upload.stamp, now);
    const counted = countLines(upload.body);
    // A pending device gets the same reply as an approved one would (bare `OK` for options and 3.x rtlog).
    if (!parseNow) return { acknowledged: counted, punches: 0, quarantined: 0, deviceStatus, reply: table === 'OPTIONS' || table === 'RTLOG' ? 'OK' : `OK: ${counted}` };

    const quarantine = (lineNumber: number, rawLine: Buffer, reason: string, detail: string) =>
      this.reporter.quarantine({ rawRequestId, serial: upload.serial, protocol, lineNumber, rawLine, reason, detail, now });

    if (table === 'OPTIONS') {
      this.deviceInfo.fromOptions(upload.serial, parseOptionsBody(upload.body.toString('utf8')), upload.receivedAt);
      return { acknowledged: 1, punches: 0, quarantined: 0, deviceStatus, reply: 'OK' };
    }
    if (table === 'OPERLOG') {
      const result = this.storeOperlog(upload, quarantine, now);
      return { ...result, punches: 0, deviceStatus, reply: `OK: ${result.acknowledged}` };
    }

    const parsed =
      table === 'RTLOG'
        ? (() => {
            const rt = parseRtlogBody(upload.body);
            return { records: rt.records as (AttlogRecord & { logIndex?: string | null })[], rejected: rt.rejected, ignored: rt.nonPunchEvents };
          })()
        : { ...parseAttlogBody(upload.body), ignored: 0 };
    const stored = this.storePunches(parsed.records, parsed.rejected, { serial: upload.serial, timeZone, protocol, rawRequestId, receivedAt: upload.receivedAt, stamp: upload.stamp, now }, quarantine);
    // In the same savepoint: the skew is kept exactly when the upload is.
    if (approved) this.measureClock(upload, stored.newestPunchAt, stored.newestLocalTime, parsed.records.length);
    const acknowledged = parsed.records.length + parsed.rejected.length + parsed.ignored;
    return { acknowledged, punches: stored.punches, quarantined: parsed.records.length - stored.punches + parsed.rejected.length, deviceStatus, reply: table === 'RTLOG' ? 'OK' : `OK: ${acknowledged}` };
  }

  /** Clock skew where ADMS reveals the device's time: a `Date:` request header, else a realtime punch. */
  private measureClock(upload: AdmsUpload, newestPunchAt: string | null, newestLocalTime: string | null, records: number): void {
    if (!this.health) return;
    if (upload.deviceClock) {
      this.deviceInfo.clock(upload.serial, upload.deviceClock.getTime() - upload.receivedAt.getTime(), null, upload.receivedAt);
      return;
    }
    if (newestPunchAt === null || records > REALTIME_UPLOAD_MAX_RECORDS) return;
    const skewMs = Date.parse(newestPunchAt) - upload.receivedAt.getTime();
    if (skewMs < -LATE_UPLOAD_MS) return;
    this.deviceInfo.clock(upload.serial, skewMs, newestLocalTime, upload.receivedAt);
  }

  private storePunches(
    records: readonly (AttlogRecord & { logIndex?: string | null })[],
    rejected: readonly AttlogRejectedLine[],
    ctx: { serial: string; timeZone: string; protocol: PunchProtocol; rawRequestId: number; receivedAt: Date; stamp: string | null; now: string },
    quarantine: (lineNumber: number, rawLine: Buffer, reason: string, detail: string) => void,
  ): { punches: number; newestPunchAt: string | null; newestLocalTime: string | null } {
    for (const line of rejected) quarantine(line.lineNumber, line.rawLine, line.reason, line.detail);
    const context = { tenantId: this.config.tenantId, siteId: this.config.siteId, gatewayId: this.config.gatewayId, deviceSerial: ctx.serial, timeZone: ctx.timeZone };
    let punches = 0;
    let newestPunchAt: string | null = null;
    let newestLocalTime: string | null = null;
    for (const record of records) {
      const built = buildPunchFromAttlog(record, context, { receivedAt: ctx.receivedAt, deviceCursor: record.logIndex ?? ctx.stamp });
      if (!built.ok) {
        quarantine(record.lineNumber, record.rawLine, built.reason, built.detail);
        continue;
      }
      // The identity (eventId) does not depend on the protocol: a 3.x punch is the same punch by any path.
      const punch = ctx.protocol === 'zk-push2' ? built.punch : { ...built.punch, protocol: ctx.protocol };
      this.store.outbox.insert({ eventId: punch.eventId, deviceSerial: ctx.serial, rawRequestId: ctx.rawRequestId, payload: JSON.stringify(punch), createdAt: ctx.now });
      if (newestPunchAt === null || punch.punchedAt > newestPunchAt) {
        newestPunchAt = punch.punchedAt;
        newestLocalTime = punch.localTime;
      }
      punches++;
    }
    return { punches, newestPunchAt, newestLocalTime };
  }

  private storeOperlog(
    upload: AdmsUpload,
    quarantine: (lineNumber: number, rawLine: Buffer, reason: string, detail: string) => void,
    now: string,
  ): { acknowledged: number; quarantined: number } {
    const { records, rejected } = parseOperlogBody(upload.body);
    for (const line of rejected) quarantine(line.lineNumber, line.rawLine, line.reason, line.detail);
    for (const record of records) {
      if (record.kind === 'user') this.users.upsert(upload.serial, record, now);
      else if (record.kind === 'oplog') this.recordAudit(upload.serial, record, now);
    }
    return { acknowledged: records.length + rejected.length, quarantined: rejected.length };
  }

  /** OPLOG 21 time set, 23 attendance deleted, 13 data cleared: surfaced as `audit` device events. */
  private recordAudit(serial: string, record: OplogRecord, now: string): void {
    const event = auditEventOf(serial, record, now);
    if (event) this.events.record(event);
  }

  /**
   * ATTPHOTO: the photo is parsed without decoding it as text, then kept in `adms_photo` (policy `store`) or
   * dropped (`discard`); the raw request keeps only the text header either way, so photos never crowd the
   * punches' table. It never touches the punches: one photo per request, acknowledged with `OK`.
   */
  private storePhoto(upload: AdmsUpload, protocol: PunchProtocol, deviceStatus: 'approved' | 'pending', now: string): AdmsUploadOutcome {
    const parsed = parseAttPhoto(upload.body);
    const keep = this.config.attPhotoPolicy === 'store';
    const storedBody = parsed.ok ? Buffer.from(parsed.photo.header) : keep ? upload.body : upload.body.subarray(0, DISCARDED_PHOTO_EXCERPT_BYTES);
    const rawRequestId = this.store.rawRequests.insert({
      deviceSerial: upload.serial,
      protocol,
      tableName: 'ATTPHOTO',
      query: upload.query,
      body: storedBody,
      receivedAt: now,
      outcome: deviceStatus === 'pending' ? 'pending-device' : parsed.ok ? 'parsed' : 'stored-unparsed',
    });
    if (upload.stamp !== null) this.store.devices.setStamp(upload.serial, 'ATTPHOTO', upload.stamp, now);
    if (!parsed.ok) {
      this.reporter.quarantine({ rawRequestId, serial: upload.serial, protocol, lineNumber: 1, rawLine: upload.body.subarray(0, DISCARDED_PHOTO_EXCERPT_BYTES), reason: parsed.reason, detail: parsed.detail, now });
      return { acknowledged: 1, punches: 0, quarantined: 1, deviceStatus, reply: 'OK' };
    }
    if (keep) {
      this.photos.insert({ deviceSerial: upload.serial, rawRequestId, fileName: parsed.photo.fileName, declaredSize: parsed.photo.declaredSize, image: parsed.photo.image, receivedAt: now });
    }
    return { acknowledged: 1, punches: 0, quarantined: 0, deviceStatus, reply: 'OK' };
  }
}

function countLines(body: Buffer): number {
  return body.toString('latin1').split('\n').filter((line) => line.trim() !== '').length;
}
