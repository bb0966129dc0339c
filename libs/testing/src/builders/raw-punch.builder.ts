import { punchEventId, resolveLocalTime, type PunchRawV1 } from '@attendance/contracts';

export interface RawPunchInput {
  tenantId: string;
  deviceSerial: string;
  deviceUserId: string;
  /** `YYYY-MM-DDTHH:mm:ss`, device-local. */
  localTime: string;
  timeZone?: string;
  siteId?: string;
  source?: PunchRawV1['source'];
  receivedAt?: string;
}

/** A valid `attendance.punch.raw.v1` value built with the same contract functions the gateway uses. */
export function aRawPunch(input: RawPunchInput): PunchRawV1 {
  const timeZone = input.timeZone ?? 'Asia/Kolkata';
  const resolved = resolveLocalTime(input.localTime, timeZone);
  return {
    eventId: punchEventId({ tenantId: input.tenantId, deviceSerial: input.deviceSerial, deviceUserId: input.deviceUserId, localTime: resolved.localTime }),
    tenantId: input.tenantId,
    siteId: input.siteId ?? 'site-1',
    gatewayId: 'gw-test',
    deviceSerial: input.deviceSerial,
    protocol: 'zk-push2',
    deviceUserId: input.deviceUserId,
    localTime: resolved.localTime,
    timeZone,
    punchedAt: resolved.punchedAt,
    direction: 'in',
    directionRaw: '0',
    verifyMode: 'fingerprint',
    verifyModeRaw: '1',
    workCode: null,
    source: input.source ?? 'push',
    receivedAt: input.receivedAt ?? new Date().toISOString(),
    deviceCursor: null,
    flags: { clockSuspect: false, dstAmbiguous: false, dstGap: false },
    raw: `${input.deviceUserId}\t${resolved.localTime.replace('T', ' ')}\t0\t1\t0\t0\t0`,
  };
}

/** `count` distinct punches of one device, one minute apart from `startLocal`. */
export function rawPunchSeries(base: Omit<RawPunchInput, 'localTime' | 'deviceUserId'>, count: number, startLocal = '2024-05-01T08:00:00'): PunchRawV1[] {
  const start = Date.parse(`${startLocal}Z`);
  return Array.from({ length: count }, (_, i) =>
    aRawPunch({ ...base, deviceUserId: String(1000 + (i % 97)), localTime: new Date(start + i * 60_000).toISOString().slice(0, 19) }),
  );
}
