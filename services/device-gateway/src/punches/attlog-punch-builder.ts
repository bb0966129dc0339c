import {
  directionFromZkStatus,
  punchEventId,
  resolveLocalTime,
  TOPICS,
  verifyModeFromZkCode,
  type PunchRawV1,
} from '@attendance/contracts';
import type { AttlogRecord } from '../adms/attlog-parser';
import type { DeviceContext } from './device-context';

export type BuildResult = { ok: true; punch: PunchRawV1 } | { ok: false; reason: string; detail: string };

/** Punches dated before this are a reset device clock (2000-01-01 and the like), not real attendance. */
const EARLIEST_PLAUSIBLE_UTC = Date.parse('2010-01-01T00:00:00Z');
/** More than this ahead of our clock is implausible (device-protocols.md §1.4). */
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
/** Ahead of our clock by more than this, but within a day: accepted and flagged as a suspect device clock. */
const CLOCK_SUSPECT_AHEAD_MS = 5 * 60 * 1000;

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
  let resolved: ReturnType<typeof resolveLocalTime>;
  try {
    resolved = resolveLocalTime(record.localTime, device.timeZone);
  } catch (error) {
    return { ok: false, reason: 'unresolvable-time', detail: (error as Error).message };
  }
  const punchedAtMs = Date.parse(resolved.punchedAt);
  if (punchedAtMs < EARLIEST_PLAUSIBLE_UTC) {
    return { ok: false, reason: 'implausible-time', detail: `${record.localTime} is before 2010 (device clock reset?)` };
  }
  const aheadMs = punchedAtMs - meta.receivedAt.getTime();
  if (aheadMs > MAX_FUTURE_MS) {
    return { ok: false, reason: 'implausible-time', detail: `${record.localTime} (${device.timeZone}) is more than a day in the future` };
  }

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
    flags: {
      clockSuspect: aheadMs > CLOCK_SUSPECT_AHEAD_MS,
      dstAmbiguous: resolved.kind === 'ambiguous',
      dstGap: resolved.kind === 'gap',
    },
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
