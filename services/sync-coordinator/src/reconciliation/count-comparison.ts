import { floorToHour, HOUR_MS } from './hour-windows';

export interface DeviceWindowCount {
  from: string;
  to: string;
  count: number;
}

export interface CountComparison {
  /** Hours where the device's count equals the cloud's: nothing is missing there. */
  verifiedHours: Date[];
  /** Hours where the counts differ: re-read from the device (a backfill is idempotent downstream). */
  mismatchedHours: Date[];
  /** Per hour: what the device said and what the cloud had, for the run report. */
  details: { hour: string; device: number; cloud: number }[];
}

/**
 * Compares the device's own counts (one per requested hour) with the cloud's accepted counts.
 *
 * A device count lower than the cloud's is also a mismatch: it means the device lost records (cleared
 * logs) or counts differently, and re-reading costs little while calling it "verified" could hide a problem.
 * A window that is not exactly one whole hour is counted into each hour only when it is one (the coordinator
 * only asks hour windows); anything else is reported as mismatched so it cannot advance a watermark.
 */
export function compareCounts(deviceCounts: readonly DeviceWindowCount[], cloudCounts: ReadonlyMap<number, number>): CountComparison {
  const result: CountComparison = { verifiedHours: [], mismatchedHours: [], details: [] };
  for (const window of deviceCounts) {
    const from = new Date(window.from);
    const hour = floorToHour(from);
    const isHour = hour.getTime() === from.getTime() && Date.parse(window.to) - from.getTime() === HOUR_MS;
    const cloud = cloudCounts.get(hour.getTime()) ?? 0;
    result.details.push({ hour: hour.toISOString(), device: window.count, cloud });
    if (isHour && window.count === cloud) result.verifiedHours.push(hour);
    else result.mismatchedHours.push(hour);
  }
  return result;
}
