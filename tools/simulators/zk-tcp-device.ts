import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { deviceLocalTime } from './device-clock';
import {
  SIM_CMD,
  SimFrameParser,
  simCommKey,
  simDataset,
  simDecodeUser,
  simEncodeEvent,
  simEncodeRecord,
  simEncodeUser,
  simFrame,
  simFreeSizes,
  simPackTime,
  simUnpackTime,
  type SimPacket,
  type SimCharset,
  type SimRecord,
  type SimUser,
} from './zk-wire';

export type { SimRecord, SimUser } from './zk-wire';

export interface ZkTcpDeviceOptions {
  serial?: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Device comm key (password); 0 or absent = none. */
  commKey?: number;
  recordSize?: 8 | 16 | 40 | 49;
  records?: SimRecord[];
  users?: SimUser[];
  userRecordSize?: 28 | 72;
  /** Most users the terminal holds; a write of one more is answered CMD_ACK_ERROR, like a full device. Default 10,000. */
  userCapacity?: number;
  /** Charset of stored names (P9: Chinese firmware uses GBK, Western firmware Latin-1 or UTF-8). Default UTF-8. */
  userCharset?: SimCharset;
  realtimeLayout?: 10 | 12 | 14 | 32 | 36 | 37 | 52;
  recordCapacity?: number;
  /** Datasets up to this size come back inline as CMD_DATA (brief §2.5 step 3). Default 1024. */
  inlineLimit?: number;
  /**
   * CMD_DATA frames of a chunk carry at most this many bytes. Default 1008, as in the captured transfer
   * (PREPARE_DATA announces it); some firmware sends a whole chunk in one frame (pyzk handles both).
   */
  dataFrameBytes?: number;
  /** Zone of the device's wall clock (GET_TIME). Default UTC. */
  timeZone?: string;
  /** First session id handed out; then incremented per connection. */
  firstSessionId?: number;
}

/** Fault injection, changeable at any time through `device.faults`. */
export interface ZkTcpDeviceFaults {
  /** GET_FREE_SIZES reports this many records more (or fewer) than the log holds: a "wrong count" device. */
  recordCountDelta: number;
  /** Answer nothing at all (the connection stays open): a hung device, for the watchdog. */
  silent: boolean;
  /** Destroy the connection half-way through the chunk with this 0-based index of a read. Fires once. */
  dropConnectionAtChunk: number | null;
  /** Ignore this many CMD_DATA_RDY requests (each one forces a per-chunk timeout and retry). */
  swallowChunkRequests: number;
}

export interface ZkSimLogEntry {
  connection: number;
  command: number;
  sessionId: number;
  replyId: number;
  checksumOk: boolean;
}

interface ClientState {
  id: number;
  socket: Socket;
  sessionId: number;
  authenticated: boolean;
  eventMask: number;
  staged: Buffer | null;
  chunkIndex: number;
  disabled: boolean;
}

/**
 * A fake ZKTeco terminal serving the binary protocol on TCP (brief §2, §2.11): connect and comm-key auth,
 * free sizes, the staged buffered read in chunks (PREPARE_DATA / CMD_DATA frames / ACK_OK), device time,
 * realtime EF_ATTLOG events, and EXIT. Fault injection covers the field failures of brief §4 (P1, P7, P8):
 * a wrong record count, a connection dropped mid-transfer, a device that stops answering, lost chunk
 * replies. It records every command it receives, so tests can assert EXIT/ENABLEDEVICE were sent and that
 * nothing destructive (CLEAR_ATTLOG) ever was.
 */
export class ZkTcpDevice {
  readonly serial: string;
  readonly records: SimRecord[];
  readonly users: SimUser[];
  readonly faults: ZkTcpDeviceFaults = { recordCountDelta: 0, silent: false, dropConnectionAtChunk: null, swallowChunkRequests: 0 };
  readonly log: ZkSimLogEntry[] = [];
  readonly eventAcks: { connection: number; sessionId: number }[] = [];
  readonly counters = { connections: 0, exits: 0, eventsSent: 0, destructiveCommands: 0, badChecksums: 0, userWrites: 0, userDeletes: 0, refreshes: 0, refusedUserCommands: 0 };
  /** Called after each command is answered: lets a test make something happen between two requests. */
  afterCommand: ((command: number, connection: number) => void) | null = null;

  private readonly clients = new Set<ClientState>();
  private nextSessionId: number;
  private clockOffsetMs = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: ZkTcpDeviceOptions,
  ) {
    this.serial = options.serial ?? 'ZKSIM0001';
    this.records = [...(options.records ?? [])];
    this.users = [...(options.users ?? [])];
    this.nextSessionId = options.firstSessionId ?? 0x45cf;
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(options: ZkTcpDeviceOptions = {}): Promise<ZkTcpDevice> {
    const server = createServer();
    const device = new ZkTcpDevice(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return device;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get host(): string {
    return (this.server.address() as AddressInfo).address;
  }

  get openConnections(): number {
    return this.clients.size;
  }

  /** Commands received, by name-less code, optionally for one connection. */
  commands(connection?: number): number[] {
    return this.log.filter((e) => connection === undefined || e.connection === connection).map((e) => e.command);
  }

  /** A punch on the device: stored in the log and pushed to every client registered for EF_ATTLOG. */
  punch(record: SimRecord): void {
    this.records.push(record);
    const data = simEncodeEvent(record, this.options.realtimeLayout ?? 36);
    for (const client of this.clients) {
      if (client.authenticated && client.eventMask & 1 && !this.faults.silent) {
        client.socket.write(simFrame(SIM_CMD.REG_EVENT, 1, 0, data));
        this.counters.eventsSent++;
      }
    }
  }

  /** Every connection dropped at once, like a reboot or a cable pull. */
  disconnectAll(): void {
    for (const client of this.clients) client.socket.destroy();
  }

  async stop(): Promise<void> {
    this.disconnectAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Makes the device clock run `ms` ahead of real time (negative = behind), like a drifted terminal. */
  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  /** The device's wall clock now, local `YYYY-MM-DD HH:MM:SS`. */
  localTime(): string {
    return deviceLocalTime(new Date(Date.now() + this.clockOffsetMs), this.options.timeZone ?? 'UTC');
  }

  private accept(socket: Socket): void {
    const client: ClientState = { id: ++this.counters.connections, socket, sessionId: 0, authenticated: false, eventMask: 0, staged: null, chunkIndex: 0, disabled: false };
    this.clients.add(client);
    const parser = new SimFrameParser();
    socket.on('data', (chunk: Buffer) => {
      for (const packet of parser.feed(chunk)) {
        this.handle(client, packet);
        this.afterCommand?.(packet.command, client.id);
      }
      if (parser.desync) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.clients.delete(client));
  }

  private handle(client: ClientState, p: SimPacket): void {
    this.log.push({ connection: client.id, command: p.command, sessionId: p.sessionId, replyId: p.replyId, checksumOk: p.checksumOk });
    if (!p.checksumOk) {
      this.counters.badChecksums++;
      return; // a real terminal drops a corrupt packet; the client times out
    }
    if (p.command === SIM_CMD.ACK_OK) {
      this.eventAcks.push({ connection: client.id, sessionId: p.sessionId });
      return;
    }
    if (this.faults.silent) return;
    const reply = (command: number, data?: Buffer): void => {
      client.socket.write(simFrame(command, client.sessionId, p.replyId, data));
    };

    if (p.command === SIM_CMD.CONNECT) {
      client.sessionId = this.nextSessionId++ & 0xffff;
      client.authenticated = !this.options.commKey;
      return reply(client.authenticated ? SIM_CMD.ACK_OK : SIM_CMD.ACK_UNAUTH);
    }
    if (p.command === SIM_CMD.AUTH) {
      client.authenticated = p.data.equals(simCommKey(this.options.commKey ?? 0, client.sessionId));
      return reply(client.authenticated ? SIM_CMD.ACK_OK : SIM_CMD.ACK_UNAUTH);
    }
    if (p.command === SIM_CMD.EXIT) {
      this.counters.exits++;
      reply(SIM_CMD.ACK_OK);
      client.socket.end();
      return;
    }
    if (!client.authenticated) return reply(SIM_CMD.ACK_UNAUTH);

    switch (p.command) {
      case SIM_CMD.DISABLE_DEVICE:
      case SIM_CMD.ENABLE_DEVICE:
        client.disabled = p.command === SIM_CMD.DISABLE_DEVICE;
        return reply(SIM_CMD.ACK_OK);
      case SIM_CMD.REFRESH_DATA:
        this.counters.refreshes++;
        return reply(SIM_CMD.ACK_OK);
      case SIM_CMD.USER_WRQ:
        return reply(this.writeUser(p.data));
      case SIM_CMD.DELETE_USER:
        return reply(this.deleteUser(p.data));
      case SIM_CMD.GET_FREE_SIZES:
        return reply(
          SIM_CMD.ACK_OK,
          simFreeSizes({
            users: this.users.length,
            records: this.records.length + this.faults.recordCountDelta,
            recordCapacity: this.options.recordCapacity ?? 100_000,
            userCapacity: this.options.userCapacity ?? 10_000,
          }),
        );
      case SIM_CMD.GET_TIME: {
        const data = Buffer.alloc(4);
        data.writeUInt32LE(simPackTime(this.localTime()), 0);
        return reply(SIM_CMD.ACK_OK, data);
      }
      case SIM_CMD.SET_TIME: {
        const wanted = simUnpackTime(p.data.readUInt32LE(0));
        const now = this.localTime();
        this.clockOffsetMs += Date.parse(`${wanted.replace(' ', 'T')}Z`) - Date.parse(`${now.replace(' ', 'T')}Z`);
        return reply(SIM_CMD.ACK_OK);
      }
      case SIM_CMD.OPTIONS_RRQ: {
        const name = p.data.toString('latin1').split('\0')[0];
        const options: Record<string, string> = { '~SerialNumber': this.serial, '~DeviceName': 'ZK Simulator', '~Platform': 'ZMM220_TFT' };
        const value = name === undefined ? undefined : options[name];
        return value === undefined ? reply(SIM_CMD.ACK_ERROR) : reply(SIM_CMD.ACK_OK, Buffer.from(`${name}=${value}\0`, 'latin1'));
      }
      case SIM_CMD.REG_EVENT:
        client.eventMask = p.data.length >= 4 ? p.data.readUInt32LE(0) : 0;
        return reply(SIM_CMD.ACK_OK);
      case SIM_CMD.DATA_WRRQ:
        return this.stage(client, p, reply);
      case SIM_CMD.DATA_RDY:
        return this.sendChunk(client, p);
      case SIM_CMD.FREE_DATA:
        client.staged = null;
        return reply(SIM_CMD.ACK_OK);
      case SIM_CMD.CLEAR_ATTLOG:
      case 14:
        this.counters.destructiveCommands++;
        return reply(SIM_CMD.ACK_OK);
      default:
        return reply(SIM_CMD.ACK_UNKNOWN);
    }
  }

  /**
   * CMD_USER_WRQ: a record of the device's own size replaces the user with that uid, or adds one. Refused
   * (CMD_ACK_ERROR) like firmware does for a record of the wrong size, uid 0, an empty user id, a user id
   * another uid already has, or one user more than the device holds.
   */
  private writeUser(data: Buffer): number {
    const user = simDecodeUser(data, this.options.userRecordSize ?? 72, this.options.userCharset);
    const index = user ? this.users.findIndex((u) => u.uid === user.uid) : -1;
    const full = index === -1 && this.users.length >= (this.options.userCapacity ?? 10_000);
    const idTaken = user !== null && this.users.some((u) => u.userId === user.userId && u.uid !== user.uid);
    if (!user || user.uid === 0 || user.userId === '' || user.userId === '0' || idTaken || full) {
      this.counters.refusedUserCommands++;
      return SIM_CMD.ACK_ERROR;
    }
    this.counters.userWrites++;
    if (index === -1) this.users.push(user);
    else this.users[index] = user;
    return SIM_CMD.ACK_OK;
  }

  /** CMD_DELETE_USER `<h uid>`: removes that user; an unknown uid is an error. The log is left alone. */
  private deleteUser(data: Buffer): number {
    const index = data.length >= 2 ? this.users.findIndex((u) => u.uid === data.readUInt16LE(0)) : -1;
    if (index === -1) {
      this.counters.refusedUserCommands++;
      return SIM_CMD.ACK_ERROR;
    }
    this.counters.userDeletes++;
    this.users.splice(index, 1);
    return SIM_CMD.ACK_OK;
  }

  private stage(client: ClientState, p: SimPacket, reply: (command: number, data?: Buffer) => void): void {
    const dataset = p.data.length >= 3 ? p.data.readInt16LE(1) : -1;
    let bytes: Buffer;
    if (dataset === SIM_CMD.ATTLOG_RRQ) bytes = simDataset(this.records.map((r) => simEncodeRecord(r, this.options.recordSize ?? 40)));
    else if (dataset === SIM_CMD.USERTEMP_RRQ) bytes = simDataset(this.users.map((u) => simEncodeUser(u, this.options.userRecordSize ?? 72, this.options.userCharset)));
    else return reply(SIM_CMD.ACK_ERROR);
    if (bytes.length <= (this.options.inlineLimit ?? 1024)) return reply(SIM_CMD.DATA, bytes);
    client.staged = bytes;
    client.chunkIndex = 0;
    const info = Buffer.alloc(13);
    info.writeUInt32LE(bytes.length, 1);
    info.writeUInt32LE(bytes.length, 5);
    reply(SIM_CMD.ACK_OK, info);
  }

  private sendChunk(client: ClientState, p: SimPacket): void {
    const frame = (command: number, sessionId: number, data?: Buffer) => simFrame(command, sessionId, p.replyId, data);
    if (!client.staged || p.data.length < 8) {
      client.socket.write(frame(SIM_CMD.ACK_ERROR, client.sessionId));
      return;
    }
    if (this.faults.swallowChunkRequests > 0) {
      this.faults.swallowChunkRequests--;
      return;
    }
    const start = p.data.readInt32LE(0);
    const size = p.data.readInt32LE(4);
    const chunk = client.staged.subarray(start, start + size);
    const perFrame = this.options.dataFrameBytes ?? 1008;
    const index = client.chunkIndex++;
    const prepare = Buffer.alloc(8);
    prepare.writeUInt32LE(chunk.length, 0);
    prepare.writeUInt32LE(perFrame, 4);
    const frames = [frame(SIM_CMD.PREPARE_DATA, client.sessionId, prepare)];
    // Like the captured firmware, CMD_DATA frames carry their sequence number in the session field.
    for (let offset = 0, seq = 0; offset < chunk.length; offset += perFrame, seq++) {
      frames.push(frame(SIM_CMD.DATA, seq, chunk.subarray(offset, offset + perFrame)));
    }
    frames.push(frame(SIM_CMD.ACK_OK, client.sessionId));
    const stream = Buffer.concat(frames);
    if (this.faults.dropConnectionAtChunk === index) {
      this.faults.dropConnectionAtChunk = null;
      client.socket.write(stream.subarray(0, Math.floor(stream.length / 2)), () => client.socket.destroy());
      return;
    }
    client.socket.write(stream);
  }
}

/** Deterministic attendance log: `count` punches of `employees` users, 97 s apart from `start`. */
export function generateZkRecords(count: number, options: { start?: string; employees?: number; stepSeconds?: number } = {}): SimRecord[] {
  const startMs = Date.parse(`${(options.start ?? '2024-01-01 07:00:00').replace(' ', 'T')}Z`);
  const employees = options.employees ?? 50;
  return Array.from({ length: count }, (_, i) => {
    const uid = 1 + (i % employees);
    return {
      uid,
      userId: String(1000 + uid),
      verify: [1, 15, 4][i % 3]!,
      state: i % 2,
      time: new Date(startMs + i * (options.stepSeconds ?? 97) * 1000).toISOString().slice(0, 19).replace('T', ' '),
      workCode: 0,
    };
  });
}
