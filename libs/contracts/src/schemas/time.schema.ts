import { z } from 'zod';
import { LOCAL_TIME_PATTERN } from '../time/local-time';
import { isValidTimeZone, TIME_ZONE_MAX_LENGTH } from '../time/zone-offset';

/**
 * A UTC instant: ISO-8601 with `Z`, no offset, optional fraction (`2025-03-30T01:30:00Z`,
 * `2025-03-30T01:30:00.123Z`). Offsets are refused so that every instant in the system compares as a string
 * of the same shape and no consumer has to think about zones.
 */
export const InstantSchema = z.iso.datetime({ offset: false, local: false, error: 'must be a UTC ISO-8601 instant ending in Z' });

/** A device wall-clock time without zone, canonical `YYYY-MM-DDTHH:mm:ss` (a real calendar date). */
export const LocalTimeSchema = z
  .string()
  .regex(LOCAL_TIME_PATTERN, 'must be a zone-less local time YYYY-MM-DDTHH:mm:ss')
  .describe('Device wall-clock time without zone, YYYY-MM-DDTHH:mm:ss, as the device meant it');

/**
 * An IANA zone name known to this runtime (`Asia/Kolkata`, `UTC`). The ICU check cannot be expressed in JSON
 * Schema; the pattern can.
 */
export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(TIME_ZONE_MAX_LENGTH)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone name such as Asia/Kolkata')
  .refine(isValidTimeZone, 'unknown IANA time zone')
  .describe('IANA time zone name, e.g. Asia/Kolkata');
