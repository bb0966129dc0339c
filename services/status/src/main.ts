import 'reflect-metadata';
import { bootstrapService, createRootLogger, runMain } from '@attendance/observability';
import { AppModule } from './app.module';
import { loadStatusConfig } from './config/status.config';

const config = loadStatusConfig(process.env);
const logger = createRootLogger({ service: 'status', version: config.SERVICE_VERSION, level: config.LOG_LEVEL });

runMain(logger, () =>
  bootstrapService({ module: AppModule.register(config, logger), port: config.PORT, host: config.HOST, logger }),
);
