import { z } from 'zod';
import { DirectionSchema } from '../enums/direction';
import { SiteIdSchema, TenantIdSchema, UuidSchema } from '../schemas/ids.schema';
import { PositiveIntSchema } from '../schemas/scalars.schema';
import { InstantSchema, TimeZoneSchema } from '../schemas/time.schema';
import { defineTopic } from '../topic-contract';
import { tenantScopedKey } from './topic-keys';

/** Conflict strategies of the mobile sync API, spelled as in its requests (DESIGN.md section 6). */
export const MobileConflictStrategySchema = z.enum(['server_wins', 'client_wins', 'manual']);
export type MobileConflictStrategy = z.infer<typeof MobileConflictStrategySchema>;

/**
 * A mobile clock-in/out record after sync and conflict resolution, emitted on every change of the record.
 * Records queued for manual resolution are emitted once an admin has resolved them.
 *
 * Unknown fields: stripped (integrators get the documented fields; nothing is relayed).
 */
export const MobileRecordV1Schema = z
  .object({
    recordId: UuidSchema.describe('Server id of the record'),
    tenantId: TenantIdSchema,
    employeeId: z.string().min(1).max(64).describe('Employee id in the tenant'),
    siteId: SiteIdSchema.nullable().describe('Site the record was made at, if known'),
    clientDeviceId: z.string().min(1).max(128).describe('Id of the mobile device that made the record'),
    clientTimestamp: InstantSchema.describe('Record time from the client, converted to UTC'),
    timeZone: TimeZoneSchema.nullable().describe('Zone of the client when it made the record, if sent'),
    direction: DirectionSchema.exclude(['unknown']),
    location: z
      .object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        accuracyMeters: z.number().nonnegative().nullable(),
      })
      .nullable(),
    version: PositiveIntSchema.describe('Record version after this change'),
    change: z.enum(['created', 'updated', 'deleted']),
    resolution: z.object({
      conflict: z.boolean().describe('The sync hit a version mismatch or a time difference over 1 minute'),
      strategy: MobileConflictStrategySchema,
      outcome: z.enum(['applied', 'server-kept', 'client-applied', 'manually-resolved']),
    }),
    syncedAt: InstantSchema.describe('When the server accepted the sync that produced this change'),
  })
  .describe('Mobile attendance record');
export type MobileRecordV1 = z.infer<typeof MobileRecordV1Schema>;

export const MobileRecordTopic = defineTopic({
  name: 'attendance.mobile-record.v1',
  version: 1,
  description: 'Mobile clock-in/out records after sync and conflict resolution, one message per change of a record.',
  schema: MobileRecordV1Schema,
  key: (value) => tenantScopedKey(value.tenantId, value.recordId),
  keyDescription: '`${tenantId}:${recordId}`: changes of a record in order',
  producers: ['sync-coordinator'],
  consumers: ['integrators'],
});
