import { readZkBuffered, type ZkRequestChannel } from './zk-buffered-read';
import { ZkCommand, ZkReply } from './zk-constants';
import { ZkError } from './zk-errors';
import { decodeZkPayload, type ZkPacket } from './zk-packet';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

type Responder = (command: number, data: Buffer, attempt: number) => Array<Partial<ZkPacket> & { command: number }> | 'silence' | 'close';

/** A scripted device: answers each request with the packets the responder returns, tagged with its reply id. */
class ScriptedChannel implements ZkRequestChannel {
  readonly sent: { command: number; data: Buffer; replyId: number }[] = [];
  private replyId = 0;
  private readonly queues = new Map<number, ZkPacket[]>();
  private closed = false;
  private readonly attempts = new Map<number, number>();

  constructor(private readonly respond: Responder) {}

  send(command: number, data?: Uint8Array): number {
    if (this.closed) throw new ZkError('closed', 'closed');
    const replyId = this.replyId++;
    const bytes = Buffer.from(data ?? []);
    this.sent.push({ command, data: bytes, replyId });
    const attempt = (this.attempts.get(command) ?? 0) + 1;
    this.attempts.set(command, attempt);
    const answer = this.respond(command, bytes, attempt);
    if (answer === 'close') this.closed = true;
    else if (answer !== 'silence') this.queues.set(replyId, answer.map((p) => ({ checksum: 0, sessionId: 0, replyId, data: Buffer.alloc(0), ...p })));
    return replyId;
  }

  receive(replyId: number, timeoutMs: number): Promise<ZkPacket> {
    if (this.closed) return Promise.reject(new ZkError('closed', 'device closed the connection'));
    const next = this.queues.get(replyId)?.shift();
    if (next) return Promise.resolve(next);
    return new Promise((_, reject) => setTimeout(() => reject(new ZkError('timeout', `no reply to #${replyId}`)), Math.min(timeoutMs, 20)));
  }
}

const dataOf = (frame: Buffer) => {
  const d = decodeZkPayload(frame.subarray(8));
  if (!d.ok) throw new Error('no header');
  return d.packet.data;
};
const ok = (data?: Buffer) => ({ command: ZkReply.ACK_OK, data: data ?? Buffer.alloc(0) });
const staged = (size: number) => {
  const d = Buffer.alloc(13);
  d.writeUInt32LE(size, 1);
  d.writeUInt32LE(size, 5);
  return ok(d);
};
const prepare = (size: number) => {
  const d = Buffer.alloc(8);
  d.writeUInt32LE(size, 0);
  d.writeUInt32LE(1008, 4);
  return { command: ZkCommand.PREPARE_DATA, data: d };
};
const dataPackets = (bytes: Buffer, frame: number) =>
  Array.from({ length: Math.ceil(bytes.length / frame) }, (_, i) => ({ command: ZkCommand.DATA, sessionId: i, data: bytes.subarray(i * frame, (i + 1) * frame) }));
const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) % 256));

describe(readZkBuffered.name, () => {
  it('takes a small dataset sent inline as CMD_DATA, with the brief request payload', async () => {
    const channel = new ScriptedChannel((command) => (command === ZkCommand.DATA_WRRQ ? [{ command: ZkCommand.DATA, data: pattern(44) }] : [ok()]));
    const result = await readZkBuffered(channel, { command: ZkCommand.ATTLOG_RRQ });
    expect(result).toMatchObject({ complete: true, inline: true, announcedBytes: 44, chunks: 0 });
    expect(result.data.equals(pattern(44))).toBe(true);
    expect(channel.sent[0]!.data.equals(ZK_FIXTURES.PREPARE_BUFFER_ATTLOG_DATA)).toBe(true);
  });

  it('replays the captured 5044-byte transfer: ACK_OK with size, PREPARE_DATA, six CMD_DATA frames, ACK_OK, FREE_DATA', async () => {
    const body = pattern(5044);
    const lastFrame = dataOf(ZK_FIXTURES.DATA_LAST_FRAME);
    body.set(lastFrame, 5040);
    const channel = new ScriptedChannel((command) => {
      if (command === ZkCommand.DATA_WRRQ) return [ok(dataOf(ZK_FIXTURES.BUFFER_READY_5044))];
      if (command === ZkCommand.DATA_RDY) return [{ command: ZkCommand.PREPARE_DATA, data: dataOf(ZK_FIXTURES.PREPARE_DATA_5044) }, ...dataPackets(body, 1008), ok()];
      return [ok()];
    });
    const result = await readZkBuffered(channel, { command: ZkCommand.USERTEMP_RRQ, fct: 5 });
    expect(result).toMatchObject({ complete: true, inline: false, announcedBytes: 5044, chunks: 1, chunkRetries: 0, failure: null });
    expect(result.data.equals(body)).toBe(true);
    expect(channel.sent.map((s) => [s.command, s.data.toString('hex')])).toEqual([
      [ZkCommand.DATA_WRRQ, dataOf(ZK_FIXTURES.PREPARE_BUFFER_USERS).toString('hex')],
      [ZkCommand.DATA_RDY, '00000000b4130000'],
      [ZkCommand.FREE_DATA, ''],
    ]);
  });

  it('reads in chunks of the configured size, and accepts a chunk sent without PREPARE_DATA', async () => {
    const body = pattern(250);
    const channel = new ScriptedChannel((command, data) => {
      if (command === ZkCommand.DATA_WRRQ) return [staged(250)];
      if (command !== ZkCommand.DATA_RDY) return [ok()];
      const start = data.readInt32LE(0);
      const size = data.readInt32LE(4);
      const slice = body.subarray(start, start + size);
      return start === 100 ? [{ command: ZkCommand.DATA, data: slice }] : [prepare(size), ...dataPackets(slice, 33), ok()];
    });
    const result = await readZkBuffered(channel, { command: ZkCommand.ATTLOG_RRQ }, { chunkSize: 100 });
    expect(result).toMatchObject({ complete: true, chunks: 3 });
    expect(result.data.equals(body)).toBe(true);
    const chunkRequests = channel.sent.filter((s) => s.command === ZkCommand.DATA_RDY).map((s) => [s.data.readInt32LE(0), s.data.readInt32LE(4)]);
    expect(chunkRequests).toEqual([
      [0, 100],
      [100, 100],
      [200, 50],
    ]);
  });

  it('retries a chunk that times out or comes back wrong, then completes', async () => {
    const body = pattern(120);
    const channel = new ScriptedChannel((command, data, attempt) => {
      if (command === ZkCommand.DATA_WRRQ) return [staged(120)];
      if (command !== ZkCommand.DATA_RDY) return [ok()];
      if (attempt === 1) return 'silence';
      if (attempt === 2) return [prepare(60), { command: ZkCommand.DATA, data: body.subarray(0, 30) }, ok()]; // short chunk
      const start = data.readInt32LE(0);
      return [prepare(60), { command: ZkCommand.DATA, data: body.subarray(start, start + 60) }, ok()];
    });
    const result = await readZkBuffered(channel, { command: ZkCommand.ATTLOG_RRQ }, { chunkSize: 60, chunkTimeoutMs: 20 });
    expect(result).toMatchObject({ complete: true, chunks: 2, chunkRetries: 2 });
    expect(result.data.equals(body)).toBe(true);
  });

  it('reports a chunk that fails every attempt as an incomplete read with the bytes so far, and still frees the buffer', async () => {
    const body = pattern(120);
    const channel = new ScriptedChannel((command, data) => {
      if (command === ZkCommand.DATA_WRRQ) return [staged(120)];
      if (command !== ZkCommand.DATA_RDY) return [ok()];
      const start = data.readInt32LE(0);
      return start === 0 ? [prepare(60), { command: ZkCommand.DATA, data: body.subarray(0, 60) }, ok()] : 'silence';
    });
    const result = await readZkBuffered(channel, { command: ZkCommand.ATTLOG_RRQ }, { chunkSize: 60, chunkTimeoutMs: 20, chunkAttempts: 3 });
    expect(result).toMatchObject({ complete: false, chunks: 1, chunkRetries: 2, announcedBytes: 120 });
    expect(result.failure).toMatch(/chunk at byte 60 \(60 bytes\) failed on every attempt/);
    expect(result.data.equals(body.subarray(0, 60))).toBe(true);
    expect(channel.sent.filter((s) => s.command === ZkCommand.DATA_RDY)).toHaveLength(4);
    expect(channel.sent.at(-1)!.command).toBe(ZkCommand.FREE_DATA);
  });

  it('throws when the device refuses the dataset, and does not retry a closed connection', async () => {
    const refused = new ScriptedChannel(() => [{ command: ZkReply.ACK_ERROR }]);
    await expect(readZkBuffered(refused, { command: ZkCommand.ATTLOG_RRQ })).rejects.toMatchObject({ code: 'rejected' });
    const dropping = new ScriptedChannel((command) => (command === ZkCommand.DATA_WRRQ ? [staged(500)] : 'close'));
    await expect(readZkBuffered(dropping, { command: ZkCommand.ATTLOG_RRQ }, { chunkTimeoutMs: 20 })).rejects.toMatchObject({ code: 'closed' });
    expect(dropping.sent.filter((s) => s.command === ZkCommand.DATA_RDY)).toHaveLength(1);
  });
});
