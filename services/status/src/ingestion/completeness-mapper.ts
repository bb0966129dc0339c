import type { CompletenessV1 } from '@attendance/contracts';
import { F } from '../devices/device-record';
import { DeviceUpdate } from '../devices/device-update';

/** A site's completeness watermark as each device's watermark (monotonic: a late, older message is ignored). */
export function completenessUpdates(value: CompletenessV1): DeviceUpdate[] {
  return value.devices.map((d) => new DeviceUpdate(value.tenantId, d.deviceSerial, value.siteId).max(F.completeUpTo, Date.parse(d.completeUpTo)));
}
