import 'reflect-metadata';
import { bootstrapService, createRootLogger, runMain } from '@attendance/observability';
import { AppModule } from './app.module';
import { loadSyncCoordinatorConfig } from './config/sync-coordinator.config';

const config = loadSyncCoordinatorConfig(process.env);
const logger = createRootLogger({ service: 'sync-coordinator', version: config.SERVICE_VERSION, level: config.LOG_LEVEL });

runMain(logger, () =>
  bootstrapService({ module: AppModule.register(config, logger), port: config.PORT, host: config.HOST, logger }),
);
