import { z } from 'zod';
import { DeviceHealthStateSchema, DeviceSerialSchema, SiteIdSchema } from '@attendance/contracts';

/** `GET /api/v1/devices`: filters (site, state) and a cursor page, ordered by serial. */
export function deviceQuerySchema(pageMax: number) {
  return z
    .object({
      site: SiteIdSchema.optional(),
      state: DeviceHealthStateSchema.optional(),
      limit: z.coerce.number().int().min(1).max(pageMax).default(Math.min(100, pageMax)),
      cursor: z.string().max(400).optional().describe('nextCursor of the previous page'),
    })
    .strict();
}
export type DeviceQuery = z.infer<ReturnType<typeof deviceQuerySchema>>;

/** The cursor is the last serial of the page, opaque to clients. */
export function encodeDeviceCursor(serial: string): string {
  return Buffer.from(serial).toString('base64url');
}

export function decodeDeviceCursor(raw: string): string | null {
  const serial = Buffer.from(raw, 'base64url').toString('utf8');
  return DeviceSerialSchema.safeParse(serial).success ? serial : null;
}
