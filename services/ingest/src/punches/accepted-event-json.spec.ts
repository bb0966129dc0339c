import fc from 'fast-check';
import { acceptPunch, punchEventId, PunchAcceptedV1Schema, PunchRawV1Schema, resolveLocalTime, TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { acceptedEventJson } from './accepted-event-json';

const instant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true })
  .chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().replace(/\.\d+Z$/, 'Z'), d.toISOString().replace('Z', '123Z')));
const text = (max: number) => fc.string({ unit: 'grapheme', minLength: 1, maxLength: max });
const nullableCode = fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 8 }));

/** Valid raw punches (checked by the raw schema), with and without extra fields a newer gateway may add. */
const rawPunch = fc
  .record({
    tenantId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
    deviceSerial: fc.stringMatching(/^[!-~]{1,30}$/),
    deviceUserId: fc.stringMatching(/^[0-9A-Za-z]{1,10}$/),
    local: fc.date({ min: new Date('2001-01-01T00:00:00Z'), max: new Date('2039-01-01T00:00:00Z'), noInvalidDate: true }),
    timeZone: fc.constantFrom('Asia/Kolkata', 'Europe/Berlin', 'America/New_York', 'UTC'),
    directionRaw: nullableCode,
    workCode: nullableCode,
    deviceCursor: nullableCode,
    receivedAt: instant,
    raw: text(200),
    extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue(), { maxKeys: 3 }),
    // Fields the accepted event adds, arriving as unknown passthrough fields of a raw punch.
    clash: fc.option(fc.record({ acceptedAt: instant }, { requiredKeys: [] }), { nil: undefined }),
  })
  .map((r): PunchRawV1 => {
    const resolved = resolveLocalTime(r.local.toISOString().slice(0, 19), r.timeZone);
    return PunchRawV1Schema.parse({
      ...r.extra,
      eventId: punchEventId({ tenantId: r.tenantId, deviceSerial: r.deviceSerial, deviceUserId: r.deviceUserId, localTime: resolved.localTime }),
      tenantId: r.tenantId, siteId: 'site-1', gatewayId: 'gw-1', deviceSerial: r.deviceSerial, protocol: 'zk-push2', deviceUserId: r.deviceUserId,
      localTime: resolved.localTime, timeZone: r.timeZone, punchedAt: resolved.punchedAt, direction: 'in', directionRaw: r.directionRaw,
      verifyMode: 'face', verifyModeRaw: '15', workCode: r.workCode, source: 'push', receivedAt: r.receivedAt, deviceCursor: r.deviceCursor,
      flags: { clockSuspect: false, dstAmbiguous: resolved.kind === 'ambiguous', dstGap: resolved.kind === 'gap' },
      raw: r.raw,
      ...(r.clash ?? {}),
    });
  });

describe(acceptedEventJson.name, () => {
  it('is exactly the JSON text of acceptPunch (random valid punches, extra and clashing fields)', () => {
    fc.assert(
      fc.property(rawPunch, instant, (raw, acceptedAt) => {
        const json = acceptedEventJson(raw, acceptedAt, raw.receivedAt);
        const expected = acceptPunch(raw, { acceptedAt, firstSeenAt: raw.receivedAt });
        expect(json).toBe(JSON.stringify(expected));
        expect(PunchAcceptedV1Schema.safeParse(JSON.parse(json)).success).toBe(true);
        expect(TOPICS.punchRaw.key(raw)).toBe(TOPICS.punchAccepted.key(expected));
      }),
      { numRuns: 400 },
    );
  });
  it('appends to the received text: the same bytes for a canonical text, the same JSON for any other formatting', () => {
    // Another producer's text: keys in another order, whitespace around tokens and after the object.
    const reformatted = (raw: PunchRawV1, seed: number) => {
      const entries = Object.entries(raw);
      const rotated = [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)];
      const space = ' \n\t'.slice(0, 1 + (seed % 3));
      return `${space}{${rotated.map(([k, v]) => `${space}${JSON.stringify(k)}${space}:${JSON.stringify(v)}`).join(`,${space}`)}${space}}${space}`;
    };
    fc.assert(
      fc.property(rawPunch, instant, fc.nat(), (raw, acceptedAt, seed) => {
        const expected = acceptPunch(raw, { acceptedAt, firstSeenAt: raw.receivedAt });
        expect(acceptedEventJson(raw, acceptedAt, raw.receivedAt, JSON.stringify(raw))).toBe(JSON.stringify(expected));
        const fromOther = acceptedEventJson(raw, acceptedAt, raw.receivedAt, reformatted(raw, seed));
        expect(JSON.parse(fromOther)).toEqual(JSON.parse(JSON.stringify(expected)));
      }),
      { numRuns: 400 },
    );
  });
});
