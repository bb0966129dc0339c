import { resolveLocalTime, type ResolvedLocalTime } from '@attendance/contracts';

/** Punches dated before this are a reset device clock (2000-01-01 and the like), not real attendance. */
const EARLIEST_PLAUSIBLE_UTC = Date.parse('2010-01-01T00:00:00Z');
/** More than this ahead of our clock is implausible (device-protocols.md §1.4). */
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
/** Ahead of our clock by more than this, but within a day: accepted and flagged as a suspect device clock. */
const CLOCK_SUSPECT_AHEAD_MS = 5 * 60 * 1000;

export type PunchTime =
  | { ok: true; resolved: ResolvedLocalTime; flags: { clockSuspect: boolean; dstAmbiguous: boolean; dstGap: boolean } }
  | { ok: false; reason: 'unresolvable-time' | 'implausible-time'; detail: string };

/**
 * The one time rule of every protocol builder (ADMS, ZK TCP, Hikvision): device-local time in the device's
 * IANA zone → UTC with DST flags, and a plausibility check against when we received it. Implausible times are
 * rejected for quarantine; a clock a little ahead is accepted and flagged. One place, so that all protocols
 * agree on what is quarantined.
 *
 * @param shownAs how the time appears in a rejection's detail (the device's own spelling, e.g. an ISO time)
 */
export function resolvePunchTime(localTime: string, timeZone: string, receivedAt: Date, shownAs = localTime): PunchTime {
  let resolved: ResolvedLocalTime;
  try {
    resolved = resolveLocalTime(localTime, timeZone);
  } catch (error) {
    return { ok: false, reason: 'unresolvable-time', detail: (error as Error).message };
  }
  const punchedAtMs = Date.parse(resolved.punchedAt);
  if (punchedAtMs < EARLIEST_PLAUSIBLE_UTC) {
    return { ok: false, reason: 'implausible-time', detail: `${shownAs} is before 2010 (device clock reset?)` };
  }
  const aheadMs = punchedAtMs - receivedAt.getTime();
  if (aheadMs > MAX_FUTURE_MS) {
    return { ok: false, reason: 'implausible-time', detail: `${shownAs} (${timeZone}) is more than a day in the future` };
  }
  return {
    ok: true,
    resolved,
    flags: { clockSuspect: aheadMs > CLOCK_SUSPECT_AHEAD_MS, dstAmbiguous: resolved.kind === 'ambiguous', dstGap: resolved.kind === 'gap' },
  };
}
