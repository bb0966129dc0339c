import { z } from 'zod';
import { DeviceSerialSchema, GatewayIdSchema, SiteIdSchema, TenantIdSchema, UuidSchema } from '../schemas/ids.schema';
import { boundedText, CodeSchema, CountSchema, PositiveIntSchema } from '../schemas/scalars.schema';
import { InstantSchema } from '../schemas/time.schema';
import { defineTopic } from '../topic-contract';
import { VERIFY_COUNT_MAX_WINDOWS } from './gateway-command.topic';

/**
 * - `succeeded`: done completely;
 * - `partial`: done, but not everything (some windows failed, a read was incomplete); see `error`;
 * - `failed`: attempted and failed;
 * - `rejected`: not attempted: unknown type, invalid args, not this gateway's device, stale fencing token;
 * - `expired`: not attempted because the deadline had passed.
 */
export const CommandOutcomeSchema = z.enum(['succeeded', 'partial', 'failed', 'rejected', 'expired']);
export type CommandOutcome = z.infer<typeof CommandOutcomeSchema>;

/**
 * The result of one command, reported once by the gateway that received it.
 *
 * Unknown fields: stripped (consumers store known fields only). `type` is a plain string, not the command
 * enum, so that a gateway can report `rejected` for a type it does not know.
 */
export const GatewayCommandResultV1Schema = z
  .object({
    commandId: UuidSchema,
    type: z.string().min(1).max(64).describe('The command type, echoed'),
    tenantId: TenantIdSchema,
    siteId: SiteIdSchema,
    gatewayId: GatewayIdSchema,
    deviceSerial: DeviceSerialSchema.nullable().describe('Device the command was about; null for reload-roster'),
    outcome: CommandOutcomeSchema,
    startedAt: InstantSchema.nullable().describe('null when the command was not attempted'),
    completedAt: InstantSchema,
    counts: z
      .object({
        found: CountSchema.describe('Punches the device returned for the window'),
        new: CountSchema.describe('Of those, punches the gateway did not have before ("recovered")'),
        quarantined: CountSchema.describe('Records that could not be parsed and went to quarantine'),
      })
      .nullable()
      .describe('backfill only'),
    deviceCounts: z
      .array(z.object({ from: InstantSchema, to: InstantSchema, count: CountSchema }))
      .max(VERIFY_COUNT_MAX_WINDOWS)
      .nullable()
      .describe("verify-count only: the device's own count per requested window"),
    error: z
      .object({
        class: CodeSchema.describe('e.g. device-timeout, unsupported-command, device-return-code'),
        message: boundedText(2000),
        deviceReturnCode: z.string().min(1).max(32).nullable().describe('Device code, e.g. ZK devicecmd Return=-1002'),
      })
      .nullable(),
    fencingToken: PositiveIntSchema.nullable()
      .optional()
      .describe('lease-grant / lease-revoke: the fencing token the gateway holds for the device after the command'),
  })
  .refine((r) => r.outcome === 'succeeded' || r.error !== null, {
    message: 'an outcome other than succeeded must carry an error',
    path: ['error'],
  })
  .describe('Gateway command result');
export type GatewayCommandResultV1 = z.infer<typeof GatewayCommandResultV1Schema>;

export const GatewayCommandResultTopic = defineTopic({
  name: 'edge.gateway.command-result.v1',
  version: 1,
  description:
    'Results of gateway commands: commandId, outcome, counts found and new (backfill), device counts per window (verify-count), error.',
  schema: GatewayCommandResultV1Schema,
  key: (value) => value.gatewayId,
  keyDescription: '`${gatewayId}`: results of a gateway in order',
  producers: ['device-gateway'],
  consumers: ['sync-coordinator', 'status'],
});
