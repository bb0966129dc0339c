import type { PunchProtocol } from '@attendance/contracts';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import type { EdgeStore } from '../store/edge-store';
import type { DeviceStatus } from '../store/device.repository';

/** The start of raw bytes for an operator: text when printable, hex when binary. */
export function rawExcerpt(raw: Buffer): string {
  const head = raw.subarray(0, 400);
  const text = head.toString('utf8');
  // eslint-disable-next-line no-control-regex
  const printable = !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text);
  return (printable ? text : head.toString('hex')).slice(0, 1024);
}

/**
 * The device-facing bookkeeping every ADMS request shares: the contact (and, the first time an unconfigured
 * serial shows up, one `unknown-device` event), and quarantined lines (row + `line-quarantined` event).
 * Called inside the request's SQLite transaction, so the events commit with the data they describe.
 */
export class AdmsDeviceReporter {
  constructor(
    private readonly store: EdgeStore,
    private readonly events: DeviceEventRecorder,
  ) {}

  contact(input: { serial: string; configured: boolean; protocol: PunchProtocol; pushVersion: string | null; now: string; remoteAddress?: string | null }): DeviceStatus {
    const known = this.store.devices.get(input.serial) !== null;
    const status = this.store.devices.recordContact({ serial: input.serial, configured: input.configured, protocol: input.protocol, pushVersion: input.pushVersion, now: input.now });
    // NOTE: once per serial: the device row persists, so a restart does not repeat the event
    if (!known && status === 'pending') {
      this.events.record({ type: 'unknown-device', deviceSerial: input.serial, protocol: input.protocol, remoteAddress: input.remoteAddress ?? null, occurredAt: input.now });
    }
    return status;
  }

  quarantine(input: { rawRequestId: number; serial: string; protocol: PunchProtocol; lineNumber: number; rawLine: Buffer; reason: string; detail: string; now: string }): void {
    this.store.quarantine.insert({
      rawRequestId: input.rawRequestId,
      deviceSerial: input.serial,
      lineNumber: input.lineNumber,
      rawLine: input.rawLine,
      reason: input.reason,
      detail: input.detail,
      createdAt: input.now,
    });
    const { id } = this.store.db.prepare('SELECT last_insert_rowid() AS id').get() as { id: number };
    this.events.record({
      type: 'line-quarantined',
      deviceSerial: input.serial,
      protocol: input.protocol,
      quarantineId: String(id),
      reason: toCode(input.reason),
      detail: (input.detail || input.reason).slice(0, 1000),
      rawExcerpt: rawExcerpt(input.rawLine),
      occurredAt: input.now,
    });
  }
}

function toCode(reason: string): string {
  return reason.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 64) || 'unparsable-line';
}
