import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { TOPICS } from '@attendance/contracts';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { SyncDatabase } from '../persistence/sync-database';
import { PunchCountsRepository } from '../reconciliation/punch-counts.repository';
import { ManagedConsumer } from './managed-consumer';
import { SyncKafka } from './sync-kafka';

/**
 * Counts accepted punches per (tenant, device, hour) from `attendance.punch.accepted.v1`, one statement per
 * batch; offsets are committed after it (BatchConsumer), and redelivered eventIds add nothing.
 */
@Injectable()
export class AcceptedPunchIntake implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: ManagedConsumer<typeof TOPICS.punchAccepted>;

  constructor(
    @Inject(SYNC_CONFIG) config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    kafka: SyncKafka,
    db: SyncDatabase,
    private readonly health: HealthRegistry,
  ) {
    const counted = new Counter({ name: 'sync_accepted_punches_counted_total', help: 'Accepted punches added to hourly counts', registers: [registry] });
    const redelivered = new Counter({ name: 'sync_accepted_punches_redelivered_total', help: 'Accepted events already counted (same eventId)', registers: [registry] });
    const counts = new PunchCountsRepository(db);
    this.consumer = new ManagedConsumer('punch-count-consumer', {
      kafka: kafka.kafka,
      groupId: `${config.SYNC_CONSUMER_GROUP_PREFIX}.punch-counts`,
      contract: TOPICS.punchAccepted,
      dlqProducer: kafka.producer,
      logger: logger.child({ component: 'punch-count-consumer' }),
      metrics: kafka.metrics,
      // Counts must include every accepted punch ever published, so a new group starts at the beginning.
      fromBeginning: config.SYNC_PUNCH_COUNTS_FROM_BEGINNING,
      handler: async (messages) => {
        const added = await counts.count(messages.map((m) => m.value));
        counted.inc(added);
        redelivered.inc(messages.length - added);
      },
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.consumer.start(this.health);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.consumer.stop();
  }

  waitForAssignment(timeoutMs?: number): Promise<void> {
    return this.consumer.waitForAssignment(timeoutMs);
  }
}
