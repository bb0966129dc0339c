import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';

export interface FieldIssue {
  path: string;
  message: string;
}

/** At most 20 problems, each named by its path, so a bad request says exactly what to fix. */
export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
}

/** Parses request input or answers 400 with every problem named by its path (one shape across our APIs). */
export function parseOrBadRequest<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `invalid ${what}`, issues: issuesOf(result.error) });
  return result.data;
}
