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
 * `rawJson`, when given, is the text the punch was parsed from, and only when parsing it gives exactly `raw`
 * (BatchConsumer's `json`: the compiled contract check vouched, so its keys are exactly the schema's). It is
 * used instead of serialising `raw` again (~3 µs per event). From our producers (JSON.stringify of the
 * validated punch) it is the very same text, so the bytes are the same; from another producer the event may
 * keep that producer's whitespace and key order, and a repeated key: JSON with the same meaning for
 * every parser that, like JSON.parse, Postgres and the validation this text passed, lets the last one win.
 *
 * Preconditions (the caller's, as for acceptPunch): `raw` passed PunchRawV1Schema, and both instants passed
 * InstantSchema (acceptedAt once per batch; firstSeenAt is the receivedAt of one of the punch's copies).
 */
export function acceptedEventJson(raw: PunchRawV1, acceptedAt: string, firstSeenAt: string, rawJson: string | null = null): string {
  if (Object.hasOwn(raw, 'acceptedAt') || Object.hasOwn(raw, 'firstSeenAt')) {
    return JSON.stringify(acceptPunch(raw, { acceptedAt, firstSeenAt }));
  }
  const json = rawJson === null ? JSON.stringify(raw) : rawJson.trimEnd();
  if (!json.endsWith('}')) return JSON.stringify(acceptPunch(raw, { acceptedAt, firstSeenAt }));
  return `${json.slice(0, -1)},"acceptedAt":"${acceptedAt}","firstSeenAt":"${firstSeenAt}"}`;
}
