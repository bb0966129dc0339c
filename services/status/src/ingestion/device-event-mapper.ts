import type { DeviceEventV1 } from '@attendance/contracts';
import { F } from '../devices/device-record';
import { DeviceUpdate } from '../devices/device-update';

/** A device event from a gateway as an update of the device's record. */
export function deviceEventUpdate(event: DeviceEventV1): DeviceUpdate {
  const at = Date.parse(event.occurredAt);
  const update = new DeviceUpdate(event.tenantId, event.deviceSerial, event.siteId);
  switch (event.type) {
    case 'online':
      return update.set(F.protocol, event.protocol).reachability(event.gatewayId, true, at).max(F.lastContact, at);
    case 'offline':
      update.reachability(event.gatewayId, false, at);
      return event.lastContactAt ? update.max(F.lastContact, Date.parse(event.lastContactAt)) : update;
    case 'clock-skew':
      return update.newest(F.skewAt, at, { [F.skew]: event.skewSeconds });
    case 'capacity':
      return update.newest(F.capacityAt, at, {
        [F.capacityRatio]: event.usedRatio ?? '',
        [F.capacityUsed]: event.recordsUsed,
        [F.capacityMax]: event.recordsMax ?? '',
      });
    case 'audit':
      return update.newest(F.auditAt, at, { [F.auditOp]: event.operation });
    case 'line-quarantined':
      return update.increment(F.quarantined, 1);
    case 'unknown-device':
      return update.set(F.registration, 'pending').set(F.protocol, event.protocol).max(F.lastContact, at);
  }
}
