import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';

export interface BootstrapOptions {
  module: Type<unknown> | DynamicModule;
  port: number;
  host: string;
  logger: Logger;
  /** Largest accepted request body; APIs answer 413 beyond it. */
  bodyLimitBytes?: number;
  /** Last set-up before listening (e.g. mounting OpenAPI docs). */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/**
 * Starts a Nest application on Fastify with our logger, graceful shutdown on SIGTERM/SIGINT, and logs
 * start-up failures as JSON before exiting non-zero (an orchestrator then restarts us).
 */
export async function bootstrapService({ module, port, host, logger, bodyLimitBytes = 1024 * 1024, configure }: BootstrapOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter({ bodyLimit: bodyLimitBytes }), {
    bufferLogs: true,
  });
  app.useLogger(app.get(NestPinoLogger));
  app.enableShutdownHooks();
  armShutdownWatchdog(logger);
  await configure?.(app);
  await app.listen(port, host);
  logger.info({ port, host }, 'service listening');
  return app;
}

/** Wraps `main()` so a start-up error is logged as one JSON line and the process exits non-zero. */
export function runMain(logger: Logger, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    logger.fatal({ err: error }, 'start-up failed');
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  });
}

const SHUTDOWN_TIMEOUT_MS = 20_000;

/**
 * A graceful shutdown that cannot finish (a dependency gone, a client retrying forever) must not leave the
 * process hanging: if it has not exited SHUTDOWN_TIMEOUT_MS after SIGTERM/SIGINT, log and exit. Every promise
 * of ours is designed for a hard stop anyway (nothing is acknowledged before it is durable).
 */
function armShutdownWatchdog(logger: Logger): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        logger.error({ signal, timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'graceful shutdown did not finish in time; exiting');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS).unref();
    });
  }
}
