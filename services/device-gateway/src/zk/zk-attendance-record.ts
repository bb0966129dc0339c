import { decodeZkPackedTime, zkTimeProblem, type ZkDecodedTime, type ZkTimeProblem, type ZkTimeWindow } from './zk-time';

/**
 * Attendance record layouts of the bulk log (brief §2.6), chosen by record size, never by transport or model
 * (node-zklib's bug, §2.10). All little-endian:
 *
 *   40 B  u16 userSn @0 | char[24] userId @2 (NUL-padded) | u8 verify @26 | u32 time @27 | u8 state @31 | 8 reserved
 *   49 B  the same 32-byte prefix + 17 bytes of firmware extras (MB560-VL, MB40-VL): advance by 49, not 40
 *   16 B  u32 userId @0 | u32 time @4 | u8 verify @8 | u8 state @9 | 2 reserved | u32 workcode @12
 *    8 B  u16 uid @0 | u8 verify @2 | u32 time @3 | u8 state @7            (pyzk default)
 *         u16 uid @0 | u8 verify @2 | u8 state @3 | u32 time @4            (MA300/ZEM500 variant, pyzk#187/#99)
 *
 * pyzk names the verify byte "status" and the state byte "punch"; we use the protocol's names. Every decoded
 * record keeps its exact bytes as hex, so a record with an impossible time or an undecodable id can be
 * quarantined with its evidence (DESIGN.md 3.4).
 */
export type ZkEightByteLayout = 'uid-verify-time-state' | 'uid-verify-state-time';

export interface ZkRecordDecodeOptions extends ZkTimeWindow {
  /** Which 8-byte layout the device uses; it cannot be told apart by size. Default: pyzk's. */
  eightByteLayout?: ZkEightByteLayout;
}

/** Fields common to bulk records and realtime events, everything the punch builder needs. */
export interface ZkPunchFields {
  /**
   * The user id as the record carries it: the enrolled string (40/49-byte, string realtime layouts), the
   * decimal form of a numeric id (16-byte, numeric realtime layouts), or null when the record only has the
   * internal serial (8-byte, or an empty id string) and the user table must name the user.
   */
  userId: string | null;
  userIdKind: 'string' | 'numeric' | 'serial-only';
  /** Internal user serial number ("uid"), when the layout has one. */
  userSn: number | null;
  verifyCode: number | null;
  stateCode: number | null;
  workCode: number | null;
  /** Raw decoded clock fields, also when they are not a real date. */
  time: ZkDecodedTime;
  /** Canonical `YYYY-MM-DDTHH:mm:ss` device-local time, null when the fields are not a real date. */
  localTime: string | null;
  /** Why the time cannot be trusted (invalid date, before 2010, ...); null when plausible. */
  timeProblem: ZkTimeProblem | null;
  /** Set when the id bytes are not valid UTF-8: the id cannot be reproduced exactly, so it must not be guessed. */
  userIdProblem: 'undecodable-user-id' | null;
  /** The record's exact bytes, lower-case hex. */
  rawHex: string;
}

export interface ZkAttendanceRecord extends ZkPunchFields {
  /** 0-based position in the device log as read: the device cursor (never identity, DESIGN.md 3.2). */
  index: number;
  recordSize: number;
  packedTime: number;
  /** Bytes after the known fields (40-byte reserved tail, 49-byte extras, 16-byte reserved), hex. */
  extraHex: string | null;
}

export function isSupportedZkRecordSize(size: number): boolean {
  return size === 8 || size === 16 || (Number.isInteger(size) && size >= 40 && size <= 1024);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one record of `bytes.length` bytes. Returns null for sizes no known firmware uses. */
export function decodeZkAttendanceRecord(bytes: Buffer, index: number, options: ZkRecordDecodeOptions = {}): ZkAttendanceRecord | null {
  const size = bytes.length;
  if (!isSupportedZkRecordSize(size)) return null;
  const rawHex = bytes.toString('hex');
  if (size >= 40) {
    const id = decodeZkUserIdString(bytes.subarray(2, 26));
    const packedTime = bytes.readUInt32LE(27);
    return finish(
      {
        userId: id.value,
        userIdKind: id.value === null && id.problem === null ? 'serial-only' : 'string',
        userSn: bytes.readUInt16LE(0),
        verifyCode: bytes[26]!,
        stateCode: bytes[31]!,
        workCode: null,
        userIdProblem: id.problem,
        rawHex,
      },
      { index, recordSize: size, packedTime, extraHex: bytes.subarray(32).toString('hex') },
      options,
    );
  }
  if (size === 16) {
    const packedTime = bytes.readUInt32LE(4);
    return finish(
      {
        userId: String(bytes.readUInt32LE(0)),
        userIdKind: 'numeric',
        userSn: null,
        verifyCode: bytes[8]!,
        stateCode: bytes[9]!,
        workCode: bytes.readUInt32LE(12),
        userIdProblem: null,
        rawHex,
      },
      { index, recordSize: size, packedTime, extraHex: bytes.subarray(10, 12).toString('hex') },
      options,
    );
  }
  const stateFirst = options.eightByteLayout === 'uid-verify-state-time';
  const packedTime = bytes.readUInt32LE(stateFirst ? 4 : 3);
  return finish(
    {
      userId: null,
      userIdKind: 'serial-only',
      userSn: bytes.readUInt16LE(0),
      verifyCode: bytes[2]!,
      stateCode: bytes[stateFirst ? 3 : 7]!,
      workCode: null,
      userIdProblem: null,
      rawHex,
    },
    { index, recordSize: size, packedTime, extraHex: null },
    options,
  );
}

/**
 * A NUL-padded id field: the bytes before the first NUL, as strict UTF-8. Empty means "no id" (some firmware
 * leaves it blank and relies on the serial, pyzk PR #247).
 */
export function decodeZkUserIdString(field: Uint8Array): { value: string | null; problem: 'undecodable-user-id' | null } {
  const end = field.indexOf(0);
  const bytes = end === -1 ? field : field.subarray(0, end);
  if (bytes.length === 0) return { value: null, problem: null };
  try {
    return { value: utf8.decode(bytes), problem: null };
  } catch {
    return { value: null, problem: 'undecodable-user-id' };
  }
}

function finish(
  fields: Omit<ZkPunchFields, 'time' | 'localTime' | 'timeProblem'>,
  position: { index: number; recordSize: number; packedTime: number; extraHex: string | null },
  options: ZkRecordDecodeOptions,
): ZkAttendanceRecord {
  const time = decodeZkPackedTime(position.packedTime);
  return { ...fields, ...position, time, localTime: time.localTime, timeProblem: zkTimeProblem(time, options) };
}
