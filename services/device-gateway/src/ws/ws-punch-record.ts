import { z } from 'zod';
import { directionFromName, punchEventId, TOPICS, verifyModeFromName, type PunchRawV1 } from '@attendance/contracts';
import type { DeviceContext } from '../punches/device-context';
import { resolvePunchTime } from '../punches/resolve-punch-time';

/**
 * One punch as a WebSocket device sends it: already in our vocabulary (direction and verifyMode names from
 * libs/contracts; anything else is kept raw and normalised to `unknown`).
 */
export const WsPunchRecordSchema = z.object({
  userId: z.string().trim().min(1).max(64),
  /** Device wall-clock time without zone: `YYYY-MM-DDTHH:mm:ss` (or with a space). */
  localTime: z.string().regex(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}$/, 'YYYY-MM-DDTHH:mm:ss, no zone'),
  direction: z.string().min(1).max(32).optional(),
  verifyMode: z.string().min(1).max(64).optional(),
  workCode: z.string().min(1).max(32).nullable().optional(),
  /** The device's own record id/cursor, kept as deviceCursor (never identity). */
  cursor: z.string().min(1).max(256).optional(),
});
export type WsPunchRecord = z.infer<typeof WsPunchRecordSchema>;

export type WsPunchBuild = { ok: true; punch: PunchRawV1 } | { ok: false; reason: string; detail: string };

/** Validates one record and builds its `attendance.punch.raw.v1` value (same identity and time rule as ADMS). */
export function buildPunchFromWsRecord(value: unknown, device: DeviceContext, meta: { receivedAt: Date; backfill: boolean }): WsPunchBuild {
  const parsed = WsPunchRecordSchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, reason: 'invalid-field', detail: parsed.error.issues.map((i) => `${i.path.join('.') || 'punch'}: ${i.message}`).join('; ').slice(0, 1000) };
  }
  const record = parsed.data;
  const localTime = record.localTime.replace(' ', 'T');
  const time = resolvePunchTime(localTime, device.timeZone, meta.receivedAt);
  if (!time.ok) return time;
  const candidate: PunchRawV1 = {
    eventId: punchEventId({ tenantId: device.tenantId, deviceSerial: device.deviceSerial, deviceUserId: record.userId, localTime: time.resolved.localTime }),
    tenantId: device.tenantId,
    siteId: device.siteId,
    gatewayId: device.gatewayId,
    deviceSerial: device.deviceSerial,
    protocol: 'ws',
    deviceUserId: record.userId,
    localTime: time.resolved.localTime,
    timeZone: device.timeZone,
    punchedAt: time.resolved.punchedAt,
    ...directionFromName(record.direction ?? null),
    ...verifyModeFromName(record.verifyMode ?? null),
    workCode: record.workCode ?? null,
    source: meta.backfill ? 'backfill' : 'push',
    receivedAt: meta.receivedAt.toISOString(),
    deviceCursor: record.cursor ?? null,
    flags: time.flags,
    raw: JSON.stringify(value),
  };
  const checked = TOPICS.punchRaw.schema.safeParse(candidate);
  if (!checked.success) {
    return { ok: false, reason: 'contract-violation', detail: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 1000) };
  }
  return { ok: true, punch: checked.data };
}
