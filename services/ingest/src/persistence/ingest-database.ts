import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { redactUrl } from '@attendance/config';
import { ensureDatabase, runMigrationsLocked } from '@attendance/persistence';
import { HealthRegistry, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';
import { createIngestDataSource, INGEST_SCHEMA } from './ingest-data-source';
import { PartitionManager } from './partition-manager';

const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Owns the Postgres pool of ingest: creates the database and migrates when configured to, keeps daily
 * partitions ahead of time (start-up and hourly) and retires old ones when a retention is configured.
 */
@Injectable()
export class IngestDatabase implements OnModuleInit, OnApplicationShutdown {
  readonly dataSource: DataSource;
  readonly partitions: PartitionManager;
  private maintenanceTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly health: HealthRegistry,
  ) {
    this.dataSource = createIngestDataSource(config.DATABASE_URL, config.DB_POOL_SIZE);
    this.partitions = new PartitionManager(this.dataSource);
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
    await this.maintainPartitions();
    this.maintenanceTimer = setInterval(() => void this.maintainPartitions(), MAINTENANCE_INTERVAL_MS);
    this.maintenanceTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async maintainPartitions(): Promise<void> {
    try {
      const now = new Date();
      await this.partitions.ensureWindow(now, 1, this.config.INGEST_PARTITIONS_AHEAD_DAYS);
      if (this.config.INGEST_RETENTION_DAYS > 0) {
        const dropped = await this.partitions.retireOlderThan(now, this.config.INGEST_RETENTION_DAYS);
        if (dropped.length > 0) this.logger.info({ dropped }, 'retired punch partitions past retention');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'partition maintenance failed; will retry (batches create their own days)');
    }
  }
}
