import {
  decodeZkEventTime,
  decodeZkPackedTime,
  encodeZkEventTime,
  encodeZkPackedTime,
  parseZkLocalTime,
  zkTimeProblem,
} from './zk-time';

function prng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff);
}

describe('ZK device time', () => {
  it('decodes the brief worked example 0x2368B36B as 2018-06-25 17:50:35 (local, zone-less)', () => {
    expect(decodeZkPackedTime(0x2368b36b).localTime).toBe('2018-06-25T17:50:35');
    expect(encodeZkPackedTime('2018-06-25 17:50:35')).toBe(0x2368b36b);
  });

  it('decodes with 31-day months, not Unix time: Jan 31 + 1 day is Feb 1, and Feb 31 exists in the encoding', () => {
    const jan31 = encodeZkPackedTime('2024-01-31T23:59:59');
    expect(decodeZkPackedTime(jan31 + 1).localTime).toBe('2024-02-01T00:00:00');
    const feb31 = decodeZkPackedTime(encodeZkPackedTime('2024-02-28T10:00:00') + 3 * 86400);
    expect(feb31.fields).toMatchObject({ year: 2024, month: 2, day: 31 });
    expect(feb31.localTime).toBeNull();
    expect(zkTimeProblem(feb31)).toBe('invalid-date');
  });

  it('decodes a zero clock as 2000-01-01 and calls it implausible (reset device, P3/P5)', () => {
    const zero = decodeZkPackedTime(0);
    expect(zero.localTime).toBe('2000-01-01T00:00:00');
    expect(zkTimeProblem(zero)).toBe('before-earliest');
    expect(zkTimeProblem(decodeZkPackedTime(0x2368b36b), { latest: '2018-01-01T00:00:00' })).toBe('after-latest');
    expect(zkTimeProblem(decodeZkPackedTime(0x2368b36b))).toBeNull();
  });

  it('round-trips every real date of 2000-2099 (property) and never throws on any u32 (decode is total)', () => {
    const next = prng(11);
    for (let i = 0; i < 5000; i++) {
      const f = { year: 2000 + (next() % 100), month: 1 + (next() % 12), day: 1 + (next() % 28), hour: next() % 24, minute: next() % 60, second: next() % 60 };
      expect(decodeZkPackedTime(encodeZkPackedTime(f)).fields).toEqual(f);
      const anyValue = (next() * 2 + (next() % 2)) >>> 0;
      expect(() => decodeZkPackedTime(anyValue)).not.toThrow();
    }
    expect(decodeZkPackedTime(0xffffffff).fields.year).toBe(2133);
  });

  it('refuses to encode what the format cannot hold', () => {
    expect(() => encodeZkPackedTime('2100-01-01 00:00:00')).toThrow(RangeError);
    expect(() => encodeZkPackedTime('2023-02-29 00:00:00')).toThrow(RangeError);
    expect(() => encodeZkPackedTime('2023-02-28T24:00:00')).toThrow(RangeError);
    expect(() => parseZkLocalTime('2023-02-28T10:00:00Z')).toThrow(RangeError);
  });

  it('decodes the 6-byte realtime form of the brief (120c07130906 = 2018-12-07 19:09:06)', () => {
    expect(decodeZkEventTime(Buffer.from('120c07130906', 'hex'))?.localTime).toBe('2018-12-07T19:09:06');
    expect(encodeZkEventTime('2018-12-07 19:09:06').toString('hex')).toBe('120c07130906');
    expect(decodeZkEventTime(Buffer.from('120d07', 'hex'))).toBeNull();
    expect(decodeZkEventTime(Buffer.from('120d07130906', 'hex'))?.localTime).toBeNull(); // month 13
  });
});
