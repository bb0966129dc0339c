import { z } from 'zod';
import {
  DeviceUserIdSchema,
  EmployeeIdSchema,
  EmployeeStatusSchema,
  GatewayIdSchema,
  PunchProtocolSchema,
  SiteIdSchema,
  TimeZoneSchema,
} from '@attendance/contracts';

const name = z.string().trim().min(1).max(200);

export const TenantUpdateSchema = z.strictObject({ name });

export const SitePutSchema = z.strictObject({ name, timeZone: TimeZoneSchema });
export type SitePut = z.infer<typeof SitePutSchema>;

export const DevicePutSchema = z.strictObject({
  name: name.nullable().default(null),
  protocol: PunchProtocolSchema,
  siteId: SiteIdSchema,
  timeZoneOverride: TimeZoneSchema.nullable().default(null),
  expectedGatewayId: GatewayIdSchema.nullable().default(null),
});
export type DevicePut = z.infer<typeof DevicePutSchema>;

export const GatewayCreateSchema = z.strictObject({ gatewayId: GatewayIdSchema, name, siteId: SiteIdSchema.nullable().default(null) });
export type GatewayCreate = z.infer<typeof GatewayCreateSchema>;

export const EmployeeCreateSchema = z.strictObject({
  employeeId: EmployeeIdSchema.optional(),
  code: DeviceUserIdSchema,
  name,
  status: EmployeeStatusSchema.default('active'),
});
export type EmployeeCreate = z.infer<typeof EmployeeCreateSchema>;

export const EmployeePatchSchema = z
  .strictObject({ code: DeviceUserIdSchema.optional(), name: name.optional(), status: EmployeeStatusSchema.optional() })
  .refine((v) => Object.keys(v).length > 0, 'change at least one of code, name, status');
export type EmployeePatch = z.infer<typeof EmployeePatchSchema>;

export const ListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().min(1).max(128).optional().describe('Last id of the previous page'),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;
