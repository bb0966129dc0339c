import {
  directionFromZkStatus,
  punchEventId,
  TOPICS,
  verifyModeFromZkCode,
  type PunchRawV1,
  type ZkVerifyTable,
} from '@attendance/contracts';
import type { DeviceContext } from '../punches/device-context';
import type { ZkPunchFields } from './zk-attendance-record';
import { describeZkTime } from './zk-time';
import { resolveZkUserId, type ZkUserDirectory, type ZkUserIdResolution } from './zk-user-directory';
import { resolvePunchTime } from '../punches/resolve-punch-time';

/** A ZK TCP device's context: who its punches belong to, plus which verify-code table its firmware uses. */
export interface ZkDeviceContext extends DeviceContext {
  /** `push` for current firmware, `bw` for old black-and-white firmware; it cannot be guessed per record. */
  verifyTable: ZkVerifyTable;
}

export interface ZkPunchMeta {
  receivedAt: Date;
  /** `pull` for bulk reads, `realtime` for events, `backfill` for operator re-pulls. */
  source: 'pull' | 'realtime' | 'backfill';
  /** The device's user table, to name the users of numeric-id and serial-only records. */
  users?: ZkUserDirectory | null;
  /** Take the decimal serial as the user id when the table cannot name a serial-only record (uid == PIN firmware). */
  allowSerialAsUserId?: boolean;
}

export type ZkBuildResult =
  | { ok: true; punch: PunchRawV1; userIdVia: Extract<ZkUserIdResolution, { ok: true }>['via'] }
  | { ok: false; reason: string; detail: string };


/**
 * Turns a decoded ZK record (bulk log record or realtime event) into an `attendance.punch.raw.v1` value, like
 * the ADMS builder: identity and eventId from libs/contracts, so the same punch read by pull, realtime and
 * ADMS collapses to one row; UTC from the device's IANA zone with DST flags; raw codes kept beside the
 * normalised direction and verify mode; `raw` is the record's bytes as lower-case hex; the device cursor is
 * the record's position in the log (a cursor, never identity). Records with an impossible or implausible time,
 * or a user that cannot be named exactly as enrolled, are rejected for quarantine with a reason.
 */
export function buildPunchFromZkRecord(
  record: ZkPunchFields & { index?: number },
  device: ZkDeviceContext,
  meta: ZkPunchMeta,
): ZkBuildResult {
  const user = resolveZkUserId(record, meta.users ?? null, { allowSerialAsUserId: meta.allowSerialAsUserId });
  if (!user.ok) return { ok: false, reason: user.reason, detail: user.detail };

  if (record.localTime === null) {
    return { ok: false, reason: 'invalid-date', detail: `device time ${describeZkTime(record.time.fields)} is not a real date` };
  }
  if (record.timeProblem !== null) {
    return { ok: false, reason: 'implausible-time', detail: `device time ${record.localTime} is ${record.timeProblem} (device clock reset?)` };
  }
  const time = resolvePunchTime(record.localTime, device.timeZone, meta.receivedAt);
  if (!time.ok) return time;
  const { resolved } = time;

  const candidate: PunchRawV1 = {
    eventId: punchEventId({ tenantId: device.tenantId, deviceSerial: device.deviceSerial, deviceUserId: user.userId, localTime: resolved.localTime }),
    tenantId: device.tenantId,
    siteId: device.siteId,
    gatewayId: device.gatewayId,
    deviceSerial: device.deviceSerial,
    protocol: 'zk-tcp',
    deviceUserId: user.userId,
    localTime: resolved.localTime,
    timeZone: device.timeZone,
    punchedAt: resolved.punchedAt,
    ...directionFromZkStatus(record.stateCode),
    ...verifyModeFromZkCode(record.verifyCode, device.verifyTable),
    workCode: record.workCode === null ? null : String(record.workCode),
    source: meta.source,
    receivedAt: meta.receivedAt.toISOString(),
    deviceCursor: meta.source !== 'realtime' && record.index !== undefined ? String(record.index) : null,
    flags: time.flags,
    raw: record.rawHex,
  };
  const checked = TOPICS.punchRaw.schema.safeParse(candidate);
  if (!checked.success) {
    return {
      ok: false,
      reason: 'contract-violation',
      detail: checked.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, punch: checked.data, userIdVia: user.via };
}
