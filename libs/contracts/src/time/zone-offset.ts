import { InvalidTimeZoneError } from '../errors/contract-error';
import { wallClockEpochMs } from './local-time';

// IANA names: `UTC`, `EST5EDT`, `Asia/Kolkata`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`. This rules out
// offset strings such as `+05:30`, which newer ICU builds accept as a "zone" but which carry no DST rules.
const IANA_ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** Upper bound of an IANA zone name's length in our contracts (the longest real one is 32 characters). */
export const TIME_ZONE_MAX_LENGTH = 64;

// Building a DateTimeFormat costs far more than formatting with it, and a gateway resolves thousands of
// punches in a few zones; this memo only ever holds zones that proved valid, so it stays small.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  if (typeof timeZone !== 'string' || timeZone.length > TIME_ZONE_MAX_LENGTH || !IANA_ZONE_PATTERN.test(timeZone)) {
    throw new InvalidTimeZoneError(String(timeZone));
  }
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new InvalidTimeZoneError(timeZone);
  }
  formatters.set(timeZone, formatter);
  return formatter;
}

/**
 * True when `timeZone` is an IANA zone name that this runtime's ICU data knows. Offset strings (`+05:30`) and
 * abbreviations that ICU does not know are rejected. Note that ICU matches names case-insensitively
 * (`asia/kolkata` is accepted); producers should still send the canonical spelling.
 */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const HOUR_MS = 3_600_000;
const OFFSET_MEMO_MAX = 50_000;
/**
 * `zone|hour` → the zone's offset when it is the same at both ends of that UTC hour, else null (a transition
 * falls inside it, so each instant is computed exactly). Punches arrive clustered in a few zones and hours, and
 * `formatToParts` was the largest single cost of a gateway upload. Relies on no zone having two transitions
 * within one hour that restore the same offset (none in tzdata; the spec checks the real transitions).
 */
const offsetMemo = new Map<string, number | null>();

/**
 * UTC offset of `timeZone` at the instant `epochMs`, in milliseconds (positive east of Greenwich), with
 * second precision. Throws InvalidTimeZoneError for an unknown zone.
 */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const instant = Math.floor(epochMs / 1000) * 1000;
  const hour = Math.floor(instant / HOUR_MS);
  const key = `${timeZone}|${hour}`;
  let memo = offsetMemo.get(key);
  if (memo === undefined) {
    const atStart = exactZoneOffsetMs(timeZone, hour * HOUR_MS);
    const atEnd = exactZoneOffsetMs(timeZone, (hour + 1) * HOUR_MS - 1000);
    memo = atStart === atEnd ? atStart : null;
    if (offsetMemo.size >= OFFSET_MEMO_MAX) offsetMemo.clear();
    offsetMemo.set(key, memo);
  }
  return memo ?? exactZoneOffsetMs(timeZone, instant);
}

/** The offset read from ICU for one instant (whole seconds); no memo. */
export function exactZoneOffsetMs(timeZone: string, instant: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const part = parts.find((p) => p.type === type);
    return part ? Number(part.value) : Number.NaN;
  };
  const wall = wallClockEpochMs({
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  });
  return wall - instant;
}
