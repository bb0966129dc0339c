import { z } from 'zod';
import { InstantSchema } from '@attendance/contracts';

/** `POST /api/v1/admin/devices/:serial/repull` body: a UTC window `[from, to)` no longer than `maxDays`. */
export function repullRequestSchema(maxDays: number) {
  return z
    .object({ from: InstantSchema, to: InstantSchema })
    .strict()
    .refine((w) => Date.parse(w.from) < Date.parse(w.to), { message: 'from must be before to', path: ['to'] })
    .refine((w) => Date.parse(w.to) - Date.parse(w.from) <= maxDays * 86_400_000, { message: `window must not exceed ${maxDays} days`, path: ['to'] })
    .refine((w) => Date.parse(w.from) <= Date.now(), { message: 'from must not be in the future', path: ['from'] });
}
