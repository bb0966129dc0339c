import 'reflect-metadata';
import { bootstrapService, createRootLogger, runMain } from '@attendance/observability';
import { AppModule } from './app.module';
import { loadIngestConfig } from './config/ingest.config';

const config = loadIngestConfig(process.env);
const logger = createRootLogger({ service: 'ingest', version: config.SERVICE_VERSION, level: config.LOG_LEVEL });

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
