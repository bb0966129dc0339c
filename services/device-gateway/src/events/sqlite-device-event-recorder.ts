import { randomUUID } from 'node:crypto';
import { DeviceEventV1Schema, type DeviceEventV1 } from '@attendance/contracts';
import type { DeviceEventOutboxRepository } from '../store/device-event-outbox.repository';
import type { DeviceEventInput, DeviceEventRecorder } from './device-event-recorder';

export interface GatewayIdentity {
  tenantId: string;
  siteId: string;
  gatewayId: string;
}

/** Thrown by `record` when the event does not satisfy edge.device.event.v1; nothing is written. */
export class InvalidDeviceEventError extends Error {
  constructor(readonly type: string, readonly problems: string[]) {
    super(`device event ${type} refused by edge.device.event.v1: ${problems.join('; ')}`);
    this.name = 'InvalidDeviceEventError';
  }
}

/**
 * The gateway's DeviceEventRecorder: validates the event against its contract, gives it its eventId (once,
 * here: a re-send after a crash carries the same id, so status dedupes it) and appends it to the SQLite
 * outbox with one synchronous insert. better-sqlite3 runs that insert on the caller's connection, so inside
 * `store.transaction(...)` the event commits or rolls back together with the caller's punches.
 */
export class SqliteDeviceEventRecorder implements DeviceEventRecorder {
  constructor(
    private readonly outbox: DeviceEventOutboxRepository,
    private readonly identity: GatewayIdentity,
    /** Wakes the relay; called before the caller's transaction commits, and the relay reads only after. */
    private readonly onRecorded: () => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(input: DeviceEventInput): void {
    const candidate = {
      ...input,
      eventId: randomUUID(),
      tenantId: this.identity.tenantId,
      siteId: this.identity.siteId,
      gatewayId: this.identity.gatewayId,
      occurredAt: input.occurredAt ?? this.now().toISOString(),
    };
    const parsed = DeviceEventV1Schema.safeParse(candidate);
    if (!parsed.success) {
      throw new InvalidDeviceEventError(input.type, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
    }
    const event: DeviceEventV1 = parsed.data;
    this.outbox.insert({
      eventId: event.eventId,
      deviceSerial: event.deviceSerial,
      eventType: event.type,
      payload: JSON.stringify(event),
      createdAt: this.now().toISOString(),
    });
    this.onRecorded();
  }
}
