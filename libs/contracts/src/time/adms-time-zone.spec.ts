import { InvalidTimeZoneError } from '../errors/contract-error';
import { admsTimeZoneOption } from './adms-time-zone';

const WINTER = new Date('2025-01-15T00:00:00Z'); // northern winter, southern summer
const SUMMER = new Date('2025-07-15T00:00:00Z');

describe('admsTimeZoneOption', () => {
  it.each([
    ['Asia/Shanghai', WINTER, '8'],
    ['America/New_York', WINTER, '-5'],
    ['America/New_York', SUMMER, '-4'],
    ['Europe/Berlin', SUMMER, '2'],
    ['UTC', WINTER, '0'],
    ['Asia/Kolkata', WINTER, '330'],
    ['Asia/Kathmandu', WINTER, '345'],
    ['America/St_Johns', WINTER, '-210'],
    ['America/St_Johns', SUMMER, '-150'],
    ['Australia/Adelaide', SUMMER, '570'],
    ['Pacific/Chatham', SUMMER, '765'],
    // Whole hours of 12 or more are outside the spec's hours range (-12 < v < 12), so they go as minutes.
    ['Pacific/Auckland', SUMMER, '720'],
    ['Pacific/Auckland', WINTER, '780'],
    ['Pacific/Kiritimati', WINTER, '840'],
    ['Etc/GMT+12', WINTER, '-720'],
    ['Etc/GMT-11', WINTER, '11'],
  ] as const)('%s at %s -> %s', (zone, at, expected) => {
    expect(admsTimeZoneOption(zone, at)).toBe(expected);
  });

  it('never sends a fraction', () => {
    expect(admsTimeZoneOption('Asia/Kolkata', WINTER)).not.toContain('.');
  });

  it('throws for an unknown zone', () => {
    expect(() => admsTimeZoneOption('Asia/Atlantis', WINTER)).toThrow(InvalidTimeZoneError);
  });
});
