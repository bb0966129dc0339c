import { z } from 'zod';
import { PunchProtocolSchema } from '../enums/punch-protocol';
import { DeviceSerialSchema, GatewayIdSchema, SiteIdSchema, TenantIdSchema, UuidSchema } from '../schemas/ids.schema';
import { boundedText, CodeSchema, CountSchema, DurationSecondsSchema, RatioSchema } from '../schemas/scalars.schema';
import { InstantSchema, LocalTimeSchema } from '../schemas/time.schema';
import { defineTopic } from '../topic-contract';
import { tenantScopedKey } from './topic-keys';

/** Known quarantine reasons; `reason` is a free kebab-case code so that new ones need no contract change. */
export const QUARANTINE_REASONS = [
  'unparsable-line',
  'implausible-time',
  'invalid-field',
  'record-too-long',
  'unknown-device',
] as const;

const RemoteAddressSchema = z.string().min(1).max(64).nullable().describe('Device IP address (and port) as seen by the gateway');

const common = {
  eventId: UuidSchema.describe('Unique per event, assigned by the gateway once (stable across re-sends): dedupe on it'),
  tenantId: TenantIdSchema,
  siteId: SiteIdSchema,
  gatewayId: GatewayIdSchema,
  deviceSerial: DeviceSerialSchema,
  occurredAt: InstantSchema.describe('When the gateway observed the transition (gateway clock)'),
};

const DeviceOnlineSchema = z.object({
  ...common,
  type: z.literal('online'),
  protocol: PunchProtocolSchema,
  remoteAddress: RemoteAddressSchema,
});

const DeviceOfflineSchema = z.object({
  ...common,
  type: z.literal('offline'),
  lastContactAt: InstantSchema.nullable(),
  reason: CodeSchema.describe('Why the device is considered offline, e.g. contact-timeout, connection-refused'),
});

const DeviceClockSkewSchema = z.object({
  ...common,
  type: z.literal('clock-skew'),
  state: z.enum(['exceeded', 'recovered']).describe('Skew crossed the threshold, or came back under it'),
  skewSeconds: z.number().describe('Device clock minus gateway clock, seconds (positive = device ahead)'),
  thresholdSeconds: DurationSecondsSchema,
  deviceLocalTime: LocalTimeSchema.nullable().describe('Device time read for the measurement'),
});

const DeviceCapacitySchema = z.object({
  ...common,
  type: z.literal('capacity'),
  level: z.enum(['ok', 'warning', 'critical']).describe('warning at 80 % used, critical at 95 % by default'),
  recordsUsed: CountSchema,
  recordsMax: CountSchema.nullable(),
  usedRatio: RatioSchema.nullable(),
});

const DeviceAuditSchema = z.object({
  ...common,
  type: z.literal('audit'),
  operation: z
    .enum(['time-set', 'logs-deleted', 'data-cleared'])
    .describe('Device-side operation worth an alert: ZK OPERLOG 21 time set, 23 attendance deleted, 13 data cleared'),
  operationCode: z.string().min(1).max(16).describe('Raw operation code (ZK OpType)'),
  operator: z.string().min(1).max(64).nullable().describe('Who did it on the device (ZK OpWho), if known'),
  deviceLocalTime: LocalTimeSchema.nullable().describe('When, by the device clock'),
  raw: boundedText(4096).describe('The original record'),
});

const LineQuarantinedSchema = z.object({
  ...common,
  type: z.literal('line-quarantined'),
  protocol: PunchProtocolSchema,
  quarantineId: z.string().min(1).max(64).describe('Id of the quarantine row at the gateway'),
  reason: CodeSchema.describe(`Why, e.g. ${QUARANTINE_REASONS.join(', ')}`),
  detail: boundedText(1000),
  rawExcerpt: z.string().max(1024).describe('Start of the raw bytes (text, or hex for binary); the full bytes stay at the gateway'),
});

const UnknownDeviceSchema = z.object({
  ...common,
  type: z.literal('unknown-device'),
  protocol: PunchProtocolSchema,
  remoteAddress: RemoteAddressSchema,
});

/**
 * Device transitions and audits seen by a gateway, discriminated on `type`.
 *
 * Unknown fields: stripped (status only reads known fields). Unknown `type`s fail validation, so a new type
 * must be deployed to status before gateways send it; cloud services deploy before the edge anyway.
 */
export const DeviceEventV1Schema = z
  .discriminatedUnion('type', [
    DeviceOnlineSchema,
    DeviceOfflineSchema,
    DeviceClockSkewSchema,
    DeviceCapacitySchema,
    DeviceAuditSchema,
    LineQuarantinedSchema,
    UnknownDeviceSchema,
  ])
  .describe('Device event');
export type DeviceEventV1 = z.infer<typeof DeviceEventV1Schema>;
export type DeviceEventType = DeviceEventV1['type'];

export const DeviceEventTopic = defineTopic({
  name: 'edge.device.event.v1',
  version: 1,
  description:
    'Device transitions and audits: online/offline, clock skew, capacity, device-side "time set" / "logs deleted" operations, quarantined lines, unknown device seen.',
  schema: DeviceEventV1Schema,
  key: (value) => tenantScopedKey(value.tenantId, value.deviceSerial),
  keyDescription: '`${tenantId}:${deviceSerial}`: events of a device in order',
  producers: ['device-gateway'],
  consumers: ['status'],
});
