import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, logLevelSchema, parseConfig, portSchema, type Env } from '@attendance/config';
import { isValidTimeZone } from '@attendance/contracts';
import { kafkaEnvSchema } from '@attendance/kafka';

const timeZoneSchema = z.string().refine(isValidTimeZone, 'must be an IANA time zone, e.g. Asia/Kolkata');
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
  /** Storage budget for the SQLite database and its WAL; when spent, devices are refused (they keep the data). */
  GATEWAY_DISK_BUDGET_MB: z.coerce.number().min(1).max(1_048_576).default(2048),
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(10000).default(500),
  RELAY_IDLE_POLL_MS: z.coerce.number().int().min(10).max(60000).default(1000),
  LOG_LEVEL: logLevelSchema,
  SERVICE_VERSION: z.string().default('0.1.0-dev'),
});

/** The site's device list, from the file named by GATEWAY_CONFIG (YAML or JSON). */
const deviceFileSchema = z.object({
  devices: z
    .array(
      z.object({
        serial: z.string().min(1).max(64),
        protocol: z.enum(['zk-push2']).default('zk-push2'),
        name: z.string().max(200).optional(),
        /** Overrides SITE_TIME_ZONE for a device that sits elsewhere or is set to another zone. */
        timeZone: timeZoneSchema.optional(),
      }),
    )
    .default([]),
});

export interface ConfiguredDevice {
  serial: string;
  protocol: 'zk-push2';
  name?: string;
  timeZone: string;
}

export interface GatewayConfig {
  gatewayId: string;
  tenantId: string;
  siteId: string;
  siteTimeZone: string;
  databasePath: string;
  host: string;
  deviceHttpPort: number;
  apiPort: number;
  relay: { batchSize: number; idlePollMs: number };
  diskBudgetBytes: number;
  devices: ReadonlyMap<string, ConfiguredDevice>;
  kafka: z.infer<typeof kafkaEnvSchema>;
  logLevel: string;
  version: string;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(env: Env): GatewayConfig {
  const parsed = parseConfig(gatewayEnvSchema, env);
  const devices = parsed.GATEWAY_CONFIG ? readDeviceFile(parsed.GATEWAY_CONFIG) : [];
  const bySerial = new Map<string, ConfiguredDevice>();
  for (const device of devices) {
    if (bySerial.has(device.serial)) throw new ConfigError([`GATEWAY_CONFIG: device ${device.serial} is listed twice`]);
    bySerial.set(device.serial, { ...device, timeZone: device.timeZone ?? parsed.SITE_TIME_ZONE });
  }
  return {
    gatewayId: parsed.GATEWAY_ID,
    tenantId: parsed.TENANT_ID,
    siteId: parsed.SITE_ID,
    siteTimeZone: parsed.SITE_TIME_ZONE,
    databasePath: resolve(parsed.GATEWAY_DATA_DIR, 'gateway.sqlite'),
    host: parsed.HOST,
    deviceHttpPort: parsed.DEVICE_HTTP_PORT,
    apiPort: parsed.API_PORT,
    relay: { batchSize: parsed.RELAY_BATCH_SIZE, idlePollMs: parsed.RELAY_IDLE_POLL_MS },
    diskBudgetBytes: Math.round(parsed.GATEWAY_DISK_BUDGET_MB * 1048576),
    devices: bySerial,
    kafka: parsed,
    logLevel: parsed.LOG_LEVEL,
    version: parsed.SERVICE_VERSION,
  };
}

function readDeviceFile(path: string): z.infer<typeof deviceFileSchema>['devices'] {
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
  const result = deviceFileSchema.safeParse(content ?? {});
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `GATEWAY_CONFIG ${path}: ${i.path.join('.')}: ${i.message}`));
  }
  return result.data.devices;
}
