import type { GatewayConfig } from '../config/gateway.config';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import { AdmsDeviceReporter } from '../adms/adms-device-reporter';
import type { DiskBudget } from '../store/disk-budget';
import type { EdgeStore } from '../store/edge-store';
import { GroupCommitter } from '../store/group-committer';
import { buildPunchFromWsRecord } from './ws-punch-record';
import type { WsRecordResult } from './ws-protocol';

/** What the store needs of a group committer (store/group-committer.ts); tests may wrap the real one. */
export interface WsCommitter {
  submit<T>(work: () => T): Promise<T>;
}

export interface WsPunchMessage {
  serial: string;
  messageType: 'punch' | 'punches';
  frame: Buffer;
  records: readonly unknown[];
  backfill: boolean;
  receivedAt: Date;
}

/**
 * The durable half of the WebSocket protocol: one message is all-or-nothing (the raw frame, its punches in the
 * outbox, quarantined records with their bytes and events) in its own savepoint of a group transaction
 * (GroupCommitter: the messages of every connection that arrive together share one COMMIT, one fsync). The
 * promises resolve only after that COMMIT returned, so the caller acks then (DESIGN.md 3.1); a rejection means
 * nothing of the message was kept and the client is told to retry.
 */
export class WsMessageStore {
  private readonly reporter: AdmsDeviceReporter;

  constructor(
    private readonly store: EdgeStore,
    private readonly config: GatewayConfig,
    events: DeviceEventRecorder,
    private readonly diskBudget: DiskBudget,
    private readonly onPunchesStored: () => void,
    /** Pass the ADMS uploads' committer to group WS writes with theirs (one fsync for both). */
    private readonly committer: WsCommitter = new GroupCommitter(store.db),
  ) {
    this.reporter = new AdmsDeviceReporter(store, events);
  }

  /** Rejects with DiskBudgetExceededError, before anything is written, when the storage budget is spent. */
  async storePunches(input: WsPunchMessage): Promise<{ stored: number; quarantined: number; results: WsRecordResult[] }> {
    this.diskBudget.assertRoom();
    const outcome = await this.committer.submit(() => this.writePunches(input));
    if (outcome.stored > 0) this.onPunchesStored();
    return outcome;
  }

  /** An invalid message: its exact bytes are quarantined (never dropped); resolves once that is durable. */
  async quarantineMessage(input: { serial: string; frame: Buffer; reason: string; detail: string; receivedAt: Date }): Promise<void> {
    this.diskBudget.assertRoom();
    const now = input.receivedAt.toISOString();
    await this.committer.submit(() => {
      const rawRequestId = this.store.rawRequests.insert({ deviceSerial: input.serial, protocol: 'ws', tableName: 'invalid', query: '', body: input.frame, receivedAt: now, outcome: 'stored-unparsed' });
      this.reporter.quarantine({ rawRequestId, serial: input.serial, protocol: 'ws', lineNumber: 1, rawLine: input.frame, reason: input.reason, detail: input.detail, now });
    });
  }

  /** Everything of one punch message; runs inside its savepoint of the group transaction. */
  private writePunches(input: WsPunchMessage): { stored: number; quarantined: number; results: WsRecordResult[] } {
    const now = input.receivedAt.toISOString();
    const timeZone = this.config.devices.get(input.serial)?.timeZone ?? this.config.siteTimeZone;
    const context = { tenantId: this.config.tenantId, siteId: this.config.siteId, gatewayId: this.config.gatewayId, deviceSerial: input.serial, timeZone };
    this.store.devices.recordContact({ serial: input.serial, configured: true, protocol: 'ws', pushVersion: null, now });
    const rawRequestId = this.store.rawRequests.insert({ deviceSerial: input.serial, protocol: 'ws', tableName: input.messageType, query: '', body: input.frame, receivedAt: now, outcome: 'parsed' });
    const results: WsRecordResult[] = [];
    input.records.forEach((record, index) => {
      const built = buildPunchFromWsRecord(record, context, { receivedAt: input.receivedAt, backfill: input.backfill });
      if (!built.ok) {
        const rawLine = Buffer.from(safeJson(record));
        this.reporter.quarantine({ rawRequestId, serial: input.serial, protocol: 'ws', lineNumber: index + 1, rawLine, reason: built.reason, detail: built.detail, now });
        results.push({ index, status: 'quarantined', reason: built.reason, detail: built.detail });
        return;
      }
      this.store.outbox.insert({ eventId: built.punch.eventId, deviceSerial: input.serial, rawRequestId, payload: JSON.stringify(built.punch), createdAt: now });
      results.push({ index, status: 'stored', eventId: built.punch.eventId });
    });
    const stored = results.filter((r) => r.status === 'stored').length;
    return { stored, quarantined: results.length - stored, results };
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
