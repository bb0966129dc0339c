import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { ALL_TOPICS, dlqTopicName, TOPICS } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, ensureTopics, kafkaConnectionFromEnv, KafkaHealthProbe, KafkaMetrics } from '@attendance/kafka';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';

/** The Kafka client of ingest and its one idempotent producer (DLQ, HTTP batch API, accepted relay). */
@Injectable()
export class IngestKafka implements OnModuleInit, OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly producer: ContractProducer;
  readonly metrics: KafkaMetrics;
  private readonly probe: KafkaHealthProbe;

  constructor(
    @Inject(INGEST_CONFIG) config: IngestConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly health: HealthRegistry,
  ) {
    this.kafka = createKafkaClient(kafkaConnectionFromEnv(config, 'ingest'), logger.child({ component: 'kafka' }));
    this.metrics = new KafkaMetrics(registry);
    this.producer = new ContractProducer(this.kafka, { source: '/ingest', logger, metrics: this.metrics });
    this.probe = new KafkaHealthProbe(this.kafka);
  }

  async onModuleInit(): Promise<void> {
    this.health.register({ name: 'kafka', check: () => this.probe.check(), timeoutMs: 3000 });
    const created = await ensureTopics(this.kafka, [...ALL_TOPICS.map((t) => t.name), dlqTopicName(TOPICS.punchRaw.name)]);
    if (created.length > 0) this.logger.info({ created }, 'created missing topics');
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.probe.close();
  }
}
