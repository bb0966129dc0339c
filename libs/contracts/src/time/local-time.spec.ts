import { InvalidLocalTimeError } from '../errors/contract-error';
import { canonicalLocalTime, LOCAL_TIME_PATTERN } from './local-time';

describe('canonicalLocalTime', () => {
  it.each([
    ['2025-03-10 09:00:12', '2025-03-10T09:00:12'],
    ['2025-03-10T09:00:12', '2025-03-10T09:00:12'],
    ['2025-03-10T09:00:12.999', '2025-03-10T09:00:12'],
    ['2025-12-31 23:59:59.5', '2025-12-31T23:59:59'],
    ['2024-02-29 00:00:00', '2024-02-29T00:00:00'],
    ['2000-02-29 00:00:00', '2000-02-29T00:00:00'],
  ])('canonicalises %s', (input, expected) => {
    expect(canonicalLocalTime(input)).toBe(expected);
  });

  it.each([
    '2025-03-10T09:00:12Z',
    '2025-03-10T09:00:12+05:30',
    '2025-03-10 09:00',
    '2025-3-10 09:00:12',
    ' 2025-03-10 09:00:12',
    '2025-02-29 09:00:12',
    '1900-02-29 09:00:12',
    '2025-04-31 09:00:12',
    '2025-13-01 09:00:12',
    '2025-03-10 24:00:00',
    '2025-03-10 23:59:60',
    '',
  ])('rejects %j', (input) => {
    expect(() => canonicalLocalTime(input)).toThrow(InvalidLocalTimeError);
  });

  it('reports a stable code', () => {
    try {
      canonicalLocalTime('nope');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidLocalTimeError);
      expect((error as InvalidLocalTimeError).code).toBe('CONTRACTS.INVALID_LOCAL_TIME');
    }
  });

  it('exposes a pattern that accepts only the canonical form', () => {
    expect(LOCAL_TIME_PATTERN.test('2025-03-10T09:00:12')).toBe(true);
    expect(LOCAL_TIME_PATTERN.test('2025-03-10 09:00:12')).toBe(false);
  });
});
