import type { GatewayHeartbeatV1 } from '@attendance/contracts';
import { F } from '../devices/device-record';
import { DeviceUpdate } from '../devices/device-update';

const ms = (instant: string) => Date.parse(instant);

/**
 * A gateway heartbeat as one update per device it reports.
 *
 * NOTE: the heartbeat carries a backlog count per device but the oldest age only per gateway; the device's
 * backlog age is taken as the gateway's oldest age when the device has a backlog, i.e. an upper bound (the
 * oldest waiting punch may belong to another device of that gateway). A device with nothing waiting at the
 * edge at `sentAt` is "synced" at `sentAt`.
 */
export function heartbeatDeviceUpdates(heartbeat: GatewayHeartbeatV1): DeviceUpdate[] {
  const sentAt = ms(heartbeat.sentAt);
  return heartbeat.devices.map((d) => {
    const update = new DeviceUpdate(heartbeat.tenantId, d.deviceSerial, heartbeat.siteId)
      .set(F.protocol, d.protocol)
      .set(F.registration, d.registration)
      .set(F.lastError, d.lastErrorClass ?? '')
      .reachability(heartbeat.gatewayId, d.reachable, sentAt)
      .newest(F.backlogAt, sentAt, {
        [F.backlog]: d.backlogCount,
        [F.backlogOldestAge]: d.backlogCount > 0 ? (heartbeat.backlog.oldestAgeSeconds ?? '') : '',
      });
    if (d.lastContactAt) update.max(F.lastContact, ms(d.lastContactAt));
    if (d.backlogCount === 0) update.max(F.lastSynced, sentAt);
    if (d.clockSkewSeconds !== null) update.newest(F.skewAt, d.clockSkewMeasuredAt ? ms(d.clockSkewMeasuredAt) : sentAt, { [F.skew]: d.clockSkewSeconds });
    if (d.capacity) {
      update.newest(F.capacityAt, sentAt, {
        [F.capacityRatio]: d.capacity.usedRatio ?? '',
        [F.capacityUsed]: d.capacity.recordsUsed,
        [F.capacityMax]: d.capacity.recordsMax ?? '',
      });
    }
    return update;
  });
}
