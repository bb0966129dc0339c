import 'reflect-metadata';
import { bootstrapService, createRootLogger, runMain } from '@attendance/observability';
import { AppModule } from './app.module';
import { loadGatewayConfig } from './config/gateway.config';

const config = loadGatewayConfig(process.env);
const logger = createRootLogger({ service: 'device-gateway', version: config.version, level: config.logLevel });

runMain(logger, () =>
  bootstrapService({ module: AppModule.register(config, logger), port: config.apiPort, host: config.host, logger }),
);
