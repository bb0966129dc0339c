import { z } from 'zod';

/** A count of things: a non-negative safe integer. */
export const CountSchema = z.number().int().nonnegative();

/** A positive safe integer (fencing tokens, versions, intervals). */
export const PositiveIntSchema = z.number().int().positive();

/** A fraction between 0 and 1 inclusive (capacity used). */
export const RatioSchema = z.number().min(0).max(1);

/** A non-negative duration in seconds, fractional allowed. */
export const DurationSecondsSchema = z.number().nonnegative();

/**
 * A machine-readable class or reason code in kebab case (`timeout`, `implausible-time`). Strings rather than
 * enums where the set grows with experience, so a new code never makes an older consumer dead-letter a message.
 */
export const CodeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:[-.][a-z0-9]+)*$/, 'must be a kebab-case code such as connection-refused');

/** Human-readable text for operators, bounded so one message cannot blow up a Redis record or a log line. */
export const boundedText = (max: number) => z.string().min(1).max(max);
