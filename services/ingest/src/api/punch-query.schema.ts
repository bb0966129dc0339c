import { z } from 'zod';
import { DeviceSerialSchema, DeviceUserIdSchema, InstantSchema, SiteIdSchema } from '@attendance/contracts';

const MAX_SPAN_MS = 93 * 24 * 60 * 60 * 1000;

/** `GET /api/v1/punches` query: a UTC window (required, at most 93 days) and optional filters. */
export const PunchQuerySchema = z
  .object({
    from: InstantSchema.describe('Start of the window (inclusive), UTC'),
    to: InstantSchema.describe('End of the window (exclusive), UTC'),
    employee: DeviceUserIdSchema.optional().describe('User id as enrolled on devices'),
    device: DeviceSerialSchema.optional(),
    site: SiteIdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
  })
  .strict()
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { path: ['to'], message: 'must be after from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_SPAN_MS, { path: ['to'], message: 'window is longer than 93 days' });
export type PunchQuery = z.infer<typeof PunchQuerySchema>;

/** Keyset position: the last item's (punchedAt, eventId); opaque to clients. */
export interface PunchCursor {
  punchedAt: string;
  eventId: string;
}

export function encodeCursor(cursor: PunchCursor): string {
  return Buffer.from(JSON.stringify([cursor.punchedAt, cursor.eventId])).toString('base64url');
}

export function decodeCursor(raw: string): PunchCursor | null {
  try {
    const [punchedAt, eventId] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof punchedAt !== 'string' || typeof eventId !== 'string' || Number.isNaN(Date.parse(punchedAt))) return null;
    if (!/^[0-9a-f-]{36}$/.test(eventId)) return null;
    return { punchedAt, eventId };
  } catch {
    return null;
  }
}
