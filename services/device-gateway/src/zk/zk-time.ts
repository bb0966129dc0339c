/**
 * Device time codecs (brief §2.7). Both are zone-less wall-clock time of the device: we never turn them into a
 * `Date` here (the npm libraries' host-zone bug, §2.10); the caller resolves them with the device's IANA zone.
 *
 * Packed u32 (records, CMD_GET_TIME / CMD_SET_TIME):
 *   t = ((Y % 100) * 12 * 31 + (M - 1) * 31 + (D - 1)) * 86400 + (h * 60 + m) * 60 + s
 * Every month counts 31 days, so decoding is successive remainders, never Unix-time arithmetic. A packed value
 * can name a day that does not exist (Feb 30): that is a corrupt record, reported, not normalised.
 *
 * Realtime events use six bytes `YY-2000, MM, DD, hh, mm, ss`.
 */
export interface ZkDateTimeFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export type ZkTimeProblem = 'invalid-date' | 'before-earliest' | 'after-latest';

export interface ZkDecodedTime {
  fields: ZkDateTimeFields;
  /** Canonical `YYYY-MM-DDTHH:mm:ss`, or null when the fields are not a real calendar date and time. */
  localTime: string | null;
}

const SECONDS_PER_DAY = 86_400;
const DAYS_PER_ZK_YEAR = 12 * 31;

export function decodeZkPackedTime(packed: number): ZkDecodedTime {
  let t = packed >>> 0;
  const second = t % 60;
  t = Math.floor(t / 60);
  const minute = t % 60;
  t = Math.floor(t / 60);
  const hour = t % 24;
  t = Math.floor(t / 24);
  const day = (t % 31) + 1;
  t = Math.floor(t / 31);
  const month = (t % 12) + 1;
  const year = Math.floor(t / 12) + 2000;
  const fields = { year, month, day, hour, minute, second };
  return { fields, localTime: formatZkLocalTime(fields) };
}

/**
 * Packs a local time. Only 2000-2099 is representable (the format stores `Y % 100`); anything else, or a
 * non-existent date, throws rather than writing a wrong clock to a device.
 */
export function encodeZkPackedTime(time: ZkDateTimeFields | string): number {
  const f = typeof time === 'string' ? parseZkLocalTime(time) : time;
  if (formatZkLocalTime(f) === null || f.year < 2000 || f.year > 2099) {
    throw new RangeError(`cannot encode ${JSON.stringify(time)} as ZK device time (valid dates 2000-2099 only)`);
  }
  const days = (f.year % 100) * DAYS_PER_ZK_YEAR + (f.month - 1) * 31 + (f.day - 1);
  return days * SECONDS_PER_DAY + (f.hour * 60 + f.minute) * 60 + f.second;
}

/** Decodes the 6-byte realtime form. Returns null when fewer than 6 bytes are given. */
export function decodeZkEventTime(bytes: Uint8Array): ZkDecodedTime | null {
  if (bytes.length < 6) return null;
  const fields = { year: 2000 + bytes[0]!, month: bytes[1]!, day: bytes[2]!, hour: bytes[3]!, minute: bytes[4]!, second: bytes[5]! };
  return { fields, localTime: formatZkLocalTime(fields) };
}

export function encodeZkEventTime(time: ZkDateTimeFields | string): Buffer {
  const f = typeof time === 'string' ? parseZkLocalTime(time) : time;
  if (formatZkLocalTime(f) === null || f.year < 2000 || f.year > 2255) {
    throw new RangeError(`cannot encode ${JSON.stringify(time)} as a ZK event time`);
  }
  return Buffer.from([f.year - 2000, f.month, f.day, f.hour, f.minute, f.second]);
}

/** `YYYY-MM-DDTHH:mm:ss` when the fields are a real proleptic-Gregorian date and time, else null. */
export function formatZkLocalTime(f: ZkDateTimeFields): string | null {
  const values = [f.year, f.month, f.day, f.hour, f.minute, f.second];
  if (!values.every(Number.isInteger)) return null;
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysInMonth(f.year, f.month)) return null;
  if (f.hour < 0 || f.hour > 23 || f.minute < 0 || f.minute > 59 || f.second < 0 || f.second > 59) return null;
  if (f.year < 0 || f.year > 9999) return null;
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${p(f.year, 4)}-${p(f.month)}-${p(f.day)}T${p(f.hour)}:${p(f.minute)}:${p(f.second)}`;
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/;

/** Parses `YYYY-MM-DD HH:mm:ss` or `YYYY-MM-DDTHH:mm:ss` (no zone) into fields; throws on any other shape. */
export function parseZkLocalTime(text: string): ZkDateTimeFields {
  const m = LOCAL_TIME.exec(text);
  if (!m) throw new RangeError(`"${text}" is not a zone-less local time YYYY-MM-DD HH:mm:ss`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  return { year, month, day, hour, minute, second };
}

/** Bounds, as canonical local times, outside which a device time is treated as a reset or corrupt clock (P3, P5). */
export interface ZkTimeWindow {
  /** Default 2010-01-01T00:00:00: earlier dates are a reset clock (2000-01-01) or a mis-sized record. */
  earliest?: string;
  /** Optional upper bound; the punch builder applies the real one (receivedAt + 1 day, in the device zone). */
  latest?: string;
}

export const ZK_DEFAULT_EARLIEST_LOCAL_TIME = '2010-01-01T00:00:00';

/** Null when the time is usable; otherwise why it must be quarantined. Canonical strings compare in order. */
export function zkTimeProblem(decoded: ZkDecodedTime, window: ZkTimeWindow = {}): ZkTimeProblem | null {
  if (decoded.localTime === null) return 'invalid-date';
  if (decoded.localTime < (window.earliest ?? ZK_DEFAULT_EARLIEST_LOCAL_TIME)) return 'before-earliest';
  if (window.latest !== undefined && decoded.localTime > window.latest) return 'after-latest';
  return null;
}

/** Human-readable form of the raw fields, also for impossible dates (`2023-02-30 10:00:00`). */
export function describeZkTime(f: ZkDateTimeFields): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${String(f.year).padStart(4, '0')}-${p(f.month)}-${p(f.day)} ${p(f.hour)}:${p(f.minute)}:${p(f.second)}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
