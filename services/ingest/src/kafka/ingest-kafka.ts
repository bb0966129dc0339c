import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { ALL_TOPICS, dlqTopicName, TOPICS } from '@attendance/contracts';
import {
  ContractProducer,
  createKafkaClient,
  ensureTopics,
  kafkaConnectionFromEnv,
  KafkaHealthProbe,
  KafkaMetrics,
  WorkerThreadProducer,
} from '@attendance/kafka';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';

/**
 * The Kafka client of ingest, its idempotent producer (DLQ, HTTP batch API) and the producer of accepted
 * events (by default on its own worker thread: INGEST_ACCEPTED_PRODUCER).
 */
@Injectable()
export class IngestKafka implements OnModuleInit, OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly producer: ContractProducer;
  readonly acceptedProducer: Pick<ContractProducer, 'publishSerialized'>;
  readonly metrics: KafkaMetrics;
  private readonly probe: KafkaHealthProbe;
  private readonly producerThread: WorkerThreadProducer | null;

  constructor(
    @Inject(INGEST_CONFIG) config: IngestConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly health: HealthRegistry,
  ) {
    const connection = kafkaConnectionFromEnv(config, 'ingest');
    this.kafka = createKafkaClient(connection, logger.child({ component: 'kafka' }));
    this.metrics = new KafkaMetrics(registry);
    this.producer = new ContractProducer(this.kafka, { source: '/ingest', logger, metrics: this.metrics });
    this.producerThread =
      config.INGEST_ACCEPTED_PRODUCER === 'thread'
        ? new WorkerThreadProducer({ connection, source: '/ingest', logger: logger.child({ component: 'kafka-producer-thread' }), metrics: this.metrics })
        : null;
    this.acceptedProducer = this.producerThread ?? this.producer;
    this.probe = new KafkaHealthProbe(this.kafka);
  }

  async onModuleInit(): Promise<void> {
    this.health.register({ name: 'kafka', check: () => this.probe.check(), timeoutMs: 3000 });
    const created = await ensureTopics(this.kafka, [...ALL_TOPICS.map((t) => t.name), dlqTopicName(TOPICS.punchRaw.name)]);
    if (created.length > 0) this.logger.info({ created }, 'created missing topics');
    await this.producer.connect();
    await this.producerThread?.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producerThread?.disconnect();
    await this.producer.disconnect();
    await this.probe.close();
  }
}
