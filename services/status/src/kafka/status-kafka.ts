import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { dlqTopicName } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, ensureTopics, kafkaConnectionFromEnv, KafkaHealthProbe, KafkaMetrics } from '@attendance/kafka';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { statusTopics, type StatusTopics } from './status-topics';

/** The Kafka client of status and its one idempotent producer (health events, DLQ). */
@Injectable()
export class StatusKafka implements OnModuleInit, OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly producer: ContractProducer;
  readonly metrics: KafkaMetrics;
  readonly topics: StatusTopics;
  private readonly probe: KafkaHealthProbe;

  constructor(
    @Inject(STATUS_CONFIG) config: StatusConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly health: HealthRegistry,
  ) {
    this.kafka = createKafkaClient(kafkaConnectionFromEnv(config, 'status'), logger.child({ component: 'kafka' }));
    this.metrics = new KafkaMetrics(registry);
    this.producer = new ContractProducer(this.kafka, { source: '/status', logger, metrics: this.metrics });
    this.probe = new KafkaHealthProbe(this.kafka);
    this.topics = statusTopics(config.STATUS_TOPIC_SUFFIX);
  }

  async onModuleInit(): Promise<void> {
    this.health.register({ name: 'kafka', check: () => this.probe.check(), timeoutMs: 3000 });
    const consumed = [this.topics.heartbeat, this.topics.deviceEvent, this.topics.punchAccepted, this.topics.commandResult, this.topics.completeness];
    const names = [...consumed.map((t) => t.name), ...consumed.map((t) => dlqTopicName(t.name)), this.topics.deviceHealth.name];
    const created = await ensureTopics(this.kafka, names);
    if (created.length > 0) this.logger.info({ created }, 'created missing topics');
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.probe.close();
  }
}
