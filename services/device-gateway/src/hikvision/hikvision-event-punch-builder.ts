import {
  DEFAULT_HIKVISION_PUNCH_MINORS,
  directionFromHikvisionAttendanceStatus,
  isHikvisionPunchEvent,
  PUNCH_RAW_MAX_LENGTH,
  punchEventId,
  TOPICS,
  verifyModeFromHikvision,
  type PunchRawV1,
} from '@attendance/contracts';
import type { DeviceContext } from '../punches/device-context';
import type { HikAccessEvent } from './isapi-access-event';
import { resolvePunchTime } from '../punches/resolve-punch-time';

/**
 * Turns a Hikvision access event (pull, httpHosts or alertStream) into an `attendance.punch.raw.v1` value,
 * the way attlog-punch-builder.ts does for ADMS: identity from libs/contracts, UTC from the device's
 * configured IANA zone, normalised direction/verify with the raw codes kept, implausible times rejected for
 * quarantine.
 *
 * Time: the device sends ISO 8601 with its own offset (`2026-04-17T19:23:48-03:00`). The punch identity uses
 * only the wall-clock part (`time.slice(0, 19)`, a contracts decision), so the same punch read by pull and by
 * push, or by a device whose offset setting is wrong, gets one eventId. The device's offset is not thrown away:
 * it is reported in `deviceClock` so the caller can raise a skew/zone-mismatch device event.
 */
export type HikvisionPunchSource = 'pull' | 'push' | 'realtime' | 'backfill';

export interface DeviceClockReport {
  /** Offset the device put on `time`, minutes east of UTC; `null` when it sent none. */
  deviceOffsetMinutes: number | null;
  /** Offset of the configured zone at that local time. */
  zoneOffsetMinutes: number;
  /** The device's zone setting disagrees with the configured zone: `punchedAt` may be off by the difference. */
  offsetMismatch: boolean;
  /** The instant the device meant (from its own offset), `null` without an offset. */
  deviceInstant: string | null;
}

export type HikvisionBuildRejection =
  | 'not-a-punch'
  | 'missing-user-id'
  | 'missing-time'
  | 'malformed-time'
  | 'unresolvable-time'
  | 'implausible-time'
  | 'contract-violation';

export type HikvisionBuildResult =
  | { ok: true; punch: PunchRawV1; deviceClock: DeviceClockReport }
  | { ok: false; reason: HikvisionBuildRejection; detail: string };

// Same plausibility window as the ADMS builder (attlog-punch-builder.ts), so all protocols quarantine alike.

const ISO_TIME = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

export interface HikvisionPunchOptions {
  punchMinors?: readonly number[];
}

export function buildPunchFromHikvisionEvent(
  event: HikAccessEvent,
  device: DeviceContext,
  meta: { receivedAt: Date; source: HikvisionPunchSource },
  options: HikvisionPunchOptions = {},
): HikvisionBuildResult {
  if (!isHikvisionPunchEvent(event.major, event.minor, options.punchMinors ?? DEFAULT_HIKVISION_PUNCH_MINORS)) {
    return { ok: false, reason: 'not-a-punch', detail: `event ${event.major}/${event.minor} is not an allowed punch minor` };
  }
  const deviceUserId = event.employeeNo?.trim() ?? '';
  if (deviceUserId === '') {
    return { ok: false, reason: 'missing-user-id', detail: `punch ${event.major}/${event.minor} serial ${event.serialNo ?? '?'} has no employeeNoString` };
  }
  if (event.time === null) return { ok: false, reason: 'missing-time', detail: 'the event has no time' };
  const match = ISO_TIME.exec(event.time.trim());
  if (!match) return { ok: false, reason: 'malformed-time', detail: `time "${event.time.slice(0, 40)}" is not ISO 8601` };

  const time = resolvePunchTime(match[1]!, device.timeZone, meta.receivedAt, event.time);
  if (!time.ok) return time;
  const { resolved } = time;

  const deviceOffsetMinutes = parseOffsetMinutes(match[3]);
  const deviceClock: DeviceClockReport = {
    deviceOffsetMinutes,
    zoneOffsetMinutes: resolved.offsetMinutes,
    offsetMismatch: deviceOffsetMinutes !== null && deviceOffsetMinutes !== resolved.offsetMinutes,
    deviceInstant:
      deviceOffsetMinutes === null
        ? null
        : new Date(Date.parse(`${resolved.localTime}Z`) - deviceOffsetMinutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };

  const candidate: PunchRawV1 = {
    eventId: punchEventId({
      tenantId: device.tenantId,
      deviceSerial: device.deviceSerial,
      deviceUserId,
      localTime: resolved.localTime,
    }),
    tenantId: device.tenantId,
    siteId: device.siteId,
    gatewayId: device.gatewayId,
    deviceSerial: device.deviceSerial,
    protocol: 'hik-isapi',
    deviceUserId,
    localTime: resolved.localTime,
    timeZone: device.timeZone,
    punchedAt: resolved.punchedAt,
    ...directionFromHikvisionAttendanceStatus(event.attendanceStatus),
    ...verifyModeFromHikvision({ minor: event.minor, currentVerifyMode: event.currentVerifyMode }),
    workCode: null,
    source: meta.source,
    receivedAt: meta.receivedAt.toISOString(),
    deviceCursor: event.serialNo === null ? null : String(event.serialNo),
    flags: time.flags,
    raw: boundedRaw(event),
  };
  const checked = TOPICS.punchRaw.schema.safeParse(candidate);
  if (!checked.success) {
    return {
      ok: false,
      reason: 'contract-violation',
      detail: checked.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, punch: checked.data, deviceClock };
}

function parseOffsetMinutes(offset: string | undefined): number | null {
  if (offset === undefined) return null;
  if (offset === 'Z') return 0;
  const digits = offset.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return digits[0] === '-' ? -minutes : minutes;
}

/**
 * The device's event object as compact JSON. Events are 1-3 KB; should one exceed the contract's bound (a
 * firmware that inlines picture data, say), the fields that identify and explain the punch are kept and the
 * rest is summarised, so `raw` stays valid JSON instead of being cut mid-string.
 */
export function boundedRaw(event: HikAccessEvent): string {
  const full = JSON.stringify(event.raw);
  if (full.length <= PUNCH_RAW_MAX_LENGTH) return full;
  const cut = (value: string | null) => (value === null ? null : value.slice(0, 256));
  const essential = {
    major: event.major,
    minor: event.minor,
    time: cut(event.time),
    serialNo: event.serialNo,
    frontSerialNo: event.frontSerialNo,
    employeeNoString: cut(event.employeeNo),
    cardNo: cut(event.cardNo),
    name: cut(event.name),
    currentVerifyMode: cut(event.currentVerifyMode),
    attendanceStatus: cut(event.attendanceStatus),
    currentEvent: event.currentEvent,
    truncated: { originalLength: full.length, keys: Object.keys(event.raw).slice(0, 50).map((k) => k.slice(0, 64)) },
  };
  return JSON.stringify(essential);
}
