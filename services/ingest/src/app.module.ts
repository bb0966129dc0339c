import { type DynamicModule, Module } from '@nestjs/common';
import { ApiDocsModule, ObservabilityModule, type Logger } from '@attendance/observability';
import { ApiKeyGuard } from './api/api-key.guard';
import { buildIngestOpenApi } from './api/openapi-document';
import { PunchBatchService } from './api/punch-batch.service';
import { PunchesController } from './api/punches.controller';
import { PunchQueryRepository } from './api/punch-query.repository';
import { INGEST_CONFIG, type IngestConfig } from './config/ingest.config';
import { IngestKafka } from './kafka/ingest-kafka';
import { IngestDatabase } from './persistence/ingest-database';
import { PunchIngestion } from './punches/punch-ingestion';

/** ingest: raw punches (Kafka or HTTP) into Postgres, exactly one row and one accepted event per punch. */
@Module({})
export class AppModule {
  static register(config: IngestConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: { name: 'ingest', version: config.SERVICE_VERSION }, logger }),
        ApiDocsModule.forDocument(buildIngestOpenApi(config.SERVICE_VERSION, config.INGEST_HTTP_BATCH_MAX)),
      ],
      controllers: [PunchesController],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        IngestDatabase,
        IngestKafka,
        PunchIngestion,
        ApiKeyGuard,
        PunchBatchService,
        PunchQueryRepository,
      ],
    };
  }
}
