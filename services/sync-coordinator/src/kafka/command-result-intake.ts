import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TOPICS } from '@attendance/contracts';
import { HealthRegistry, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { ReconciliationService } from '../reconciliation/reconciliation.service';
import { ManagedConsumer } from './managed-consumer';
import { SyncKafka } from './sync-kafka';

/**
 * Command results → reconciliation runs (verify counts, backfill reports). Results of commands this service
 * did not record (lease grants, another coordinator's) are ignored. A new group starts at the beginning so no
 * result published while the service was being deployed is missed; old ones find no open command.
 */
@Injectable()
export class CommandResultIntake implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: ManagedConsumer<typeof TOPICS.gatewayCommandResult>;

  constructor(
    @Inject(SYNC_CONFIG) config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    kafka: SyncKafka,
    reconciliation: ReconciliationService,
    private readonly health: HealthRegistry,
  ) {
    this.consumer = new ManagedConsumer('command-result-consumer', {
      kafka: kafka.kafka,
      groupId: `${config.SYNC_CONSUMER_GROUP_PREFIX}.command-results`,
      contract: TOPICS.gatewayCommandResult,
      dlqProducer: kafka.producer,
      logger: logger.child({ component: 'command-result-consumer' }),
      metrics: kafka.metrics,
      fromBeginning: true,
      handler: async (messages) => {
        // Most results on the topic are not ours to apply (lease grants, other consumers' commands): one query
        // finds the open commands of our runs, and only those results take a transaction.
        const open = await reconciliation.openCommandIds(messages.map((m) => m.value.commandId));
        for (const { value } of messages) if (open.has(value.commandId)) await reconciliation.onResult(value);
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
