import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { InvalidLocalTimeError, InvalidPunchIdentityError } from '../errors/contract-error';
import { PUNCH_EVENT_ID_NAMESPACE, punchEventId, punchIdentityKey } from './punch-identity';

// Golden values, computed once and pinned (cross-checked with Python's uuid.uuid5). If one of these fails, the
// derivation changed and every stored eventId would stop matching: that is a v2 of the identity, never a fix.
const GOLDEN = [
  {
    identity: { tenantId: 'acme', deviceSerial: 'CQZ7232460238', deviceUserId: '0042', localTime: '2025-03-10T09:00:12' },
    key: 'punch.v1|4:acme|13:CQZ7232460238|4:0042|2025-03-10T09:00:12',
    eventId: '8e2db237-d28a-5908-8b50-f459233e896d',
  },
  {
    // The ATTLOG example of the PUSH spec, section 11.2, with the space-separated device time.
    identity: { tenantId: 'acme', deviceSerial: '0316144680030', deviceUserId: '1452', localTime: '2015-07-30 15:16:28' },
    key: 'punch.v1|4:acme|13:0316144680030|4:1452|2015-07-30T15:16:28',
    eventId: '5e2874eb-ed3e-59ce-8d66-2f78b1346cb3',
  },
  {
    // Lengths are UTF-8 bytes: "Jöhn 7" is 6 characters and 7 bytes.
    identity: {
      tenantId: '3f6c2a9e-8b1d-4c7a-9e2f-5a4b3c2d1e0f',
      deviceSerial: 'DS-K1T671M20230101V031800ENAA8066966',
      deviceUserId: 'Jöhn 7',
      localTime: '2026-04-17T19:23:48',
    },
    key: 'punch.v1|36:3f6c2a9e-8b1d-4c7a-9e2f-5a4b3c2d1e0f|36:DS-K1T671M20230101V031800ENAA8066966|7:Jöhn 7|2026-04-17T19:23:48',
    eventId: 'f6df480d-dcb0-542e-bc0b-f14f16070181',
  },
] as const;

describe('punch identity', () => {
  it('uses the documented namespace', () => {
    expect(PUNCH_EVENT_ID_NAMESPACE).toBe('07f1f490-19d0-4d7e-93b5-e6ed27d84636');
  });

  it.each(GOLDEN)('derives the pinned key and eventId for $key', ({ identity, key, eventId }) => {
    expect(punchIdentityKey(identity)).toBe(key);
    expect(punchEventId(identity)).toBe(eventId);
  });

  it('returns a lower-case version-5 UUID', () => {
    expect(punchEventId(GOLDEN[0].identity)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives the same id whatever local time spelling the protocol used', () => {
    const base = { tenantId: 'acme', deviceSerial: 'CQZ7232460238', deviceUserId: '0042' };
    const ids = ['2025-03-10T09:00:12', '2025-03-10 09:00:12', '2025-03-10 09:00:12.999', '2025-03-10T09:00:12.5'].map(
      (localTime) => punchEventId({ ...base, localTime }),
    );
    expect(new Set(ids)).toEqual(new Set(['8e2db237-d28a-5908-8b50-f459233e896d']));
  });

  it('cannot collide when a separator appears inside a field', () => {
    const localTime = '2025-01-01T00:00:00';
    const left = { tenantId: 'a|b', deviceSerial: 'c', deviceUserId: '1', localTime };
    const right = { tenantId: 'a', deviceSerial: 'b|c', deviceUserId: '1', localTime };
    expect(punchIdentityKey(left)).toBe('punch.v1|3:a|b|1:c|1:1|2025-01-01T00:00:00');
    expect(punchIdentityKey(right)).toBe('punch.v1|1:a|3:b|c|1:1|2025-01-01T00:00:00');
    expect(punchEventId(left)).toBe('6450c3cf-73bd-511e-ba1c-e84f28639f65');
    expect(punchEventId(right)).toBe('5ca5048f-ee56-5c41-90a7-d9854defa8a8');
  });

  it('cannot collide when a length-like prefix appears inside a field', () => {
    const localTime = '2025-01-01T00:00:00';
    const a = punchIdentityKey({ tenantId: 't', deviceSerial: 'x|1:y', deviceUserId: 'z', localTime });
    const b = punchIdentityKey({ tenantId: 't', deviceSerial: 'x', deviceUserId: 'y|1:z', localTime });
    expect(a).not.toBe(b);
  });

  it('keeps leading zeros and case significant', () => {
    const base = { tenantId: 'acme', deviceSerial: 'SN1', localTime: '2025-01-01T08:00:00' };
    expect(punchEventId({ ...base, deviceUserId: '0042' })).not.toBe(punchEventId({ ...base, deviceUserId: '42' }));
    expect(punchEventId({ ...base, deviceUserId: '1', deviceSerial: 'sn1' })).not.toBe(
      punchEventId({ ...base, deviceUserId: '1', deviceSerial: 'SN1' }),
    );
  });

  it('rejects empty fields and unpaired surrogates with a typed error', () => {
    const valid = GOLDEN[0].identity;
    expect(() => punchEventId({ ...valid, deviceUserId: '' })).toThrow(InvalidPunchIdentityError);
    expect(() => punchEventId({ ...valid, tenantId: 'a\uD800' })).toThrow(/unpaired UTF-16 surrogate/);
  });

  it('rejects a local time with an offset or an impossible date', () => {
    const valid = GOLDEN[0].identity;
    expect(() => punchEventId({ ...valid, localTime: '2025-03-10T09:00:12Z' })).toThrow(InvalidLocalTimeError);
    expect(() => punchEventId({ ...valid, localTime: '2025-02-29T09:00:12' })).toThrow(InvalidLocalTimeError);
  });

  it('agrees with the uuid package (the reference UUIDv5) for any identity', () => {
    const field = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });
    fc.assert(
      fc.property(field, field, field, fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (tenantId, deviceSerial, deviceUserId, at) => {
        const identity = { tenantId, deviceSerial, deviceUserId, localTime: at.toISOString().slice(0, 19) };
        expect(punchEventId(identity)).toBe(uuidv5(punchIdentityKey(identity), PUNCH_EVENT_ID_NAMESPACE));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the uuid package for identities longer than its reused hash buffer, and for short ones after them', () => {
    const long = { tenantId: 't'.repeat(300), deviceSerial: 'Ж'.repeat(300), deviceUserId: '員'.repeat(300), localTime: '2025-03-10T09:00:12' };
    // distinct short ones: a repeated identity would be answered from the memo, not hashed again
    const short = (n: number) => ({ tenantId: 'a', deviceSerial: 'b', deviceUserId: `c${n}`, localTime: '2025-03-10T09:00:12' });
    for (const identity of [short(1), long, short(2), { ...long, deviceUserId: '員'.repeat(301) }, short(3)]) {
      expect(punchEventId(identity)).toBe(uuidv5(punchIdentityKey(identity), PUNCH_EVENT_ID_NAMESPACE));
    }
  });
});
