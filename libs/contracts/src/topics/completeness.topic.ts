import { z } from 'zod';
import { DeviceSerialSchema, SiteIdSchema, TenantIdSchema } from '../schemas/ids.schema';
import { InstantSchema } from '../schemas/time.schema';
import { defineTopic } from '../topic-contract';
import { HEARTBEAT_MAX_DEVICES } from './gateway-heartbeat.topic';
import { tenantScopedKey } from './topic-keys';

/**
 * Completeness watermark of a site: every active device of the site has been reconciled up to `completeUpTo`,
 * so all punches with `punchedAt < completeUpTo` are on `attendance.punch.accepted.v1` (payroll can close the
 * period). Emitted when the watermark advances. It never moves backwards: a device added later starts at its
 * activation time. A punch found behind the watermark afterwards (a device that hid data) still arrives as an
 * accepted punch with `source=backfill`, and integrators treat it as a correction.
 *
 * Unknown fields: stripped (integrators get exactly the documented fields from our own consumers' view).
 */
export const CompletenessV1Schema = z
  .object({
    tenantId: TenantIdSchema,
    siteId: SiteIdSchema,
    completeUpTo: InstantSchema.describe('Minimum of the devices\u2019 completeUpTo: the site is complete before this instant'),
    computedAt: InstantSchema,
    devices: z
      .array(
        z.object({
          deviceSerial: DeviceSerialSchema,
          completeUpTo: InstantSchema.describe('Punches of this device before this instant are all accepted'),
          lastReconciledAt: InstantSchema.nullable().describe('When the last reconciliation of the device finished'),
        }),
      )
      .max(HEARTBEAT_MAX_DEVICES)
      .describe('Active devices of the site (the site watermark is their minimum)'),
  })
  .refine((v) => v.devices.every((d) => Date.parse(d.completeUpTo) >= Date.parse(v.completeUpTo)), {
    message: 'the site completeUpTo cannot be later than a device completeUpTo',
    path: ['completeUpTo'],
  })
  .describe('Site completeness watermark');
export type CompletenessV1 = z.infer<typeof CompletenessV1Schema>;

export const CompletenessTopic = defineTopic({
  name: 'attendance.completeness.v1',
  version: 1,
  description:
    'Completeness watermark per site, with the watermark of each device: all devices of the site are reconciled up to completeUpTo.',
  schema: CompletenessV1Schema,
  key: (value) => tenantScopedKey(value.tenantId, value.siteId),
  keyDescription: '`${tenantId}:${siteId}`: watermarks of a site in order',
  producers: ['sync-coordinator'],
  consumers: ['integrators'],
});
