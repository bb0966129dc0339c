import {
  directionFromZkStatus,
  punchEventId,
  TOPICS,
  verifyModeFromZkCode,
  type PunchRawV1,
} from '@attendance/contracts';
import type { AttlogRecord } from '../adms/attlog-parser';
import type { DeviceContext } from './device-context';
import { resolvePunchTime } from './resolve-punch-time';

export type BuildResult = { ok: true; punch: PunchRawV1 } | { ok: false; reason: string; detail: string };


/**
 * Turns a parsed ATTLOG record into an `attendance.punch.raw.v1` value: identity and eventId from
 * libs/contracts (the same derivation the cloud uses), UTC from the device's IANA zone with DST flags,
 * normalised direction/verify with the raw codes kept. Implausible times are rejected for quarantine.
 */
export function buildPunchFromAttlog(
  record: AttlogRecord,
  device: DeviceContext,
  meta: { receivedAt: Date; deviceCursor: string | null },
): BuildResult {
  const time = resolvePunchTime(record.localTime, device.timeZone, meta.receivedAt);
  if (!time.ok) return time;
  const { resolved } = time;

  const candidate: PunchRawV1 = {
    eventId: punchEventId({
      tenantId: device.tenantId,
      deviceSerial: device.deviceSerial,
      deviceUserId: record.deviceUserId,
      localTime: resolved.localTime,
    }),
    tenantId: device.tenantId,
    siteId: device.siteId,
    gatewayId: device.gatewayId,
    deviceSerial: device.deviceSerial,
    protocol: 'zk-push2',
    deviceUserId: record.deviceUserId,
    localTime: resolved.localTime,
    timeZone: device.timeZone,
    punchedAt: resolved.punchedAt,
    ...directionFromZkStatus(record.statusCode),
    ...verifyModeFromZkCode(record.verifyCode, 'push'),
    workCode: record.workCode,
    source: 'push',
    receivedAt: meta.receivedAt.toISOString(),
    deviceCursor: meta.deviceCursor,
    flags: time.flags,
    raw: record.rawLine.toString('utf8').replace(/\r$/, ''),
  };
  const checked = TOPICS.punchRaw.schema.safeParse(candidate);
  if (!checked.success) {
    return {
      ok: false,
      reason: 'contract-violation',
      detail: checked.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, punch: checked.data };
}
