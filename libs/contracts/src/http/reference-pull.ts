import { z } from 'zod';
import { PunchProtocolSchema } from '../enums/punch-protocol';
import { DeviceSerialSchema, DeviceUserIdSchema, GatewayIdSchema, SiteIdSchema, TenantIdSchema } from '../schemas/ids.schema';
import { InstantSchema, TimeZoneSchema } from '../schemas/time.schema';

/**
 * Reference data for the edge: `GET /api/v1/sync/pull?since=<cursor>&limit=<n>` on sync-coordinator,
 * authenticated as a gateway (`Authorization: Bearer <gateway token>`), answers that gateway's tenant's changes
 * to sites, devices and employees after `since`, in cursor order (DESIGN.md 6). The gateway stores `nextCursor`
 * with the rows it applied (one SQLite transaction) and asks again while `hasMore`.
 *
 * A cursor is opaque to the edge (today a decimal change number). A row changed several times appears once, at
 * its latest change; a deletion appears as a tombstone (`op: 'delete'`, no data) and must remove the row.
 * Time zones: a device's effective zone is `timeZoneOverride ?? <its site's timeZone>`.
 */
export const REFERENCE_PULL_PATH = '/api/v1/sync/pull';

/** Cursor of "nothing seen yet"; pass it (or omit `since`) on the first pull. */
export const REFERENCE_PULL_INITIAL_CURSOR = '0';

export const ReferenceCursorSchema = z.string().regex(/^\d{1,18}$/, 'must be a cursor returned by the pull API').describe('Opaque change cursor');

export const EmployeeStatusSchema = z.enum(['active', 'inactive']).describe('Inactive employees stay on devices but should not be enrolled anew');
export type EmployeeStatus = z.infer<typeof EmployeeStatusSchema>;

export const EmployeeIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit')
  .describe('Employee id, unique within the tenant');

export const ReferenceSiteSchema = z.object({ siteId: SiteIdSchema, name: z.string().min(1).max(200), timeZone: TimeZoneSchema });
export const ReferenceDeviceSchema = z.object({
  deviceSerial: DeviceSerialSchema,
  name: z.string().min(1).max(200).nullable(),
  protocol: PunchProtocolSchema,
  siteId: SiteIdSchema,
  timeZoneOverride: TimeZoneSchema.nullable().describe('Zone of the device when it differs from its site'),
  expectedGatewayId: GatewayIdSchema.nullable().describe('Gateway expected to reach the device, if any'),
});
export const ReferenceEmployeeSchema = z.object({
  employeeId: EmployeeIdSchema,
  code: DeviceUserIdSchema.describe('User id as enrolled on devices (punches carry it as deviceUserId)'),
  name: z.string().min(1).max(200),
  status: EmployeeStatusSchema,
});
export type ReferenceSite = z.infer<typeof ReferenceSiteSchema>;
export type ReferenceDevice = z.infer<typeof ReferenceDeviceSchema>;
export type ReferenceEmployee = z.infer<typeof ReferenceEmployeeSchema>;

const change = {
  cursor: ReferenceCursorSchema.describe('Cursor of this change; the page is ordered by it'),
  changedAt: InstantSchema,
};
/** Ids: a site's siteId, a device's serial, an employee's employeeId. */
export const ReferenceChangeSchema = z.union([
  z.object({ ...change, entity: z.literal('site'), op: z.literal('upsert'), id: SiteIdSchema, site: ReferenceSiteSchema }),
  z.object({ ...change, entity: z.literal('site'), op: z.literal('delete'), id: SiteIdSchema }),
  z.object({ ...change, entity: z.literal('device'), op: z.literal('upsert'), id: DeviceSerialSchema, device: ReferenceDeviceSchema }),
  z.object({ ...change, entity: z.literal('device'), op: z.literal('delete'), id: DeviceSerialSchema }),
  z.object({ ...change, entity: z.literal('employee'), op: z.literal('upsert'), id: EmployeeIdSchema, employee: ReferenceEmployeeSchema }),
  z.object({ ...change, entity: z.literal('employee'), op: z.literal('delete'), id: EmployeeIdSchema }),
]);
export type ReferenceChange = z.infer<typeof ReferenceChangeSchema>;

export const ReferencePullResponseSchema = z
  .object({
    tenantId: TenantIdSchema,
    gatewayId: GatewayIdSchema,
    changes: z.array(ReferenceChangeSchema),
    nextCursor: ReferenceCursorSchema.describe('Pass as `since` next time (equals `since` when nothing changed)'),
    hasMore: z.boolean().describe('More changes wait after nextCursor: pull again right away'),
    serverTime: InstantSchema.describe('Server clock when the page was read ("last synced" on the edge)'),
  })
  .describe('A page of reference-data changes for one gateway');
export type ReferencePullResponse = z.infer<typeof ReferencePullResponseSchema>;

/** Parses a pull response body on the gateway; throws a ZodError naming every problem. */
export function parseReferencePullResponse(body: unknown): ReferencePullResponse {
  return ReferencePullResponseSchema.parse(body);
}
