import { decodeZkPayload } from './zk-packet';
import { decodeZkRealtimeAttendance } from './zk-realtime-event';
import { encodeZkEventTime } from './zk-time';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

function prng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff);
}
const dataOf = (payload: Buffer) => {
  const decoded = decodeZkPayload(payload);
  if (!decoded.ok) throw new Error('no header');
  return decoded.packet.data;
};

describe(decodeZkRealtimeAttendance.name, () => {
  it('decodes the brief event: 12-byte layout, user 4822257, 2018-12-07 19:09:06', () => {
    expect(decodeZkRealtimeAttendance(dataOf(ZK_FIXTURES.LIVE_EVENT_12))).toEqual({
      ok: true,
      event: expect.objectContaining({
        userId: '4822257',
        userIdKind: 'numeric',
        verifyCode: 0,
        stateCode: 0,
        localTime: '2018-12-07T19:09:06',
        layoutSize: 12,
        extraHex: null,
        rawHex: 'f19449000000120c07130906',
      }),
    });
  });

  it('decodes the 32-byte layout of pyzk test_tcp_live_connect_small: user "1140064", verify 15 (face)', () => {
    expect(decodeZkRealtimeAttendance(dataOf(ZK_FIXTURES.LIVE_EVENT_32))).toMatchObject({
      ok: true,
      event: { userId: '1140064', userIdKind: 'string', verifyCode: 15, stateCode: 0, localTime: '2018-11-29T12:55:03', layoutSize: 32 },
    });
  });

  it.each([
    [10, 'numeric', '513'],
    [14, 'numeric', '513'],
    [36, 'string', 'E-77'],
    [37, 'string', 'E-77'],
    [52, 'string', 'E-77'],
    [60, 'string', 'E-77'],
  ])('decodes the %i-byte layout', (size, kind, userId) => {
    const data = Buffer.alloc(size);
    const idWidth = kind === 'numeric' ? 2 : 24;
    if (kind === 'numeric') data.writeUInt16LE(513, 0);
    else data.write('E-77', 0);
    data[idWidth] = 4;
    data[idWidth + 1] = 1;
    encodeZkEventTime('2025-01-02 03:04:05').copy(data, idWidth + 2);
    data.fill(0xee, idWidth + 8);
    const result = decodeZkRealtimeAttendance(data);
    expect(result).toMatchObject({ ok: true, event: { userId, userIdKind: kind, verifyCode: 4, stateCode: 1, localTime: '2025-01-02T03:04:05', layoutSize: size } });
    expect(result.ok && result.event.extraHex).toBe(size - idWidth - 8 > 0 ? 'ee'.repeat(size - idWidth - 8) : null);
  });

  it('reports unknown layouts with their bytes instead of guessing', () => {
    expect(decodeZkRealtimeAttendance(Buffer.from('0102030405', 'hex'))).toEqual({ ok: false, reason: 'unknown-layout', detail: 'no known EF_ATTLOG layout has 5 bytes', rawHex: '0102030405' });
  });

  it('property: any payload decodes or is reported, never throws', () => {
    const next = prng(3);
    for (let i = 0; i < 1000; i++) {
      const data = Buffer.alloc(next() % 80);
      for (let j = 0; j < data.length; j++) data[j] = next() % 256;
      const result = decodeZkRealtimeAttendance(data);
      expect(result.ok ? result.event.rawHex : result.rawHex).toBe(data.toString('hex'));
    }
  });
});
