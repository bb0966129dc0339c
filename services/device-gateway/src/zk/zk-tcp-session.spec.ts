import { Duplex } from 'node:stream';
import { ZkConnection } from './zk-connection';
import { ZkCommand, ZkReply } from './zk-constants';
import { decodeZkPayload, encodeZkPayload } from './zk-packet';
import { encodeZkTcpFrame } from './zk-tcp-frame';
import { ZkTcpSession, type ZkRealtimePunchEvent } from './zk-tcp-session';
import { encodeZkPackedTime } from './zk-time';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

type Script = (request: { command: number; sessionId: number; replyId: number; data: Buffer }, index: number) => Buffer[];

/** The device end of a byte stream: answers each client frame with the script's frames and records what it got. */
class ScriptedDevice extends Duplex {
  readonly written: Buffer[] = [];

  constructor(private readonly script: Script) {
    super();
  }

  get requests() {
    return this.written.map((frame) => {
      const decoded = decodeZkPayload(frame.subarray(8));
      if (!decoded.ok) throw new Error('client sent a frame without header');
      return decoded.packet;
    });
  }

  pushFrame(frame: Buffer): void {
    this.push(frame);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const frame = Buffer.from(chunk);
    this.written.push(frame);
    const decoded = decodeZkPayload(frame.subarray(8));
    if (decoded.ok) for (const reply of this.script(decoded.packet, this.written.length - 1)) setImmediate(() => this.push(reply));
    callback();
  }

  override _final(callback: () => void): void {
    this.push(null);
    callback();
  }
}

const frame = (command: number, sessionId: number, replyId: number, data?: Buffer) => encodeZkTcpFrame(encodeZkPayload({ command, sessionId, replyId, data }));
const hexes = (frames: Buffer[]) => frames.map((f) => f.toString('hex'));
const quick = { commandTimeoutMs: 200, idleTimeoutMs: 0, host: 'scripted' };

describe('ZkTcpSession conversations (pyzk test.py captures)', () => {
  it('connects without a key and exits with the exact bytes pyzk sent (test_tcp_connect)', async () => {
    const device = new ScriptedDevice((req) => (req.command === ZkCommand.CONNECT ? [ZK_FIXTURES.CONNECT_OK_FB2F] : [frame(ZkReply.ACK_OK, 0xfb2f, req.replyId)]));
    const session = await ZkTcpSession.overStream(device, quick);
    expect(session.sessionId).toBe(0xfb2f);
    expect(await session.close()).toEqual({ exitSent: true, exitAcknowledged: true, deviceReEnabled: null });
    expect(hexes(device.written)).toEqual(hexes([ZK_FIXTURES.CONNECT, ZK_FIXTURES.EXIT_FB2F]));
  });

  it('authenticates with comm key 45 when the device answers CMD_ACK_UNAUTH (test_tcp_auth)', async () => {
    const device = new ScriptedDevice((req) =>
      req.command === ZkCommand.CONNECT ? [ZK_FIXTURES.UNAUTH_45CF_R0] : req.command === ZkCommand.AUTH ? [ZK_FIXTURES.ACK_OK_45CF_R1] : [],
    );
    const session = await ZkTcpSession.overStream(device, { ...quick, commKey: 45 });
    await session.close();
    expect(hexes(device.written)).toEqual(hexes([ZK_FIXTURES.CONNECT, ZK_FIXTURES.AUTH_KEY_45, ZK_FIXTURES.EXIT_45CF_R2]));
  });

  it('fails with auth-failed on a wrong key, and still sends CMD_EXIT (test_tcp_unauth)', async () => {
    const device = new ScriptedDevice((req) =>
      req.command === ZkCommand.CONNECT ? [ZK_FIXTURES.UNAUTH_45CF_R0] : req.command === ZkCommand.AUTH ? [ZK_FIXTURES.UNAUTH_45CF_R1] : [],
    );
    await expect(ZkTcpSession.overStream(device, { ...quick, commKey: 12 })).rejects.toMatchObject({ code: 'auth-failed' });
    expect(hexes(device.written)).toEqual(hexes([ZK_FIXTURES.CONNECT, ZK_FIXTURES.AUTH_KEY_12, ZK_FIXTURES.EXIT_45CF_R2]));
  });

  it('adopts echoed reply ids pyzk-style when asked, reproducing the captured GET_FREE_SIZES (test_tcp_get_size)', async () => {
    const device = new ScriptedDevice((req) =>
      req.command === ZkCommand.CONNECT
        ? [ZK_FIXTURES.ACK_OK_45CF_R1] // the capture answers request 0 with reply id 1
        : req.command === ZkCommand.GET_FREE_SIZES
          ? [ZK_FIXTURES.SIZES_REPLY, ZK_FIXTURES.SIZES_REPLY_MISSING_TAIL]
          : [],
    );
    const session = await ZkTcpSession.overStream(device, { ...quick, matchReplyIds: false });
    const sizes = await session.readFreeSizes();
    expect(sizes).toMatchObject({ users: 7, records: 605, recordCapacity: 100000, recordsAvailable: 99395 });
    expect(device.written[1]!.toString('hex')).toBe(ZK_FIXTURES.GET_FREE_SIZES_R2.toString('hex'));
    await session.close();
  });

  it('by default ignores a reply that does not echo the request id (a late answer to an earlier request)', async () => {
    const device = new ScriptedDevice((req) => (req.command === ZkCommand.CONNECT ? [ZK_FIXTURES.ACK_OK_45CF_R1] : []));
    await expect(ZkTcpSession.overStream(device, quick)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('registers EF_ATTLOG, acknowledges every event with ACK_OK in its session, and decodes the brief event', async () => {
    const device = new ScriptedDevice((req) => (req.command === ZkCommand.CONNECT ? [ZK_FIXTURES.CONNECT_OK_FB2F] : [frame(ZkReply.ACK_OK, 0xfb2f, req.replyId)]));
    const session = await ZkTcpSession.overStream(device, quick);
    const events: ZkRealtimePunchEvent[] = [];
    await session.onRealtimePunch((event) => void events.push(event));
    expect(device.requests[1]).toMatchObject({ command: ZkCommand.REG_EVENT, data: ZK_FIXTURES.REG_EVENT_ATTLOG_DATA });

    device.pushFrame(encodeZkTcpFrame(ZK_FIXTURES.LIVE_EVENT_12));
    device.pushFrame(encodeZkTcpFrame(ZK_FIXTURES.LIVE_EVENT_32)); // copied header: checksum does not match
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.map((e) => (e.ok ? ['ok', e.event.userId, e.event.localTime] : [e.reason]))).toEqual([['ok', '4822257', '2018-12-07T19:09:06'], ['bad-checksum']]);
    const acks = device.written.slice(2).map((f) => f.toString('hex'));
    expect(acks).toEqual([frame(ZkReply.ACK_OK, 0xfb2f, 0).toString('hex'), frame(ZkReply.ACK_OK, 0xfb2f, 0).toString('hex')]);
    expect(session.stats.eventsAcknowledged).toBe(2);
    await session.close();
  });

  it('decodes the 32-byte pyzk event when checksums are not enforced', async () => {
    const device = new ScriptedDevice((req) => (req.command === ZkCommand.CONNECT ? [ZK_FIXTURES.CONNECT_OK_FB2F] : [frame(ZkReply.ACK_OK, 0xfb2f, req.replyId)]));
    const session = await ZkTcpSession.overStream(device, { ...quick, verifyChecksums: false });
    const events: ZkRealtimePunchEvent[] = [];
    await session.onRealtimePunch((event) => void events.push(event));
    device.pushFrame(encodeZkTcpFrame(ZK_FIXTURES.LIVE_EVENT_32));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events[0]).toMatchObject({ ok: true, event: { userId: '1140064', verifyCode: 15, localTime: '2018-11-29T12:55:03' } });
    await session.close();
  });

  it('reads and sets the device time only when asked (SET_TIME then REFRESHDATA)', async () => {
    const packed = encodeZkPackedTime('2024-06-01 15:30:00');
    const device = new ScriptedDevice((req) => {
      if (req.command === ZkCommand.CONNECT) return [ZK_FIXTURES.CONNECT_OK_FB2F];
      const data = Buffer.alloc(4);
      data.writeUInt32LE(packed, 0);
      return [frame(ZkReply.ACK_OK, 0xfb2f, req.replyId, req.command === ZkCommand.GET_TIME ? data : undefined)];
    });
    const session = await ZkTcpSession.overStream(device, quick);
    expect((await session.deviceTime()).localTime).toBe('2024-06-01T15:30:00');
    expect(device.requests.some((r) => r.command === ZkCommand.SET_TIME)).toBe(false);
    await session.setDeviceTime('2024-06-01 15:31:00');
    const set = device.requests.find((r) => r.command === ZkCommand.SET_TIME)!;
    expect(set.data.readUInt32LE(0)).toBe(encodeZkPackedTime('2024-06-01 15:31:00'));
    expect(device.requests.at(-1)!.command).toBe(ZkCommand.REFRESH_DATA);
    await session.close();
  });

  it('re-enables a device disabled for a read even when the read fails, before CMD_EXIT', async () => {
    const device = new ScriptedDevice((req) => {
      if (req.command === ZkCommand.CONNECT) return [ZK_FIXTURES.CONNECT_OK_FB2F];
      if (req.command === ZkCommand.GET_FREE_SIZES) {
        const sizes = Buffer.alloc(80);
        sizes.writeInt32LE(10, 32);
        return [frame(ZkReply.ACK_OK, 0xfb2f, req.replyId, sizes)];
      }
      if (req.command === ZkCommand.DATA_WRRQ) return [frame(ZkReply.ACK_ERROR, 0xfb2f, req.replyId)];
      return [frame(ZkReply.ACK_OK, 0xfb2f, req.replyId)];
    });
    const session = await ZkTcpSession.overStream(device, quick);
    await expect(session.readAttendanceLog({ disableDevice: true })).rejects.toMatchObject({ code: 'rejected' });
    await session.close();
    expect(device.requests.map((r) => r.command)).toEqual([
      ZkCommand.CONNECT,
      ZkCommand.GET_FREE_SIZES,
      ZkCommand.DISABLE_DEVICE,
      ZkCommand.DATA_WRRQ,
      ZkCommand.ENABLE_DEVICE,
      ZkCommand.EXIT,
    ]);
  });

  it('declares a silent device dead after the idle timeout, and keeps a quiet but healthy one alive with heartbeats', async () => {
    const answering = (answerTime: boolean) =>
      new ScriptedDevice((req) => {
        if (req.command === ZkCommand.CONNECT) return [ZK_FIXTURES.CONNECT_OK_FB2F];
        if (req.command === ZkCommand.GET_TIME && answerTime) {
          const data = Buffer.alloc(4);
          data.writeUInt32LE(encodeZkPackedTime('2024-06-01 15:30:00'), 0);
          return [frame(ZkReply.ACK_OK, 0xfb2f, req.replyId, data)];
        }
        return [];
      });
    const silent = await ZkTcpSession.overStream(answering(false), { ...quick, idleTimeoutMs: 150, heartbeatIntervalMs: 50, commandTimeoutMs: 40 });
    const end = await silent.ended;
    expect(end).toMatchObject({ byGateway: false, error: { code: 'idle-timeout' } });

    const healthy = await ZkTcpSession.overStream(answering(true), { ...quick, idleTimeoutMs: 150, heartbeatIntervalMs: 40 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(healthy.isOpen).toBe(true);
    expect(healthy.stats.heartbeats).toBeGreaterThan(2);
    await healthy.close();
  });
});

describe('ZkConnection safety', () => {
  it('refuses destructive commands (CLEAR_ATTLOG, CLEAR_DATA, RESTART, ...) before anything is sent', () => {
    const device = new ScriptedDevice(() => []);
    const connection = new ZkConnection(device);
    for (const command of [14, 15, 18, 19, 20, 33, 1004, 1005]) {
      expect(() => connection.send(command)).toThrow(expect.objectContaining({ code: 'forbidden-command' }));
    }
    expect(device.written).toEqual([]);
    expect(Object.getOwnPropertyNames(ZkTcpSession.prototype).filter((name) => /clear|delete|restart|power/i.test(name))).toEqual([]);
  });

  it('drops the connection on an unframeable stream instead of guessing', async () => {
    const device = new ScriptedDevice(() => []);
    const connection = new ZkConnection(device);
    device.pushFrame(Buffer.from('Invalid tcp data'));
    await expect(connection.closed).resolves.toMatchObject({ code: 'protocol' });
  });
});
