import { makeZkCommKey } from './zk-commkey';
import { ZkCommand } from './zk-constants';
import { encodeZkPayload } from './zk-packet';
import { encodeZkTcpFrame } from './zk-tcp-frame';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

describe(makeZkCommKey.name, () => {
  it('reproduces the CMD_AUTH keys pyzk sent for comm keys 12 and 45 in session 0x45CF', () => {
    expect(makeZkCommKey(12, 0x45cf).toString('hex')).toBe('614d323c');
    expect(makeZkCommKey(45, 0x45cf).toString('hex')).toBe('61c9323c');
  });

  it('builds the captured CMD_AUTH packets byte for byte', () => {
    const auth = (key: number) => encodeZkTcpFrame(encodeZkPayload({ command: ZkCommand.AUTH, sessionId: 0x45cf, replyId: 1, data: makeZkCommKey(key, 0x45cf) }));
    expect(auth(12).equals(ZK_FIXTURES.AUTH_KEY_12)).toBe(true);
    expect(auth(45).equals(ZK_FIXTURES.AUTH_KEY_45)).toBe(true);
  });

  it('puts the tick byte itself in byte 2 and wraps the sum at 32 bits like the C original', () => {
    expect(makeZkCommKey(0, 0, 50)[2]).toBe(50);
    expect(makeZkCommKey(0, 0, 0x1ff)[2]).toBe(0xff);
    // 0x1FFFF reversed is 0xFFFF8000; + session 0xFFFF overflows 32 bits (pyzk would raise struct.error).
    expect(() => makeZkCommKey(0x1ffff, 0xffff)).not.toThrow();
    expect(makeZkCommKey(0x1ffff, 0xffff)).toHaveLength(4);
  });

  it('rejects keys that are not unsigned 32-bit integers', () => {
    expect(() => makeZkCommKey(-1, 1)).toThrow(RangeError);
    expect(() => makeZkCommKey(1.5, 1)).toThrow(RangeError);
  });
});
