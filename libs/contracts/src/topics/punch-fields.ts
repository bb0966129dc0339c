import { z } from 'zod';
import { DirectionSchema } from '../enums/direction';
import { PunchProtocolSchema, PunchSourceSchema } from '../enums/punch-protocol';
import { RAW_CODE_MAX_LENGTH } from '../enums/raw-code';
import { VerifyModeSchema } from '../enums/verify-mode';
import { punchEventId } from '../identity/punch-identity';
import {
  DeviceSerialSchema,
  DeviceUserIdSchema,
  GatewayIdSchema,
  PunchEventIdSchema,
  SiteIdSchema,
  TenantIdSchema,
} from '../schemas/ids.schema';
import { InstantSchema, LocalTimeSchema, TimeZoneSchema } from '../schemas/time.schema';

/**
 * Upper bound of `raw`. An ATTLOG line is under 100 characters and a Hikvision event JSON 1-3 KB; a longer
 * "record" is a parser bug, and the gateway quarantines it rather than forwarding it.
 */
export const PUNCH_RAW_MAX_LENGTH = 16_384;

const rawCodeSchema = (what: string) =>
  z.string().min(1).max(RAW_CODE_MAX_LENGTH).nullable().describe(`${what} exactly as the device sent it; null if none`);

// Loose like the punch itself (see punch-raw.topic.ts): a newer gateway's flag survives an older ingest.
const PunchFlagsSchema = z
  .looseObject({
    clockSuspect: z.boolean().describe('Device time implausible against receivedAt (clock reset, large skew)'),
    dstAmbiguous: z.boolean().describe('localTime fell in a DST overlap; punchedAt is the earlier instant'),
    dstGap: z.boolean().describe('localTime fell in a DST gap; punchedAt uses the offset before the transition'),
  })
  .describe('Quality flags; a flagged punch is still a punch');

/**
 * Fields of a punch, shared by the raw and accepted topics. Kept as a plain shape because zod refuses to
 * `.extend()` a refined object.
 */
export const punchShape = {
  eventId: PunchEventIdSchema,
  tenantId: TenantIdSchema,
  siteId: SiteIdSchema,
  gatewayId: GatewayIdSchema.describe('Gateway (or agent) that read the punch from the device'),
  deviceSerial: DeviceSerialSchema,
  protocol: PunchProtocolSchema,
  deviceUserId: DeviceUserIdSchema,
  localTime: LocalTimeSchema,
  timeZone: TimeZoneSchema.describe('IANA zone of the device (device override, else site default)'),
  punchedAt: InstantSchema.describe('UTC instant computed from localTime in timeZone (resolveLocalTime())'),
  direction: DirectionSchema,
  directionRaw: rawCodeSchema('Direction code (ZK status, ISAPI attendanceStatus)'),
  verifyMode: VerifyModeSchema,
  verifyModeRaw: rawCodeSchema('Verify code (ZK verify, ISAPI minor/currentVerifyMode)'),
  workCode: z.string().min(1).max(32).nullable().describe('Work code entered on the device; null when empty'),
  source: PunchSourceSchema,
  receivedAt: InstantSchema.describe('When the gateway durably stored the punch (gateway clock, UTC)'),
  deviceCursor: z
    .string()
    .min(1)
    .max(256)
    .nullable()
    .describe('Protocol cursor (ADMS Stamp, ISAPI serialNo, ZK record index): a cursor only, never identity'),
  flags: PunchFlagsSchema,
  raw: z
    .string()
    .min(1)
    .max(PUNCH_RAW_MAX_LENGTH)
    .describe('The original record: text lines and JSON as received; binary records (zk-tcp) as lower-case hex'),
};

/**
 * Cross-field rules of every punch value. The eventId check enforces guarantee 2 (one row per punch) at every
 * validation point: a producer that derives the id differently is caught before send, and a message with a
 * forged or stale id is dead-lettered instead of creating a second row.
 */
export function checkPunch(
  value: { eventId: string; tenantId: string; deviceSerial: string; deviceUserId: string; localTime: string; flags: { dstAmbiguous: boolean; dstGap: boolean } },
  ctx: z.RefinementCtx,
): void {
  let expected: string;
  try {
    expected = punchEventId(value);
  } catch {
    return; // the offending field has already failed its own schema
  }
  if (value.eventId !== expected) {
    ctx.addIssue({
      code: 'custom',
      path: ['eventId'],
      message: `eventId must be punchEventId(tenantId, deviceSerial, deviceUserId, localTime) = ${expected}`,
    });
  }
  if (value.flags.dstAmbiguous && value.flags.dstGap) {
    ctx.addIssue({ code: 'custom', path: ['flags'], message: 'a local time cannot be both in a DST gap and an overlap' });
  }
}
