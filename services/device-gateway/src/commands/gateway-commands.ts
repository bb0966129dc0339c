import type { Kafka } from 'kafkajs';
import { defineTopic, GatewayCommandEnvelopeSchema, TOPICS } from '@attendance/contracts';
import { BatchConsumer, type ContractProducer } from '@attendance/kafka';
import { CommandResultRelay, type ResultPublisher } from './command-result-relay';
import { GatewayCommandExecutor, type CommandExecutorDeps } from './command-executor';
import { GatewayCommandRepository } from './gateway-command.repository';

/**
 * The consumer reads commands by their envelope only (commandId, gatewayId, type, deadline), so a command of an
 * unknown type or with bad args is answered `rejected` by the executor instead of vanishing into the DLQ.
 */
const COMMAND_ENVELOPE_TOPIC = defineTopic({ ...TOPICS.gatewayCommand, schema: GatewayCommandEnvelopeSchema.loose(), key: (value) => value.gatewayId });

export interface GatewayCommandsOptions extends Omit<CommandExecutorDeps, 'repository' | 'onResult'> {
  kafka: Kafka;
  /** Dead-letters messages without a readable envelope. */
  dlqProducer: ContractProducer;
  publisher: ResultPublisher;
  /** Consumer group; default `device-gateway-<gatewayId>` (each gateway reads every command, keeps its own). */
  groupId?: string;
  /** Delay before retrying to join the group while Kafka is unreachable. Default 5 s. */
  consumerRetryMs?: number;
}

/**
 * edge.gateway.command.v1 in, edge.gateway.command-result.v1 out. Commands are made durable in SQLite inside
 * the consumer's handler (so the offset is committed only after that), executed from SQLite, and their results
 * relayed from a SQLite outbox: a command is run at most once, a result is published at least once.
 */
export class GatewayCommands {
  readonly repository: GatewayCommandRepository;
  readonly executor: GatewayCommandExecutor;
  private readonly relay: CommandResultRelay;
  private readonly consumer: BatchConsumer<typeof COMMAND_ENVELOPE_TOPIC>;
  private stopped = false;
  private starting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: GatewayCommandsOptions) {
    this.repository = new GatewayCommandRepository(options.store.db);
    this.relay = new CommandResultRelay(this.repository, options.publisher, options.logger.child({ component: 'command-results' }));
    this.executor = new GatewayCommandExecutor({ ...options, repository: this.repository, onResult: () => this.relay.notify() });
    this.consumer = new BatchConsumer({
      kafka: options.kafka,
      groupId: options.groupId ?? `device-gateway-${options.config.gatewayId}`,
      contract: COMMAND_ENVELOPE_TOPIC,
      handler: async (messages) => {
        for (const message of messages) this.executor.receive(message.value);
      },
      dlqProducer: options.dlqProducer,
      logger: options.logger.child({ component: 'command-consumer' }),
      maxBatchSize: 100,
    });
  }

  start(): void {
    this.stopped = false;
    this.executor.start();
    this.relay.start();
    this.connect();
  }

  /** Resolves once the consumer has its partitions (tests publish after this). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await this.consumer.waitForAssignment(timeoutMs);
  }

  isHealthy(): boolean {
    return this.consumer.isHealthy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // NOTE: with Kafka unreachable the consumer's join is retried by kafkajs for ~15 s and cannot be cut short,
    // so the executor and the result relay stop at once instead of after it. A command the consumer still hands
    // over meanwhile is only stored (receive() is one SQLite transaction; the store closes after this resolves)
    // and runs after the next start.
    const consumerStopped = (async () => {
      await this.starting?.catch(() => undefined);
      await this.consumer.stop().catch(() => undefined);
    })();
    await Promise.all([this.executor.stop(), this.relay.stop()]);
    await consumerStopped;
  }

  private connect(): void {
    if (this.stopped) return;
    // NOTE: the gateway must run with Kafka unreachable (the edge keeps taking punches); joining is retried.
    this.starting = this.consumer.start().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'command consumer could not start; retrying');
      this.retryTimer = setTimeout(() => this.connect(), this.options.consumerRetryMs ?? 5000);
    });
  }
}
