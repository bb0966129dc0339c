import type { GatewayCommandResultV1 } from '@attendance/contracts';
import { F } from '../devices/device-record';
import { DeviceUpdate } from '../devices/device-update';

/**
 * A command result about a device (backfill, verify-count, ...) as the device's "last sync" and its error
 * streak: failures in a row make the device degraded, one success resets the streak. Results about no device
 * (reload-roster) change no device.
 */
export function commandResultUpdate(result: GatewayCommandResultV1): DeviceUpdate | null {
  if (result.deviceSerial === null) return null;
  const at = Date.parse(result.completedAt);
  const update = new DeviceUpdate(result.tenantId, result.deviceSerial, result.siteId).newest(F.syncAt, at, {
    [F.syncType]: result.type,
    [F.syncOutcome]: result.outcome,
    [F.syncFound]: result.counts?.found ?? '',
    [F.syncNew]: result.counts?.new ?? '',
  });
  if (result.outcome === 'succeeded') return update.set(F.errorsInRow, 0);
  // `rejected`/`expired` say nothing about the device itself (stale token, deadline passed).
  if (result.outcome === 'rejected' || result.outcome === 'expired') return update;
  update.increment(F.errorsInRow, 1);
  return result.error ? update.set(F.lastError, result.error.class).set(F.lastErrorAt, at) : update;
}
