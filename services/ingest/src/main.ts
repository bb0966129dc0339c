import 'reflect-metadata';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { bootstrapService, createRootLogger, runMain } from '@attendance/observability';
import { buildIngestOpenApi } from './api/openapi-document';
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
    configure: (app) => {
      const document = buildIngestOpenApi(config.SERVICE_VERSION, config.INGEST_HTTP_BATCH_MAX) as unknown as OpenAPIObject;
      SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
    },
  }),
);
