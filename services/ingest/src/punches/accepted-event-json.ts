import { acceptPunch, type PunchRawV1 } from '@attendance/contracts';

/**
 * The JSON text of `acceptPunch(raw, { acceptedAt, firstSeenAt })`, without building that object.
 *
 * Why: the accepted event is the raw punch plus two instants at the end, and ingest builds one per new row.
 * acceptPunch copies the punch's ~20 fields and runs the instant schema twice per event; here the punch is
 * serialised as it is and the two fields are appended to its text. Same bytes (accepted-event-json.spec.ts
 * holds this to JSON.stringify(acceptPunch(...)) on random punches):
 *  - JSON.stringify({ ...raw, acceptedAt, firstSeenAt }) writes raw's keys in raw's order and then the two new
 *    ones, i.e. raw's text with `,"acceptedAt":…,"firstSeenAt":…` before its closing brace;
 *  - a validated instant is `YYYY-MM-DDTHH:mm:ss[.fff]Z`, nothing JSON would escape.
 * A punch that already carries either field (an unknown-field passthrough) takes acceptPunch itself.
 *
 * Preconditions (the caller's, as for acceptPunch): `raw` passed PunchRawV1Schema, and both instants passed
 * InstantSchema (acceptedAt once per batch; firstSeenAt is the receivedAt of one of the punch's copies).
 */
export function acceptedEventJson(raw: PunchRawV1, acceptedAt: string, firstSeenAt: string): string {
  if (Object.hasOwn(raw, 'acceptedAt') || Object.hasOwn(raw, 'firstSeenAt')) {
    return JSON.stringify(acceptPunch(raw, { acceptedAt, firstSeenAt }));
  }
  const json = JSON.stringify(raw);
  return `${json.slice(0, -1)},"acceptedAt":"${acceptedAt}","firstSeenAt":"${firstSeenAt}"}`;
}
