import { z } from 'zod';
import {
  DeviceSerialSchema,
  DeviceUserIdSchema,
  DirectionSchema,
  InstantSchema,
  SiteIdSchema,
  TimeZoneSchema,
  VerifyModeSchema,
} from '@attendance/contracts';

/**
 * One punch as an agent sends it (an on-site tool that cannot speak Kafka, or a site replaying a long outage).
 * The server derives identity, eventId and the UTC instant exactly as the gateway does (libs/contracts).
 */
export const AgentPunchSchema = z
  .object({
    siteId: SiteIdSchema,
    deviceSerial: DeviceSerialSchema,
    deviceUserId: DeviceUserIdSchema,
    localTime: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}$/, 'must be a zone-less local time YYYY-MM-DDTHH:mm:ss')
      .describe('Device wall-clock time, no zone'),
    timeZone: TimeZoneSchema,
    direction: DirectionSchema.optional(),
    directionRaw: z.string().max(64).nullable().optional(),
    verifyMode: VerifyModeSchema.optional(),
    verifyModeRaw: z.string().max(64).nullable().optional(),
    workCode: z.string().min(1).max(32).nullable().optional(),
    receivedAt: InstantSchema.optional().describe('When the agent stored it; default: now'),
    deviceCursor: z.string().max(128).nullable().optional(),
    raw: z.string().max(16384).optional().describe('The original record; default: this JSON'),
  })
  .strict();
export type AgentPunch = z.infer<typeof AgentPunchSchema>;

/** The envelope is checked first (400 if wrong); records are then checked one by one (per-record results). */
export function batchRequestSchema(maxRecords: number) {
  return z.object({ punches: z.array(z.unknown()).min(1).max(maxRecords) }).strict();
}

export type BatchRecordResult =
  | { index: number; status: 'accepted'; eventId: string }
  | { index: number; status: 'rejected'; errors: { path: string; message: string }[] };

export interface BatchResponse {
  accepted: number;
  rejected: number;
  results: BatchRecordResult[];
}
