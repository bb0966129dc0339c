import { decodeZkUserIdString } from './zk-attendance-record';
import { decodeZkName, type ZkUserCharset } from './zk-name-charset';

/**
 * User table (CMD_USERTEMP_RRQ with FCT_USER through a buffered read), read only to translate the numeric
 * ids of 8- and 16-byte attendance records into the enrolled user id the contract needs. Layouts (LE), by
 * record size like the attendance log:
 *
 *   72 B  u16 uid @0 | u8 privilege @2 | 8 password | char[24] name @11 | u32 card @35 | pad | char[7] group @40
 *         | pad | char[24] userId @48
 *   28 B  u16 uid @0 | u8 privilege @2 | 5 password | char[8] name @8 | u32 card @16 | pad | u8 group @21
 *         | i16 timezone @22 | u32 userId @24                                       (old "ZK6" firmware)
 *
 * Names are decoded in the device's charset (P9, zk-name-charset.ts); user ids stay strict UTF-8, since they
 * are identity (DESIGN.md 3.2) and must never be guessed. Passwords are never decoded or kept.
 */
export interface ZkUserRecord {
  uid: number;
  /** The enrolled user id (PIN), exactly as the device stores it; null if it is not valid UTF-8. */
  userId: string | null;
  name: string;
  privilege: number;
  cardNumber: number;
}

export interface ZkUserDataset {
  users: ZkUserRecord[];
  recordSize: number | null;
  issues: string[];
}

export function decodeZkUserDataset(buffer: Buffer, expectedCount: number, charset: ZkUserCharset = 'utf-8'): ZkUserDataset {
  if (buffer.length < 4) return { users: [], recordSize: null, issues: [`dataset has ${buffer.length} bytes, fewer than its size header`] };
  const declared = buffer.readUInt32LE(0);
  const body = buffer.subarray(4, 4 + declared);
  const issues: string[] = [];
  if (buffer.length - 4 !== declared) issues.push(`dataset declares ${declared} bytes but ${buffer.length - 4} arrived`);
  const size = userRecordSize(declared, expectedCount);
  if (size === null) {
    if (declared > 0) issues.push(`cannot tell the user record size of ${declared} bytes for ${expectedCount} users`);
    return { users: [], recordSize: null, issues };
  }
  const users: ZkUserRecord[] = [];
  for (let offset = 0; offset + size <= body.length; offset += size) {
    users.push(decodeZkUserRecord(body.subarray(offset, offset + size), charset));
  }
  if (body.length % size !== 0) issues.push(`last user record is cut off after ${body.length % size} bytes`);
  return { users, recordSize: size, issues };
}

export function decodeZkUserRecord(bytes: Buffer, charset: ZkUserCharset = 'utf-8'): ZkUserRecord {
  if (bytes.length === 28) {
    return {
      uid: bytes.readUInt16LE(0),
      userId: String(bytes.readUInt32LE(24)),
      name: decodeZkName(bytes.subarray(8, 16), charset),
      privilege: bytes[2]!,
      cardNumber: bytes.readUInt32LE(16),
    };
  }
  return {
    uid: bytes.readUInt16LE(0),
    userId: decodeZkUserIdString(bytes.subarray(48, 72)).value,
    name: decodeZkName(bytes.subarray(11, 35), charset),
    privilege: bytes[2]!,
    cardNumber: bytes.readUInt32LE(35),
  };
}

function userRecordSize(declared: number, expectedCount: number): 28 | 72 | null {
  if (declared === 0) return null;
  if (expectedCount > 0 && declared === expectedCount * 72) return 72;
  if (expectedCount > 0 && declared === expectedCount * 28) return 28;
  if (declared % 72 === 0 && declared % 28 !== 0) return 72;
  if (declared % 28 === 0 && declared % 72 !== 0) return 28;
  return null;
}
