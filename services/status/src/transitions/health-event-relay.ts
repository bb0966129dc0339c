import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { DeviceHealthV1 } from '@attendance/contracts';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { StatusKafka } from '../kafka/status-kafka';
import { StatusMetrics } from '../metrics/status-metrics';
import { StatusRedis } from '../redis/status-redis';
import { OutboxGroupReader, readerName } from './outbox-group-reader';

/**
 * Publishes claimed transitions from the outbox to ops.device.health.v1. At least once, with a stable
 * eventId (also `ce_id`): a crash between the broker's ack and XACK re-sends the same event, which
 * consumers dedupe; a claimed transition is never lost, and never claimed twice.
 */
@Injectable()
export class HealthEventRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly reader: OutboxGroupReader;

  constructor(
    @Inject(ROOT_LOGGER) logger: Logger,
    redis: StatusRedis,
    kafka: StatusKafka,
    metrics: StatusMetrics,
  ) {
    const topic = kafka.topics.deviceHealth;
    this.reader = new OutboxGroupReader({
      redis: redis.duplicate(),
      stream: redis.keys.outbox(),
      group: 'kafka',
      consumer: readerName(),
      startAt: '0',
      logger: logger.child({ component: 'health-event-relay' }),
      handle: async (entries) => {
        const items = entries
          .filter((e) => e.eventJson !== '')
          .map((e) => {
            const event = JSON.parse(e.eventJson) as DeviceHealthV1;
            return { key: topic.key(event), json: e.eventJson, id: event.eventId };
          });
        // The value was validated against the contract when it was claimed (buildHealthEvent).
        await kafka.producer.publishSerialized(topic, items);
        metrics.healthEventsPublished.inc(items.length);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reader.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reader.stop();
  }
}
