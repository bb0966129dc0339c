import type { Duplex } from 'node:stream';
import { describeZkDatasetIssue, decodeZkAttendanceDataset } from './zk-attendance-dataset';
import type { ZkAttendanceRecord, ZkEightByteLayout } from './zk-attendance-record';
import { readZkBuffered } from './zk-buffered-read';
import { makeZkCommKey } from './zk-commkey';
import { ZkConnection, type ZkConnectionOptions, type ZkConnectionStats } from './zk-connection';
import { ZK_DEFAULT_PORT, ZK_FCT_USER, ZK_TCP_CHUNK_SIZE, ZkCommand, ZkEventFlag, ZkReply, zkCommandName } from './zk-constants';
import { isZkError, ZkError } from './zk-errors';
import { decodeZkFreeSizes, type ZkFreeSizes } from './zk-free-sizes';
import { SILENT_ZK_LOGGER, type ZkLogger } from './zk-logger';
import type { ZkPacket } from './zk-packet';
import { decodeZkRealtimeAttendance, type ZkRealtimeDecode } from './zk-realtime-event';
import { decodeZkPackedTime, encodeZkPackedTime, type ZkDecodedTime, type ZkTimeWindow } from './zk-time';
import type { ZkUserChanges } from './zk-user-plan';
import { writeZkUsers, type ZkUserWriteReport } from './zk-user-push';
import { decodeZkUserDataset, type ZkUserRecord } from './zk-user-record';
import type { ZkUserCharset, ZkUserRecordSize } from './zk-user-write';

export interface ZkTcpSessionOptions extends ZkConnectionOptions {
  host: string;
  port?: number;
  /** Numeric comm key (device password); used only if the device answers CMD_CONNECT with CMD_ACK_UNAUTH. */
  commKey?: number;
  connectTimeoutMs?: number;
  /** Timeout of single-reply commands. */
  commandTimeoutMs?: number;
  chunkSize?: number;
  chunkTimeoutMs?: number;
  chunkAttempts?: number;
  /** No packet at all for this long means the session is dead (P7). 0 disables the watchdog. Default 60 s. */
  idleTimeoutMs?: number;
  /** When idle this long, send CMD_GET_TIME so a healthy but quiet device keeps the watchdog fed. Default idle/3. */
  heartbeatIntervalMs?: number;
  keepAliveMs?: number;
  /** Forces the attendance record size (device config) instead of totalSize / recordCount. */
  recordSize?: number;
  eightByteLayout?: ZkEightByteLayout;
  /** Plausibility window for decoded times (default: from 2010-01-01, no upper bound). */
  timeWindow?: ZkTimeWindow;
  /** Charset of user names on this device (P9): names are read in it and written (validated) in its bytes. Default UTF-8. */
  userCharset?: ZkUserCharset;
  /** User record layout when the device's user table is empty and cannot tell (default 72, TCP firmware). */
  userRecordSize?: ZkUserRecordSize;
  logger?: ZkLogger;
}

export interface ZkAttendanceLogRead {
  /** Every whole record decoded, in log order, each with its raw bytes; implausible ones flagged, not removed. */
  records: ZkAttendanceRecord[];
  /** Record count the device reports (GET_FREE_SIZES). */
  expectedCount: number;
  /** True only when every chunk arrived, the dataset is well-formed and records.length === expectedCount. */
  complete: boolean;
  /** Why the read is not complete; empty when complete. Never advance a cursor or watermark unless complete. */
  incompleteReasons: string[];
  recordSize: number | null;
  freeSizes: ZkFreeSizes;
  bytes: number;
  chunks: number;
  chunkRetries: number;
  durationMs: number;
}

export interface ZkUserRead {
  users: ZkUserRecord[];
  expectedCount: number;
  complete: boolean;
  incompleteReasons: string[];
}

export interface ZkDeviceTime {
  /** Canonical device-local `YYYY-MM-DDTHH:mm:ss`, zone-less; null if the device sent an impossible date. */
  localTime: string | null;
  decoded: ZkDecodedTime;
  packed: number;
  /** Gateway clock just before the request and just after the reply: skew = device time - midpoint. */
  requestedAt: Date;
  receivedAt: Date;
}

export type ZkRealtimePunchEvent = ZkRealtimeDecode & { receivedAt: Date };
export type ZkRealtimePunchHandler = (event: ZkRealtimePunchEvent) => void | Promise<void>;

export interface ZkSessionEnd {
  error: ZkError;
  /** True when close() ended it; false when the device, the network or the watchdog did. */
  byGateway: boolean;
}

export interface ZkCloseReport {
  exitSent: boolean;
  exitAcknowledged: boolean;
  /** null when the device was not left disabled; otherwise whether re-enabling it succeeded. */
  deviceReEnabled: boolean | null;
}

export interface ZkSessionStats extends ZkConnectionStats {
  eventsAcknowledged: number;
  heartbeats: number;
}

/**
 * A client session with one ZK device over TCP 4370: connect (and comm-key auth), free sizes, the chunked
 * attendance log read with its completeness check, device time, and realtime EF_ATTLOG events with acks,
 * guarded by an idle watchdog. Commands are serialised (the device handles one at a time). It only ever
 * reads, except {@link setDeviceTime}, which runs only when called (DESIGN.md 3.6): nothing here clears logs,
 * and the connection refuses every destructive command.
 *
 * Always end it with {@link close} (or use {@link withZkSession}): it re-enables the device if a read disabled
 * it and sends CMD_EXIT, so the device's single client slot is released (P8).
 */
export class ZkTcpSession {
  readonly ended: Promise<ZkSessionEnd>;

  private readonly options: ZkTcpSessionOptions;
  private readonly logger: ZkLogger;
  private queue: Promise<unknown> = Promise.resolve();
  private busy = 0;
  private closing: Promise<ZkCloseReport> | null = null;
  private deviceDisabled = false;
  private eventsRegistered = false;
  private learnedRecordSize: number | undefined;
  private readonly realtimeHandlers = new Set<ZkRealtimePunchHandler>();
  private timer: NodeJS.Timeout | null = null;
  private heartbeatInFlight = false;
  private counters = { eventsAcknowledged: 0, heartbeats: 0 };

  private constructor(
    private readonly connection: ZkConnection,
    options: ZkTcpSessionOptions,
  ) {
    this.options = options;
    this.logger = options.logger ?? SILENT_ZK_LOGGER;
    this.ended = connection.closed.then((error) => {
      this.stopTimer();
      return { error, byGateway: this.closing !== null };
    });
    connection.onEvent((packet, trusted) => this.onEventPacket(packet, trusted));
  }

  /** Connects, performs CMD_CONNECT (+ CMD_AUTH) and starts the watchdog. */
  static async open(options: ZkTcpSessionOptions): Promise<ZkTcpSession> {
    const connection = await ZkConnection.open({
      ...options,
      port: options.port ?? ZK_DEFAULT_PORT,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    });
    return ZkTcpSession.start(connection, options);
  }

  /** Runs the handshake on an already open byte stream (used by tests with scripted streams). */
  static overStream(stream: Duplex, options: ZkTcpSessionOptions): Promise<ZkTcpSession> {
    return ZkTcpSession.start(new ZkConnection(stream, options), options);
  }

  private static async start(connection: ZkConnection, options: ZkTcpSessionOptions): Promise<ZkTcpSession> {
    const session = new ZkTcpSession(connection, options);
    try {
      await session.handshake();
    } catch (error) {
      await session.close();
      throw error;
    }
    session.startTimer();
    return session;
  }

  get sessionId(): number {
    return this.connection.sessionId;
  }

  get isOpen(): boolean {
    return this.closing === null && !this.connection.isClosed;
  }

  get stats(): ZkSessionStats {
    return { ...this.connection.stats, ...this.counters };
  }

  readFreeSizes(): Promise<ZkFreeSizes> {
    return this.exclusive(() => this.freeSizesNow());
  }

  /**
   * Reads the whole attendance log (there is no server-side filter, brief §2.5) and checks it against the
   * device's record count. A count that moved during the read is re-read once, so a punch landing mid-read
   * does not make a good read look partial. `disableDevice` blocks punching for the transfer ("Working...",
   * kamshory/ZKLibrary#21), so it is off by default; when used, the device is re-enabled in `finally`.
   */
  readAttendanceLog(options: { disableDevice?: boolean } = {}): Promise<ZkAttendanceLogRead> {
    return this.exclusive(async () => {
      const startedAt = Date.now();
      let freeSizes = await this.freeSizesNow();
      // A count of 0 is still checked against the data (pyzk returns early): some firmware reports its sizes
      // in another format and says 0 while holding a full log (pyzk#170). An empty log may refuse the request.
      let buffered: Awaited<ReturnType<typeof readZkBuffered>>;
      try {
        buffered = await this.withDeviceDisabled(options.disableDevice === true, () =>
          readZkBuffered(this.connection, { command: ZkCommand.ATTLOG_RRQ }, this.bufferedReadOptions()),
        );
      } catch (error) {
        if (freeSizes.records !== 0 || !isZkError(error, 'rejected')) throw error;
        const empty = { freeSizes, recordSize: null, bytes: 0, chunks: 0, chunkRetries: 0 };
        return { ...empty, records: [], expectedCount: 0, complete: true, incompleteReasons: [], durationMs: Date.now() - startedAt };
      }
      const dataset = decodeZkAttendanceDataset(buffered.data, {
        expectedCount: freeSizes.records,
        recordSize: this.options.recordSize ?? this.learnedRecordSize,
        eightByteLayout: this.options.eightByteLayout,
        ...this.options.timeWindow,
      });
      const reasons = [...(buffered.failure ? [buffered.failure] : []), ...dataset.issues.map(describeZkDatasetIssue)];
      let expectedCount = freeSizes.records;
      if (reasons.length === 0 && dataset.records.length !== expectedCount) {
        const after = await this.freeSizesNow();
        if (after.records === dataset.records.length) {
          freeSizes = after;
          expectedCount = after.records;
        }
      }
      if (dataset.records.length !== expectedCount) {
        reasons.push(`decoded ${dataset.records.length} records but the device reports ${expectedCount}`);
      }
      const complete = reasons.length === 0;
      if (complete && dataset.recordSize !== null) this.learnedRecordSize = dataset.recordSize;
      if (!complete) this.logger.warn({ reasons, expectedCount, decoded: dataset.records.length }, 'ZK attendance read is partial');
      return {
        records: dataset.records,
        expectedCount,
        complete,
        incompleteReasons: reasons,
        recordSize: dataset.recordSize,
        freeSizes,
        bytes: buffered.data.length,
        chunks: buffered.chunks,
        chunkRetries: buffered.chunkRetries,
        durationMs: Date.now() - startedAt,
      };
    });
  }

  /** Reads the user table, to name the users of 8/16-byte records (see ZkUserDirectory). */
  readUsers(): Promise<ZkUserRead> {
    return this.exclusive(async () => {
      const table = await this.userTableNow();
      return { users: table.users, expectedCount: table.expectedCount, complete: table.complete, incompleteReasons: table.incompleteReasons };
    });
  }

  /**
   * Writes and deletes users (an operator's push-users command) in one exclusive turn of the session, so no
   * read interleaves: reads the user table first (uids already taken, records to patch; a partial table
   * aborts before anything is written), then CMD_USER_WRQ per user, CMD_DELETE_USER per removed user, and one
   * CMD_REFRESHDATA so the device applies them. A user the device refuses (full, bad record) fails alone.
   * The device is not disabled: pyzk writes users without it, and disabling blocks punching meanwhile.
   */
  writeUsers(changes: ZkUserChanges): Promise<ZkUserWriteReport> {
    return this.exclusive(async () => {
      const table = await this.userTableNow();
      if (!table.complete) throw new ZkError('protocol', `user table read incomplete (${table.incompleteReasons.join('; ')}); no user written, since the uids in use are unknown`);
      return writeZkUsers(this.connection, table, changes, {
        recordSize: table.recordSize ?? this.options.userRecordSize ?? 72,
        charset: this.options.userCharset ?? 'utf-8',
        commandTimeoutMs: this.commandTimeoutMs,
        logger: this.logger,
      });
    });
  }

  /**
   * A device option by name (CMD_OPTIONS_RRQ, reply `name=value\0`), e.g. `~SerialNumber`, `~DeviceName`,
   * `~Platform`. Null when the device refuses it.
   */
  readOption(name: string): Promise<string | null> {
    return this.exclusive(async () => {
      const reply = await this.connection.request(ZkCommand.OPTIONS_RRQ, Buffer.from(`${name}\0`, 'ascii'), this.commandTimeoutMs);
      if (reply.command !== ZkReply.ACK_OK) return null;
      const text = reply.data.toString('latin1');
      const end = text.indexOf('\0');
      const pair = end === -1 ? text : text.slice(0, end);
      const eq = pair.indexOf('=');
      return eq === -1 ? null : pair.slice(eq + 1);
    });
  }

  /** The device serial number: the `deviceSerial` of every punch it produces. */
  serialNumber(): Promise<string | null> {
    return this.readOption('~SerialNumber');
  }

  /** The device clock (zone-less local time), for skew measurement (see zkClockSkewMs). */
  deviceTime(): Promise<ZkDeviceTime> {
    return this.exclusive(async () => {
      const requestedAt = new Date();
      const reply = await this.command(ZkCommand.GET_TIME);
      const receivedAt = new Date();
      if (reply.data.length < 4) throw new ZkError('protocol', `CMD_GET_TIME reply has ${reply.data.length} data bytes`);
      const packed = reply.data.readUInt32LE(0);
      const decoded = decodeZkPackedTime(packed);
      return { localTime: decoded.localTime, decoded, packed, requestedAt, receivedAt };
    });
  }

  /**
   * Sets the device clock to a zone-less local time. Only for an explicit operator action: the gateway never
   * rewrites a device clock on its own (DESIGN.md 3.6).
   */
  setDeviceTime(localTime: string): Promise<void> {
    const packed = encodeZkPackedTime(localTime);
    return this.exclusive(async () => {
      const data = Buffer.alloc(4);
      data.writeUInt32LE(packed, 0);
      await this.command(ZkCommand.SET_TIME, data);
      // zk-protocol terminal.md: the new time takes effect after CMD_REFRESHDATA.
      await this.command(ZkCommand.REFRESH_DATA);
      this.logger.info({ localTime }, 'ZK device clock set by explicit request');
    });
  }

  /**
   * Subscribes to realtime punches. The first subscription registers EF_ATTLOG with the device. Every event
   * packet is acknowledged with CMD_ACK_OK as it arrives, whether or not it decodes (brief §2.8). Handlers
   * must not throw; a rejection is logged. Returns the unsubscribe function.
   */
  async onRealtimePunch(handler: ZkRealtimePunchHandler): Promise<() => void> {
    this.realtimeHandlers.add(handler);
    if (!this.eventsRegistered) {
      await this.exclusive(async () => {
        const mask = Buffer.alloc(4);
        mask.writeUInt32LE(ZkEventFlag.ATTLOG, 0);
        await this.command(ZkCommand.REG_EVENT, mask);
        this.eventsRegistered = true;
      });
    }
    return () => this.realtimeHandlers.delete(handler);
  }

  /**
   * Ends the session: re-enables the device if it was left disabled, sends CMD_EXIT, closes the socket. Waits
   * (bounded) for a running command so EXIT does not cut a transfer in half. Never throws; idempotent.
   */
  close(): Promise<ZkCloseReport> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.stopTimer();
      const timeoutMs = this.commandTimeoutMs;
      await Promise.race([this.queue, delay(timeoutMs)]);
      const report: ZkCloseReport = { exitSent: false, exitAcknowledged: false, deviceReEnabled: null };
      if (this.connection.isClosed) return report;
      if (this.deviceDisabled) report.deviceReEnabled = await this.enableDevice();
      try {
        const replyId = this.connection.send(ZkCommand.EXIT);
        report.exitSent = true;
        const reply = await this.connection.receive(replyId, Math.min(timeoutMs, 2_000));
        report.exitAcknowledged = reply.command === ZkReply.ACK_OK;
      } catch (error) {
        this.logger.debug({ error: (error as Error).message }, 'CMD_EXIT not acknowledged');
      }
      this.connection.end(200);
      return report;
    })();
    return this.closing;
  }

  private async handshake(): Promise<void> {
    const reply = await this.connection.request(ZkCommand.CONNECT, undefined, this.commandTimeoutMs);
    this.connection.sessionId = reply.sessionId;
    if (reply.command === ZkReply.ACK_OK) return;
    if (reply.command !== ZkReply.ACK_UNAUTH) {
      throw new ZkError('rejected', `device answered ${zkCommandName(reply.command)} to CMD_CONNECT`);
    }
    const auth = await this.connection.request(ZkCommand.AUTH, makeZkCommKey(this.options.commKey ?? 0, reply.sessionId), this.commandTimeoutMs);
    if (auth.command !== ZkReply.ACK_OK) {
      throw new ZkError('auth-failed', `device rejected the comm key (${zkCommandName(auth.command)}); check the device password setting`);
    }
  }

  /** The user table with its raw record bytes (for patching); caller holds the exclusive turn. */
  private async userTableNow(): Promise<ZkUserRead & { raw: Buffer; recordSize: ZkUserRecordSize | null }> {
    const sizes = await this.freeSizesNow();
    if (sizes.users === 0) return { users: [], expectedCount: 0, complete: true, incompleteReasons: [], raw: Buffer.alloc(0), recordSize: null };
    const buffered = await readZkBuffered(this.connection, { command: ZkCommand.USERTEMP_RRQ, fct: ZK_FCT_USER }, this.bufferedReadOptions());
    const dataset = decodeZkUserDataset(buffered.data, sizes.users, this.options.userCharset ?? 'utf-8');
    const reasons = [...(buffered.failure ? [buffered.failure] : []), ...dataset.issues];
    if (dataset.users.length !== sizes.users) reasons.push(`decoded ${dataset.users.length} users but the device reports ${sizes.users}`);
    return {
      users: dataset.users,
      expectedCount: sizes.users,
      complete: reasons.length === 0,
      incompleteReasons: reasons,
      raw: buffered.data.subarray(4),
      recordSize: dataset.recordSize === 28 || dataset.recordSize === 72 ? dataset.recordSize : null,
    };
  }

  private async freeSizesNow(): Promise<ZkFreeSizes> {
    const reply = await this.command(ZkCommand.GET_FREE_SIZES);
    const decoded = decodeZkFreeSizes(reply.data);
    if (!decoded.ok) throw new ZkError('protocol', `CMD_GET_FREE_SIZES reply has ${decoded.length} data bytes, fewer than 80`);
    return decoded.sizes;
  }

  private async withDeviceDisabled<T>(disable: boolean, work: () => Promise<T>): Promise<T> {
    if (!disable) return work();
    await this.command(ZkCommand.DISABLE_DEVICE);
    this.deviceDisabled = true;
    try {
      return await work();
    } finally {
      await this.enableDevice();
    }
  }

  /** Best effort; on failure the flag stays set and close() tries again. */
  private async enableDevice(): Promise<boolean> {
    try {
      await this.command(ZkCommand.ENABLE_DEVICE);
      this.deviceDisabled = false;
      return true;
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'CMD_ENABLEDEVICE failed; the device may stay locked until it times out');
      return false;
    }
  }

  /** A single-reply command that must be answered with CMD_ACK_OK. */
  private async command(command: number, data?: Uint8Array): Promise<ZkPacket> {
    const reply = await this.connection.request(command, data, this.commandTimeoutMs);
    if (reply.command !== ZkReply.ACK_OK) {
      throw new ZkError('rejected', `device answered ${zkCommandName(reply.command)} to ${zkCommandName(command)}`);
    }
    return reply;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.closing) throw new ZkError('closed', 'session is closing');
      this.busy++;
      try {
        return await work();
      } finally {
        this.busy--;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private onEventPacket(packet: ZkPacket, trusted: boolean): void {
    // ACK first and unconditionally: firmware waits for it before pushing the next event.
    this.connection.acknowledgeEvent(packet);
    this.counters.eventsAcknowledged++;
    if (packet.sessionId !== ZkEventFlag.ATTLOG) {
      this.logger.debug({ eventCode: packet.sessionId }, 'ignoring a non-attendance ZK event');
      return;
    }
    const decoded: ZkRealtimeDecode = trusted
      ? decodeZkRealtimeAttendance(packet.data, { eightByteLayout: this.options.eightByteLayout, ...this.options.timeWindow })
      : { ok: false, reason: 'bad-checksum', detail: 'event packet checksum does not match; the bulk read will bring this punch', rawHex: packet.data.toString('hex') };
    const event: ZkRealtimePunchEvent = { ...decoded, receivedAt: new Date() };
    for (const handler of this.realtimeHandlers) {
      try {
        void Promise.resolve(handler(event)).catch((error: unknown) => this.logHandlerError(error));
      } catch (error) {
        this.logHandlerError(error);
      }
    }
  }

  private logHandlerError(error: unknown): void {
    this.logger.warn({ error: (error as Error).message }, 'realtime punch handler failed');
  }

  private startTimer(): void {
    const idleMs = this.options.idleTimeoutMs ?? 60_000;
    if (idleMs <= 0) return;
    const heartbeatMs = this.options.heartbeatIntervalMs ?? Math.floor(idleMs / 3);
    const tickMs = Math.max(10, Math.floor(Math.min(idleMs, heartbeatMs > 0 ? heartbeatMs : idleMs) / 4));
    this.timer = setInterval(() => {
      const idle = Date.now() - this.connection.lastInboundAt;
      if (idle >= idleMs) {
        this.logger.warn({ idleMs: idle }, 'ZK session idle watchdog fired; dropping the connection');
        this.connection.destroy(new ZkError('idle-timeout', `no packet from the device for ${idle} ms (limit ${idleMs} ms)`));
        return;
      }
      if (heartbeatMs > 0 && idle >= heartbeatMs && this.busy === 0 && !this.heartbeatInFlight) this.heartbeat();
    }, tickMs);
    this.timer.unref();
  }

  private heartbeat(): void {
    this.heartbeatInFlight = true;
    this.counters.heartbeats++;
    this.deviceTime()
      .catch(() => undefined) // a missed heartbeat is the watchdog's business
      .finally(() => (this.heartbeatInFlight = false));
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private bufferedReadOptions() {
    return {
      chunkSize: this.options.chunkSize ?? ZK_TCP_CHUNK_SIZE,
      chunkTimeoutMs: this.options.chunkTimeoutMs,
      chunkAttempts: this.options.chunkAttempts,
      commandTimeoutMs: this.commandTimeoutMs,
      logger: this.logger,
    };
  }

  private get commandTimeoutMs(): number {
    return this.options.commandTimeoutMs ?? 5_000;
  }
}

/** Opens a session, runs `work`, and always closes it (ENABLEDEVICE if needed, then CMD_EXIT) in `finally`. */
export async function withZkSession<T>(options: ZkTcpSessionOptions, work: (session: ZkTcpSession) => Promise<T>): Promise<T> {
  const session = await ZkTcpSession.open(options);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
