import { InvalidLocalTimeError, InvalidTimeZoneError } from '../errors/contract-error';
import { resolveLocalTime } from './resolve-local-time';
import { isValidTimeZone } from './zone-offset';

describe('resolveLocalTime', () => {
  it.each([
    // zone, local time, punchedAt, offset minutes, kind
    ['UTC', '2025-06-01T12:00:00', '2025-06-01T12:00:00Z', 0, 'exact'],
    ['Asia/Kolkata', '2025-03-10 09:00:12', '2025-03-10T03:30:12Z', 330, 'exact'],
    ['Asia/Kolkata', '2025-01-01T00:10:00', '2024-12-31T18:40:00Z', 330, 'exact'],
    ['Asia/Kathmandu', '2025-06-01T12:00:00', '2025-06-01T06:15:00Z', 345, 'exact'],
    // Berlin spring forward: 02:00 CET -> 03:00 CEST on 2025-03-30; 02:30 does not exist.
    ['Europe/Berlin', '2025-03-30T01:59:59', '2025-03-30T00:59:59Z', 60, 'exact'],
    ['Europe/Berlin', '2025-03-30T02:30:00', '2025-03-30T01:30:00Z', 60, 'gap'],
    ['Europe/Berlin', '2025-03-30T03:00:00', '2025-03-30T01:00:00Z', 120, 'exact'],
    // Berlin fall back: 03:00 CEST -> 02:00 CET on 2025-10-26; 02:30 happens twice, the earlier is CEST.
    ['Europe/Berlin', '2025-10-26T02:30:00', '2025-10-26T00:30:00Z', 120, 'ambiguous'],
    ['Europe/Berlin', '2025-10-26T01:59:59', '2025-10-25T23:59:59Z', 120, 'exact'],
    ['Europe/Berlin', '2025-10-26T03:00:00', '2025-10-26T02:00:00Z', 60, 'exact'],
    // New York: 2025-03-09 02:00 EST -> 03:00 EDT; 2025-11-02 02:00 EDT -> 01:00 EST.
    ['America/New_York', '2025-03-09T02:30:00', '2025-03-09T07:30:00Z', -300, 'gap'],
    ['America/New_York', '2025-11-02T01:30:00', '2025-11-02T05:30:00Z', -240, 'ambiguous'],
    ['America/New_York', '2025-07-04T09:00:00', '2025-07-04T13:00:00Z', -240, 'exact'],
    // Lord Howe has a 30-minute DST: +10:30 -> +11:00 at 02:00 on 2025-10-05, back at 02:00 on 2025-04-06.
    ['Australia/Lord_Howe', '2025-10-05T02:15:00', '2025-10-04T15:45:00Z', 630, 'gap'],
    ['Australia/Lord_Howe', '2025-04-06T01:45:00', '2025-04-05T14:45:00Z', 660, 'ambiguous'],
    ['Australia/Lord_Howe', '2025-07-01T08:00:00', '2025-06-30T21:30:00Z', 630, 'exact'],
    // Chatham, +12:45 / +13:45: 02:45 -> 03:45 on 2025-09-28, 03:45 -> 02:45 on 2025-04-06.
    ['Pacific/Chatham', '2025-09-28T02:50:00', '2025-09-27T14:05:00Z', 765, 'gap'],
    ['Pacific/Chatham', '2025-04-06T03:00:00', '2025-04-05T13:15:00Z', 825, 'ambiguous'],
    ['Pacific/Chatham', '2025-07-01T12:00:00', '2025-06-30T23:15:00Z', 765, 'exact'],
    // St John's, -03:30 in winter.
    ['America/St_Johns', '2025-01-15T08:00:00', '2025-01-15T11:30:00Z', -210, 'exact'],
  ] as const)('%s %s -> %s (%d min, %s)', (zone, local, punchedAt, offsetMinutes, kind) => {
    const resolved = resolveLocalTime(local, zone);
    expect(resolved).toEqual({ localTime: local.replace(' ', 'T'), punchedAt, offsetMinutes, kind });
  });

  it('truncates fractional seconds', () => {
    expect(resolveLocalTime('2025-06-01 12:00:00.999', 'UTC').punchedAt).toBe('2025-06-01T12:00:00Z');
  });

  it('throws a typed error for a malformed local time', () => {
    expect(() => resolveLocalTime('2025-06-01T12:00', 'UTC')).toThrow(InvalidLocalTimeError);
    expect(() => resolveLocalTime('2025-06-01T12:00:00+02:00', 'Europe/Berlin')).toThrow(InvalidLocalTimeError);
  });

  it.each(['Mars/Olympus', '', '+05:30', 'Asia/Kolkata ', 'UTC+5'])('throws a typed error for zone %j', (zone) => {
    expect(() => resolveLocalTime('2025-06-01T12:00:00', zone)).toThrow(InvalidTimeZoneError);
  });
});

describe('isValidTimeZone', () => {
  it.each(['UTC', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'EST5EDT'])('accepts %s', (zone) => {
    expect(isValidTimeZone(zone)).toBe(true);
  });

  it.each(['', 'Mars/Olympus', '+05:30', 'Asia/', '../etc/passwd', 'Asia/Kolkata\n'])('rejects %j', (zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });
});
