import type { INestApplication } from '@nestjs/common';
import { bootstrapService, createRootLogger } from '@attendance/observability';
import { AppModule as GatewayModule } from '../../services/device-gateway/src/app.module';
import { loadGatewayConfig } from '../../services/device-gateway/src/config/gateway.config';
import { GatewayRuntime } from '../../services/device-gateway/src/gateway-runtime';
import { AppModule as IngestModule } from '../../services/ingest/src/app.module';
import { loadIngestConfig } from '../../services/ingest/src/config/ingest.config';
import { PunchIngestion } from '../../services/ingest/src/punches/punch-ingestion';

/**
 * Starts real services inside the test process, each configured through its own env schema exactly as
 * `main.ts` does, on free ports. (Crash tests that need `kill -9` spawn the built bundles instead.)
 */
const quietLogger = (service: string) => createRootLogger({ service, version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'warn' });

export async function startIngest(env: Record<string, string>): Promise<{ app: INestApplication; ingestion: PunchIngestion }> {
  const config = loadIngestConfig({ PORT: '0', HOST: '127.0.0.1', ...env });
  const logger = quietLogger('ingest');
  const app = await bootstrapService({ module: IngestModule.register(config, logger), port: 0, host: '127.0.0.1', logger });
  return { app, ingestion: app.get(PunchIngestion) };
}

export async function startGateway(env: Record<string, string>): Promise<{ app: INestApplication; runtime: GatewayRuntime; deviceUrl: string }> {
  const config = loadGatewayConfig({ API_PORT: '0', DEVICE_HTTP_PORT: '0', HOST: '127.0.0.1', RELAY_IDLE_POLL_MS: '100', ...env });
  const logger = quietLogger('device-gateway');
  const app = await bootstrapService({ module: GatewayModule.register(config, logger), port: 0, host: '127.0.0.1', logger });
  const runtime = app.get(GatewayRuntime);
  return { app, runtime, deviceUrl: runtime.deviceListenerUrl! };
}
