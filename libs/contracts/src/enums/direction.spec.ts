import { directionFromHikvisionAttendanceStatus, directionFromName, directionFromZkStatus } from './direction';

describe('directionFromZkStatus', () => {
  it.each([
    ['0', 'in'],
    ['1', 'out'],
    ['2', 'break-out'],
    ['3', 'break-in'],
    ['4', 'overtime-in'],
    ['5', 'overtime-out'],
    [0, 'in'],
    [5, 'overtime-out'],
  ] as const)('maps %j to %s and keeps the raw code', (code, direction) => {
    expect(directionFromZkStatus(code)).toEqual({ direction, directionRaw: String(code) });
  });

  it.each([['255'], [255], ['6'], ['x'], ['-1'], [1.5]])('maps unknown code %j to unknown, raw kept', (code) => {
    expect(directionFromZkStatus(code)).toEqual({ direction: 'unknown', directionRaw: String(code) });
  });

  it('keeps the raw code exactly, even when it had to be trimmed to map', () => {
    expect(directionFromZkStatus(' 1')).toEqual({ direction: 'out', directionRaw: ' 1' });
  });

  it.each([[''], [null], [undefined]])('maps a missing code %j to unknown with a null raw', (code) => {
    expect(directionFromZkStatus(code)).toEqual({ direction: 'unknown', directionRaw: null });
  });
});

describe('directionFromHikvisionAttendanceStatus', () => {
  it.each([
    ['checkIn', 'in'],
    ['checkOut', 'out'],
    ['breakOut', 'break-out'],
    ['breakIn', 'break-in'],
    ['overtimeIn', 'overtime-in'],
    ['overtimeOut', 'overtime-out'],
    ['undefined', 'unknown'],
    ['CHECKIN', 'unknown'],
  ] as const)('maps %s to %s', (status, direction) => {
    expect(directionFromHikvisionAttendanceStatus(status)).toEqual({ direction, directionRaw: status });
  });
});

describe('directionFromName', () => {
  it('passes our own vocabulary through and maps anything else to unknown', () => {
    expect(directionFromName('break-in')).toEqual({ direction: 'break-in', directionRaw: 'break-in' });
    expect(directionFromName('sideways')).toEqual({ direction: 'unknown', directionRaw: 'sideways' });
  });
});
