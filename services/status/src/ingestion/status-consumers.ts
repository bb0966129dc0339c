import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { TopicContract, TopicValue } from '@attendance/contracts';
import { BatchConsumer, type DeferredCompletion } from '@attendance/kafka';
import { HealthRegistry, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { DeviceUpdater } from '../devices/device-updater';
import { GatewayStore } from '../gateways/gateway-store';
import { StatusKafka } from '../kafka/status-kafka';
import { commandResultUpdate } from './command-result-mapper';
import { completenessUpdates } from './completeness-mapper';
import { deviceEventUpdate } from './device-event-mapper';
import { heartbeatDeviceUpdates } from './heartbeat-mapper';
import { punchDeviceUpdates } from './punch-mapper';

/**
 * One BatchConsumer per input topic (own consumer group each: a slow topic never starves another, and the
 * high-volume punch topic gets its batches). A batch is committed only once Redis holds its effects and its
 * transitions are in the outbox, so committed offsets never run ahead of the health records.
 */
@Injectable()
export class StatusConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumers: BatchConsumer<TopicContract>[] = [];

  constructor(
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly kafka: StatusKafka,
    private readonly updater: DeviceUpdater,
    private readonly gateways: GatewayStore,
    private readonly health: HealthRegistry,
  ) {
    const t = kafka.topics;
    // The two high-volume topics finish in the background (DeferredCompletion): the mapping runs here (a
    // throw is a poison message, isolated as usual), the Redis writes are sent before the handler returns,
    // and BatchConsumer starts the partition's next batch meanwhile but commits this one only once its
    // writes resolved, in offset order. Writes of consecutive batches reach Redis in order (one connection,
    // sent in order), and the claims check revisions, so overlapping batches change nothing but the waiting.
    // The gateway hashes and the device records are independent keys: written concurrently.
    this.add('heartbeat', t.heartbeat, async (values) => {
      const updates = values.flatMap(heartbeatDeviceUpdates);
      return inBackground(Promise.all([this.gateways.applyHeartbeats(values), this.updater.apply(t.heartbeat.name, updates)]));
    });
    this.add('device-event', t.deviceEvent, (values) => this.updater.apply(t.deviceEvent.name, values.map(deviceEventUpdate)));
    this.add('punch-accepted', t.punchAccepted, async (values) => {
      const updates = punchDeviceUpdates(values);
      return inBackground(this.updater.apply(t.punchAccepted.name, updates));
    });
    this.add('command-result', t.commandResult, (values) =>
      this.updater.apply(t.commandResult.name, values.map(commandResultUpdate).filter((u) => u !== null)),
    );
    this.add('completeness', t.completeness, (values) => this.updater.apply(t.completeness.name, values.flatMap(completenessUpdates)));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.health.register({
      name: 'kafka-consumers',
      check: () => {
        for (const consumer of this.consumers) {
          if (!consumer.isHealthy()) throw new Error('a consumer is not running');
          const problem = consumer.dependencyProblem();
          if (problem) throw new Error(`paused since ${problem.at.toISOString()}: ${problem.message}`);
        }
      },
    });
    await Promise.all(this.consumers.map((c) => c.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  /** For tests and the bench: resolves once every consumer group has its partitions. */
  async waitForAssignment(timeoutMs?: number): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.waitForAssignment(timeoutMs)));
  }

  private add<C extends TopicContract>(name: string, contract: C, handle: (values: TopicValue<C>[]) => Promise<void | DeferredCompletion>): void {
    const consumer = new BatchConsumer<C>({
      kafka: this.kafka.kafka,
      groupId: `${this.config.STATUS_CONSUMER_GROUP}.${name}`,
      contract,
      dlqProducer: this.kafka.producer,
      logger: this.logger.child({ component: `${name}-consumer` }),
      metrics: this.kafka.metrics,
      maxBatchSize: this.config.STATUS_MAX_BATCH,
      partitionsConsumedConcurrently: this.config.STATUS_PARTITION_CONCURRENCY,
      sessionTimeoutMs: this.config.STATUS_SESSION_TIMEOUT_MS,
      handler: (messages) => handle(messages.map((m) => m.value)),
    });
    this.consumers.push(consumer as unknown as BatchConsumer<TopicContract>);
  }
}

function inBackground(work: Promise<unknown>): DeferredCompletion {
  return { completion: work.then(() => undefined) };
}
