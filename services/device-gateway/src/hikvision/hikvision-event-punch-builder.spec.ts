import { PUNCH_RAW_MAX_LENGTH, punchEventId } from '@attendance/contracts';
import type { DeviceContext } from '../punches/device-context';
import { buildPunchFromHikvisionEvent } from './hikvision-event-punch-builder';
import { decodePushedAccessEvent, decodeSearchedAccessEvent, type HikAccessEvent } from './isapi-access-event';
import { ALERT_EVENT_591, EVENT_LOG_STREAM_80, searchItem } from './isapi-captures.fixtures';

const device: DeviceContext = { tenantId: 'acme', siteId: 'sp-1', gatewayId: 'gw-1', deviceSerial: 'DS-K1T673DX-AA8066966', timeZone: 'America/Sao_Paulo' };
const receivedAt = new Date('2026-04-17T22:23:50Z');

function pushed(json: string): HikAccessEvent {
  const decoded = decodePushedAccessEvent(JSON.parse(json));
  if (!decoded.ok) throw new Error(decoded.detail);
  return decoded.event;
}

function searched(overrides: Record<string, unknown> = {}): HikAccessEvent {
  const decoded = decodeSearchedAccessEvent(searchItem(overrides));
  if (!decoded.ok) throw new Error(decoded.detail);
  return decoded.event;
}

describe(buildPunchFromHikvisionEvent.name, () => {
  it('builds the captured face punch (stream_77, serial 591) with the wall-clock part as identity', () => {
    const result = buildPunchFromHikvisionEvent(pushed(ALERT_EVENT_591), device, { receivedAt, source: 'realtime' });
    if (!result.ok) throw new Error(result.detail);
    expect(result.punch).toEqual({
      eventId: punchEventId({ tenantId: 'acme', deviceSerial: device.deviceSerial, deviceUserId: '1', localTime: '2026-04-17T19:23:48' }),
      tenantId: 'acme',
      siteId: 'sp-1',
      gatewayId: 'gw-1',
      deviceSerial: device.deviceSerial,
      protocol: 'hik-isapi',
      deviceUserId: '1',
      localTime: '2026-04-17T19:23:48',
      timeZone: 'America/Sao_Paulo',
      punchedAt: '2026-04-17T22:23:48Z',
      direction: 'unknown',
      directionRaw: 'undefined',
      verifyMode: 'face',
      verifyModeRaw: 'minor=75;currentVerifyMode=faceOrFpOrCardOrPw',
      workCode: null,
      source: 'realtime',
      receivedAt: '2026-04-17T22:23:50.000Z',
      deviceCursor: '591',
      flags: { clockSuspect: false, dstAmbiguous: false, dstGap: false },
      raw: JSON.stringify(JSON.parse(ALERT_EVENT_591)),
    });
    expect(result.deviceClock).toEqual({ deviceOffsetMinutes: -180, zoneOffsetMinutes: -180, offsetMismatch: false, deviceInstant: '2026-04-17T22:23:48Z' });
  });

  it('gives the same punch read by pull the same eventId, with the pull fields mapped', () => {
    const fromPush = buildPunchFromHikvisionEvent(pushed(ALERT_EVENT_591), device, { receivedAt, source: 'realtime' });
    const fromPull = buildPunchFromHikvisionEvent(searched(), device, { receivedAt, source: 'pull' });
    expect(fromPull.ok && fromPush.ok && fromPull.punch.eventId === fromPush.punch.eventId).toBe(true);
    expect(fromPull).toMatchObject({ ok: true, punch: { source: 'pull', direction: 'in', directionRaw: 'checkIn', deviceCursor: '591' } });
  });

  it('keeps the wall clock as identity when the device offset disagrees with the configured zone, and reports it', () => {
    const result = buildPunchFromHikvisionEvent(searched({ time: '2026-04-17T19:23:48+08:00' }), device, { receivedAt, source: 'pull' });
    expect(result).toMatchObject({
      ok: true,
      punch: { localTime: '2026-04-17T19:23:48', punchedAt: '2026-04-17T22:23:48Z' },
      deviceClock: { deviceOffsetMinutes: 480, zoneOffsetMinutes: -180, offsetMismatch: true, deviceInstant: '2026-04-17T11:23:48Z' },
    });
  });

  it('accepts a time without offset, with Z, and with fractional seconds (truncated, never rounded)', () => {
    const at = (time: string) => buildPunchFromHikvisionEvent(searched({ time }), device, { receivedAt, source: 'pull' });
    expect(at('2026-04-17T19:23:48')).toMatchObject({ ok: true, deviceClock: { deviceOffsetMinutes: null, offsetMismatch: false, deviceInstant: null } });
    expect(at('2026-04-17T19:23:48Z')).toMatchObject({ ok: true, deviceClock: { deviceOffsetMinutes: 0, offsetMismatch: true } });
    expect(at('2026-04-17T19:23:48.999-0300')).toMatchObject({ ok: true, punch: { localTime: '2026-04-17T19:23:48' }, deviceClock: { deviceOffsetMinutes: -180 } });
  });

  it('refuses events that are not punches, and punches without a user or a usable time', () => {
    const reason = (event: HikAccessEvent, at = receivedAt) => {
      const result = buildPunchFromHikvisionEvent(event, device, { receivedAt: at, source: 'pull' });
      return result.ok ? 'ok' : result.reason;
    };
    expect(reason(pushed(EVENT_LOG_STREAM_80))).toBe('not-a-punch'); // remote door open 3/1025
    expect(reason(searched({ minor: 0x400 }))).toBe('not-a-punch');
    expect(reason(searched({ employeeNoString: '  ' }))).toBe('missing-user-id');
    expect(reason(searched({ time: undefined }))).toBe('missing-time');
    expect(reason(searched({ time: '17/04/2026 19:23' }))).toBe('malformed-time');
    expect(reason(searched({ time: '2026-02-30T10:00:00-03:00' }))).toBe('unresolvable-time');
    expect(reason(searched({ time: '2000-01-01T00:00:00-03:00' }))).toBe('implausible-time');
    expect(reason(searched(), new Date('2026-04-15T00:00:00Z'))).toBe('implausible-time');
  });

  it('uses the configured allow-list of punch minors', () => {
    const event = searched({ minor: 0x400 });
    expect(buildPunchFromHikvisionEvent(event, device, { receivedAt, source: 'pull' }, { punchMinors: [0x400] }).ok).toBe(true);
  });

  it('flags a device clock a few minutes ahead as suspect', () => {
    const result = buildPunchFromHikvisionEvent(searched(), device, { receivedAt: new Date('2026-04-17T22:10:00Z'), source: 'pull' });
    expect(result).toMatchObject({ ok: true, punch: { flags: { clockSuspect: true } } });
  });

  it('bounds raw to the contract limit and keeps it valid JSON', () => {
    const result = buildPunchFromHikvisionEvent(searched({ pictureData: 'A'.repeat(40_000) }), device, { receivedAt, source: 'pull' });
    if (!result.ok) throw new Error(result.detail);
    expect(result.punch.raw.length).toBeLessThanOrEqual(PUNCH_RAW_MAX_LENGTH);
    expect(JSON.parse(result.punch.raw)).toMatchObject({ serialNo: 591, employeeNoString: '1', truncated: { keys: expect.arrayContaining(['pictureData']) } });
  });
});
