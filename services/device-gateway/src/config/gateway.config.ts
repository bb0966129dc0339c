import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { booleanFromEnv, ConfigError, logLevelSchema, parseConfig, portSchema, type Env } from '@attendance/config';
import { kafkaEnvSchema } from '@attendance/kafka';
import { type DeviceEntry, gatewayFileSchema, timeZoneSchema } from './device-file.schema';
import type { ZkUserCharset } from '../zk/zk-name-charset';
import { resolveSecret, Secret, type SecretRef } from './secret';

const idSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

const gatewayEnvSchema = kafkaEnvSchema.extend({
  GATEWAY_ID: idSchema,
  TENANT_ID: idSchema,
  SITE_ID: idSchema,
  SITE_TIME_ZONE: timeZoneSchema,
  GATEWAY_DATA_DIR: z.string().min(1).default('.local/gateway'),
  GATEWAY_CONFIG: z.string().min(1).optional(),
  HOST: z.string().default('0.0.0.0'),
  DEVICE_HTTP_PORT: portSchema.default(8081),
  API_PORT: portSchema.default(8080),
  WS_PORT: portSchema.default(5001),
  /** Credential of the local API (`Authorization: Bearer <token>`); without it the protected routes answer 503. */
  GATEWAY_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Storage budget for the SQLite database and its WAL; when spent, devices are refused (they keep the data). */
  GATEWAY_DISK_BUDGET_MB: z.coerce.number().min(1).max(1_048_576).default(2048),
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(10000).default(500),
  RELAY_IDLE_POLL_MS: z.coerce.number().int().min(10).max(60000).default(1000),
  // After sending a batch that was not full, wait this long before the next one, so live punches go out in
  // batches instead of one relay round per group commit (each round costs the event loop that answers devices).
  RELAY_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(25),
  /** Published outbox rows are pruned after this many hours; unsent rows are never deleted. 0 keeps them. */
  PUBLISHED_RETENTION_HOURS: z.coerce.number().min(0).max(87600).default(168),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(600000).default(15000),
  /** Every device's last RECONCILE_WINDOW_HOURS are re-read by its own protocol this often (0 disables). */
  RECONCILE_INTERVAL_MINUTES: z.coerce.number().min(0).max(10080).default(60),
  RECONCILE_WINDOW_HOURS: z.coerce.number().min(1).max(2160).default(24),
  /** ADMS ATTPHOTO uploads: kept in SQLite (store) or acknowledged and dropped (discard). */
  ATTPHOTO_POLICY: z.enum(['store', 'discard']).default('discard'),
  /** Reference-data pull from sync-coordinator (names for the dashboard, users for devices). */
  SYNC_COORDINATOR_URL: z.string().url().optional(),
  GATEWAY_SYNC_TOKEN: z.string().min(1).optional(),
  REFERENCE_PULL_INTERVAL_S: z.coerce.number().int().min(5).max(86400).default(300),
  /** Pull-mode devices (ZK TCP, Hikvision) are pulled only while sync-coordinator grants this gateway their lease. */
  LEASES_REQUIRED: booleanFromEnv.default(false),
  /** Hikvision AcsEvent pull period (ZK TCP devices push realtime events and are re-read on reconnect). */
  PULL_INTERVAL_S: z.coerce.number().int().min(1).max(86400).default(60),
  LOG_LEVEL: logLevelSchema,
  SERVICE_VERSION: z.string().default('0.1.0-dev'),
});

interface ConfiguredDeviceBase {
  serial: string;
  name?: string;
  /** The device's IANA zone: its own override, else the site's. */
  timeZone: string;
}
export interface ZkPushDevice extends ConfiguredDeviceBase {
  protocol: 'zk-push2';
}
export interface ZkTcpDevice extends ConfiguredDeviceBase {
  protocol: 'zk-tcp';
  host: string;
  port: number;
  commKey: Secret | null;
  /** Charset of user names on the device (read and written in it). */
  charset: ZkUserCharset;
}
export interface HikvisionDevice extends ConfiguredDeviceBase {
  protocol: 'hikvision';
  baseUrl: string;
  username: string;
  password: Secret;
  alertStream: boolean;
  passMinors?: number[];
}
export interface WsDevice extends ConfiguredDeviceBase {
  protocol: 'ws';
  token: Secret;
}
export type ConfiguredDevice = ZkPushDevice | ZkTcpDevice | HikvisionDevice | WsDevice;

export interface GatewayConfig {
  gatewayId: string;
  tenantId: string;
  siteId: string;
  siteTimeZone: string;
  databasePath: string;
  host: string;
  deviceHttpPort: number;
  apiPort: number;
  wsPort: number;
  adminToken: Secret | null;
  relay: { batchSize: number; idlePollMs: number; lingerMs: number };
  diskBudgetBytes: number;
  publishedRetentionMs: number;
  heartbeatIntervalMs: number;
  reconcile: { intervalMs: number; windowHours: number };
  attPhotoPolicy: 'store' | 'discard';
  referencePull: { url: string; token: Secret; intervalMs: number } | null;
  leasesRequired: boolean;
  pullIntervalMs: number;
  devices: ReadonlyMap<string, ConfiguredDevice>;
  kafka: z.infer<typeof kafkaEnvSchema>;
  logLevel: string;
  version: string;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(env: Env): GatewayConfig {
  // The file is read first because its `settings` are defaults that the environment overrides.
  const file = env.GATEWAY_CONFIG ? readGatewayFile(env.GATEWAY_CONFIG) : { settings: {}, devices: [] };
  const settings = Object.fromEntries(Object.entries(file.settings).map(([key, value]) => [key, String(value)]));
  const parsed = parseConfig(gatewayEnvSchema, { ...settings, ...env });
  const errors: string[] = [];
  const bySerial = new Map<string, ConfiguredDevice>();
  for (const entry of file.devices) {
    if (bySerial.has(entry.serial)) errors.push(`GATEWAY_CONFIG: device ${entry.serial} is listed twice`);
    const device = resolveDevice(entry, parsed.SITE_TIME_ZONE, env, (problem) => errors.push(`GATEWAY_CONFIG device ${entry.serial}: ${problem}`));
    if (device) bySerial.set(entry.serial, device);
  }
  if (parsed.SYNC_COORDINATOR_URL && !parsed.GATEWAY_SYNC_TOKEN) errors.push('GATEWAY_SYNC_TOKEN: required when SYNC_COORDINATOR_URL is set');
  if (errors.length > 0) throw new ConfigError(errors);
  return {
    gatewayId: parsed.GATEWAY_ID,
    tenantId: parsed.TENANT_ID,
    siteId: parsed.SITE_ID,
    siteTimeZone: parsed.SITE_TIME_ZONE,
    databasePath: resolve(parsed.GATEWAY_DATA_DIR, 'gateway.sqlite'),
    host: parsed.HOST,
    deviceHttpPort: parsed.DEVICE_HTTP_PORT,
    apiPort: parsed.API_PORT,
    wsPort: parsed.WS_PORT,
    adminToken: parsed.GATEWAY_ADMIN_TOKEN ? new Secret(parsed.GATEWAY_ADMIN_TOKEN, 'env GATEWAY_ADMIN_TOKEN') : null,
    relay: { batchSize: parsed.RELAY_BATCH_SIZE, idlePollMs: parsed.RELAY_IDLE_POLL_MS, lingerMs: parsed.RELAY_LINGER_MS },
    diskBudgetBytes: Math.round(parsed.GATEWAY_DISK_BUDGET_MB * 1048576),
    publishedRetentionMs: Math.round(parsed.PUBLISHED_RETENTION_HOURS * 3_600_000),
    heartbeatIntervalMs: parsed.HEARTBEAT_INTERVAL_MS,
    reconcile: { intervalMs: Math.round(parsed.RECONCILE_INTERVAL_MINUTES * 60_000), windowHours: parsed.RECONCILE_WINDOW_HOURS },
    attPhotoPolicy: parsed.ATTPHOTO_POLICY,
    referencePull:
      parsed.SYNC_COORDINATOR_URL && parsed.GATEWAY_SYNC_TOKEN
        ? {
            url: parsed.SYNC_COORDINATOR_URL,
            token: new Secret(parsed.GATEWAY_SYNC_TOKEN, 'env GATEWAY_SYNC_TOKEN'),
            intervalMs: parsed.REFERENCE_PULL_INTERVAL_S * 1000,
          }
        : null,
    leasesRequired: parsed.LEASES_REQUIRED,
    pullIntervalMs: parsed.PULL_INTERVAL_S * 1000,
    devices: bySerial,
    kafka: parsed,
    logLevel: parsed.LOG_LEVEL,
    version: parsed.SERVICE_VERSION,
  };
}

function resolveDevice(entry: DeviceEntry, siteTimeZone: string, env: Env, problem: (text: string) => void): ConfiguredDevice | null {
  const base = { serial: entry.serial, name: entry.name, timeZone: entry.timeZone ?? siteTimeZone };
  const secret = (ref: SecretRef, field: string): Secret | null => {
    const resolved = resolveSecret(ref, env);
    if (typeof resolved === 'string') {
      problem(`${field}: ${resolved}`);
      return null;
    }
    return resolved;
  };
  switch (entry.protocol) {
    case 'zk-push2':
      return { ...base, protocol: 'zk-push2' };
    case 'zk-tcp': {
      const commKey = entry.commKey ? secret(entry.commKey, 'commKey') : null;
      if (entry.commKey && !commKey) return null;
      return { ...base, protocol: 'zk-tcp', host: entry.host, port: entry.port, commKey, charset: entry.charset };
    }
    case 'hikvision': {
      const password = secret(entry.password, 'password');
      if (!password) return null;
      return { ...base, protocol: 'hikvision', baseUrl: entry.baseUrl.replace(/\/+$/, ''), username: entry.username, password, alertStream: entry.alertStream, passMinors: entry.passMinors };
    }
    case 'ws': {
      const token = secret(entry.token, 'token');
      if (!token) return null;
      return { ...base, protocol: 'ws', token };
    }
  }
}

function readGatewayFile(path: string): z.infer<typeof gatewayFileSchema> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`GATEWAY_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let content: unknown;
  try {
    content = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`GATEWAY_CONFIG: ${path} is not valid YAML/JSON: ${(error as Error).message}`]);
  }
  const result = gatewayFileSchema.safeParse(content ?? {});
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `GATEWAY_CONFIG ${path}: ${i.path.join('.')}: ${i.message}`));
  }
  return result.data;
}
