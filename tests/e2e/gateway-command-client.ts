import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, type GatewayCommandResultV1, type GatewayCommandV1 } from '@attendance/contracts';
import { ContractProducer, ensureTopics } from '@attendance/kafka';
import { createRootLogger } from '@attendance/observability';
import { collectTopic, waitFor, type CollectedMessage } from '@attendance/testing';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A command as a test writes it: the envelope fields are filled in by {@link GatewayCommandClient.command}. */
export type CommandBody = DistributiveOmit<GatewayCommandV1, 'commandId' | 'tenantId' | 'siteId' | 'gatewayId' | 'issuedAt' | 'deadline' | 'requestedBy'>;

/**
 * The cloud side of gateway commands in e2e tests, as sync-coordinator would be: publishes commands to
 * edge.gateway.command.v1 through the contract producer and collects edge.gateway.command-result.v1.
 * Start it before the gateway, so no result is missed.
 */
export class GatewayCommandClient {
  private constructor(
    private readonly target: { tenantId: string; gatewayId: string; siteId: string },
    private readonly producer: ContractProducer,
    private readonly results: { messages: CollectedMessage[]; stop(): Promise<void> },
  ) {}

  static async start(brokers: readonly string[], target: { tenantId: string; gatewayId: string; siteId?: string }): Promise<GatewayCommandClient> {
    const kafka = new Kafka({ clientId: `commands-${target.gatewayId}`, brokers: [...brokers], logLevel: logLevel.NOTHING });
    // On a fresh broker neither topic exists yet: subscribing to a missing one fails (the suite passed only when
    // an earlier suite had created them).
    await ensureTopics(kafka, [TOPICS.gatewayCommand.name, TOPICS.gatewayCommandResult.name]);
    const results = await collectTopic(TOPICS.gatewayCommandResult.name);
    const producer = new ContractProducer(kafka, {
      source: '/test/sync-coordinator',
      logger: createRootLogger({ service: 'test', version: 'test', level: 'warn' }),
    });
    await producer.connect();
    return new GatewayCommandClient({ siteId: 'site-1', ...target }, producer, results);
  }

  /** A command with a fresh id, issued a second ago, due in two minutes; `overrides` replace any field. */
  command(body: CommandBody, overrides: Partial<GatewayCommandV1> = {}): GatewayCommandV1 {
    const now = Date.now();
    return {
      commandId: randomUUID(),
      tenantId: this.target.tenantId,
      siteId: this.target.siteId,
      gatewayId: this.target.gatewayId,
      issuedAt: new Date(now - 1000).toISOString(),
      deadline: new Date(now + 120_000).toISOString(),
      requestedBy: 'test',
      ...body,
      ...overrides,
    } as GatewayCommandV1;
  }

  publish(...commands: GatewayCommandV1[]): Promise<void> {
    return this.producer.publish(TOPICS.gatewayCommand, commands);
  }

  /** Bytes that are not a valid command (what a broken producer could send), bypassing the contract. */
  sendRaw(messages: { key: string; value: string }[]): Promise<void> {
    return this.producer.sendRaw(TOPICS.gatewayCommand.name, messages);
  }

  /** Every result collected so far for `commandId` (more than one would mean it ran twice). */
  resultsOf(commandId: string): GatewayCommandResultV1[] {
    return this.results.messages.map((m) => JSON.parse(m.value ?? '{}') as GatewayCommandResultV1).filter((r) => r.commandId === commandId);
  }

  /** The first result of `commandId`, waiting up to a minute for it. */
  resultOf(commandId: string): Promise<GatewayCommandResultV1> {
    return waitFor(() => this.resultsOf(commandId)[0], { description: `result of ${commandId}`, timeoutMs: 60_000 });
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
    await this.results.stop();
  }
}
