import { hasValidZkChecksum, zkChecksum } from './zk-checksum';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

const payloadOf = (frame: Buffer) => frame.subarray(8);

describe('zkChecksum', () => {
  it('reproduces the checksum of every captured packet in the brief and the pyzk conversations', () => {
    const framed = Object.entries(ZK_FIXTURES).filter(([, bytes]) => bytes.length >= 16 && bytes.readUInt32BE(0) === 0x5050827d);
    expect(framed.length).toBeGreaterThanOrEqual(16);
    for (const [name, frame] of framed) {
      const payload = payloadOf(frame);
      expect({ name, checksum: zkChecksum(payload) }).toEqual({ name, checksum: payload.readUInt16LE(2) });
    }
  });

  it('matches the brief: CONNECT 0xFC17, EXIT in session 0xFB2F 0x00E6', () => {
    expect(zkChecksum(payloadOf(ZK_FIXTURES.CONNECT))).toBe(0xfc17);
    expect(zkChecksum(payloadOf(ZK_FIXTURES.EXIT_FB2F))).toBe(0x00e6);
  });

  it('matches the zk-protocol test vectors, including an odd trailing byte added as a plain value', () => {
    expect(zkChecksum(ZK_FIXTURES.CHECKSUM_VECTOR_1)).toBe(0x175a);
    expect(zkChecksum(ZK_FIXTURES.CHECKSUM_VECTOR_2)).toBe(0x6a29);
    // The brief quotes vector 1 with the checksum field removed; a removed aligned word sums like a zeroed one.
    const restored = Buffer.concat([ZK_FIXTURES.CHECKSUM_VECTOR_1_STRIPPED.subarray(0, 2), Buffer.alloc(2), ZK_FIXTURES.CHECKSUM_VECTOR_1_STRIPPED.subarray(2)]);
    expect(zkChecksum(restored)).toBe(0x175a);
  });

  it('matches the realtime event header of the brief, and flags the copied header of the 32-byte pyzk mock', () => {
    expect(hasValidZkChecksum(ZK_FIXTURES.LIVE_EVENT_12)).toBe(true);
    expect(hasValidZkChecksum(ZK_FIXTURES.LIVE_EVENT_32)).toBe(false);
  });

  it('equals pyzk modulo-65535 arithmetic over the packet before its reply id was incremented', () => {
    // pyzk: sum words of the header with replyId - 1, subtract 65535 on overflow, ~x, add 65535 while negative.
    const pyzk = (p: Buffer) => {
      let sum = 0;
      for (let i = 0; i + 1 < p.length; i += 2) {
        sum += p.readUInt16LE(i);
        if (sum > 0xffff) sum -= 0xffff;
      }
      if (p.length % 2) sum += p[p.length - 1]!;
      while (sum > 0xffff) sum -= 0xffff;
      let c = ~sum;
      while (c < 0) c += 0xffff;
      return c;
    };
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let round = 0; round < 2000; round++) {
      const payload = Buffer.alloc(8 + (next() % 40));
      for (let i = 0; i < payload.length; i++) payload[i] = next() % 256;
      const replyId = 1 + (next() % 65534);
      payload.writeUInt16LE(replyId, 6);
      payload.writeUInt16LE(0, 2);
      const before = Buffer.from(payload);
      before.writeUInt16LE(replyId - 1, 6);
      const ours = zkChecksum(payload);
      const theirs = pyzk(before);
      // The two representations of ones'-complement zero (0x0000 / 0xFFFF) are the only possible difference.
      expect(ours === theirs || (ours === 0 && theirs === 0xffff) || (ours === 0xffff && theirs === 0)).toBe(true);
    }
  });

  it('never matches a payload shorter than a header', () => {
    expect(hasValidZkChecksum(Buffer.from([0xd0, 0x07, 0x2f, 0xf8]))).toBe(false);
  });
});
