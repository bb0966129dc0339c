import type { ZkPunchFields } from './zk-attendance-record';
import type { ZkUserRecord } from './zk-user-record';

/**
 * Resolves the user a record belongs to, as the contract needs it: the user id exactly as enrolled
 * (DESIGN.md 3.2; "0012" and "12" are different people).
 *
 * - String ids (40/49-byte records, string realtime events) are already enrolled ids and are used as they are.
 * - Numeric ids (16-byte records, numeric realtime events) are usually the PIN stored as a number; if the
 *   user table has that PIN it is used; else the one enrolled PIN with that numeric value ("0012" for 12);
 *   else the PIN of the user with that serial number (pyzk's second lookup); else the decimal form stands.
 * - Serial-only records (8-byte, or an empty id string) need the table; without a match the decimal serial is
 *   used only when the caller allows it, because on most firmware the serial and the PIN differ.
 */
export type ZkUserIdResolution =
  | {
      ok: true;
      userId: string;
      via: 'record' | 'table-user-id' | 'table-numeric-user-id' | 'table-serial' | 'numeric-fallback' | 'serial-fallback';
    }
  | { ok: false; reason: 'unresolved-user' | 'undecodable-user-id'; detail: string };

export class ZkUserDirectory {
  private readonly byUserId = new Set<string>();
  private readonly bySerial = new Map<number, string>();
  private readonly byNumericValue = new Map<number, string[]>();

  constructor(users: readonly Pick<ZkUserRecord, 'uid' | 'userId'>[]) {
    for (const user of users) {
      if (user.userId === null || user.userId === '') continue;
      this.byUserId.add(user.userId);
      this.bySerial.set(user.uid, user.userId);
      if (/^\d{1,10}$/.test(user.userId)) {
        const value = Number(user.userId);
        this.byNumericValue.set(value, [...(this.byNumericValue.get(value) ?? []), user.userId]);
      }
    }
  }

  get size(): number {
    return this.bySerial.size;
  }

  hasUserId(userId: string): boolean {
    return this.byUserId.has(userId);
  }

  /** The enrolled PIN whose numeric value is `value`, if exactly one has it. */
  userIdWithNumericValue(value: number): string | undefined {
    const matches = this.byNumericValue.get(value);
    return matches?.length === 1 ? matches[0] : undefined;
  }

  userIdOfSerial(serial: number): string | undefined {
    return this.bySerial.get(serial);
  }
}

export interface ZkUserResolveOptions {
  /** Use the decimal serial of a serial-only record when no table entry names it (old firmware where uid == PIN). */
  allowSerialAsUserId?: boolean;
}

export function resolveZkUserId(
  record: Pick<ZkPunchFields, 'userId' | 'userIdKind' | 'userSn' | 'userIdProblem'>,
  directory: ZkUserDirectory | null,
  options: ZkUserResolveOptions = {},
): ZkUserIdResolution {
  if (record.userIdProblem) {
    return { ok: false, reason: 'undecodable-user-id', detail: 'the user id bytes are not valid UTF-8' };
  }
  if (record.userIdKind === 'string' && record.userId !== null) return { ok: true, userId: record.userId, via: 'record' };
  if (record.userIdKind === 'numeric' && record.userId !== null) {
    if (directory?.hasUserId(record.userId)) return { ok: true, userId: record.userId, via: 'table-user-id' };
    const byValue = directory?.userIdWithNumericValue(Number(record.userId));
    if (byValue !== undefined) return { ok: true, userId: byValue, via: 'table-numeric-user-id' };
    const bySerial = directory?.userIdOfSerial(Number(record.userId));
    if (bySerial !== undefined) return { ok: true, userId: bySerial, via: 'table-serial' };
    return { ok: true, userId: record.userId, via: 'numeric-fallback' };
  }
  if (record.userSn !== null) {
    const bySerial = directory?.userIdOfSerial(record.userSn);
    if (bySerial !== undefined) return { ok: true, userId: bySerial, via: 'table-serial' };
    if (options.allowSerialAsUserId) return { ok: true, userId: String(record.userSn), via: 'serial-fallback' };
    return {
      ok: false,
      reason: 'unresolved-user',
      detail: `record names user serial ${record.userSn} only, and ${directory ? 'the user table has no such serial' : 'no user table was read'}`,
    };
  }
  return { ok: false, reason: 'unresolved-user', detail: 'record carries no user id' };
}
