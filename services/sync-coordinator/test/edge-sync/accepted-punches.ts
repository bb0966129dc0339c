import { acceptPunch, type PunchAcceptedV1 } from '@attendance/contracts';
import { aRawPunch } from '@attendance/testing';

const HOUR_MS = 3_600_000;

/** `count` accepted punches of one device inside the UTC hour starting at `hour` (zone UTC, distinct users). */
export function acceptedInHour(tenantId: string, siteId: string, deviceSerial: string, hour: Date, count: number, firstUser = 1): PunchAcceptedV1[] {
  return Array.from({ length: count }, (_, i) => {
    const localTime = new Date(hour.getTime() + (i + 1) * 60_000).toISOString().slice(0, 19);
    const raw = aRawPunch({ tenantId, siteId, deviceSerial, deviceUserId: String(firstUser + i), localTime, timeZone: 'UTC' });
    const now = new Date().toISOString();
    return acceptPunch(raw, { acceptedAt: now, firstSeenAt: now });
  });
}

export function hoursBefore(hour: Date, n: number): Date {
  return new Date(hour.getTime() - n * HOUR_MS);
}

/**
 * Waits until at least `marginMs` remain in the current UTC hour, so a test built on "the last N complete
 * hours" does not straddle an hour boundary. (Waiting, not asserting on time.)
 */
export async function awayFromHourBoundary(marginMs = 90_000): Promise<void> {
  const left = HOUR_MS - (Date.now() % HOUR_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1000));
}
