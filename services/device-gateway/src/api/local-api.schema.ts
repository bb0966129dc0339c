import { z } from 'zod';

/** Request shapes of the local API; the OpenAPI document is generated from these same schemas. */
export const DeviceSerialParamSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'a device serial is 1-64 letters, digits, ".", "_", ":" or "-"')
  .describe('Device serial number');

export const DeviceListQuerySchema = z
  .object({ status: z.enum(['approved', 'pending']).optional().describe('Only devices with this status') })
  .strict();

export const QuarantineQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size (1-500)'),
    before: z.coerce.number().int().min(1).optional().describe('nextBefore of the previous page (items are newest first)'),
    device: DeviceSerialParamSchema.optional().describe('Only lines from this device'),
  })
  .strict();
export type QuarantineQuery = z.infer<typeof QuarantineQuerySchema>;

export const QuarantineIdParamSchema = z.coerce.number().int().min(1).describe('Quarantine item id');

export const ReferenceRefreshQuerySchema = z
  .object({
    full: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true')
      .describe('true: re-read everything from the start and replace the whole cache (drops what the cloud no longer lists)'),
  })
  .strict();
