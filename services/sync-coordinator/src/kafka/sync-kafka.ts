import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { ALL_TOPICS } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, ensureTopics, kafkaConnectionFromEnv, KafkaHealthProbe, KafkaMetrics } from '@attendance/kafka';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';

/**
 * The Kafka client of sync-coordinator and its one idempotent producer, for every module to inject (consumers
 * are built from `kafka` and `metrics`). Readiness includes the cluster.
 */
@Injectable()
export class SyncKafka implements OnModuleInit, OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly producer: ContractProducer;
  readonly metrics: KafkaMetrics;
  private readonly probe: KafkaHealthProbe;

  constructor(
    @Inject(SYNC_CONFIG) config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly health: HealthRegistry,
  ) {
    this.kafka = createKafkaClient(kafkaConnectionFromEnv(config, 'sync-coordinator'), logger.child({ component: 'kafka' }));
    this.metrics = new KafkaMetrics(registry);
    this.producer = new ContractProducer(this.kafka, { source: '/sync-coordinator', logger, metrics: this.metrics });
    this.probe = new KafkaHealthProbe(this.kafka);
  }

  async onModuleInit(): Promise<void> {
    this.health.register({ name: 'kafka', check: () => this.probe.check(), timeoutMs: 3000 });
    const created = await ensureTopics(this.kafka, ALL_TOPICS.map((t) => t.name));
    if (created.length > 0) this.logger.info({ created }, 'created missing topics');
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.probe.close();
  }
}
