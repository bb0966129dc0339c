import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { createKafkaClient, kafkaConnectionFromEnv, KafkaHealthProbe } from '@attendance/kafka';
import { HealthRegistry, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { ensureDatabase } from '@attendance/persistence';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';

/**
 * Readiness of sync-coordinator: Postgres answers, the Kafka cluster answers. (Issue 5 brings the `sync`
 * schema, its migrations and the consumers; this keeps the service honest about its dependencies meanwhile.)
 */
@Injectable()
export class DependencyHealth implements OnModuleInit, OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly kafkaProbe: KafkaHealthProbe;

  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly health: HealthRegistry,
  ) {
    this.pool = new Pool({ connectionString: config.DATABASE_URL, max: 2, connectionTimeoutMillis: 2000 });
    this.pool.on('error', (err) => logger.warn({ err }, 'postgres pool error'));
    this.kafkaProbe = new KafkaHealthProbe(createKafkaClient(kafkaConnectionFromEnv(config, 'sync-coordinator'), logger.child({ component: 'kafka' })));
  }

  async onModuleInit(): Promise<void> {
    if (this.config.DB_MIGRATE_ON_START) await ensureDatabase(this.config.DATABASE_URL);
    this.health.register({ name: 'postgres', check: async () => void (await this.pool.query('SELECT 1')) });
    this.health.register({ name: 'kafka', check: () => this.kafkaProbe.check(), timeoutMs: 3000 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
    await this.kafkaProbe.close();
  }
}
