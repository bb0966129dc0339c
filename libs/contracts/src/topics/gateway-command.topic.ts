import { z } from 'zod';
import { DeviceSerialSchema, DeviceUserIdSchema, GatewayIdSchema, SiteIdSchema, TenantIdSchema, UuidSchema } from '../schemas/ids.schema';
import { PositiveIntSchema } from '../schemas/scalars.schema';
import { InstantSchema } from '../schemas/time.schema';
import { defineTopic } from '../topic-contract';

/** Longest window a backfill or count may cover; longer re-pulls are split by the coordinator. */
export const COMMAND_MAX_WINDOW_HOURS = 31 * 24;
/** Most count windows in one verify-count (a week of device-hours). */
export const VERIFY_COUNT_MAX_WINDOWS = 168;
/** Most users in one push-users command. */
export const PUSH_USERS_MAX = 1000;

/** A half-open UTC window `[from, to)`; the gateway converts it to device local time with the device's zone. */
const WindowSchema = z
  .object({ from: InstantSchema, to: InstantSchema })
  .refine((w) => Date.parse(w.from) < Date.parse(w.to), { message: 'from must be before to', path: ['to'] })
  .refine((w) => Date.parse(w.to) - Date.parse(w.from) <= COMMAND_MAX_WINDOW_HOURS * 3_600_000, {
    message: `window must not exceed ${COMMAND_MAX_WINDOW_HOURS} hours`,
    path: ['to'],
  });

const common = {
  commandId: UuidSchema.describe('Unique per command; the result echoes it, and a gateway runs a command at most once'),
  tenantId: TenantIdSchema,
  siteId: SiteIdSchema,
  gatewayId: GatewayIdSchema.describe('Target gateway; any other gateway ignores the command'),
  issuedAt: InstantSchema,
  deadline: InstantSchema.describe('Not started by then: the gateway reports outcome=expired instead of running it'),
  requestedBy: z.string().min(1).max(128).nullable().describe('Operator who asked for it; null for the scheduler'),
};

const BackfillCommandSchema = z.object({
  ...common,
  type: z.literal('backfill'),
  args: z.object({
    deviceSerial: DeviceSerialSchema,
    window: WindowSchema.describe('Re-read punches with device time in [from, to)'),
    reason: z.enum(['reconciliation', 'count-mismatch', 'gap-detected', 'operator']),
  }),
});

const VerifyCountCommandSchema = z.object({
  ...common,
  type: z.literal('verify-count'),
  args: z.object({
    deviceSerial: DeviceSerialSchema,
    windows: z
      .array(WindowSchema)
      .min(1)
      .max(VERIFY_COUNT_MAX_WINDOWS)
      .describe('Windows to count on the device (ZK VERIFY SUM ATTLOG), usually one per device-hour'),
  }),
});

const LeaseArgs = {
  deviceSerial: DeviceSerialSchema,
  leaseId: UuidSchema,
  fencingToken: PositiveIntSchema.describe('Monotonic per device; the gateway ignores a grant or revoke older than what it holds'),
};

const LeaseGrantCommandSchema = z.object({
  ...common,
  type: z.literal('lease-grant'),
  args: z.object({
    ...LeaseArgs,
    expiresAt: InstantSchema.describe('The gateway stops pulling at this instant unless the lease is renewed'),
  }),
});

const LeaseRevokeCommandSchema = z.object({
  ...common,
  type: z.literal('lease-revoke'),
  args: z.object({
    ...LeaseArgs,
    reason: z.enum(['reassigned', 'device-removed', 'operator']),
  }),
});

const ReloadRosterCommandSchema = z.object({
  ...common,
  type: z.literal('reload-roster'),
  args: z.object({
    full: z.boolean().describe('true: pull all reference data from the start; false: pull changes since the stored cursor'),
  }),
});

const PushUsersCommandSchema = z.object({
  ...common,
  type: z.literal('push-users'),
  args: z.object({
    deviceSerial: DeviceSerialSchema,
    upsertDeviceUserIds: z
      .array(DeviceUserIdSchema)
      .min(1)
      .max(PUSH_USERS_MAX)
      .nullable()
      .describe('Roster users to write to the device (from the gateway roster cache); null = every user assigned to it'),
    deleteDeviceUserIds: z.array(DeviceUserIdSchema).max(PUSH_USERS_MAX).describe('Users to delete from the device'),
  }),
});

/**
 * A command from sync-coordinator to one gateway, discriminated on `type`.
 *
 * Unknown fields: stripped, here and in `args`. Edge gateways lag cloud releases, so an older gateway must keep
 * accepting commands from a newer coordinator. The price is a rule for coordinator authors: a new field may
 * only be added if a gateway that ignores it still does the right thing; a field that changes what the
 * command does (a filter, a destructive option) needs a new command type. An unknown `type` fails this schema:
 * parse {@link GatewayCommandEnvelopeSchema} and report `outcome=rejected` rather than dead-lettering silently.
 */
export const GatewayCommandV1Schema = z
  .discriminatedUnion('type', [
    BackfillCommandSchema,
    VerifyCountCommandSchema,
    LeaseGrantCommandSchema,
    LeaseRevokeCommandSchema,
    ReloadRosterCommandSchema,
    PushUsersCommandSchema,
  ])
  .refine((c) => Date.parse(c.issuedAt) < Date.parse(c.deadline), {
    message: 'deadline must be after issuedAt',
    path: ['deadline'],
  })
  .describe('Gateway command');
export type GatewayCommandV1 = z.infer<typeof GatewayCommandV1Schema>;
export type GatewayCommandType = GatewayCommandV1['type'];
/** The command of one type, e.g. `GatewayCommandOf<'backfill'>['args']['window']`. */
export type GatewayCommandOf<T extends GatewayCommandType> = Extract<GatewayCommandV1, { type: T }>;

/** Every command type a v1 gateway must understand. */
export const GATEWAY_COMMAND_TYPES: readonly GatewayCommandType[] = Object.freeze([
  'backfill',
  'verify-count',
  'lease-grant',
  'lease-revoke',
  'reload-roster',
  'push-users',
]);

/**
 * The fields every command has whatever its type. A gateway that cannot parse a command with
 * {@link GatewayCommandV1Schema} parses this to answer with a `rejected` result naming the commandId.
 */
export const GatewayCommandEnvelopeSchema = z.object({
  commandId: UuidSchema,
  tenantId: TenantIdSchema,
  siteId: SiteIdSchema,
  gatewayId: GatewayIdSchema,
  type: z.string().min(1).max(64),
  issuedAt: InstantSchema,
  deadline: InstantSchema,
});
export type GatewayCommandEnvelope = z.infer<typeof GatewayCommandEnvelopeSchema>;

export const GatewayCommandTopic = defineTopic({
  name: 'edge.gateway.command.v1',
  version: 1,
  description:
    'Commands from sync-coordinator to one gateway: backfill a window, verify device counts, grant or revoke a pull lease, reload the roster, push users to a device. Each carries a commandId and a deadline.',
  schema: GatewayCommandV1Schema,
  key: (value) => value.gatewayId,
  keyDescription: '`${gatewayId}`: commands of a gateway in order',
  producers: ['sync-coordinator'],
  consumers: ['device-gateway'],
});
