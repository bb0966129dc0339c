import type { DataSource } from 'typeorm';
import type { Counter } from 'prom-client';
import { TOPICS, type PunchAcceptedV1 } from '@attendance/contracts';
import type { ContractProducer } from '@attendance/kafka';
import type { Logger } from '@attendance/observability';

interface OutboxRow {
  id: string;
  payload: string;
  first_seen_at: Date;
  accepted_at: Date;
}

export interface AcceptedRelayOptions {
  batchSize: number;
  idlePollMs: number;
}

/**
 * Publishes `attendance.punch.accepted.v1` from the accepted outbox, which PunchWriter fills in the same
 * statement as the punch rows. A batch is read, published (acks=all) and deleted in one transaction; a crash
 * after the publish and before the commit publishes that batch again after restart, with the same eventIds
 * (at-least-once, stable id, as the contract says).
 *
 * NOTE: one relay at a time across replicas (a transaction-scoped advisory lock): events of a device then
 * leave in the order their rows were committed, and two replicas never send the same rows concurrently.
 */
export class AcceptedOutboxRelay {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: ContractProducer,
    private readonly published: Counter,
    private readonly logger: Logger,
    private readonly options: AcceptedRelayOptions,
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

  /** Called after a batch inserted new punches, so accepted events follow without waiting for a poll. */
  notify(): void {
    this.wake?.();
  }

  /** Publishes one batch; returns how many rows went out (0 when idle or another replica holds the lock). */
  async relayOnce(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', ['ingest:accepted-relay']);
      if (!locked) return 0;
      const rows: OutboxRow[] = await manager.query(
        'SELECT id, payload, first_seen_at, accepted_at FROM ingest.accepted_outbox ORDER BY id LIMIT $1',
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      const values = rows.map(
        (row): PunchAcceptedV1 => ({
          ...(JSON.parse(row.payload) as PunchAcceptedV1),
          acceptedAt: row.accepted_at.toISOString(),
          firstSeenAt: row.first_seen_at.toISOString(),
        }),
      );
      await this.producer.publish(TOPICS.punchAccepted, values);
      // TRICKY: delete exactly the ids we sent; a lower id committed later is still waiting and must stay
      await manager.query('DELETE FROM ingest.accepted_outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      this.published.inc(rows.length);
      return rows.length;
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const sent = await this.relayOnce();
        this.failures = 0;
        if (sent < this.options.batchSize) await this.sleep(this.options.idlePollMs);
      } catch (error) {
        this.failures++;
        const delay = Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7)) * (0.5 + Math.random() / 2);
        this.logger.warn({ err: error, retryInMs: Math.round(delay) }, 'accepted relay failed; events stay in the outbox');
        await this.sleep(delay);
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
