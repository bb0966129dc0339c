import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '@attendance/observability';
import type { GatewayMetrics } from '../health/gateway-metrics';
import type { EdgeStore } from '../store/edge-store';

export interface OutboxRetentionOptions {
  /** Published rows older than this are deleted; 0 keeps them forever. */
  publishedRetentionMs: number;
  /** How often to look for expired rows. */
  intervalMs?: number;
  /** Rows per DELETE: short write transactions, so device uploads never wait long behind a prune. */
  batchSize?: number;
}

/**
 * Deletes PUBLISHED outbox rows (punches and device events) once they are older than the retention, in small
 * batches with the event loop free in between. Unsent rows are never touched, whatever their age (DESIGN.md
 * 3.5: no TTL on unsent punches); the DELETE itself says `published_at IS NOT NULL`.
 *
 * Then the raw requests those punches came from: a parsed request older than the retention goes once nothing
 * refers to it any more (all its punches published and pruned, no quarantined line, no photo); see
 * RawRequestRepository.pruneSettled. Without this the raw bytes of every upload stayed forever.
 */
export class OutboxRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EdgeStore,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly options: OutboxRetentionOptions,
  ) {}

  start(): void {
    if (this.options.publishedRetentionMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.running = this.pruneOnce().catch((err: unknown) => this.logger.warn({ err }, 'outbox retention failed; retried next interval'));
    }, this.options.intervalMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: everything published before now minus the retention. Returns rows deleted per table. */
  async pruneOnce(now: Date = new Date()): Promise<{ punches: number; deviceEvents: number; rawRequests: number }> {
    if (this.options.publishedRetentionMs <= 0) return { punches: 0, deviceEvents: 0, rawRequests: 0 };
    const cutoff = new Date(now.getTime() - this.options.publishedRetentionMs).toISOString();
    const batch = this.options.batchSize ?? 500;
    const punches = await drain(() => this.store.outbox.prunePublished(cutoff, batch), batch);
    const deviceEvents = await drain(() => this.store.deviceEvents.prunePublished(cutoff, batch), batch);
    // after the punches: a request whose last punch was pruned just now can go in the same pass
    const rawRequests = await this.pruneRawRequests(cutoff, batch);
    if (punches + deviceEvents > 0) {
      this.metrics.outboxPruned.inc(punches + deviceEvents);
      this.logger.info({ punches, deviceEvents, publishedBefore: cutoff }, 'pruned published outbox rows');
    }
    if (rawRequests > 0) this.logger.info({ rawRequests, receivedBefore: cutoff }, 'pruned settled raw requests');
    return { punches, deviceEvents, rawRequests };
  }

  /** Walks the raw requests older than the cutoff in id windows of `batch`, one short DELETE each. */
  private async pruneRawRequests(cutoff: string, batch: number): Promise<number> {
    let total = 0;
    let after = 0;
    for (;;) {
      const { deleted, next } = this.store.rawRequests.pruneSettled(cutoff, after, batch);
      total += deleted;
      if (next === null) return total;
      after = next;
      await yieldToEventLoop();
    }
  }
}

async function drain(deleteBatch: () => number, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = deleteBatch();
    total += deleted;
    if (deleted < batch) return total;
    await yieldToEventLoop();
  }
}
