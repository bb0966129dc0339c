import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule, type Logger } from '@attendance/observability';
import { INGEST_CONFIG, type IngestConfig } from './config/ingest.config';
import { IngestDatabase } from './persistence/ingest-database';
import { PunchIngestion } from './punches/punch-ingestion';

/** ingest: raw punches from Kafka into Postgres, exactly one row per punch identity. */
@Module({})
export class AppModule {
  static register(config: IngestConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ObservabilityModule.forRoot({ service: { name: 'ingest', version: config.SERVICE_VERSION }, logger })],
      providers: [{ provide: INGEST_CONFIG, useValue: config }, IngestDatabase, PunchIngestion],
    };
  }
}
