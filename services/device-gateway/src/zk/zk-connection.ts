import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { ZK_CMD_DELETE_USER, ZK_FORBIDDEN_COMMANDS, ZkCommand, ZkReply, zkCommandName, type ZkCommandPermit } from './zk-constants';
import { ZkError } from './zk-errors';
import { SILENT_ZK_LOGGER, type ZkLogger } from './zk-logger';
import { decodeZkPayload, encodeZkPayload, nextZkReplyId, type ZkPacket } from './zk-packet';
import { encodeZkTcpFrame, ZkTcpFrameReader } from './zk-tcp-frame';

export interface ZkConnectionOptions {
  /**
   * Drop packets whose checksum does not match (default). Every real capture we have carries a correct
   * checksum; a bad one means the bytes cannot be trusted, and the request waiting for them times out and is
   * retried. `false` accepts them, as pyzk does, for firmware that gets the checksum wrong.
   */
  verifyChecksums?: boolean;
  /**
   * Only accept a reply that echoes the request's reply id (default). Devices echo it (zk-protocol), and it is
   * what keeps a late reply to a timed-out chunk request from being taken for the answer to its retry.
   * `false` takes the next non-event packet and adopts its reply id, pyzk-style, for odd firmware.
   */
  matchReplyIds?: boolean;
  logger?: ZkLogger;
}

export interface ZkTcpConnectOptions extends ZkConnectionOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** TCP keepalive probe delay; lets the OS notice a vanished peer even when we are idle. */
  keepAliveMs?: number;
}

export interface ZkConnectionStats {
  packetsIn: number;
  packetsOut: number;
  events: number;
  checksumErrors: number;
  stalePackets: number;
}

const INBOX_LIMIT = 64;

/**
 * One TCP connection to a device: framing, headers, reply-id sequencing, request/reply matching with timeouts,
 * and realtime event dispatch. It knows no command sequences (those live in the session and the buffered read)
 * and is not safe for concurrent requests: the device answers one request at a time, so the session serialises.
 * TCP only: UDP reorders and drops packets (brief §2.10, zkteco-php#9), so there is no UDP path at all.
 */
export class ZkConnection {
  /** Session id assigned by the device in its reply to CMD_CONNECT; 0 until then. */
  sessionId = 0;
  /** Date.now() of the last byte received; the idle watchdog reads it. */
  lastInboundAt = Date.now();
  readonly stats: ZkConnectionStats = { packetsIn: 0, packetsOut: 0, events: 0, checksumErrors: 0, stalePackets: 0 };
  readonly closed: Promise<ZkError>;

  private nextReplyId = 0;
  private readonly reader = new ZkTcpFrameReader();
  private readonly inbox: ZkPacket[] = [];
  private waiter: { replyId: number; resolve: (p: ZkPacket) => void; reject: (e: ZkError) => void; timer: NodeJS.Timeout } | null = null;
  private eventHandler: ((event: ZkPacket, trusted: boolean) => void) | null = null;
  private closeError: ZkError | null = null;
  private resolveClosed!: (error: ZkError) => void;
  private readonly verifyChecksums: boolean;
  private readonly matchReplyIds: boolean;
  private readonly logger: ZkLogger;

  constructor(
    private readonly stream: Duplex,
    options: ZkConnectionOptions = {},
  ) {
    this.verifyChecksums = options.verifyChecksums ?? true;
    this.matchReplyIds = options.matchReplyIds ?? true;
    this.logger = options.logger ?? SILENT_ZK_LOGGER;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (error: Error) => this.fail(new ZkError('closed', `connection error: ${error.message}`, { cause: error })));
    stream.on('close', () => {
      const cut = this.reader.pendingBytes > 0 ? ` in the middle of a frame (${this.reader.neededBytes} bytes missing)` : '';
      this.fail(new ZkError('closed', `device closed the connection${cut}`));
    });
  }

  /** Opens a TCP connection (no protocol traffic yet). */
  static open(options: ZkTcpConnectOptions): Promise<ZkConnection> {
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ host: options.host, port: options.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ZkError('connect-failed', `no TCP connection to ${options.host}:${options.port} within ${options.connectTimeoutMs} ms`));
      }, options.connectTimeoutMs);
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(new ZkError('connect-failed', `cannot connect to ${options.host}:${options.port}: ${error.message}`, { cause: error }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setKeepAlive(true, options.keepAliveMs ?? 10_000);
        resolve(new ZkConnection(socket, options));
      });
    });
  }

  get isClosed(): boolean {
    return this.closeError !== null;
  }

  /**
   * Sends a request with the next reply id and returns that id, to be passed to {@link receive}. Destructive
   * commands are refused; `permit` lets CMD_DELETE_USER (and nothing else) through for an operator's
   * push-users command.
   */
  send(command: number, data?: Uint8Array, permit?: ZkCommandPermit): number {
    const permitted = permit === 'explicit-user-delete' && command === ZK_CMD_DELETE_USER;
    if (ZK_FORBIDDEN_COMMANDS.has(command) && !permitted) {
      throw new ZkError('forbidden-command', `${zkCommandName(command)} deletes or interrupts device data; the gateway never sends it`);
    }
    if (this.closeError) throw this.closeError;
    const replyId = this.nextReplyId;
    this.nextReplyId = nextZkReplyId(replyId);
    this.write(command, this.sessionId, replyId, data);
    return replyId;
  }

  /** Acknowledges a realtime event: CMD_ACK_OK with our session id and the event's reply id (always 0). */
  acknowledgeEvent(event: ZkPacket): void {
    if (this.closeError) return;
    this.write(ZkReply.ACK_OK, this.sessionId, event.replyId);
  }

  /** The next reply to the request sent with `replyId` (any reply when reply ids are not matched). */
  receive(replyId: number, timeoutMs: number): Promise<ZkPacket> {
    if (this.closeError) return Promise.reject(this.closeError);
    if (this.waiter) return Promise.reject(new ZkError('protocol', 'a reply is already awaited on this connection (requests must be serialised)'));
    while (this.inbox.length > 0) {
      const packet = this.inbox.shift()!;
      if (this.accepts(packet, replyId)) return Promise.resolve(this.adopt(packet));
      this.stale(packet, replyId);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new ZkError('timeout', `no reply to request #${replyId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { replyId, resolve, reject, timer };
    });
  }

  /** Sends and waits for the first reply. */
  request(command: number, data: Uint8Array | undefined, timeoutMs: number, permit?: ZkCommandPermit): Promise<ZkPacket> {
    try {
      return this.receive(this.send(command, data, permit), timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Realtime event packets (command 500); `trusted` is false when the checksum is wrong and checked. */
  onEvent(handler: (event: ZkPacket, trusted: boolean) => void): void {
    this.eventHandler = handler;
  }

  /** Half-closes politely, then destroys after `graceMs` if the device keeps the socket open. */
  end(graceMs = 1000): void {
    if (this.closeError) return;
    this.stream.end();
    setTimeout(() => this.destroy(new ZkError('closed', 'connection closed by the gateway')), graceMs).unref();
  }

  destroy(error: ZkError): void {
    this.fail(error);
  }

  private write(command: number, sessionId: number, replyId: number, data?: Uint8Array): void {
    this.stats.packetsOut++;
    this.stream.write(encodeZkTcpFrame(encodeZkPayload({ command, sessionId, replyId, data })));
  }

  private onData(chunk: Buffer): void {
    this.lastInboundAt = Date.now();
    const { payloads, error } = this.reader.push(chunk);
    for (const payload of payloads) this.onPayload(payload);
    if (error) this.fail(new ZkError('protocol', `unframeable data from device (${error.reason}): ${error.detail}`));
  }

  private onPayload(payload: Buffer): void {
    const decoded = decodeZkPayload(payload);
    if (!decoded.ok) {
      this.fail(new ZkError('protocol', `frame of ${payload.length} bytes is shorter than the 8-byte header`));
      return;
    }
    const { packet } = decoded;
    this.stats.packetsIn++;
    const trusted = decoded.checksumValid || !this.verifyChecksums;
    if (!decoded.checksumValid) {
      this.stats.checksumErrors++;
      this.logger.warn({ command: packet.command, replyId: packet.replyId }, 'ZK packet with a wrong checksum');
    }
    if (packet.command === ZkCommand.REG_EVENT) {
      // Events are handed over even when untrusted: the session must still acknowledge them, or the device
      // stops pushing; it then discards the data instead of decoding it.
      this.stats.events++;
      this.eventHandler?.(packet, trusted);
      return;
    }
    if (!trusted) return; // the awaited request times out and is retried
    const waiter = this.waiter;
    if (waiter && this.accepts(packet, waiter.replyId)) {
      clearTimeout(waiter.timer);
      this.waiter = null;
      waiter.resolve(this.adopt(packet));
      return;
    }
    if (waiter) {
      this.stale(packet, waiter.replyId);
      return;
    }
    // Nobody is waiting: keep it for the next receive() (a reply can beat the receive() call), bounded.
    if (this.inbox.length >= INBOX_LIMIT) this.stale(this.inbox.shift()!, null);
    this.inbox.push(packet);
  }

  private accepts(packet: ZkPacket, replyId: number): boolean {
    return !this.matchReplyIds || packet.replyId === replyId;
  }

  private adopt(packet: ZkPacket): ZkPacket {
    if (!this.matchReplyIds) this.nextReplyId = nextZkReplyId(packet.replyId);
    return packet;
  }

  private stale(packet: ZkPacket, expected: number | null): void {
    this.stats.stalePackets++;
    this.logger.debug({ command: packet.command, replyId: packet.replyId, expected }, 'discarding a ZK reply to an earlier request');
  }

  private fail(error: ZkError): void {
    if (this.closeError) return;
    this.closeError = error;
    if (this.waiter) {
      clearTimeout(this.waiter.timer);
      this.waiter.reject(error);
      this.waiter = null;
    }
    this.stream.destroy();
    this.resolveClosed(error);
  }
}
