import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { createKafkaClient, kafkaConnectionFromEnv, KafkaHealthProbe } from '@attendance/kafka';
import { HealthRegistry, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';

/** Registers the readiness checks of status: Redis answers PING, the Kafka cluster answers metadata. */
@Injectable()
export class DependencyHealth implements OnModuleInit, OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly kafkaProbe: KafkaHealthProbe;

  constructor(
    @Inject(STATUS_CONFIG) config: StatusConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly health: HealthRegistry,
  ) {
    this.redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
    this.kafkaProbe = new KafkaHealthProbe(createKafkaClient(kafkaConnectionFromEnv(config, 'status'), logger.child({ component: 'kafka' })));
  }

  onModuleInit(): void {
    this.health.register({
      name: 'redis',
      check: async () => {
        if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
        await this.redis.ping();
      },
    });
    this.health.register({ name: 'kafka', check: () => this.kafkaProbe.check(), timeoutMs: 3000 });
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
    await this.kafkaProbe.close();
  }
}
