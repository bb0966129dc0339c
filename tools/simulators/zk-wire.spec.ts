import { ZK_FIXTURES } from '../../services/device-gateway/src/zk/testing/zk-golden-fixtures';
import { SIM_CMD, SimFrameParser, simChecksum, simCommKey, simEncodeEvent, simEncodeRecord, simFrame, simPackTime, simUnpackTime } from './zk-wire';

// The simulator's wire helpers are independent of the gateway codec; both are pinned to the same captures.
describe('simulator wire helpers against the captured packets', () => {
  const parse = (frame: Buffer) => {
    const [packet] = new SimFrameParser().feed(frame);
    if (!packet) throw new Error('fixture did not parse');
    return packet;
  };

  it.each(Object.entries(ZK_FIXTURES).filter(([name, bytes]) => bytes.length >= 16 && bytes.readUInt32BE(0) === 0x5050827d && name !== 'SIZES_REPLY'))(
    '%s parses with a valid checksum and is rebuilt byte for byte',
    (_name, frame) => {
      const p = parse(frame);
      expect(p.checksumOk).toBe(true);
      expect(simFrame(p.command, p.sessionId, p.replyId, p.data).toString('hex')).toBe(frame.toString('hex'));
    },
  );

  it('computes the brief checksums and the zk-protocol vectors', () => {
    expect(simChecksum(ZK_FIXTURES.CONNECT.subarray(8))).toBe(0xfc17);
    expect(simChecksum(ZK_FIXTURES.CHECKSUM_VECTOR_1)).toBe(0x175a);
    expect(simChecksum(ZK_FIXTURES.CHECKSUM_VECTOR_2)).toBe(0x6a29);
    expect(simChecksum(ZK_FIXTURES.LIVE_EVENT_12)).toBe(ZK_FIXTURES.LIVE_EVENT_12.readUInt16LE(2));
  });

  it('waits for the 6 bytes the captured sizes reply lacks', () => {
    const parser = new SimFrameParser();
    expect(parser.feed(ZK_FIXTURES.SIZES_REPLY)).toEqual([]);
    expect(parser.feed(ZK_FIXTURES.SIZES_REPLY_MISSING_TAIL)[0]).toMatchObject({ command: SIM_CMD.ACK_OK, checksumOk: true });
  });

  it('expects the captured CMD_AUTH keys', () => {
    expect(simCommKey(12, 0x45cf).equals(parse(ZK_FIXTURES.AUTH_KEY_12).data)).toBe(true);
    expect(simCommKey(45, 0x45cf).equals(parse(ZK_FIXTURES.AUTH_KEY_45).data)).toBe(true);
  });

  it('encodes the brief worked record, time and realtime event', () => {
    expect(simPackTime('2018-06-25 17:50:35')).toBe(0x2368b36b);
    expect(simUnpackTime(0x2368b36b)).toBe('2018-06-25 17:50:35');
    const record = simEncodeRecord({ uid: 13, userId: '999111333', verify: 1, state: 0, time: '2018-06-25 17:50:35' }, 40);
    expect(record.toString('hex')).toBe(ZK_FIXTURES.RECORD_40_WORKED_EXAMPLE.toString('hex'));
    const event = simEncodeEvent({ uid: 0, userId: '4822257', verify: 0, state: 0, time: '2018-12-07 19:09:06' }, 12);
    expect(event.toString('hex')).toBe(ZK_FIXTURES.LIVE_EVENT_12.subarray(8).toString('hex'));
    expect(simFrame(SIM_CMD.REG_EVENT, 1, 0, event).subarray(8).equals(ZK_FIXTURES.LIVE_EVENT_12)).toBe(true);
  });

  it('marks a stream without the magic as desynchronised', () => {
    const parser = new SimFrameParser();
    parser.feed(Buffer.from('GET / HTTP/1.1\r\n'));
    expect(parser.desync).toBe(true);
  });
});
