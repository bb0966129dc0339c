import { z } from 'zod';

// Ids we assign (tenant, site, gateway): a slug or a UUID. No `:` and no whitespace, so a Kafka key such as
// `${tenantId}:${deviceSerial}` splits unambiguously at its first `:` and ids survive URLs, logs and Redis keys.
const SLUG_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SLUG_ID_MESSAGE = 'must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Upper bound of tenant, site and gateway ids. */
export const ID_MAX_LENGTH = 64;

const slugId = (description: string) =>
  z.string().min(1).max(ID_MAX_LENGTH).regex(SLUG_ID, SLUG_ID_MESSAGE).describe(description);

export const TenantIdSchema = slugId('Tenant id (slug or UUID)');
export const SiteIdSchema = slugId('Site id (slug or UUID), unique within the tenant');
// Globally unique (assigned at enrolment), because gateway topics are keyed by it alone.
export const GatewayIdSchema = slugId('Gateway (or agent) id, globally unique');

/** Upper bound of a device serial; Hikvision full serial numbers reach about 50 characters. */
export const DEVICE_SERIAL_MAX_LENGTH = 128;

/**
 * The device's serial number exactly as the device reports it (ZK `SN`, Hikvision serial): printable ASCII
 * without whitespace, case-sensitive, never rewritten by the gateway, because it is part of the punch identity.
 */
export const DeviceSerialSchema = z
  .string()
  .min(1)
  .max(DEVICE_SERIAL_MAX_LENGTH)
  .regex(/^[!-~]+$/, 'must be printable ASCII without whitespace')
  .describe('Device serial number as reported by the device (case-sensitive)');

/** Upper bound of a device user id (ZK PIN: up to 24 bytes; Hikvision employeeNo: up to 32). */
export const DEVICE_USER_ID_MAX_LENGTH = 64;

/**
 * The user id as enrolled on the device (ZK PIN, Hikvision employeeNoString). Always a string: leading zeros
 * and letters are significant. No control characters and no leading or trailing whitespace, so a parser
 * cannot produce two spellings of one id that would hash to two punch identities.
 */
export const DeviceUserIdSchema = z
  .string()
  .min(1)
  .max(DEVICE_USER_ID_MAX_LENGTH)
  .regex(
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point of this pattern
    /^[^\s\x00-\x1F\x7F](?:[^\x00-\x1F\x7F]*[^\s\x00-\x1F\x7F])?$/,
    'must have no control characters and no leading or trailing whitespace',
  )
  .describe('User id as enrolled on the device (string; leading zeros are significant)');

/** Lower-case canonical UUID text. Upper case would give one id two spellings in string comparisons. */
export const UuidSchema = z.stringFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, {
  error: 'must be a lower-case RFC 9562 UUID',
});

/** A punch's `eventId`: lower-case UUIDv5, see `punchEventId`. */
export const PunchEventIdSchema = z
  .stringFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, {
    error: 'must be a lower-case UUIDv5',
  })
  .describe('UUIDv5 of the punch identity (tenantId, deviceSerial, deviceUserId, localTime), see punchEventId()');
