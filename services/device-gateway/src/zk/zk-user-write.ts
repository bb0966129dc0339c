import { encodeZkNameBytes, type ZkUserCharset } from './zk-name-charset';

export type { ZkUserCharset } from './zk-name-charset';

/**
 * Encodes user records for CMD_USER_WRQ (8), in the same two layouts the user table is read in
 * (zk-user-record.ts; pyzk base.py set_user packs them the same way):
 *
 *   72 B  u16 uid @0 | u8 privilege @2 | 8 password @3 | char[24] name @11 | u32 card @35 | pad @39
 *         | char[7] group @40 | pad @47 | char[24] userId @48
 *   28 B  u16 uid @0 | u8 privilege @2 | 5 password @3 | char[8] name @8 | u32 card @16 | pad @20 | u8 group @21
 *         | u16 timezone @22 | u32 userId @24
 *
 * Names are validated in bytes of the device's charset (P9: a name that does not fit is refused, never cut in
 * the middle of a character; a character the charset cannot hold is refused, never replaced). The field is
 * NUL-padded; a name that fills it exactly has no terminator, as pyzk writes it and our decoder reads it.
 * Passwords are never written: a new user gets none, and an existing user's record is patched in place
 * (name only), so the password, card, privilege and group set on the device survive a roster push.
 */
export type ZkUserRecordSize = 28 | 72;

export interface ZkNewUser {
  uid: number;
  userId: string;
  name: string;
}

export type ZkUserEncodeFailure = 'name-too-long' | 'name-not-encodable' | 'user-id-too-long' | 'user-id-not-numeric' | 'bad-uid';
export type ZkUserEncodeResult = { ok: true; bytes: Buffer } | { ok: false; reason: ZkUserEncodeFailure; detail: string };

const LAYOUT = {
  72: { name: { at: 11, bytes: 24 }, userId: { at: 48, bytes: 24 } },
  28: { name: { at: 8, bytes: 8 }, userId: { at: 24, bytes: 4 } },
} as const;

/** The user id and name field sizes of a layout, for messages and callers that pre-check. */
export function zkUserFieldBytes(size: ZkUserRecordSize): { name: number; userId: number } {
  return { name: LAYOUT[size].name.bytes, userId: LAYOUT[size].userId.bytes };
}

/** A new user record: privilege 0 (normal user), no password, no card, no group. */
export function encodeZkNewUser(user: ZkNewUser, size: ZkUserRecordSize, charset: ZkUserCharset): ZkUserEncodeResult {
  if (!Number.isInteger(user.uid) || user.uid < 1 || user.uid > 0xffff) return { ok: false, reason: 'bad-uid', detail: `uid ${user.uid} is outside 1..65535` };
  const record = Buffer.alloc(size);
  record.writeUInt16LE(user.uid, 0);
  const id = writeUserId(record, user.userId, size);
  if (!id.ok) return id;
  return writeName(record, user.name, size, charset);
}

/** An existing record with only its name replaced (the bytes the device sent in its user table). */
export function patchZkUserName(existing: Uint8Array, name: string, charset: ZkUserCharset): ZkUserEncodeResult {
  if (existing.length !== 72 && existing.length !== 28) return { ok: false, reason: 'bad-uid', detail: `existing record has ${existing.length} bytes, not 28 or 72` };
  return writeName(Buffer.from(existing), name, existing.length as ZkUserRecordSize, charset);
}

/** The name in the charset's bytes, or why it cannot be written. Exported for tests and pre-checks. */
export function encodeZkName(name: string, charset: ZkUserCharset, maxBytes: number): { ok: true; bytes: Buffer } | { ok: false; reason: 'name-too-long' | 'name-not-encodable'; detail: string } {
  if (name.includes('\0')) return { ok: false, reason: 'name-not-encodable', detail: 'name contains a NUL character' };
  const encoded = encodeZkNameBytes(name, charset);
  if (!encoded.ok) return { ok: false, reason: 'name-not-encodable', detail: `name ${JSON.stringify(name)} cannot be written in ${charset}, the device's charset: ${encoded.detail}` };
  const { bytes } = encoded;
  if (bytes.length > maxBytes) {
    return { ok: false, reason: 'name-too-long', detail: `name is ${bytes.length} bytes in ${charset}, the device holds ${maxBytes}` };
  }
  return { ok: true, bytes };
}

function writeName(record: Buffer, name: string, size: ZkUserRecordSize, charset: ZkUserCharset): ZkUserEncodeResult {
  const field = LAYOUT[size].name;
  const encoded = encodeZkName(name, charset, field.bytes);
  if (!encoded.ok) return encoded;
  record.fill(0, field.at, field.at + field.bytes);
  encoded.bytes.copy(record, field.at);
  return { ok: true, bytes: record };
}

function writeUserId(record: Buffer, userId: string, size: ZkUserRecordSize): { ok: true } | { ok: false; reason: ZkUserEncodeFailure; detail: string } {
  const field = LAYOUT[size].userId;
  if (size === 28) {
    // Old firmware stores the PIN as a number: "0012" would come back as "12", a different person (DESIGN 3.2).
    if (!/^(0|[1-9]\d{0,9})$/.test(userId) || Number(userId) > 0xffffffff) {
      return { ok: false, reason: 'user-id-not-numeric', detail: `user id ${JSON.stringify(userId)} is not a number without leading zeros, which 28-byte user records need` };
    }
    record.writeUInt32LE(Number(userId), field.at);
    return { ok: true };
  }
  const bytes = Buffer.from(userId, 'utf8');
  if (bytes.length > field.bytes || userId.includes('\0')) {
    return { ok: false, reason: 'user-id-too-long', detail: `user id is ${bytes.length} bytes, the record holds ${field.bytes}` };
  }
  bytes.copy(record, field.at);
  return { ok: true };
}
