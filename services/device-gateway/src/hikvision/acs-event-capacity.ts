import type { IsapiJsonRequester } from './isapi-user-write';

export const ACS_EVENT_TOTAL_PATH = '/ISAPI/AccessControl/AcsEventTotalNum?format=json';
export const ACS_EVENT_TOTAL_CAPABILITIES_PATH = '/ISAPI/AccessControl/AcsEventTotalNum/capabilities?format=json';

/**
 * How full the device's event store is. Terminals keep a fixed number of events and then overwrite the
 * oldest, so a gateway that falls behind loses punches once `used` reaches `max`: status warns at 80 / 95 %.
 */
export interface HikEventCapacity {
  used: number;
  /** Null when the device does not say (capabilities missing or without a maximum). */
  max: number | null;
}

/**
 * `used`: `POST AcsEventTotalNum` with major 0 / minor 0 (every event class) over a window wider than any
 * device clock, answered `{"AcsEventTotalNum":{"totalNum":68}}` (observed on DS-K1T firmware; the count
 * needs the `AcsEventTotalNumCond` root). `max`: the `@max` the capabilities document gives for it, as
 * Hik2go's Stats reads it; not confirmed on hardware, hence tolerant of where the number sits and null when
 * absent (status then shows the count without a ratio).
 */
export async function readHikEventCount(client: IsapiJsonRequester): Promise<number> {
  const body = { AcsEventTotalNumCond: { major: 0, minor: 0, startTime: '2000-01-01T00:00:00+00:00', endTime: '2037-12-31T23:59:59+00:00' } };
  const response = await client.requestText(ACS_EVENT_TOTAL_PATH, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  const total = (response.json as { AcsEventTotalNum?: { totalNum?: unknown } } | undefined)?.AcsEventTotalNum?.totalNum;
  const used = typeof total === 'string' && /^\d{1,10}$/.test(total) ? Number(total) : total;
  if (response.status !== 200 || typeof used !== 'number' || !Number.isInteger(used) || used < 0) {
    throw new Error(`POST ${ACS_EVENT_TOTAL_PATH}: HTTP ${response.status}, no totalNum in ${response.text.slice(0, 200)}`);
  }
  return used;
}

/** The event-store maximum from the capabilities, or null when the device does not give one. */
export async function readHikEventCapacityMax(client: IsapiJsonRequester): Promise<number | null> {
  const response = await client.requestText(ACS_EVENT_TOTAL_CAPABILITIES_PATH, { method: 'GET', headers: { accept: 'application/json' } });
  if (response.status !== 200) return null;
  return findTotalMax(response.json);
}

/** `{"AcsEventTotalNum":{"@max":100000}}`, `{"AcsEvent":{"totalNum":{"@max":100000}}}` and the like. */
export function findTotalMax(json: unknown, depth = 0): number | null {
  if (json === null || typeof json !== 'object' || depth > 4) return null;
  for (const [key, value] of Object.entries(json)) {
    if (/^(AcsEventTotalNum|AcsEvent|totalNum)$/.test(key)) {
      if (value !== null && typeof value === 'object') {
        const max = Number((value as Record<string, unknown>)['@max']);
        if (Number.isInteger(max) && max > 0) return max;
        const inner = findTotalMax(value, depth + 1);
        if (inner !== null) return inner;
      }
    }
  }
  return null;
}
