import type { DiskBudget } from '../store/disk-budget';
import type { EdgeStore } from '../store/edge-store';
import type { GatewayConfig } from '../config/gateway.config';
import { buildPunchFromAttlog } from '../punches/attlog-punch-builder';
import { parseAttlogBody } from './attlog-parser';

export interface AdmsUpload {
  serial: string;
  table: string;
  stamp: string | null;
  pushVersion: string | null;
  query: string;
  body: Buffer;
  receivedAt: Date;
}

export interface AdmsUploadOutcome {
  /** Records the device may now forget: every non-blank line, stored as a punch or quarantined. */
  acknowledged: number;
  punches: number;
  quarantined: number;
  deviceStatus: 'approved' | 'pending';
}

/**
 * Handles `POST /iclock/cdata` uploads. Everything happens in ONE SQLite transaction: the raw body, the
 * parsed punches (outbox), the quarantined lines and the new Stamp are committed together, and only then
 * does the caller answer `OK: n`. If anything throws, nothing is committed and the device gets an error, so
 * it keeps the batch and sends it again (DESIGN.md 3.1).
 */
export class AdmsUploadService {
  constructor(
    private readonly store: EdgeStore,
    private readonly config: GatewayConfig,
    private readonly onPunchesStored: () => void,
    private readonly diskBudget: DiskBudget,
  ) {}

  /** @throws DiskBudgetExceededError before writing anything when the storage budget is spent. */
  handle(upload: AdmsUpload): AdmsUploadOutcome {
    this.diskBudget.assertRoom();
    const now = upload.receivedAt.toISOString();
    const device = this.config.devices.get(upload.serial);
    const table = upload.table.toUpperCase();
    const outcome = this.store.transaction((): AdmsUploadOutcome => {
      const deviceStatus = this.store.devices.recordContact({
        serial: upload.serial,
        configured: device !== undefined,
        protocol: 'zk-push2',
        pushVersion: upload.pushVersion,
        now,
      });
      // NOTE: a device approved through the local API but not (yet) in the config file uses the site's zone
      const timeZone = device?.timeZone ?? this.config.siteTimeZone;
      const approved = deviceStatus === 'approved';
      const parseNow = approved && table === 'ATTLOG';
      const rawRequestId = this.store.rawRequests.insert({
        deviceSerial: upload.serial,
        protocol: 'zk-push2',
        tableName: table,
        query: upload.query,
        body: upload.body,
        receivedAt: now,
        // NOTE: unknown devices' data is kept raw and not forwarded until an operator approves them
        outcome: !approved ? 'pending-device' : parseNow ? 'parsed' : 'stored-unparsed',
      });
      if (upload.stamp !== null) this.store.devices.setStamp(upload.serial, table, upload.stamp, now);
      if (!parseNow) {
        return { acknowledged: countLines(upload.body), punches: 0, quarantined: 0, deviceStatus };
      }

      const { records, rejected } = parseAttlogBody(upload.body);
      let punches = 0;
      const quarantine = (lineNumber: number, rawLine: Buffer, reason: string, detail: string) =>
        this.store.quarantine.insert({ rawRequestId, deviceSerial: upload.serial, lineNumber, rawLine, reason, detail, createdAt: now });
      for (const line of rejected) quarantine(line.lineNumber, line.rawLine, line.reason, line.detail);
      const context = { tenantId: this.config.tenantId, siteId: this.config.siteId, gatewayId: this.config.gatewayId, deviceSerial: upload.serial, timeZone };
      for (const record of records) {
        const built = buildPunchFromAttlog(record, context, { receivedAt: upload.receivedAt, deviceCursor: upload.stamp });
        if (!built.ok) {
          quarantine(record.lineNumber, record.rawLine, built.reason, built.detail);
          continue;
        }
        this.store.outbox.insert({
          eventId: built.punch.eventId,
          deviceSerial: upload.serial,
          rawRequestId,
          payload: JSON.stringify(built.punch),
          createdAt: now,
        });
        punches++;
      }
      return { acknowledged: records.length + rejected.length, punches, quarantined: records.length - punches + rejected.length, deviceStatus };
    });
    if (outcome.punches > 0) this.onPunchesStored();
    return outcome;
  }
}

function countLines(body: Buffer): number {
  return body.toString('latin1').split('\n').filter((line) => line.trim() !== '').length;
}
