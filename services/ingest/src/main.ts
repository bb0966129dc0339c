import 'reflect-metadata';
import { installFastFetchDecoding } from '@attendance/kafka';
import { bootstrapService, createRootLogger, runMain } from '@attendance/observability';
import { AppModule } from './app.module';
import { loadIngestConfig } from './config/ingest.config';

// First, before any consumer fetches: kafkajs loads its record batch decoder on the first fetch and keeps it.
// Decoding fetched punches was ~6 µs per message of ingest's main thread with kafkajs's own (see the file).
const fastFetchDecoding = installFastFetchDecoding();
const config = loadIngestConfig(process.env);
const logger = createRootLogger({ service: 'ingest', version: config.SERVICE_VERSION, level: config.LOG_LEVEL });
if (!fastFetchDecoding.installed) logger.warn({ reason: fastFetchDecoding.reason }, "kafkajs's own fetch decoding stays in use");

runMain(logger, () =>
  bootstrapService({
    module: AppModule.register(config, logger),
    port: config.PORT,
    host: config.HOST,
    logger,
    // A batch of INGEST_HTTP_BATCH_MAX punches with raw lines stays well under this.
    bodyLimitBytes: 16 * 1024 * 1024,
  }),
);
