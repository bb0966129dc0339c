import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService, createRootLogger } from '@attendance/observability';
import { registerBodyParsers } from '../src/api/body-parsers';
import { AppModule } from '../src/app.module';
import { loadSyncCoordinatorConfig } from '../src/config/sync-coordinator.config';

/** An admin API key entry for SYNC_ADMIN_API_KEYS and the header value a client sends with it. */
export function adminKey(keyId: string, tenantId: string, secret = `secret-${keyId}`): { entry: string; header: string } {
  return { entry: `${keyId}:${tenantId}:${createHash('sha256').update(secret).digest('hex')}`, header: `${keyId}.${secret}` };
}

/** sync-coordinator inside the test process, configured through its env schema like main.ts, on a free port. */
export async function startSyncCoordinatorInProcess(env: Record<string, string>): Promise<{ app: NestFastifyApplication; url: string }> {
  const config = loadSyncCoordinatorConfig({ PORT: '0', HOST: '127.0.0.1', ...env });
  const logger = createRootLogger({ service: 'sync-coordinator', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  const app = await bootstrapService({ module: AppModule.register(config, logger), port: 0, host: '127.0.0.1', logger, bodyLimitBytes: 4 * 1024 * 1024, configure: registerBodyParsers });
  return { app, url: await app.getUrl() };
}

/** A small HTTP client for tests: JSON in and out, headers per call. */
export function httpClient(baseUrl: string, defaultHeaders: Record<string, string> = {}) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely and assert on them
  return async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const isText = typeof body === 'string';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...defaultHeaders, ...(body === undefined ? {} : { 'content-type': isText ? 'text/csv' : 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: isText ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  };
}
