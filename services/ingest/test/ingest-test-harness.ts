import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService, createRootLogger } from '@attendance/observability';
import { AppModule } from '../src/app.module';
import { loadIngestConfig } from '../src/config/ingest.config';

/** An API key entry for INGEST_API_KEYS and the header value a client sends with it. */
export function apiKey(keyId: string, tenantId: string, secret = `secret-${keyId}`): { entry: string; header: string } {
  return { entry: `${keyId}:${tenantId}:${createHash('sha256').update(secret).digest('hex')}`, header: `${keyId}.${secret}` };
}

/** ingest inside the test process, configured through its env schema like main.ts, on a free port. */
export async function startIngestInProcess(env: Record<string, string>): Promise<{ app: NestFastifyApplication; url: string }> {
  const config = loadIngestConfig({ PORT: '0', HOST: '127.0.0.1', ...env });
  const logger = createRootLogger({ service: 'ingest', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  const app = await bootstrapService({ module: AppModule.register(config, logger), port: 0, host: '127.0.0.1', logger, bodyLimitBytes: 16 * 1024 * 1024 });
  return { app, url: await app.getUrl() };
}

/** ingest as a real process (the built bundle), for tests that kill it with SIGKILL. */
export function spawnIngest(env: Record<string, string>): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [join(__dirname, '../../../dist/services/ingest/main.js')], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close', not 'exit': 'exit' can fire before the last output of the child has been read from its pipes.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}
