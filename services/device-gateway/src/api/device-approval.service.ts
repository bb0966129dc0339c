import { NotFoundException } from '@nestjs/common';
import { parseAttlogBody } from '../adms/attlog-parser';
import type { GatewayConfig } from '../config/gateway.config';
import { buildPunchFromAttlog } from '../punches/attlog-punch-builder';
import type { EdgeStore } from '../store/edge-store';
import type { StoredRawRequest } from '../store/raw-request.repository';

export interface ApprovalResult {
  serial: string;
  /** False when the device was already approved (by config or an earlier call): nothing else changed then. */
  newlyApproved: boolean;
  approvedAt: string | null;
  /** The zone its punches are resolved in: its config entry's, else the site's until it is configured. */
  timeZone: string;
  replayedRequests: number;
  punches: number;
  quarantined: number;
  /** Raw requests of a protocol without a replay path; kept raw and pending, visible to the operator. */
  keptPending: number;
}

/**
 * Approving a pending device (DESIGN.md 5: unknown serials wait as pending). The approval lives in SQLite
 * (`device.status`, `approved_at`), not in the config file: the gateway never rewrites the operator's file,
 * and an approved device that has no config entry uses the site zone until one is added (the entry's zone wins
 * from then on). In the SAME transaction as the approval, every raw request the device sent while pending is
 * parsed into punches and quarantine exactly as a live upload would be, and its outcome moves off
 * `pending-device`; so a crash leaves either nothing or everything, and a second approval finds nothing left
 * to replay (exactly once into the outbox).
 */
export class DeviceApprovalService {
  constructor(
    private readonly store: EdgeStore,
    private readonly config: GatewayConfig,
    private readonly onPunchesStored: () => void = () => undefined,
  ) {}

  approve(serial: string, now = new Date()): ApprovalResult {
    const timeZone = this.config.devices.get(serial)?.timeZone ?? this.config.siteTimeZone;
    const result = this.store.transaction((): ApprovalResult => {
      const device = this.store.devices.get(serial);
      if (!device) throw new NotFoundException(`no device with serial ${serial} has contacted this gateway`);
      const newlyApproved = this.store.devices.approve(serial, now.toISOString());
      const outcome: ApprovalResult = { serial, newlyApproved, approvedAt: null, timeZone, replayedRequests: 0, punches: 0, quarantined: 0, keptPending: 0 };
      for (const request of this.store.rawRequests.pendingForDevice(serial)) this.replay(request, timeZone, now.toISOString(), outcome);
      outcome.approvedAt = this.store.devices.get(serial)!.approvedAt;
      return outcome;
    });
    if (result.punches > 0) this.onPunchesStored();
    return result;
  }

  /**
   * A device first seen as pending and then added to the config file is approved by the file, but what it sent
   * while pending is still held raw: replays it (at start-up), exactly like an approval through the API.
   */
  replayConfiguredDevices(now = new Date()): ApprovalResult[] {
    return [...this.config.devices.keys()]
      .filter((serial) => this.store.devices.get(serial) !== null && this.store.rawRequests.pendingForDevice(serial).length > 0)
      .map((serial) => this.approve(serial, now));
  }

  private replay(request: StoredRawRequest, timeZone: string, approvedAt: string, outcome: ApprovalResult): void {
    if (request.protocol !== 'zk-push2') {
      outcome.keptPending++;
      return;
    }
    outcome.replayedRequests++;
    if ((request.tableName ?? '').toUpperCase() !== 'ATTLOG') {
      // Same as a live upload of an approved device: other tables are kept raw, not turned into punches.
      this.store.rawRequests.setOutcome(request.id, 'stored-unparsed');
      return;
    }
    const receivedAt = new Date(request.receivedAt);
    const deviceCursor = stampOf(request.query);
    const quarantine = (lineNumber: number, rawLine: Buffer, reason: string, detail: string) => {
      this.store.quarantine.insert({ rawRequestId: request.id, deviceSerial: request.deviceSerial, lineNumber, rawLine, reason, detail, createdAt: request.receivedAt });
      outcome.quarantined++;
    };
    const { records, rejected } = parseAttlogBody(request.body);
    for (const line of rejected) quarantine(line.lineNumber, line.rawLine, line.reason, line.detail);
    const context = { tenantId: this.config.tenantId, siteId: this.config.siteId, gatewayId: this.config.gatewayId, deviceSerial: request.deviceSerial, timeZone };
    for (const record of records) {
      const built = buildPunchFromAttlog(record, context, { receivedAt, deviceCursor });
      if (!built.ok) {
        quarantine(record.lineNumber, record.rawLine, built.reason, built.detail);
        continue;
      }
      // NOTE: created_at is the approval time: the backlog's age counts from when the punch became sendable
      this.store.outbox.insert({ eventId: built.punch.eventId, deviceSerial: request.deviceSerial, rawRequestId: request.id, payload: JSON.stringify(built.punch), createdAt: approvedAt });
      outcome.punches++;
    }
    this.store.rawRequests.setOutcome(request.id, 'parsed');
  }
}

/** The ADMS `Stamp` of a stored upload's query string (keys are case-insensitive on the wire). */
function stampOf(query: string): string | null {
  for (const [key, value] of new URLSearchParams(query)) if (key.toLowerCase() === 'stamp') return value;
  return null;
}
