import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';

/** Parses request input or answers 400 with every problem named by its path. */
export function parseOrBadRequest<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `invalid ${what}`, issues });
  }
  return result.data;
}
