import type { PunchAcceptedV1 } from '@attendance/contracts';
import { F } from '../devices/device-record';
import { DeviceUpdate } from '../devices/device-update';

interface PunchAggregate {
  tenantId: string;
  deviceSerial: string;
  siteId: string;
  lastPunchAt: number;
  lastAcceptedAt: number;
  lastReceivedAt: number;
  count: number;
  recovered: number;
}

/**
 * Accepted punches (the high-volume topic) folded into one update per device: newest punch, newest accept,
 * counts. A punch received by the gateway is also contact with the device.
 *
 * NOTE: delivery is at least once, so a redelivered batch counts its punches twice; the counts are a
 * dashboard figure, not the reconciliation (sync-coordinator counts from Postgres).
 */
export function punchDeviceUpdates(punches: readonly PunchAcceptedV1[]): DeviceUpdate[] {
  const byDevice = new Map<string, PunchAggregate>();
  for (const p of punches) {
    const key = `${p.tenantId}:${p.deviceSerial}`;
    const punchedAt = Date.parse(p.punchedAt);
    const acceptedAt = Date.parse(p.acceptedAt);
    const receivedAt = Date.parse(p.receivedAt);
    const backfill = p.source === 'backfill' ? 1 : 0;
    const a = byDevice.get(key);
    if (!a) {
      byDevice.set(key, { tenantId: p.tenantId, deviceSerial: p.deviceSerial, siteId: p.siteId, lastPunchAt: punchedAt, lastAcceptedAt: acceptedAt, lastReceivedAt: receivedAt, count: 1, recovered: backfill });
      continue;
    }
    a.siteId = p.siteId;
    a.lastPunchAt = Math.max(a.lastPunchAt, punchedAt);
    a.lastAcceptedAt = Math.max(a.lastAcceptedAt, acceptedAt);
    a.lastReceivedAt = Math.max(a.lastReceivedAt, receivedAt);
    a.count++;
    a.recovered += backfill;
  }
  return [...byDevice.values()].map((a) => {
    const update = new DeviceUpdate(a.tenantId, a.deviceSerial, a.siteId)
      .max(F.lastPunch, a.lastPunchAt)
      .max(F.lastPunchAccepted, a.lastAcceptedAt)
      .max(F.lastContact, a.lastReceivedAt)
      .increment(F.punches, a.count);
    return a.recovered > 0 ? update.increment(F.recovered, a.recovered) : update;
  });
}
