import { resolveLocalTime } from '@attendance/contracts';
import type { ZkDeviceTime } from './zk-tcp-session';

/**
 * Device clock skew in milliseconds (positive = device ahead), from a CMD_GET_TIME reading and the device's
 * IANA zone (DESIGN.md 3.6-3.7). Compared with the midpoint of the request, so the round trip does not count
 * as skew; the packed time has one-second resolution. Null when the device reports an impossible date.
 */
export function zkClockSkewMs(reading: ZkDeviceTime, timeZone: string): number | null {
  if (reading.localTime === null) return null;
  const deviceInstant = Date.parse(resolveLocalTime(reading.localTime, timeZone).punchedAt);
  const midpoint = (reading.requestedAt.getTime() + reading.receivedAt.getTime()) / 2;
  return Math.round(deviceInstant - midpoint);
}
