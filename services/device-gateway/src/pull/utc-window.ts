import { zoneOffsetMs } from '@attendance/contracts';

/** A half-open UTC window `[from, to)`, as commands carry it. */
export interface UtcWindow {
  from: string;
  to: string;
}

export function inWindow(punchedAt: string, window: UtcWindow): boolean {
  const at = Date.parse(punchedAt);
  return at >= Date.parse(window.from) && at < Date.parse(window.to);
}

/** The device-local wall clock of an instant in `timeZone`: `YYYY-MM-DD HH:MM:SS` (ADMS command form). */
export function deviceLocalTime(instant: string | Date, timeZone: string): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return new Date(ms + zoneOffsetMs(timeZone, ms)).toISOString().slice(0, 19).replace('T', ' ');
}

/** ISO 8601 with the zone's offset at that instant, e.g. `2026-04-17T19:23:48-03:00` (ISAPI search form). */
export function deviceIsoTime(instant: string | Date, timeZone: string): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  const offsetMin = Math.round(zoneOffsetMs(timeZone, ms) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${deviceLocalTime(new Date(ms), timeZone).replace(' ', 'T')}${offset}`;
}
