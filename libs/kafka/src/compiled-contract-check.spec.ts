import fc from 'fast-check';
import { z } from 'zod';
import { punchEventId, PunchRawV1Schema, resolveLocalTime, TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { compileContractCheck, type ContractCheck } from './compiled-contract-check';

const check = compileContractCheck(PunchRawV1Schema)!;

/** The property that makes the fast path safe: whatever it vouches for, zod accepts and returns unchanged. */
function expectSound(fast: ContractCheck, schema: z.ZodType, value: unknown): boolean {
  const vouched = fast(value);
  if (vouched) {
    const parsed = schema.safeParse(value);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(parsed.data).toEqual(value);
  }
  return vouched;
}

const instant = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2060-01-01T00:00:00Z'), noInvalidDate: true })
  .chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().replace(/\.\d+Z$/, 'Z')));
const nullableCode = (max: number) => fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: max }));

const validPunch = fc
  .record({
    tenantId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    siteId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
    deviceSerial: fc.stringMatching(/^[!-~]{1,128}$/),
    // eslint-disable-next-line no-control-regex -- the contract's own rule: no control characters at the ends
    deviceUserId: fc.oneof(fc.stringMatching(/^[0-9A-Za-z]{1,64}$/), fc.stringMatching(/^[^\s\x00-\x1F\x7F][ a-z]{0,5}[^\s\x00-\x1F\x7F]$/)),
    local: fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2059-01-01T00:00:00Z'), noInvalidDate: true }),
    timeZone: fc.constantFrom('Asia/Kolkata', 'Europe/Berlin', 'America/New_York', 'UTC', 'Australia/Lord_Howe', 'Europe/Dublin'),
    protocol: fc.constantFrom(...TOPICS.punchRaw.schema.shape.protocol.options),
    direction: fc.constantFrom(...TOPICS.punchRaw.schema.shape.direction.options),
    verifyMode: fc.constantFrom(...TOPICS.punchRaw.schema.shape.verifyMode.options),
    source: fc.constantFrom(...TOPICS.punchRaw.schema.shape.source.options),
    directionRaw: nullableCode(64),
    verifyModeRaw: nullableCode(64),
    workCode: nullableCode(32),
    deviceCursor: nullableCode(256),
    receivedAt: instant,
    clockSuspect: fc.boolean(),
    raw: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
  })
  .map((r): PunchRawV1 => {
    const resolved = resolveLocalTime(r.local.toISOString().slice(0, 19), r.timeZone);
    return {
      eventId: punchEventId({ tenantId: r.tenantId, deviceSerial: r.deviceSerial, deviceUserId: r.deviceUserId, localTime: resolved.localTime }),
      tenantId: r.tenantId, siteId: r.siteId, gatewayId: 'gw-1', deviceSerial: r.deviceSerial, protocol: r.protocol, deviceUserId: r.deviceUserId,
      localTime: resolved.localTime, timeZone: r.timeZone, punchedAt: resolved.punchedAt, direction: r.direction, directionRaw: r.directionRaw,
      verifyMode: r.verifyMode, verifyModeRaw: r.verifyModeRaw, workCode: r.workCode, source: r.source, receivedAt: r.receivedAt,
      deviceCursor: r.deviceCursor, flags: { clockSuspect: r.clockSuspect, dstAmbiguous: resolved.kind === 'ambiguous', dstGap: resolved.kind === 'gap' },
      raw: r.raw,
    };
  });

// Values close to the edges of the fields' rules, and values of the wrong kind.
const edgy = fc.oneof(
  fc.constantFrom('', ' ', 'a', ' a', 'a ', 'a\n', '\u0000', 'a\u007f', 'A'.repeat(64), 'A'.repeat(65), 'x'.repeat(129), 'x'.repeat(257), 'é', 'a:b', 'a b'),
  fc.constantFrom('2025-02-29T10:00:00', '2024-02-29T10:00:00', '2025-13-01T00:00:00', '2025-06-01 10:00:00', '2025-06-01T24:00:00', '2025-06-01T10:00:00.5'),
  fc.constantFrom('2025-06-01T10:00:00Z', '2025-06-01T10:00:00.123456Z', '2025-06-01T10:00:00+00:00', '2025-06-01T10:00:00', '2025-06-31T10:00:00Z'),
  fc.constantFrom('Mars/Phobos', 'Asia/Kolkata', 'UTC', 'utc', 'Etc/GMT+5', 'America/Argentina/Buenos_Aires', '/UTC'),
  fc.constantFrom('in', 'IN', 'push', 'face', 'zk-push2', 'unknown', 'toString', '__proto__', 'constructor'),
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.constantFrom(null, undefined, 0, 1, true, false, [], {}, ['a'], { clockSuspect: false }),
  fc.string({ maxLength: 70 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

type Mutation = (value: Record<string, unknown>) => void;
const fieldNames = Object.keys(PunchRawV1Schema.shape);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ key: fc.constantFrom(...fieldNames), value: edgy }).map(({ key, value }) => (v: Record<string, unknown>) => void (v[key] = value)),
  fc.constantFrom(...fieldNames).map((key) => (v: Record<string, unknown>) => void delete v[key]),
  fc.record({ key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'acceptedAt')), value: fc.jsonValue() })
    .map(({ key, value }) => (v: Record<string, unknown>) => void Object.defineProperty(v, key, { value, enumerable: true, configurable: true, writable: true })),
  fc.record({ key: fc.constantFrom('clockSuspect', 'dstAmbiguous', 'dstGap', 'extra'), value: edgy }).map(
    ({ key, value }) => (v: Record<string, unknown>) => {
      if (typeof v.flags === 'object' && v.flags !== null) (v.flags as Record<string, unknown>)[key] = value;
    },
  ),
  fc.constant((v: Record<string, unknown>) => void (v.flags = { clockSuspect: false, dstAmbiguous: true, dstGap: true })),
  // A valid punch whose id belongs to another identity.
  fc.constant((v: Record<string, unknown>) => void (v.deviceUserId = `${String(v.deviceUserId)}0`)),
);

describe(compileContractCheck.name, () => {
  it('compiles the raw punch schema', () => {
    expect(check).not.toBeNull();
  });

  it('vouches for valid punches, exactly as zod parses them', () => {
    fc.assert(
      fc.property(validPunch, (punch) => {
        // As a consumer sees it: parsed from the wire.
        const value = JSON.parse(JSON.stringify(punch)) as unknown;
        expect(expectSound(check, PunchRawV1Schema, value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never vouches for a value zod rejects or would change (random mutations of valid punches)', () => {
    let vouched = 0;
    let rejected = 0;
    fc.assert(
      fc.property(validPunch, fc.array(mutation, { minLength: 1, maxLength: 3 }), (punch, mutations) => {
        const value = JSON.parse(JSON.stringify(punch)) as Record<string, unknown>;
        for (const mutate of mutations) mutate(value);
        if (expectSound(check, PunchRawV1Schema, value)) vouched++;
        if (!PunchRawV1Schema.safeParse(value).success) rejected++;
      }),
      { numRuns: 3000 },
    );
    // The mutations must mostly break the punch, or this proves little.
    expect(rejected).toBeGreaterThan(1500);
    expect(vouched).toBeGreaterThan(0);
  });

  it('never vouches for arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void expectSound(check, PunchRawV1Schema, value)), { numRuns: 500 });
  });

  it('gives up on schemas it does not know rather than guess', () => {
    expect(compileContractCheck(z.object({ n: z.number() }))).toBeNull();
    expect(compileContractCheck(z.object({ s: z.string().optional() }))).toBeNull();
    expect(compileContractCheck(z.object({ s: z.string().trim() }))).toBeNull();
    expect(compileContractCheck(z.object({ s: z.string() }).catchall(z.string()))).toBeNull();
  });
});
