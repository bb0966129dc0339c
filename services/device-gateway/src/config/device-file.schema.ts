import { z } from 'zod';
import { isValidTimeZone } from '@attendance/contracts';
import { isZkUserCharsetAvailable, ZK_USER_CHARSETS } from '../zk/zk-name-charset';
import { secretRefSchema } from './secret';

export const timeZoneSchema = z.string().refine(isValidTimeZone, 'must be an IANA time zone, e.g. Asia/Kolkata');

const commonDeviceFields = {
  serial: z.string().min(1).max(64),
  name: z.string().max(200).optional(),
  /** Overrides SITE_TIME_ZONE for a device that sits elsewhere or is set to another zone. */
  timeZone: timeZoneSchema.optional(),
};

/** ZKTeco/eSSL ADMS push (PUSH 2.x and 3.x; the version is chosen per request from `pushver`). */
const zkPushDeviceSchema = z
  .object({ ...commonDeviceFields, protocol: z.literal('zk-push2') })
  .strict();

/** ZK binary protocol: the gateway connects to the device on TCP 4370 and pulls (plus realtime events). */
const zkTcpDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('zk-tcp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(4370),
    /** The device's comm key (0 when unset on the device). */
    commKey: secretRefSchema.optional(),
    /**
     * Charset the terminal stores user names in (P9): Chinese firmware usually GBK (or GB2312 on old units),
     * Western firmware Latin-1 or UTF-8. Names are read and written in it; a name it cannot hold is refused.
     */
    charset: z
      .enum(ZK_USER_CHARSETS, { error: (issue) => `must be one of ${ZK_USER_CHARSETS.join(', ')} (got ${JSON.stringify(issue.input)})` })
      .refine(isZkUserCharsetAvailable, { error: (issue) => `${String(issue.input)} needs a Node.js build with full ICU (TextDecoder('gbk')); this one has none` })
      .default('utf-8'),
  })
  .strict();

/** Hikvision ISAPI: pull of AcsEvent with Digest auth, optionally alertStream; httpHosts push needs no address. */
const hikvisionDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('hikvision'),
    /** e.g. http://192.168.1.64 */
    baseUrl: z.string().url(),
    username: z.string().min(1),
    password: secretRefSchema,
    /** Subscribe to /ISAPI/Event/notification/alertStream for live events (pull still reconciles). */
    alertStream: z.boolean().default(false),
    /** Access-control minors (major 5) counted as punches; defaults to the brief's pass minors. */
    passMinors: z.array(z.number().int().min(0)).optional(),
  })
  .strict();

/** WebSocket devices and agents on WS_PORT; each authenticates with its own token. */
const wsDeviceSchema = z
  .object({ ...commonDeviceFields, protocol: z.literal('ws'), token: secretRefSchema })
  .strict();

export const deviceEntrySchema = z.preprocess(
  // NOTE: entries written before protocols were selectable have no `protocol`; they are ADMS push devices
  (entry) => (entry && typeof entry === 'object' && !('protocol' in entry) ? { ...entry, protocol: 'zk-push2' } : entry),
  z.discriminatedUnion('protocol', [zkPushDeviceSchema, zkTcpDeviceSchema, hikvisionDeviceSchema, wsDeviceSchema]),
);

/**
 * The gateway's one config file (GATEWAY_CONFIG, YAML or JSON): optional `settings` with the same keys as the
 * environment variables (the environment overrides them), and the site's devices.
 */
export const gatewayFileSchema = z
  .object({
    settings: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'setting names are the env var names'), z.union([z.string(), z.number(), z.boolean()])).default({}),
    devices: z.array(deviceEntrySchema).default([]),
  })
  .strict();

export type DeviceEntry = z.infer<typeof zkPushDeviceSchema> | z.infer<typeof zkTcpDeviceSchema> | z.infer<typeof hikvisionDeviceSchema> | z.infer<typeof wsDeviceSchema>;
export type DeviceProtocol = DeviceEntry['protocol'];
