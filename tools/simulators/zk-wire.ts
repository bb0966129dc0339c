/**
 * The simulated ZK device's own wire helpers. Deliberately NOT shared with the gateway codec
 * (services/device-gateway/src/zk): a bug copied into both sides would cancel out in the client-vs-simulator
 * tests. The arithmetic follows the vendor SDK's shape (zkemsdk.c as quoted by pyzk) rather than the
 * gateway's, and zk-wire.spec.ts pins it to the same captured packets the codec is tested against.
 */
export const SIM_CMD = {
  CONNECT: 1000,
  EXIT: 1001,
  ENABLE_DEVICE: 1002,
  DISABLE_DEVICE: 1003,
  REFRESH_DATA: 1013,
  USER_WRQ: 8,
  DELETE_USER: 18,
  AUTH: 1102,
  PREPARE_DATA: 1500,
  DATA: 1501,
  FREE_DATA: 1502,
  DATA_WRRQ: 1503,
  DATA_RDY: 1504,
  USERTEMP_RRQ: 9,
  OPTIONS_RRQ: 11,
  ATTLOG_RRQ: 13,
  CLEAR_ATTLOG: 15,
  GET_FREE_SIZES: 50,
  GET_TIME: 201,
  SET_TIME: 202,
  REG_EVENT: 500,
  ACK_OK: 2000,
  ACK_ERROR: 2001,
  ACK_UNAUTH: 2005,
  ACK_UNKNOWN: 0xffff,
} as const;

const USHRT_MAX = 65535;

/** SDK-style checksum: running sum reduced by 65535 on overflow, then 65535 minus the sum. */
export function simChecksum(packet: Buffer): number {
  let sum = 0;
  for (let i = 0; i < packet.length; i += 2) {
    const word = i === 2 ? 0 : i + 1 < packet.length ? packet.readUInt16LE(i) : packet[i]!;
    sum += word;
    if (sum > USHRT_MAX) sum -= USHRT_MAX;
  }
  return USHRT_MAX - sum;
}

export interface SimPacket {
  command: number;
  checksum: number;
  sessionId: number;
  replyId: number;
  data: Buffer;
  checksumOk: boolean;
}

/** A whole TCP frame: magic, u32 length, header with checksum, data. */
export function simFrame(command: number, sessionId: number, replyId: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const packet = Buffer.concat([Buffer.from([command & 0xff, command >> 8, 0, 0, sessionId & 0xff, (sessionId >> 8) & 0xff, replyId & 0xff, replyId >> 8]), data]);
  const checksum = simChecksum(packet);
  packet[2] = checksum & 0xff;
  packet[3] = checksum >> 8;
  const prefix = Buffer.from([0x50, 0x50, 0x82, 0x7d, 0, 0, 0, 0]);
  prefix.writeUInt32LE(packet.length, 4);
  return Buffer.concat([prefix, packet]);
}

/** Incremental frame parser for one client connection; `desync` once the stream stops looking like frames. */
export class SimFrameParser {
  private buffer = Buffer.alloc(0);
  desync = false;

  feed(chunk: Buffer): SimPacket[] {
    if (this.desync) return [];
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const packets: SimPacket[] = [];
    while (this.buffer.length >= 8) {
      if (this.buffer.readUInt32BE(0) !== 0x5050827d) {
        this.desync = true;
        return packets;
      }
      const length = this.buffer.readUInt32LE(4);
      if (length < 8 || length > 1 << 20) {
        this.desync = true;
        return packets;
      }
      if (this.buffer.length < 8 + length) break;
      const packet = this.buffer.subarray(8, 8 + length);
      this.buffer = this.buffer.subarray(8 + length);
      const checksum = packet.readUInt16LE(2);
      packets.push({
        command: packet.readUInt16LE(0),
        checksum,
        sessionId: packet.readUInt16LE(4),
        replyId: packet.readUInt16LE(6),
        data: Buffer.from(packet.subarray(8)),
        checksumOk: checksum === simChecksum(packet),
      });
    }
    return packets;
  }
}

/** The key a client must send in CMD_AUTH: bit-reversed key + session, "ZKSO" mask, halves swapped, tick byte 50. */
export function simCommKey(key: number, sessionId: number): Buffer {
  const reversed = parseInt(key.toString(2).padStart(32, '0').split('').reverse().join(''), 2);
  const sum = (reversed + sessionId) % 2 ** 32;
  const bytes = [sum % 256, Math.floor(sum / 2 ** 8) % 256, Math.floor(sum / 2 ** 16) % 256, Math.floor(sum / 2 ** 24)];
  const masked = bytes.map((b, i) => b ^ 'ZKSO'.charCodeAt(i));
  return Buffer.from([masked[2]! ^ 50, masked[3]! ^ 50, 50, masked[1]! ^ 50]);
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/** Device clock encoding of a local `YYYY-MM-DD HH:MM:SS` (every month 31 days, year modulo 100). */
export function simPackTime(localTime: string): number {
  const m = LOCAL.exec(localTime);
  if (!m) throw new Error(`bad simulator time "${localTime}"`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const dayNumber = (y - 2000) * 372 + (mo - 1) * 31 + (d - 1);
  return dayNumber * 86400 + h * 3600 + mi * 60 + s;
}

export function simUnpackTime(packed: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = Math.floor(packed / 86400);
  const secs = packed % 86400;
  return `${2000 + Math.floor(day / 372)}-${pad(Math.floor((day % 372) / 31) + 1)}-${pad((day % 31) + 1)} ${pad(Math.floor(secs / 3600))}:${pad(Math.floor((secs % 3600) / 60))}:${pad(secs % 60)}`;
}

export interface SimRecord {
  /** Internal user serial. */
  uid: number;
  /** Enrolled user id (PIN). Numeric for 8/16-byte devices. */
  userId: string;
  verify: number;
  state: number;
  /** Local `YYYY-MM-DD HH:MM:SS`. */
  time: string;
  workCode?: number;
}

/** One attendance record in the device's layout (brief §2.6). */
export function simEncodeRecord(r: SimRecord, size: 8 | 16 | 40 | 49): Buffer {
  const out = Buffer.alloc(size);
  const t = simPackTime(r.time);
  if (size === 8) {
    out.writeUInt16LE(r.uid, 0);
    out[2] = r.verify;
    out.writeUInt32LE(t, 3);
    out[7] = r.state;
  } else if (size === 16) {
    out.writeUInt32LE(Number(r.userId), 0);
    out.writeUInt32LE(t, 4);
    out[8] = r.verify;
    out[9] = r.state;
    out.writeUInt32LE(r.workCode ?? 0, 12);
  } else {
    out.writeUInt16LE(r.uid, 0);
    Buffer.from(r.userId, 'utf8').copy(out, 2, 0, 24);
    out[26] = r.verify;
    out.writeUInt32LE(t, 27);
    out[31] = r.state;
    out[36] = 0xff; // zk-protocol shows 00 00 00 00 FF 00 00 00 in the reserved tail
    if (size === 49) out.fill(0x11, 40);
  }
  return out;
}

/** The EF_ATTLOG payload in one of the firmware layouts (brief §2.8). */
export function simEncodeEvent(r: SimRecord, layout: 10 | 12 | 14 | 32 | 36 | 37 | 52): Buffer {
  const numeric = layout <= 14;
  const idBytes = numeric ? (layout === 12 ? 4 : 2) : 24;
  const out = Buffer.alloc(layout);
  if (numeric && idBytes === 4) out.writeUInt32LE(Number(r.userId), 0);
  else if (numeric) out.writeUInt16LE(Number(r.userId), 0);
  else Buffer.from(r.userId, 'utf8').copy(out, 0, 0, 24);
  out[idBytes] = r.verify;
  out[idBytes + 1] = r.state;
  const m = LOCAL.exec(r.time)!;
  [Number(m[1]) - 2000, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])].forEach((v, i) => (out[idBytes + 2 + i] = v));
  return out;
}

export interface SimUser {
  uid: number;
  userId: string;
  name: string;
  privilege?: number;
  /** Kept to show that a name update leaves it alone; the gateway never reads or writes it. */
  password?: string;
  cardNumber?: number;
}

/** Charset the simulated terminal stores names in. */
export type SimCharset = 'utf-8' | 'latin1' | 'gbk';

/**
 * The simulated Chinese terminal's GBK: ASCII plus the few characters tests use, with their bytes from the
 * GB2312 code chart. Deliberately not node's decoder (the gateway's encoder is built from it), so a wrong
 * gateway byte shows up as U+FFFD here.
 */
const SIM_GBK: Record<string, string> = { 张: 'd5c5', 伟: 'ceb0', 李: 'c0ee', 娜: 'c4c8', 王: 'cdf5', 明: 'c3f7' };
const SIM_GBK_BY_BYTES = new Map(Object.entries(SIM_GBK).map(([char, hex]) => [hex, char]));

function simEncodeName(name: string, charset: SimCharset): Buffer {
  if (charset !== 'gbk') return Buffer.from(name, charset === 'utf-8' ? 'utf8' : 'latin1');
  return Buffer.concat(
    [...name].map((c) => {
      if (c.charCodeAt(0) < 0x80) return Buffer.from(c, 'latin1');
      const hex = SIM_GBK[c];
      if (!hex) throw new Error(`simulator GBK table has no ${c}`);
      return Buffer.from(hex, 'hex');
    }),
  );
}

function simDecodeName(field: Buffer, charset: SimCharset): string {
  if (charset !== 'gbk') return field.toString(charset === 'utf-8' ? 'utf8' : 'latin1');
  let out = '';
  for (let i = 0; i < field.length; ) {
    if (field[i]! < 0x80) {
      out += String.fromCharCode(field[i]!);
      i += 1;
    } else {
      out += SIM_GBK_BY_BYTES.get(field.subarray(i, i + 2).toString('hex')) ?? '\ufffd';
      i += 2;
    }
  }
  return out;
}

export function simEncodeUser(u: SimUser, size: 28 | 72, charset: SimCharset = 'utf-8'): Buffer {
  const out = Buffer.alloc(size);
  out.writeUInt16LE(u.uid, 0);
  out[2] = u.privilege ?? 0;
  if (size === 28) {
    Buffer.from(u.password ?? '', 'latin1').copy(out, 3, 0, 5);
    simEncodeName(u.name, charset).copy(out, 8, 0, 8);
    out.writeUInt32LE(u.cardNumber ?? 0, 16);
    out.writeUInt32LE(Number(u.userId), 24);
  } else {
    Buffer.from(u.password ?? '', 'latin1').copy(out, 3, 0, 8);
    simEncodeName(u.name, charset).copy(out, 11, 0, 24);
    out.writeUInt32LE(u.cardNumber ?? 0, 35);
    Buffer.from(u.userId).copy(out, 48, 0, 24);
  }
  return out;
}

/** A CMD_USER_WRQ payload as the terminal reads it; null when it is not a record of the device's size. */
export function simDecodeUser(data: Buffer, size: 28 | 72, charset: SimCharset = 'utf-8'): SimUser | null {
  if (data.length !== size) return null;
  const field = (from: number, to: number) => {
    const bytes = data.subarray(from, to);
    const nul = bytes.indexOf(0);
    return nul === -1 ? bytes : bytes.subarray(0, nul);
  };
  if (size === 28) {
    return { uid: data.readUInt16LE(0), privilege: data[2]!, password: field(3, 8).toString('latin1'), name: simDecodeName(field(8, 16), charset), cardNumber: data.readUInt32LE(16), userId: String(data.readUInt32LE(24)) };
  }
  return { uid: data.readUInt16LE(0), privilege: data[2]!, password: field(3, 11).toString('latin1'), name: simDecodeName(field(11, 35), charset), cardNumber: data.readUInt32LE(35), userId: field(48, 72).toString('utf8') };
}

/** GET_FREE_SIZES reply: 20 i32 + the 12-byte face tail (92 bytes, zk-protocol terminal.md). */
export function simFreeSizes(counts: { users: number; records: number; recordCapacity: number; userCapacity?: number }): Buffer {
  const out = Buffer.alloc(92);
  const set = (index: number, value: number) => out.writeInt32LE(value, index * 4);
  set(4, counts.users);
  set(8, counts.records);
  set(14, 3000);
  set(15, counts.userCapacity ?? 10000);
  set(16, counts.recordCapacity);
  set(17, 3000);
  set(18, (counts.userCapacity ?? 10000) - counts.users);
  set(19, counts.recordCapacity - counts.records);
  return out;
}

/** `u32 size` + the concatenated records: what a buffered read returns. */
export function simDataset(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length, 0);
  return Buffer.concat([size, body]);
}
