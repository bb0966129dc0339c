import { z } from 'zod';
import { DeviceSerialSchema, GatewayIdSchema, SiteIdSchema, TenantIdSchema, UuidSchema } from '../schemas/ids.schema';
import { boundedText, CodeSchema, CountSchema, DurationSecondsSchema, RatioSchema } from '../schemas/scalars.schema';
import { InstantSchema } from '../schemas/time.schema';
import { defineTopic } from '../topic-contract';
import { tenantScopedKey } from './topic-keys';

/** Health of a device, worst last; `unknown` until status has heard about it. */
export const DeviceHealthStateSchema = z.enum(['unknown', 'healthy', 'degraded', 'unhealthy', 'offline']);
export type DeviceHealthState = z.infer<typeof DeviceHealthStateSchema>;

/** Known reason codes; `code` is a free kebab-case string so status can add one without a contract change. */
export const DEVICE_HEALTH_REASON_CODES = [
  'no-contact',
  'clock-skew',
  'capacity',
  'backlog-age',
  'completeness-lag',
  'device-errors',
  'audit-time-set',
  'audit-logs-deleted',
] as const;

/**
 * A device health state transition, with the health record at that moment (DESIGN.md section 3.7).
 *
 * Unknown fields: stripped (alerting and integrators read the documented fields; nothing is relayed).
 */
export const DeviceHealthV1Schema = z
  .object({
    eventId: UuidSchema.describe('Unique per transition'),
    tenantId: TenantIdSchema,
    siteId: SiteIdSchema,
    deviceSerial: DeviceSerialSchema,
    gatewayId: GatewayIdSchema.nullable().describe('Gateway currently serving the device, if any'),
    state: DeviceHealthStateSchema,
    previousState: DeviceHealthStateSchema.nullable().describe('null for the first record of a device'),
    changedAt: InstantSchema,
    reasons: z
      .array(
        z.object({
          code: CodeSchema.describe(`e.g. ${DEVICE_HEALTH_REASON_CODES.join(', ')}`),
          message: boundedText(500),
        }),
      )
      .max(20)
      .describe('Why the device is in this state; empty when healthy'),
    record: z
      .object({
        lastContactAt: InstantSchema.nullable(),
        lastPunchAt: InstantSchema.nullable().describe('punchedAt of the newest accepted punch'),
        backlogCount: CountSchema.describe('Punches of the device waiting at the edge'),
        backlogOldestAgeSeconds: DurationSecondsSchema.nullable(),
        clockSkewSeconds: z.number().nullable().describe('Device minus gateway clock, seconds'),
        capacityUsedRatio: RatioSchema.nullable(),
        lastErrorClass: CodeSchema.nullable(),
        completeUpTo: InstantSchema.nullable().describe('Completeness watermark of the device'),
      })
      .describe('The device health record when the state changed'),
  })
  .describe('Device health transition');
export type DeviceHealthV1 = z.infer<typeof DeviceHealthV1Schema>;

export const DeviceHealthTopic = defineTopic({
  name: 'ops.device.health.v1',
  version: 1,
  description: 'Device health state transitions with reasons and the health record at the time.',
  schema: DeviceHealthV1Schema,
  key: (value) => tenantScopedKey(value.tenantId, value.deviceSerial),
  keyDescription: '`${tenantId}:${deviceSerial}`: transitions of a device in order',
  producers: ['status'],
  consumers: ['integrators', 'alerting'],
});
