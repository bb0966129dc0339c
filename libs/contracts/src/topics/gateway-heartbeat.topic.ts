import { z } from 'zod';
import { PunchProtocolSchema } from '../enums/punch-protocol';
import { DeviceSerialSchema, GatewayIdSchema, SiteIdSchema, TenantIdSchema, UuidSchema } from '../schemas/ids.schema';
import { CodeSchema, CountSchema, DurationSecondsSchema, PositiveIntSchema, RatioSchema } from '../schemas/scalars.schema';
import { InstantSchema } from '../schemas/time.schema';
import { defineTopic } from '../topic-contract';

/** Most devices one gateway reports on; far above a real site, low enough to bound a message. */
export const HEARTBEAT_MAX_DEVICES = 2000;

const DeviceCapacitySchema = z
  .object({
    recordsUsed: CountSchema.describe('Attendance records stored on the device'),
    recordsMax: CountSchema.nullable().describe('Device log capacity; null when the protocol does not report it'),
    usedRatio: RatioSchema.nullable().describe('recordsUsed / recordsMax; null when recordsMax is unknown'),
  })
  .describe('Device log capacity, from ZK INFO / GET_FREE_SIZES or ISAPI');

const DeviceLeaseSchema = z
  .object({
    leaseId: UuidSchema,
    fencingToken: PositiveIntSchema.describe('Monotonic per device; a lower token is stale'),
    expiresAt: InstantSchema,
  })
  .describe('Pull lease held by this gateway for the device');

const HeartbeatDeviceSchema = z.object({
  deviceSerial: DeviceSerialSchema,
  protocol: PunchProtocolSchema,
  registration: z
    .enum(['approved', 'pending'])
    .describe('pending = unknown serial seen on the LAN; its data is kept but not forwarded until approved'),
  reachable: z.boolean().describe('The gateway reached the device (or heard from it) within its contact timeout'),
  lastContactAt: InstantSchema.nullable().describe('Last successful exchange with the device (gateway clock)'),
  lastPunchReceivedAt: InstantSchema.nullable().describe('When the gateway last received a punch from the device'),
  clockSkewSeconds: z
    .number()
    .nullable()
    .describe('Device clock minus gateway clock, seconds (positive = device ahead); null until measured'),
  clockSkewMeasuredAt: InstantSchema.nullable(),
  capacity: DeviceCapacitySchema.nullable(),
  backlogCount: CountSchema.describe('Punches of this device stored at the edge and not yet acknowledged by Kafka'),
  lease: DeviceLeaseSchema.nullable(),
  lastErrorClass: CodeSchema.nullable().describe('Class of the last error talking to the device, e.g. timeout'),
});

/**
 * Gateway liveness and edge state, every `intervalSeconds` (15 s by default).
 *
 * Unknown fields: stripped. Status and sync-coordinator read known fields into Redis and Postgres and never
 * re-publish the heartbeat, so stripping keeps unvalidated data out of their stores while still accepting
 * heartbeats from newer gateways.
 */
export const GatewayHeartbeatV1Schema = z
  .object({
    gatewayId: GatewayIdSchema,
    tenantId: TenantIdSchema,
    siteId: SiteIdSchema,
    gatewayVersion: z.string().min(1).max(64).describe('Gateway software version'),
    startedAt: InstantSchema.describe('Gateway process start; a change means a restart'),
    sentAt: InstantSchema.describe('When the heartbeat was built (gateway clock)'),
    intervalSeconds: PositiveIntSchema.max(3600).describe('Heartbeat period; consumers call the gateway stale after ~3 periods'),
    uplink: z
      .object({
        state: z
          .enum(['up', 'degraded', 'down'])
          .describe('down = Kafka unreachable (breaker open); degraded = sends failing or breaker half-open'),
        since: InstantSchema.describe('When the uplink entered this state'),
        lastOutageStartedAt: InstantSchema.nullable(),
        lastOutageEndedAt: InstantSchema.nullable(),
      })
      .describe('Edge-to-cloud link as the gateway sees it'),
    backlog: z
      .object({
        count: CountSchema.describe('Punches stored at the edge and not yet acknowledged by Kafka'),
        oldestReceivedAt: InstantSchema.nullable().describe('receivedAt of the oldest unsent punch; null when empty'),
        oldestAgeSeconds: DurationSecondsSchema.nullable().describe('sentAt minus oldestReceivedAt; null when empty'),
      })
      .describe('Store-and-forward backlog'),
    quarantinedCount: CountSchema.describe('Quarantined lines awaiting an operator'),
    disk: z
      .object({
        usedBytes: CountSchema.describe('Bytes used by the edge store'),
        budgetBytes: CountSchema.describe('Disk budget of the edge store'),
        freeBytes: CountSchema.describe('Free bytes on the filesystem'),
        refusing: z.boolean().describe('Budget spent: the gateway answers devices with errors so they keep their data'),
      })
      .describe('Edge disk use'),
    devices: z.array(HeartbeatDeviceSchema).max(HEARTBEAT_MAX_DEVICES).describe('Every device this gateway knows'),
  })
  .describe('Gateway heartbeat');
export type GatewayHeartbeatV1 = z.infer<typeof GatewayHeartbeatV1Schema>;
export type GatewayHeartbeatDeviceV1 = GatewayHeartbeatV1['devices'][number];

export const GatewayHeartbeatTopic = defineTopic({
  name: 'edge.gateway.heartbeat.v1',
  version: 1,
  description:
    'Gateway heartbeat every 15 s: version, uplink state, backlog count and oldest age, disk use, and a summary per device (reachable, last contact, clock skew, capacity, lease held).',
  schema: GatewayHeartbeatV1Schema,
  key: (value) => value.gatewayId,
  keyDescription: '`${gatewayId}`: heartbeats of a gateway in order',
  producers: ['device-gateway'],
  consumers: ['status', 'sync-coordinator'],
});
