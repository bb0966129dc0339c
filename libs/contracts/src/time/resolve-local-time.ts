import { canonicalLocalTime, localTimeFields, wallClockEpochMs } from './local-time';
import { zoneOffsetMs } from './zone-offset';

/**
 * How a local time maps to instants in its zone:
 * - `exact`: exactly one instant;
 * - `ambiguous`: two instants (DST fall-back overlap, e.g. 02:30 twice in Berlin on 2025-10-26);
 * - `gap`: no instant (DST spring-forward, e.g. 02:30 never happens in Berlin on 2025-03-30).
 */
export type LocalTimeKind = 'exact' | 'ambiguous' | 'gap';

/** Result of {@link resolveLocalTime}. */
export interface ResolvedLocalTime {
  /** The canonical `YYYY-MM-DDTHH:mm:ss` form of the input. */
  readonly localTime: string;
  /** The chosen instant, `YYYY-MM-DDTHH:mm:ssZ` (second precision, like the device time it came from). */
  readonly punchedAt: string;
  /** UTC offset used for `punchedAt`, minutes east of Greenwich (`punchedAt = localTime - offsetMinutes`). */
  readonly offsetMinutes: number;
  readonly kind: LocalTimeKind;
}

const DAY_MS = 86_400_000;

/**
 * Converts a device's zone-less local time to a UTC instant in `timeZone`, using only `Intl.DateTimeFormat`.
 *
 * Policy (DESIGN.md section 3.6: DST gaps and overlaps are flagged, not guessed silently):
 * - ambiguous: the earlier instant (the first pass through the repeated hour). A clock shows the repeated hour
 *   first in daylight time, and choosing one fixed rule keeps edge and cloud deterministic; the caller sets
 *   `flags.dstAmbiguous`, so a consumer that knows better can correct it.
 * - gap: the offset in force before the transition. The only way a device shows a time that does not exist is
 *   that its clock had not moved forward yet (it applies DST late, or not at all, e.g. a ZK device whose
 *   `TimeZone=` is refreshed only on the next handshake), so its wall clock was still on the old offset. The
 *   caller sets `flags.dstGap`.
 *
 * @param localTime `YYYY-MM-DDTHH:mm:ss` or `YYYY-MM-DD HH:mm:ss`, fractional seconds truncated.
 * @param timeZone IANA zone name.
 * @throws InvalidLocalTimeError for a malformed local time; InvalidTimeZoneError for an unknown zone.
 */
export function resolveLocalTime(localTime: string, timeZone: string): ResolvedLocalTime {
  const canonical = canonicalLocalTime(localTime);
  const wall = wallClockEpochMs(localTimeFields(canonical));

  // Any transition that could affect this wall time lies within a day of it (offsets are within +-14 h), so
  // the offsets a day before and a day after are the only candidates; the offsets at the two candidate
  // instants are added in case two transitions are that close together.
  const before = zoneOffsetMs(timeZone, wall - DAY_MS);
  const after = zoneOffsetMs(timeZone, wall + DAY_MS);
  const candidates = new Set([before, after, zoneOffsetMs(timeZone, wall - before), zoneOffsetMs(timeZone, wall - after)]);

  const instants = [...candidates]
    .filter((offset) => zoneOffsetMs(timeZone, wall - offset) === offset)
    .map((offset) => wall - offset)
    .sort((a, b) => a - b);
  const distinct = [...new Set(instants)];

  const first = distinct[0];
  if (first === undefined) {
    return build(canonical, wall - before, before, 'gap');
  }
  return build(canonical, first, wall - first, distinct.length > 1 ? 'ambiguous' : 'exact');
}

function build(localTime: string, instant: number, offsetMs: number, kind: LocalTimeKind): ResolvedLocalTime {
  return {
    localTime,
    punchedAt: new Date(instant).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    offsetMinutes: offsetMs / 60_000,
    kind,
  };
}
