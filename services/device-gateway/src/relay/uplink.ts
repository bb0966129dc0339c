import CircuitBreaker from 'opossum';
import type { TopicContract, TopicValue } from '@attendance/contracts';
import { ContractViolationError, type ContractProducer } from '@attendance/kafka';
import type { Logger } from '@attendance/observability';
import { settlesWithin } from './relay-loop';

export type UplinkStateName = 'up' | 'degraded' | 'down';

export interface UplinkState {
  state: UplinkStateName;
  since: string;
  consecutiveFailures: number;
  lastError: string | null;
  lastOutageStartedAt: string | null;
  lastOutageEndedAt: string | null;
}

/**
 * Where `publishSerialized` sends when given (WorkerThreadProducer of @attendance/kafka: the same idempotent,
 * acks=all producer settings, with the Kafka encoding and I/O on its own thread). It must resolve only once the
 * broker has acknowledged every message, like ContractProducer.publishSerialized.
 */
export interface SerializedProducer {
  connect(): Promise<void>;
  isConnected(): boolean;
  publishSerialized<C extends TopicContract>(contract: C, items: readonly { key: string; json: string; id: string }[]): Promise<void>;
  /** `terminateAfterMs`: end the producer's thread after this long even with a send in flight (unacknowledged). */
  disconnect(options?: { terminateAfterMs?: number }): Promise<void>;
}

export interface UplinkOptions {
  /**
   * Sends stored, already validated values (the punch outbox) off the event loop. Without it they go through the
   * ContractProducer like everything else. Owned by the Uplink from then on: `shutdown()` disconnects it.
   */
  serializedProducer?: SerializedProducer;
  /** Failed share of recent sends (percent) that opens the breaker. */
  errorThresholdPercentage?: number;
  /** Sends in the rolling window before the breaker may open at all. */
  volumeThreshold?: number;
  /** Open → half-open after this long: one trial send decides whether to close. */
  resetTimeoutMs?: number;
}

type Send = () => Promise<void>;

/**
 * The gateway's one link to Kafka, shared by the punch relay, the device-event relay and the heartbeat.
 * Every send goes through an opossum circuit breaker: once sends keep failing the breaker opens, callers
 * fail fast (no pile-up of kafkajs retries) and keep their rows, and after `resetTimeoutMs` a single trial
 * send decides whether the link is back. A refused contract is the value's fault, not the link's: it does
 * not count against the breaker.
 *
 * State for heartbeats and health: up (breaker closed, last send fine), degraded (last send failed or
 * breaker half-open), down (breaker open).
 */
export class Uplink {
  private readonly breaker: CircuitBreaker<[Send], void>;
  private stateName: UplinkStateName = 'up';
  private since = new Date().toISOString();
  private consecutiveFailures = 0;
  private lastError: string | null = null;
  private lastOutageStartedAt: string | null = null;
  private lastOutageEndedAt: string | null = null;
  private readonly listeners: ((state: UplinkState) => void)[] = [];
  private readonly serialized: SerializedProducer | null;

  constructor(
    private readonly producer: ContractProducer,
    private readonly logger: Logger,
    options: UplinkOptions = {},
  ) {
    this.serialized = options.serializedProducer ?? null;
    this.breaker = new CircuitBreaker(async (send: Send) => send(), {
      // NOTE: no timeout of our own: kafkajs bounds each request and its retries, and abandoning a send that
      // is still in flight would let a later send of the same rows overtake it. (A relay's stop() abandons one
      // only at shutdown, when nothing sends after it; see RelayLoop.)
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 3,
      resetTimeout: options.resetTimeoutMs ?? 10_000,
      rollingCountTimeout: 60_000,
      rollingCountBuckets: 12,
      errorFilter: (error: unknown) => error instanceof ContractViolationError,
    });
    this.breaker.on('open', () => {
      this.lastOutageStartedAt = new Date().toISOString();
      this.transition('down');
      this.logger.warn({ consecutiveFailures: this.consecutiveFailures, lastError: this.lastError }, 'uplink breaker open: Kafka unreachable, data stays buffered');
    });
    this.breaker.on('halfOpen', () => this.transition('degraded'));
    this.breaker.on('close', () => {
      this.lastOutageEndedAt = new Date().toISOString();
      this.logger.info({ outageStartedAt: this.lastOutageStartedAt }, 'uplink breaker closed: Kafka reachable again');
    });
    this.breaker.on('success', () => {
      this.consecutiveFailures = 0;
      this.lastError = null;
      if (this.breaker.closed) this.transition('up');
    });
    this.breaker.on('failure', (error: unknown) => {
      this.consecutiveFailures++;
      this.lastError = error instanceof Error ? error.message : String(error);
      if (this.breaker.closed) this.transition('degraded');
    });
  }

  /** Validates and sends; resolves on broker ack. Rejects at once while the breaker is open. */
  publish<C extends TopicContract>(contract: C, values: readonly TopicValue<C>[]): Promise<void> {
    return this.breaker.fire(async () => {
      await this.connected();
      await this.producer.publish(contract, values);
    });
  }

  /**
   * Sends values validated when they were stored (see ContractProducer.publishSerialized), through the
   * serialized producer when there is one. Same breaker either way: its failures open the uplink like any other.
   */
  publishSerialized<C extends TopicContract>(contract: C, items: readonly { key: string; json: string; id: string }[]): Promise<void> {
    const serialized = this.serialized;
    if (serialized === null) {
      return this.breaker.fire(async () => {
        await this.connected();
        await this.producer.publishSerialized(contract, items);
      });
    }
    return this.breaker.fire(async () => {
      if (!serialized.isConnected()) await serialized.connect();
      await serialized.publishSerialized(contract, items);
    });
  }

  state(): UplinkState {
    return {
      state: this.stateName,
      since: this.since,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
      lastOutageStartedAt: this.lastOutageStartedAt,
      lastOutageEndedAt: this.lastOutageEndedAt,
    };
  }

  onStateChange(listener: (state: UplinkState) => void): void {
    this.listeners.push(listener);
  }

  /** Call after every sender stopped: nothing is in flight then, so the serialized producer's thread just ends. */
  shutdown(): void {
    void this.close();
  }

  /**
   * shutdown() that waits, at most `graceMs`, for the serialized producer to stop. It may not within that time
   * when a stopped relay abandoned a send (RelayLoop.stop) that kafkajs keeps retrying: the producer's thread is
   * then terminated, so the abandoned send cannot keep the process alive; nothing is marked published from it
   * (its rows are re-sent after the restart).
   */
  async close(graceMs = 1_000): Promise<void> {
    this.breaker.shutdown();
    const stopping = this.serialized
      ?.disconnect({ terminateAfterMs: graceMs })
      .catch((err: unknown) => this.logger.warn({ err }, 'serialized producer did not stop cleanly'));
    if (!(await settlesWithin(stopping, graceMs + 500))) {
      this.logger.warn({ graceMs }, 'serialized producer thread did not end after it was told to terminate');
    }
  }

  private async connected(): Promise<void> {
    if (!this.producer.isConnected()) await this.producer.connect();
  }

  private transition(next: UplinkStateName): void {
    if (next === this.stateName) return;
    this.stateName = next;
    this.since = new Date().toISOString();
    const snapshot = this.state();
    for (const listener of this.listeners) listener(snapshot);
  }
}
