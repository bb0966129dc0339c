import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService, createRootLogger } from '@attendance/observability';
import { AppModule } from '../../app.module';
import { loadGatewayConfig } from '../../config/gateway.config';
import { GatewayRuntime } from '../../gateway-runtime';

export const CONFIGURED = 'CFG0001';

export interface TestGateway {
  app: NestFastifyApplication;
  runtime: GatewayRuntime;
  /** The local API and dashboard (:8080 in production). */
  api: string;
  /** The device listener (ADMS). */
  device: string;
}

/**
 * A real gateway in this process (real SQLite on disk, real HTTP on both ports), configured through its env
 * schema as main.ts does, with one configured device. The uplink points at a closed port, so the outbox only
 * grows: backlog figures can be compared with the table exactly (the site is offline).
 */
export async function startTestGateway(dataDir: string, env: Record<string, string> = {}, logLevel = 'silent', alsoConfigured: string[] = []): Promise<TestGateway> {
  const configFile = join(dataDir, 'gateway.yaml');
  writeFileSync(configFile, `devices:\n  - serial: ${CONFIGURED}\n    name: Front door\n${alsoConfigured.map((serial) => `  - serial: ${serial}\n`).join('')}`);
  const config = loadGatewayConfig({
    GATEWAY_ID: 'gw-api',
    TENANT_ID: 'tenant-api',
    SITE_ID: 'site-1',
    SITE_TIME_ZONE: 'Asia/Kolkata',
    GATEWAY_DATA_DIR: dataDir,
    GATEWAY_CONFIG: configFile,
    KAFKA_BROKERS: '127.0.0.1:9',
    API_PORT: '0',
    DEVICE_HTTP_PORT: '0',
    WS_PORT: '0',
    HOST: '127.0.0.1',
    RELAY_IDLE_POLL_MS: '100',
    ...env,
  });
  const logger = createRootLogger({ service: 'device-gateway', version: 'test', level: logLevel });
  const app = await bootstrapService({ module: AppModule.register(config, logger), port: 0, host: '127.0.0.1', logger });
  const runtime = app.get(GatewayRuntime);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, runtime, api: `http://127.0.0.1:${port}`, device: runtime.deviceListenerUrl! };
}

/** `YYYY-MM-DD HH:mm:ss` as a device in `timeZone` shows the instant `at`. */
export function deviceLocalTime(at: Date, timeZone = 'Asia/Kolkata'): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** An ADMS ATTLOG upload as a device sends it; resolves with the gateway's answer (`OK: n`). */
export async function admsUpload(gateway: TestGateway, serial: string, body: Buffer | string, stamp = '100'): Promise<string> {
  const response = await fetch(`${gateway.device}/iclock/cdata?SN=${serial}&table=ATTLOG&Stamp=${stamp}`, { method: 'POST', body });
  return response.text();
}
