import { InvalidLocalTimeError } from '../errors/contract-error';

// A proleptic Gregorian date with leap years checked in the pattern itself (same construction as zod's ISO
// date pattern), so the generated JSON Schema rejects 2025-02-29 as strictly as the zod schema does.
const DATE = String.raw`(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8])))`;
// No second 60: devices never emit leap seconds, and a `:60` is a parser bug upstream, not a time.
const TIME = String.raw`(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d`;

/** Canonical zone-less local time, `YYYY-MM-DDTHH:mm:ss`, as it appears in every contract. */
export const LOCAL_TIME_PATTERN = new RegExp(`^${DATE}T${TIME}$`);

// What devices and operators actually send: a space or `T` between date and time, sometimes fractional seconds.
const INPUT_SHAPE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?$/;

/** Calendar fields of a local time, months and days 1-based. */
export interface LocalDateTimeFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * Canonicalises a device local time to `YYYY-MM-DDTHH:mm:ss`.
 *
 * Accepts `YYYY-MM-DD HH:mm:ss` (ZK ATTLOG), `YYYY-MM-DDTHH:mm:ss`, and either with fractional seconds, which
 * are truncated (never rounded: rounding could move a punch into the next second, and the second is part of
 * the punch identity). Rejects offsets and `Z`: a local time carries no zone by definition, and silently
 * dropping an offset would hide a caller bug.
 *
 * @throws InvalidLocalTimeError on any other shape or an impossible date/time (2025-02-29, 24:00:00, :60).
 */
export function canonicalLocalTime(input: string): string {
  if (typeof input !== 'string') {
    throw new InvalidLocalTimeError(String(input), 'not a string');
  }
  // Fast path: already canonical (what every validated punch carries), so one test instead of a match and a test.
  if (LOCAL_TIME_PATTERN.test(input)) return input;
  const match = INPUT_SHAPE.exec(input);
  if (!match) {
    throw new InvalidLocalTimeError(input, 'expected YYYY-MM-DD HH:mm:ss or YYYY-MM-DDTHH:mm:ss without an offset');
  }
  const canonical = `${match[1]}T${match[2]}`;
  if (!LOCAL_TIME_PATTERN.test(canonical)) {
    throw new InvalidLocalTimeError(input, 'not a valid calendar date and time');
  }
  return canonical;
}

/** Splits a canonical local time (see {@link canonicalLocalTime}) into numeric fields. */
export function localTimeFields(canonical: string): LocalDateTimeFields {
  const n = (from: number, to: number): number => Number(canonical.slice(from, to));
  return { year: n(0, 4), month: n(5, 7), day: n(8, 10), hour: n(11, 13), minute: n(14, 16), second: n(17, 19) };
}

/**
 * The local fields read as if they were UTC, in epoch milliseconds. Subtracting a UTC offset from this value
 * gives the real instant. `Date.UTC` maps years 0-99 to 1900-1999, hence `setUTCFullYear`.
 */
export function wallClockEpochMs(fields: LocalDateTimeFields): number {
  const date = new Date(0);
  date.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  date.setUTCHours(fields.hour, fields.minute, fields.second, 0);
  return date.getTime();
}
