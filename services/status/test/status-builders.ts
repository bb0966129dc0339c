import { randomUUID } from 'node:crypto';
import { acceptPunch, type DeviceEventV1, type GatewayHeartbeatDeviceV1, type GatewayHeartbeatV1, type PunchAcceptedV1 } from '@attendance/contracts';
import { aRawPunch } from '@attendance/testing';

/** A heartbeat device entry: reachable, just contacted, nothing waiting, nothing wrong. */
export function aHeartbeatDevice(deviceSerial: string, at: Date, changes: Partial<GatewayHeartbeatDeviceV1> = {}): GatewayHeartbeatDeviceV1 {
  return {
    deviceSerial,
    protocol: 'zk-push2',
    registration: 'approved',
    reachable: true,
    lastContactAt: at.toISOString(),
    lastPunchReceivedAt: null,
    clockSkewSeconds: 0.4,
    clockSkewMeasuredAt: at.toISOString(),
    capacity: { recordsUsed: 1000, recordsMax: 100000, usedRatio: 0.01 },
    backlogCount: 0,
    lease: null,
    lastErrorClass: null,
    ...changes,
  };
}

export function aHeartbeat(input: { tenantId: string; siteId: string; gatewayId: string; at: Date; devices: GatewayHeartbeatDeviceV1[]; backlogOldestAgeSeconds?: number }): GatewayHeartbeatV1 {
  const backlog = input.devices.reduce((n, d) => n + d.backlogCount, 0);
  return {
    gatewayId: input.gatewayId,
    tenantId: input.tenantId,
    siteId: input.siteId,
    gatewayVersion: '0.1.0',
    startedAt: new Date(input.at.getTime() - 3600_000).toISOString(),
    sentAt: input.at.toISOString(),
    intervalSeconds: 15,
    uplink: { state: 'up', since: new Date(input.at.getTime() - 3600_000).toISOString(), lastOutageStartedAt: null, lastOutageEndedAt: null },
    backlog: {
      count: backlog,
      oldestReceivedAt: backlog > 0 ? new Date(input.at.getTime() - (input.backlogOldestAgeSeconds ?? 10) * 1000).toISOString() : null,
      oldestAgeSeconds: backlog > 0 ? (input.backlogOldestAgeSeconds ?? 10) : null,
    },
    quarantinedCount: 0,
    disk: { usedBytes: 1000, budgetBytes: 1_000_000_000, freeBytes: 10_000_000_000, refusing: false },
    devices: input.devices,
  };
}

export function aDeviceOnlineEvent(input: { tenantId: string; siteId: string; gatewayId: string; deviceSerial: string; at: Date }): DeviceEventV1 {
  return { eventId: randomUUID(), ...input, occurredAt: input.at.toISOString(), type: 'online', protocol: 'zk-push2', remoteAddress: '10.0.0.7' } as DeviceEventV1;
}

/** An accepted punch as ingest emits it (a valid raw punch, accepted now), punched at `at` (UTC zone). */
export function anAcceptedPunch(input: { tenantId: string; siteId: string; deviceSerial: string; at: Date; userId?: string }): PunchAcceptedV1 {
  const raw = aRawPunch({
    tenantId: input.tenantId,
    siteId: input.siteId,
    deviceSerial: input.deviceSerial,
    deviceUserId: input.userId ?? '1001',
    localTime: input.at.toISOString().slice(0, 19),
    timeZone: 'UTC',
    receivedAt: input.at.toISOString(),
  });
  return acceptPunch(raw, { acceptedAt: new Date().toISOString(), firstSeenAt: raw.receivedAt });
}
