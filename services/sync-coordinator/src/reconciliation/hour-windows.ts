/** Reconciliation works in UTC device-hours: `[hour, hour + 1h)`. */
export const HOUR_MS = 3_600_000;

export interface TimeWindow {
  from: Date;
  to: Date;
}

export function floorToHour(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / HOUR_MS) * HOUR_MS);
}

/** The hours `[from, to)` of a window whose bounds are whole hours. */
export function hoursOf(window: TimeWindow): Date[] {
  const hours: Date[] = [];
  for (let t = window.from.getTime(); t < window.to.getTime(); t += HOUR_MS) hours.push(new Date(t));
  return hours;
}

/**
 * The window a scheduled reconciliation verifies: the last `windowHours` complete hours before `now`, extended
 * back to the device's watermark when that is older (so no hour behind the watermark is ever skipped), and cut
 * to `maxHours` from its start (a device far behind catches up over several runs, oldest first).
 * Null when there is no complete hour to verify.
 */
export function scheduledWindow(now: Date, reconciledUpTo: Date, windowHours: number, maxHours: number): TimeWindow | null {
  const end = floorToHour(now);
  const recent = end.getTime() - windowHours * HOUR_MS;
  const from = Math.min(floorToHour(reconciledUpTo).getTime(), recent);
  const to = Math.min(end.getTime(), from + maxHours * HOUR_MS);
  return from < to ? { from: new Date(from), to: new Date(to) } : null;
}

/** Consecutive hours merged into windows: [10:00, 11:00, 13:00] → [10:00-12:00), [13:00-14:00). */
export function mergeHours(hours: readonly Date[]): TimeWindow[] {
  const sorted = [...hours].map((h) => h.getTime()).sort((a, b) => a - b);
  const windows: TimeWindow[] = [];
  for (const start of sorted) {
    const last = windows[windows.length - 1];
    if (last && last.to.getTime() === start) last.to = new Date(start + HOUR_MS);
    else if (!last || last.to.getTime() < start) windows.push({ from: new Date(start), to: new Date(start + HOUR_MS) });
  }
  return windows;
}

/** Splits a window into pieces of at most `maxHours` (the command contract bounds one window). */
export function splitWindow(window: TimeWindow, maxHours: number): TimeWindow[] {
  const pieces: TimeWindow[] = [];
  for (let t = window.from.getTime(); t < window.to.getTime(); t += maxHours * HOUR_MS) {
    pieces.push({ from: new Date(t), to: new Date(Math.min(window.to.getTime(), t + maxHours * HOUR_MS)) });
  }
  return pieces;
}

/**
 * The watermark after some hours were verified: it moves over verified hours that follow it without a gap,
 * never backwards. Hours verified beyond an unverified one wait for a later run.
 */
export function advanceWatermark(current: Date, verifiedHours: readonly Date[]): Date {
  const verified = new Set(verifiedHours.map((h) => h.getTime()));
  let mark = current.getTime();
  // A watermark inside an hour (never the case for ours) would need that whole hour verified.
  let next = Math.floor(mark / HOUR_MS) * HOUR_MS;
  while (verified.has(next)) {
    next += HOUR_MS;
    mark = Math.max(mark, next);
  }
  return new Date(mark);
}
