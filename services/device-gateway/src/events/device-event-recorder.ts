import type { DeviceEventV1 } from '@attendance/contracts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A device event as a protocol adapter reports it: the gateway fills in the ids (eventId, tenant, site,
 * gateway) and, when absent, `occurredAt` from its own clock.
 */
export type DeviceEventInput = DistributiveOmit<DeviceEventV1, 'eventId' | 'tenantId' | 'siteId' | 'gatewayId' | 'occurredAt'> & {
  occurredAt?: string;
};

/**
 * Where protocol adapters (ADMS, ZK TCP, Hikvision, WS) report device events (online/offline, clock skew,
 * capacity, audits, quarantined lines, unknown devices). `record` is synchronous and durable: the event is
 * written to the SQLite event outbox (in the caller's transaction when there is one) and relayed to
 * edge.device.event.v1 like punches, so an event is never lost with the uplink down.
 */
export interface DeviceEventRecorder {
  record(event: DeviceEventInput): void;
}
