import { DEFAULT_HIKVISION_PUNCH_MINORS, isHikvisionPunchEvent } from './hikvision-events';
import {
  verifyModeFromHikvision,
  verifyModeFromHikvisionVerifyMode,
  verifyModeFromName,
  verifyModeFromZkCode,
} from './verify-mode';

describe('verifyModeFromZkCode (PUSH Appendix 7)', () => {
  it.each([
    [0, 'auto'],
    [1, 'fingerprint'],
    [2, 'user-id'],
    [3, 'password'],
    [4, 'card'],
    [5, 'auto'],
    [6, 'auto'],
    [7, 'auto'],
    [8, 'multi-factor'],
    [11, 'multi-factor'],
    [14, 'multi-factor'],
    [15, 'face'],
    [16, 'multi-factor'],
    [20, 'multi-factor'],
    [21, 'vein'],
    [24, 'multi-factor'],
    [25, 'palm'],
    [29, 'multi-factor'],
    [200, 'other'],
  ] as const)('maps %d to %s', (code, verifyMode) => {
    expect(verifyModeFromZkCode(String(code))).toEqual({ verifyMode, verifyModeRaw: String(code) });
  });

  it.each([['30'], ['199'], ['201'], ['abc']])('maps unknown code %j to unknown, raw kept', (code) => {
    expect(verifyModeFromZkCode(code)).toEqual({ verifyMode: 'unknown', verifyModeRaw: code });
  });

  it('maps the MB560-VL capture (verify 15) to face', () => {
    const fields = '2\t2022-07-12 16:00:20\t1\t15\t\t0\t0\t\t\t43'.split('\t');
    expect(verifyModeFromZkCode(fields[3])).toEqual({ verifyMode: 'face', verifyModeRaw: '15' });
  });

  it('uses the black-and-white table when asked', () => {
    expect(verifyModeFromZkCode(0, 'bw')).toEqual({ verifyMode: 'password', verifyModeRaw: '0' });
    expect(verifyModeFromZkCode(1, 'bw')).toEqual({ verifyMode: 'fingerprint', verifyModeRaw: '1' });
    expect(verifyModeFromZkCode(2, 'bw')).toEqual({ verifyMode: 'card', verifyModeRaw: '2' });
    expect(verifyModeFromZkCode(15, 'bw')).toEqual({ verifyMode: 'unknown', verifyModeRaw: '15' });
  });

  it('maps a missing code to unknown with a null raw', () => {
    expect(verifyModeFromZkCode('')).toEqual({ verifyMode: 'unknown', verifyModeRaw: null });
  });
});

describe('verifyModeFromHikvisionVerifyMode', () => {
  it.each([
    ['card', 'card'],
    ['face', 'face'],
    ['fp', 'fingerprint'],
    ['cardOrFace', 'auto'],
    ['fpOrface', 'auto'],
    ['faceOrFpOrCardOrPw', 'auto'],
    ['faceAndCard', 'multi-factor'],
    ['employeeNoAndFp', 'multi-factor'],
    ['faceOrfaceAndCard', 'auto'],
    ['invalid', 'unknown'],
    ['sleep', 'unknown'],
    ['irisOrFace', 'unknown'],
    ['', 'unknown'],
  ] as const)('maps %j to %s', (mode, expected) => {
    expect(verifyModeFromHikvisionVerifyMode(mode)).toBe(expected);
  });
});

describe('verifyModeFromHikvision', () => {
  it('prefers the pass minor, which names the method actually used', () => {
    expect(verifyModeFromHikvision({ minor: 75, currentVerifyMode: 'faceOrFpOrCardOrPw' })).toEqual({
      verifyMode: 'face',
      verifyModeRaw: 'minor=75;currentVerifyMode=faceOrFpOrCardOrPw',
    });
    expect(verifyModeFromHikvision({ minor: 0x26 })).toEqual({ verifyMode: 'fingerprint', verifyModeRaw: 'minor=38' });
    expect(verifyModeFromHikvision({ minor: 2 })).toEqual({ verifyMode: 'multi-factor', verifyModeRaw: 'minor=2' });
    expect(verifyModeFromHikvision({ minor: 156 })).toEqual({ verifyMode: 'other', verifyModeRaw: 'minor=156' });
  });

  it('falls back to currentVerifyMode, then unknown', () => {
    expect(verifyModeFromHikvision({ minor: 999, currentVerifyMode: 'card' })).toEqual({
      verifyMode: 'card',
      verifyModeRaw: 'minor=999;currentVerifyMode=card',
    });
    expect(verifyModeFromHikvision({ currentVerifyMode: 'invalid' })).toEqual({
      verifyMode: 'unknown',
      verifyModeRaw: 'currentVerifyMode=invalid',
    });
    expect(verifyModeFromHikvision({})).toEqual({ verifyMode: 'unknown', verifyModeRaw: null });
  });
});

describe('verifyModeFromName', () => {
  it('passes our own vocabulary through and maps anything else to unknown', () => {
    expect(verifyModeFromName('palm')).toEqual({ verifyMode: 'palm', verifyModeRaw: 'palm' });
    expect(verifyModeFromName('retina')).toEqual({ verifyMode: 'unknown', verifyModeRaw: 'retina' });
  });
});

describe('isHikvisionPunchEvent', () => {
  it.each([
    [5, 1, true],
    [5, 75, true],
    [5, 38, true],
    [5, 181, true],
    [5, 1024, false], // remote door open
    [5, 0x4c, false], // face verification failed
    [5, 0x15, false], // door event
    [3, 1025, false], // operation event from the httpHosts capture
  ] as const)('major %d minor %d -> %s', (major, minor, expected) => {
    expect(isHikvisionPunchEvent(major, minor)).toBe(expected);
  });

  it('takes a configured allow-list', () => {
    expect(isHikvisionPunchEvent(5, 0x99, [...DEFAULT_HIKVISION_PUNCH_MINORS, 0x99])).toBe(true);
  });
});
