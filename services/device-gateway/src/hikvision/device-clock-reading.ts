import { parseSimpleXml, type XmlValue } from './simple-xml';

export const SYSTEM_TIME_PATH = '/ISAPI/System/time';

export interface HikDeviceClockReading {
  /** As the device sent it, e.g. `2026-04-17T19:23:48-03:00`. */
  localTime: string;
  /** Device clock minus gateway clock in ms (positive = ahead), against the middle of the request. */
  skewMs: number;
  /** `YYYY-MM-DDTHH:mm:ss`, the wall-clock part (zone-less local time). */
  wallClock: string;
  requestedAt: Date;
  receivedAt: Date;
}

/**
 * Reads `GET /ISAPI/System/time` (`<Time><localTime>2026-04-17T19:23:48-03:00</localTime>...`) and measures the
 * device's clock skew. The device's own offset is used to get its instant: a wrong zone setting then shows as a
 * zone mismatch in the punch builder, not as skew. Null when the body holds no readable time.
 */
export interface IsapiGetRequester {
  requestText(path: string, init: { method: string; headers: Record<string, string> }): Promise<{ status: number; text: string }>;
}

export async function readHikDeviceClock(client: IsapiGetRequester): Promise<HikDeviceClockReading | null> {
  const requestedAt = new Date();
  const response = await client.requestText(SYSTEM_TIME_PATH, { method: 'GET', headers: { accept: 'application/xml' } });
  const receivedAt = new Date();
  if (response.status !== 200) throw new Error(`GET ${SYSTEM_TIME_PATH}: HTTP ${response.status}`);
  const root = parseSimpleXml(response.text);
  const value = root && typeof root.value !== 'string' ? (root.value['localTime'] as XmlValue | undefined) : undefined;
  const localTime = typeof value === 'string' ? value.trim() : null;
  if (localTime === null) return null;
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(localTime);
  if (!match || match[3] === undefined) return null;
  const instant = Date.parse(`${match[1]}T${match[2]}${match[3].length === 5 ? `${match[3].slice(0, 3)}:${match[3].slice(3)}` : match[3]}`);
  if (Number.isNaN(instant)) return null;
  const midpoint = (requestedAt.getTime() + receivedAt.getTime()) / 2;
  return { localTime, skewMs: Math.round(instant - midpoint), wallClock: `${match[1]}T${match[2]}`, requestedAt, receivedAt };
}
