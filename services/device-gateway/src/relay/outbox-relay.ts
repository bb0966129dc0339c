import { TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { ContractViolationError, type ContractProducer } from '@attendance/kafka';
import type { Logger } from '@attendance/observability';
import type { GatewayMetrics } from '../health/gateway-metrics';
import type { EdgeStore } from '../store/edge-store';

export interface OutboxRelayOptions {
  batchSize: number;
  idlePollMs: number;
  /** Back-off after a failed publish: exponential with full jitter, capped. */
  maxBackoffMs?: number;
}

/**
 * Moves punches from the SQLite outbox to `attendance.punch.raw.v1`, oldest first. A row is marked
 * published only after the broker acknowledged it (acks=all, idempotent producer). A crash between the ack
 * and the mark re-sends that batch after restart; the cloud dedupes by eventId, so that costs nothing.
 * While the uplink is down it backs off and keeps the rows; they are never deleted unsent.
 */
export class OutboxRelay {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private consecutiveFailures = 0;
  private lastError: string | null = null;

  constructor(
    private readonly store: EdgeStore,
    private readonly producer: ContractProducer,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }

  /** Called after new punches are committed, so live punches go out without waiting for the next poll. */
  notify(): void {
    this.wake?.();
  }

  uplinkState(): { state: 'up' | 'down'; consecutiveFailures: number; lastError: string | null } {
    return { state: this.consecutiveFailures === 0 ? 'up' : 'down', consecutiveFailures: this.consecutiveFailures, lastError: this.lastError };
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const rows = this.store.outbox.nextUnpublished(this.options.batchSize);
      if (rows.length === 0) {
        await this.sleep(this.options.idlePollMs);
        continue;
      }
      try {
        await this.publish(rows);
        this.consecutiveFailures = 0;
        this.lastError = null;
      } catch (error) {
        this.consecutiveFailures++;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.metrics.relayFailures.inc();
        const ceiling = Math.min(this.options.maxBackoffMs ?? 30000, 250 * 2 ** Math.min(this.consecutiveFailures, 10));
        const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
        this.logger.warn({ err: error, backlog: this.store.outbox.backlog().count, retryInMs: delay }, 'uplink publish failed; punches stay buffered');
        await this.sleep(delay);
      }
    }
  }

  private async publish(rows: { id: number; payload: string }[]): Promise<void> {
    const values = rows.map((row) => JSON.parse(row.payload) as PunchRawV1);
    try {
      await this.producer.publish(TOPICS.punchRaw, values);
    } catch (error) {
      if (!(error instanceof ContractViolationError)) throw error;
      await this.publishIndividually(rows, values);
      return;
    }
    this.store.outbox.markPublished(rows.map((r) => r.id), new Date().toISOString());
    this.metrics.relayPublished.inc(rows.length);
  }

  /** A stored payload the contract now refuses must not block the queue behind it: set it aside, visibly. */
  private async publishIndividually(rows: { id: number }[], values: PunchRawV1[]): Promise<void> {
    for (const [index, row] of rows.entries()) {
      try {
        await this.producer.publish(TOPICS.punchRaw, [values[index]!]);
        this.store.outbox.markPublished([row.id], new Date().toISOString());
        this.metrics.relayPublished.inc();
      } catch (error) {
        if (!(error instanceof ContractViolationError)) throw error;
        this.store.outbox.markRejected(row.id, error.message);
        this.logger.error({ outboxId: row.id, err: error }, 'stored punch refused by its contract; set aside for an operator');
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
