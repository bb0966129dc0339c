import { ZK_TCP_CHUNK_SIZE, ZkCommand, ZkReply, zkCommandName } from './zk-constants';
import { isZkError, ZkError } from './zk-errors';
import { SILENT_ZK_LOGGER, type ZkLogger } from './zk-logger';
import type { ZkPacket } from './zk-packet';

/** What the buffered read needs from a connection: send a request, await replies to it. */
export interface ZkRequestChannel {
  send(command: number, data?: Uint8Array): number;
  receive(replyId: number, timeoutMs: number): Promise<ZkPacket>;
}

export interface ZkBufferedReadOptions {
  /** Bytes per CMD_DATA_RDY request; pyzk uses 0xFFC0 on TCP (brief §2.5). */
  chunkSize?: number;
  /** Time for one whole chunk (PREPARE_DATA, every CMD_DATA frame, ACK_OK) before it is retried. */
  chunkTimeoutMs?: number;
  /** Attempts per chunk (pyzk: 3). */
  chunkAttempts?: number;
  /** Timeout of the single-reply requests (DATA_WRRQ, FREE_DATA). */
  commandTimeoutMs?: number;
  logger?: ZkLogger;
}

export interface ZkBufferedReadResult {
  /** The bytes received, in order. A prefix of the dataset when `complete` is false. */
  data: Buffer;
  /** Dataset size the device announced (equal to data.length for an inline reply). */
  announcedBytes: number;
  complete: boolean;
  /** Why the read stopped early; null when complete. */
  failure: string | null;
  inline: boolean;
  chunks: number;
  chunkRetries: number;
}

/**
 * Reads a dataset through the device's staging buffer (brief §2.5 steps 3-5; zk-protocol ex_data.md):
 *
 *   CMD_DATA_WRRQ <b 1><h command><i fct><i ext>  ->  CMD_DATA (small set, inline)
 *                                                 or  CMD_ACK_OK, u32 size at data[1..4]
 *   per chunk: CMD_DATA_RDY <i start><i size>     ->  CMD_PREPARE_DATA <u32 size>, CMD_DATA x n, CMD_ACK_OK
 *              (all with the request's reply id; a chunk may come as several CMD_DATA frames, some firmware
 *              numbering them in the session field, so that field is not checked)
 *   CMD_FREE_DATA                                 ->  CMD_ACK_OK   (always, once the buffer was staged)
 *
 * Each chunk has its own timeout and is retried (P1); a chunk that fails every attempt ends the read as
 * incomplete with the bytes received so far. Nothing here decides what is complete: the caller compares the
 * dataset with the device's record count. A closed connection is not retried (it throws).
 */
export async function readZkBuffered(
  channel: ZkRequestChannel,
  dataset: { command: number; fct?: number; ext?: number },
  options: ZkBufferedReadOptions = {},
): Promise<ZkBufferedReadResult> {
  const chunkSize = options.chunkSize ?? ZK_TCP_CHUNK_SIZE;
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  const logger = options.logger ?? SILENT_ZK_LOGGER;

  const prepare = Buffer.alloc(11);
  prepare.writeInt8(1, 0);
  prepare.writeInt16LE(dataset.command, 1);
  prepare.writeInt32LE(dataset.fct ?? 0, 3);
  prepare.writeInt32LE(dataset.ext ?? 0, 7);
  const staged = await channel.receive(channel.send(ZkCommand.DATA_WRRQ, prepare), commandTimeoutMs);

  if (staged.command === ZkCommand.DATA) {
    return { data: staged.data, announcedBytes: staged.data.length, complete: true, failure: null, inline: true, chunks: 0, chunkRetries: 0 };
  }
  if (staged.command !== ZkReply.ACK_OK || staged.data.length < 5) {
    throw new ZkError('rejected', `device answered ${zkCommandName(staged.command)} with ${staged.data.length} data bytes to CMD_DATA_WRRQ`);
  }
  const announcedBytes = staged.data.readUInt32LE(1);

  const parts: Buffer[] = [];
  let received = 0;
  let chunks = 0;
  let chunkRetries = 0;
  let failure: string | null = null;
  try {
    while (received < announcedBytes) {
      const size = Math.min(chunkSize, announcedBytes - received);
      const attempt = await readChunk(channel, received, size, options, logger);
      chunkRetries += attempt.retries;
      if (attempt.data === null) {
        failure = `chunk at byte ${received} (${size} bytes) failed on every attempt; last error: ${attempt.lastError}`;
        break;
      }
      parts.push(attempt.data);
      received += attempt.data.length;
      chunks++;
    }
  } finally {
    await freeBuffer(channel, commandTimeoutMs, logger);
  }
  return { data: Buffer.concat(parts), announcedBytes, complete: failure === null, failure, inline: false, chunks, chunkRetries };
}

async function readChunk(
  channel: ZkRequestChannel,
  start: number,
  size: number,
  options: ZkBufferedReadOptions,
  logger: ZkLogger,
): Promise<{ data: Buffer | null; retries: number; lastError: string }> {
  const attempts = Math.max(1, options.chunkAttempts ?? 3);
  const timeoutMs = options.chunkTimeoutMs ?? 15_000;
  let lastError = '';
  for (let attempt = 0; attempt < attempts; attempt++) {
    const request = Buffer.alloc(8);
    request.writeInt32LE(start, 0);
    request.writeInt32LE(size, 4);
    try {
      const data = await receiveChunk(channel, channel.send(ZkCommand.DATA_RDY, request), size, Date.now() + timeoutMs);
      return { data, retries: attempt, lastError };
    } catch (error) {
      if (isZkError(error, 'closed', 'forbidden-command')) throw error;
      lastError = (error as Error).message;
      logger.warn({ start, size, attempt: attempt + 1, attempts, error: lastError }, 'ZK chunk read failed; retrying');
    }
  }
  return { data: null, retries: attempts - 1, lastError };
}

async function receiveChunk(channel: ZkRequestChannel, replyId: number, size: number, deadline: number): Promise<Buffer> {
  const next = () => channel.receive(replyId, Math.max(1, deadline - Date.now()));
  const first = await next();
  if (first.command === ZkCommand.DATA) {
    // Some firmware skips PREPARE_DATA for a chunk that fits one packet.
    if (first.data.length !== size) throw new ZkError('protocol', `chunk of ${size} bytes came back as ${first.data.length} bytes`);
    return first.data;
  }
  if (first.command !== ZkCommand.PREPARE_DATA || first.data.length < 4) {
    throw new ZkError('protocol', `expected CMD_PREPARE_DATA, got ${zkCommandName(first.command)}`);
  }
  const announced = first.data.readUInt32LE(0);
  if (announced !== size) throw new ZkError('protocol', `asked for ${size} bytes, device prepares ${announced}`);
  const parts: Buffer[] = [];
  let got = 0;
  while (got < size) {
    const packet = await next();
    if (packet.command !== ZkCommand.DATA) throw new ZkError('protocol', `expected CMD_DATA after ${got}/${size} bytes, got ${zkCommandName(packet.command)}`);
    parts.push(packet.data);
    got += packet.data.length;
  }
  if (got !== size) throw new ZkError('protocol', `chunk of ${size} bytes came back as ${got} bytes`);
  const ack = await next();
  if (ack.command !== ZkReply.ACK_OK) throw new ZkError('protocol', `expected CMD_ACK_OK after a chunk, got ${zkCommandName(ack.command)}`);
  return Buffer.concat(parts);
}

async function freeBuffer(channel: ZkRequestChannel, timeoutMs: number, logger: ZkLogger): Promise<void> {
  try {
    const reply = await channel.receive(channel.send(ZkCommand.FREE_DATA), timeoutMs);
    if (reply.command !== ZkReply.ACK_OK) logger.warn({ reply: reply.command }, 'CMD_FREE_DATA not acknowledged');
  } catch (error) {
    // The read's own outcome matters more; an unfreed buffer is released when the session ends.
    logger.warn({ error: (error as Error).message }, 'CMD_FREE_DATA failed');
  }
}
