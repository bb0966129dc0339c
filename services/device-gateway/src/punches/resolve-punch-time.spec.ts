import { resolvePunchTime } from './resolve-punch-time';

describe(resolvePunchTime.name, () => {
  const receivedAt = new Date('2025-03-30T12:00:00Z');

  it('resolves local time in the zone to UTC', () => {
    expect(resolvePunchTime('2025-03-30 17:30:00', 'Asia/Kolkata', receivedAt)).toMatchObject({
      ok: true,
      resolved: { punchedAt: '2025-03-30T12:00:00Z' },
      flags: { clockSuspect: false, dstAmbiguous: false, dstGap: false },
    });
  });

  it('flags a DST gap instead of guessing silently', () => {
    expect(resolvePunchTime('2025-03-30 02:30:00', 'Europe/Berlin', receivedAt)).toMatchObject({ ok: true, flags: { dstGap: true } });
  });

  it('accepts a clock a few minutes ahead but flags it', () => {
    expect(resolvePunchTime('2025-03-30 12:10:00', 'UTC', receivedAt)).toMatchObject({ ok: true, flags: { clockSuspect: true } });
  });

  it.each([
    ['a reset clock', '2000-01-01 00:00:00'],
    ['more than a day ahead', '2025-04-01 00:00:00'],
  ])('rejects %s as implausible', (_name, local) => {
    expect(resolvePunchTime(local, 'UTC', receivedAt, `device said ${local}`)).toEqual({
      ok: false,
      reason: 'implausible-time',
      detail: expect.stringContaining(`device said ${local}`),
    });
  });

  it('rejects a zone the runtime does not know', () => {
    expect(resolvePunchTime('2025-03-30 10:00:00', 'Mars/Olympus', receivedAt)).toMatchObject({ ok: false, reason: 'unresolvable-time' });
  });
});
