import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { redactUrl } from '@attendance/config';
import { ensureDatabase, runMigrationsLocked } from '@attendance/persistence';
import { HealthRegistry, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';
import { createIngestDataSource, INGEST_SCHEMA } from './ingest-data-source';

/** Owns the Postgres connection pool of ingest; creates the database and migrates when configured to. */
@Injectable()
export class IngestDatabase implements OnModuleInit, OnApplicationShutdown {
  readonly dataSource: DataSource;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly health: HealthRegistry,
  ) {
    this.dataSource = createIngestDataSource(config.DATABASE_URL, config.DB_POOL_SIZE);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.DB_MIGRATE_ON_START) {
      const { created } = await ensureDatabase(this.config.DATABASE_URL);
      if (created) this.logger.info({ database: redactUrl(this.config.DATABASE_URL) }, 'created database');
    }
    await this.dataSource.initialize();
    if (this.config.DB_MIGRATE_ON_START) {
      const applied = await runMigrationsLocked(this.dataSource, INGEST_SCHEMA);
      if (applied.length > 0) this.logger.info({ applied }, 'applied migrations');
    }
    this.health.register({ name: 'postgres', check: async () => void (await this.dataSource.query('SELECT 1')) });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
