import { punchEventId } from '../identity/punch-identity';
import { resolveLocalTime } from '../time/resolve-local-time';
import { acceptPunch, PunchAcceptedV1Schema } from './punch-accepted.topic';
import { PunchRawV1Schema, type PunchRawV1 } from './punch-raw.topic';

describe(acceptPunch.name, () => {
  let seed = 99;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const zones = ['Asia/Kolkata', 'Europe/Berlin', 'America/New_York', 'UTC', 'Australia/Lord_Howe'];

  function randomRaw(): PunchRawV1 {
    const timeZone = zones[next(zones.length)]!;
    const local = new Date(Date.UTC(2015 + next(10), next(12), 1 + next(28), next(24), next(60), next(60))).toISOString().slice(0, 19);
    const resolved = resolveLocalTime(local, timeZone);
    const tenantId = `t${next(1000)}`;
    const deviceSerial = `DEV${next(100000)}`;
    const deviceUserId = String(next(100000)).padStart(1 + next(6), '0');
    return PunchRawV1Schema.parse({
      eventId: punchEventId({ tenantId, deviceSerial, deviceUserId, localTime: resolved.localTime }),
      tenantId, siteId: `site-${next(9)}`, gatewayId: 'gw-1', deviceSerial, protocol: 'zk-push2', deviceUserId,
      localTime: resolved.localTime, timeZone, punchedAt: resolved.punchedAt, direction: 'in', directionRaw: next(2) ? '0' : null,
      verifyMode: 'face', verifyModeRaw: '15', workCode: next(2) ? null : String(next(99) + 1), source: 'push',
      receivedAt: new Date().toISOString(), deviceCursor: next(2) ? null : String(next(1e6)),
      flags: { clockSuspect: next(2) === 1, dstAmbiguous: resolved.kind === 'ambiguous', dstGap: resolved.kind === 'gap' },
      raw: `${deviceUserId}\t${resolved.localTime.replace('T', ' ')}\t0\t15`,
      ...(next(3) === 0 ? { futureField: 'kept' } : {}),
    });
  }

  it('always yields a value the accepted schema accepts (property, 500 random punches)', () => {
    for (let i = 0; i < 500; i++) {
      const raw = randomRaw();
      const accepted = acceptPunch(raw, { acceptedAt: new Date().toISOString(), firstSeenAt: raw.receivedAt });
      const checked = PunchAcceptedV1Schema.safeParse(accepted);
      expect(checked.success ? [] : checked.error.issues).toEqual([]);
      expect(accepted).toEqual(checked.data);
    }
  });

  it('rejects a malformed acceptedAt or firstSeenAt', () => {
    const raw = randomRaw();
    expect(() => acceptPunch(raw, { acceptedAt: '2024-01-01 10:00', firstSeenAt: raw.receivedAt })).toThrow();
    expect(() => acceptPunch(raw, { acceptedAt: new Date().toISOString(), firstSeenAt: '2024-01-01T10:00:00+02:00' })).toThrow();
  });
});
