import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { redactUrl } from '@attendance/config';
import { ensureDatabase, runMigrationsLocked } from '@attendance/persistence';
import { HealthRegistry, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { inTransaction, queryOnce, type SqlExecutor } from './sql-executor';
import { createSyncDataSource, SYNC_SCHEMA } from './sync-data-source';

/**
 * The Postgres connection of sync-coordinator (schema `sync`), for every module to inject: creates the database
 * and applies SYNC_MIGRATIONS at start-up when configured to, and reports readiness. Use `dataSource.query` for
 * plain SQL and `dataSource.transaction(em => ...)` for a transaction.
 */
@Injectable()
export class SyncDatabase implements OnModuleInit, OnApplicationShutdown {
  readonly dataSource: DataSource;

  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly health: HealthRegistry,
  ) {
    this.dataSource = createSyncDataSource(config.DATABASE_URL, config.DB_POOL_SIZE);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.DB_MIGRATE_ON_START) {
      const { created } = await ensureDatabase(this.config.DATABASE_URL);
      if (created) this.logger.info({ database: redactUrl(this.config.DATABASE_URL) }, 'created database');
    }
    await this.dataSource.initialize();
    if (this.config.DB_MIGRATE_ON_START) {
      const applied = await runMigrationsLocked(this.dataSource, SYNC_SCHEMA);
      if (applied.length > 0) this.logger.info({ applied }, 'applied migrations');
    }
    this.health.register({ name: 'postgres', check: async () => void (await this.dataSource.query('SELECT 1')) });
  }

  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return queryOnce<T>(this.dataSource, sql, params);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
