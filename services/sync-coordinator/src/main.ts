import 'reflect-metadata';
import { bootstrapService, createRootLogger, runMain } from '@attendance/observability';
import { registerBodyParsers } from './api/body-parsers';
import { AppModule } from './app.module';
import { loadSyncCoordinatorConfig } from './config/sync-coordinator.config';

const config = loadSyncCoordinatorConfig(process.env);
const logger = createRootLogger({ service: 'sync-coordinator', version: config.SERVICE_VERSION, level: config.LOG_LEVEL });

runMain(logger, () =>
  bootstrapService({
    module: AppModule.register(config, logger),
    port: config.PORT,
    host: config.HOST,
    logger,
    // An employee CSV of SYNC_CSV_IMPORT_MAX_ROWS rows, or a mobile batch of SYNC_MOBILE_MAX_BATCH records, fits.
    bodyLimitBytes: 4 * 1024 * 1024,
    configure: registerBodyParsers,
  }),
);
