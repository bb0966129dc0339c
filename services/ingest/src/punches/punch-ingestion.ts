import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import { ALL_TOPICS, dlqTopicName, TOPICS } from '@attendance/contracts';
import {
  BatchConsumer,
  ContractProducer,
  createKafkaClient,
  ensureTopics,
  kafkaConnectionFromEnv,
  KafkaHealthProbe,
  KafkaMetrics,
} from '@attendance/kafka';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';
import { IngestDatabase } from '../persistence/ingest-database';
import { PunchWriter } from './punch-writer';

/**
 * Consumes `attendance.punch.raw.v1` in batches and writes each batch in one Postgres transaction; the
 * offsets are committed only afterwards (libs/kafka BatchConsumer). Poison goes to the DLQ; a Postgres
 * outage pauses consumption and resumes with nothing lost.
 */
@Injectable()
export class PunchIngestion implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: BatchConsumer<typeof TOPICS.punchRaw>;
  private readonly producer: ContractProducer;
  private readonly kafkaProbe: KafkaHealthProbe;
  private readonly kafka;

  constructor(
    @Inject(INGEST_CONFIG) config: IngestConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    database: IngestDatabase,
    private readonly health: HealthRegistry,
  ) {
    this.kafka = createKafkaClient(kafkaConnectionFromEnv(config, 'ingest'), logger.child({ component: 'kafka' }));
    const kafkaMetrics = new KafkaMetrics(registry);
    const inserted = new Counter({ name: 'ingest_punches_inserted_total', help: 'New punches written', registers: [registry] });
    const duplicates = new Counter({ name: 'ingest_punches_duplicate_total', help: 'Punches already stored (deduped)', registers: [registry] });
    const writer = new PunchWriter(database.dataSource);
    this.producer = new ContractProducer(this.kafka, { source: '/ingest', logger, metrics: kafkaMetrics });
    this.kafkaProbe = new KafkaHealthProbe(this.kafka);
    this.consumer = new BatchConsumer({
      kafka: this.kafka,
      groupId: config.INGEST_CONSUMER_GROUP,
      contract: TOPICS.punchRaw,
      dlqProducer: this.producer,
      logger: logger.child({ component: 'punch-consumer' }),
      metrics: kafkaMetrics,
      maxBatchSize: config.INGEST_MAX_BATCH,
      partitionsConsumedConcurrently: config.INGEST_PARTITION_CONCURRENCY,
      handler: async (messages) => {
        const result = await writer.write(messages.map((m) => m.value));
        inserted.inc(result.inserted.length);
        duplicates.inc(result.duplicates);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.health.register({ name: 'kafka', check: () => this.kafkaProbe.check(), timeoutMs: 3000 });
    this.health.register({
      name: 'punch-consumer',
      check: () => {
        if (!this.consumer.isHealthy()) throw new Error('consumer is not running');
      },
    });
    const created = await ensureTopics(this.kafka, [...ALL_TOPICS.map((t) => t.name), dlqTopicName(TOPICS.punchRaw.name)]);
    if (created.length > 0) this.logger.info({ created }, 'created missing topics');
    await this.producer.connect();
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.producer.disconnect();
    await this.kafkaProbe.close();
  }

  /** Exposed for tests that must know the group has its partitions before they publish. */
  waitForAssignment(timeoutMs?: number): Promise<void> {
    return this.consumer.waitForAssignment(timeoutMs);
  }
}
