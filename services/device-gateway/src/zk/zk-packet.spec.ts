import { ZkCommand, ZkReply } from './zk-constants';
import { decodeZkPayload, encodeZkPayload, nextZkReplyId } from './zk-packet';
import { encodeZkTcpFrame, scanZkTcpFrame } from './zk-tcp-frame';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

/** Decodes a framed fixture and rebuilds it from its fields alone. */
function roundTrip(frame: Buffer) {
  const scan = scanZkTcpFrame(frame);
  if (scan.kind !== 'frame') throw new Error(`fixture does not frame: ${JSON.stringify(scan)}`);
  const decoded = decodeZkPayload(scan.payload);
  if (!decoded.ok) throw new Error('fixture has no header');
  const { command, sessionId, replyId, data } = decoded.packet;
  return { packet: decoded.packet, checksumValid: decoded.checksumValid, rebuilt: encodeZkTcpFrame(encodeZkPayload({ command, sessionId, replyId, data })) };
}

describe('ZK header codec on the captured packets', () => {
  it.each([
    ['CONNECT', ZK_FIXTURES.CONNECT, ZkCommand.CONNECT, 0x0000, 0],
    ['EXIT_FB2F', ZK_FIXTURES.EXIT_FB2F, ZkCommand.EXIT, 0xfb2f, 1],
    ['CONNECT_OK_FB2F', ZK_FIXTURES.CONNECT_OK_FB2F, ZkReply.ACK_OK, 0xfb2f, 0],
    ['ACK_OK_45CF_R1', ZK_FIXTURES.ACK_OK_45CF_R1, ZkReply.ACK_OK, 0x45cf, 1],
    ['UNAUTH_45CF_R0', ZK_FIXTURES.UNAUTH_45CF_R0, ZkReply.ACK_UNAUTH, 0x45cf, 0],
    ['UNAUTH_45CF_R1', ZK_FIXTURES.UNAUTH_45CF_R1, ZkReply.ACK_UNAUTH, 0x45cf, 1],
    ['AUTH_KEY_12', ZK_FIXTURES.AUTH_KEY_12, ZkCommand.AUTH, 0x45cf, 1],
    ['AUTH_KEY_45', ZK_FIXTURES.AUTH_KEY_45, ZkCommand.AUTH, 0x45cf, 1],
    ['EXIT_45CF_R2', ZK_FIXTURES.EXIT_45CF_R2, ZkCommand.EXIT, 0x45cf, 2],
    ['GET_FREE_SIZES_R2', ZK_FIXTURES.GET_FREE_SIZES_R2, ZkCommand.GET_FREE_SIZES, 0x45cf, 2],
    ['PREPARE_BUFFER_USERS', ZK_FIXTURES.PREPARE_BUFFER_USERS, ZkCommand.DATA_WRRQ, 0x45cf, 20],
    ['BUFFER_READY_5044', ZK_FIXTURES.BUFFER_READY_5044, ZkReply.ACK_OK, 0x3c5c, 21],
    ['PREPARE_DATA_5044', ZK_FIXTURES.PREPARE_DATA_5044, ZkCommand.PREPARE_DATA, 0x3c5c, 22],
    ['DATA_LAST_FRAME', ZK_FIXTURES.DATA_LAST_FRAME, ZkCommand.DATA, 0x0005, 22],
    ['FREE_DATA', ZK_FIXTURES.FREE_DATA, ZkCommand.FREE_DATA, 0x3c5c, 23],
  ])('%s decodes to its header fields and re-encodes byte for byte', (_name, frame, command, sessionId, replyId) => {
    const { packet, checksumValid, rebuilt } = roundTrip(frame);
    expect(packet).toMatchObject({ command, sessionId, replyId });
    expect(checksumValid).toBe(true);
    expect(rebuilt.toString('hex')).toBe(frame.toString('hex'));
  });

  it('decodes the data of the buffered-read packets as the brief describes', () => {
    // <b h i i> = (1, CMD_USERTEMP_RRQ 9, FCT_USER 5, 0)
    expect(roundTrip(ZK_FIXTURES.PREPARE_BUFFER_USERS).packet.data.toString('hex')).toBe('0109000500000000000000');
    const ready = roundTrip(ZK_FIXTURES.BUFFER_READY_5044).packet.data;
    expect(ready.readUInt32LE(1)).toBe(5044); // total size at bytes 1..4
    const prepare = roundTrip(ZK_FIXTURES.PREPARE_DATA_5044).packet.data;
    expect([prepare.readUInt32LE(0), prepare.readUInt32LE(4)]).toEqual([5044, 1008]);
    expect(roundTrip(ZK_FIXTURES.DATA_LAST_FRAME).packet.data).toHaveLength(4);
  });

  it('decodes the realtime event header of the brief: command 500, event code in the session field, reply 0', () => {
    const decoded = decodeZkPayload(ZK_FIXTURES.LIVE_EVENT_12);
    expect(decoded).toMatchObject({ ok: true, checksumValid: true, packet: { command: ZkCommand.REG_EVENT, sessionId: 1, replyId: 0 } });
    const { command, sessionId, replyId, data } = (decoded as Extract<typeof decoded, { ok: true }>).packet;
    expect(encodeZkPayload({ command, sessionId, replyId, data }).equals(ZK_FIXTURES.LIVE_EVENT_12)).toBe(true);
  });

  it('builds the brief request payloads', () => {
    const attlog = Buffer.alloc(11);
    attlog.writeInt8(1, 0);
    attlog.writeInt16LE(ZkCommand.ATTLOG_RRQ, 1);
    expect(attlog.equals(ZK_FIXTURES.PREPARE_BUFFER_ATTLOG_DATA)).toBe(true);
    expect(encodeZkPayload({ command: ZkCommand.CONNECT, sessionId: 0, replyId: 0 }).equals(ZK_FIXTURES.CONNECT.subarray(8))).toBe(true);
  });

  it('reports a payload shorter than the header instead of throwing', () => {
    expect(decodeZkPayload(Buffer.from([0xd0, 0x07, 0x00]))).toEqual({ ok: false, reason: 'short-header', length: 3 });
  });

  it('wraps reply ids after 65534, like pyzk', () => {
    expect(nextZkReplyId(0)).toBe(1);
    expect(nextZkReplyId(65533)).toBe(65534);
    expect(nextZkReplyId(65534)).toBe(0);
  });
});
