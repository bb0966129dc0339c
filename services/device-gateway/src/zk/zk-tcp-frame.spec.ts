import { ZK_MAX_TCP_PAYLOAD } from './zk-constants';
import { encodeZkTcpFrame, scanZkTcpFrame, ZkTcpFrameReader } from './zk-tcp-frame';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

function prng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff);
}

describe('ZK TCP framing', () => {
  it('frames the captured packets and reports the truncated pyzk sizes reply as 6 bytes short', () => {
    expect(scanZkTcpFrame(ZK_FIXTURES.CONNECT)).toMatchObject({ kind: 'frame', frameLength: 16 });
    expect(scanZkTcpFrame(ZK_FIXTURES.SIZES_REPLY)).toEqual({ kind: 'incomplete', needed: 6 });
    const whole = Buffer.concat([ZK_FIXTURES.SIZES_REPLY, ZK_FIXTURES.SIZES_REPLY_MISSING_TAIL]);
    expect(scanZkTcpFrame(whole)).toMatchObject({ kind: 'frame', frameLength: 108 });
  });

  it('rejects a stream that does not start with the magic, and absurd lengths, without buffering them', () => {
    expect(scanZkTcpFrame(Buffer.from('Invalid tcp data'))).toMatchObject({ kind: 'invalid', reason: 'bad-magic' });
    const huge = Buffer.from(ZK_FIXTURES.CONNECT);
    huge.writeUInt32LE(ZK_MAX_TCP_PAYLOAD + 1, 4);
    expect(scanZkTcpFrame(huge)).toMatchObject({ kind: 'invalid', reason: 'oversized' });
    // A partial magic that is right so far is just incomplete.
    expect(scanZkTcpFrame(Buffer.from([0x50, 0x50]))).toEqual({ kind: 'incomplete', needed: 6 });
  });

  it('reassembles frames split at every possible byte boundary', () => {
    const stream = Buffer.concat([ZK_FIXTURES.BUFFER_READY_5044, ZK_FIXTURES.PREPARE_DATA_5044, ZK_FIXTURES.DATA_LAST_FRAME, ZK_FIXTURES.CONNECT_OK_FB2F]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new ZkTcpFrameReader();
      const first = reader.push(stream.subarray(0, cut));
      const second = reader.push(stream.subarray(cut));
      expect([...first.payloads, ...second.payloads].map((p) => p.length)).toEqual([21, 16, 12, 8]);
      expect(reader.pendingBytes).toBe(0);
    }
  });

  it('property: random streams of valid frames cut into random pieces give back exactly the payloads', () => {
    const next = prng(4370);
    for (let round = 0; round < 300; round++) {
      const payloads = Array.from({ length: 1 + (next() % 6) }, () => {
        const p = Buffer.alloc(next() % 300);
        for (let i = 0; i < p.length; i++) p[i] = next() % 256;
        return p;
      });
      const stream = Buffer.concat(payloads.map(encodeZkTcpFrame));
      const reader = new ZkTcpFrameReader();
      const out: Buffer[] = [];
      for (let offset = 0; offset < stream.length; ) {
        const size = 1 + (next() % 64);
        const r = reader.push(stream.subarray(offset, offset + size));
        expect(r.error).toBeNull();
        out.push(...r.payloads);
        offset += size;
      }
      expect(out.map((p) => p.toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')));
    }
  });

  it('property: a truncated stream is reported as incomplete with the exact missing byte count, never dropped', () => {
    const next = prng(99);
    for (let round = 0; round < 300; round++) {
      const payload = Buffer.alloc(next() % 200);
      const frame = encodeZkTcpFrame(payload);
      const cut = 1 + (next() % (frame.length - 1)); // at least one byte, strictly shorter than the frame
      const reader = new ZkTcpFrameReader();
      const r = reader.push(frame.subarray(0, cut));
      expect(r).toEqual({ payloads: [], error: null });
      expect(reader.pendingBytes).toBe(cut);
      expect(reader.neededBytes).toBe(cut < 8 ? 8 - cut : frame.length - cut);
    }
  });

  it('property: arbitrary bytes never throw and never hang; a framing error is terminal', () => {
    const next = prng(2024);
    for (let round = 0; round < 500; round++) {
      const reader = new ZkTcpFrameReader();
      const noise = Buffer.alloc(next() % 200);
      for (let i = 0; i < noise.length; i++) noise[i] = next() % 4 === 0 ? [0x50, 0x82, 0x7d][next() % 3]! : next() % 256;
      if (next() % 2 === 0) Buffer.concat([ZK_FIXTURES.CONNECT]).copy(noise, 0, 0, Math.min(noise.length, 16));
      const r = reader.push(noise);
      if (r.error) expect(reader.push(ZK_FIXTURES.CONNECT)).toEqual({ payloads: [], error: r.error });
      else expect(r.payloads.reduce((n, p) => n + p.length + 8, 0) + reader.pendingBytes).toBe(noise.length);
    }
  });
});
