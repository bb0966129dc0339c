import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MobileRecordTopic } from '@attendance/contracts';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { SyncKafka } from '../kafka/sync-kafka';
import { SyncDatabase } from '../persistence/sync-database';

const BATCH = 500;
const RETRY_INTERVAL_MS = 5000;
/** How long a request waits for its events to be published before it answers anyway. */
export const RELAY_WAIT_MS = 2000;

/**
 * Publishes the mobile record outbox to `attendance.mobile-record.v1`: right after each sync commits (so
 * integrators see records within the request), and every few seconds for whatever a failed publish left.
 *
 * NOTE: one relay at a time across replicas (transaction-scoped advisory lock), publishing in outbox order, so
 * the changes of one record reach Kafka in the order they were made (a record's changes are serialised by its
 * row lock, so their outbox seqs follow their commit order). Rows are deleted only in the transaction
 * that saw the broker acknowledge them; a crash in between re-publishes them (at-least-once, the record id and
 * version tell consumers which change they already have).
 */
@Injectable()
export class MobileRecordRelay implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly db: SyncDatabase,
    private readonly kafka: SyncKafka,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), RETRY_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Flushes, but waits at most `ms`: a request that committed its records answers even while Kafka is down
   * (the rows stay in the outbox and the timer retries them).
   */
  async flushWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([this.flush().then(() => undefined), timeout]);
    clearTimeout(timer);
  }

  /** Publishes everything pending; answers how many events went out. Never throws for a broker outage. */
  async flush(): Promise<number> {
    // Calls that arrive while a flush runs wait for it and then run once more, so their rows are not left behind.
    const previous = this.running ?? Promise.resolve(0);
    const next = previous.catch(() => 0).then(() => this.drain());
    this.running = next;
    try {
      return await next;
    } finally {
      if (this.running === next) this.running = null;
    }
  }

  private async drain(): Promise<number> {
    let published = 0;
    try {
      for (;;) {
        const sent = await this.publishBatch();
        published += sent;
        if (sent < BATCH) return published;
      }
    } catch (error) {
      this.logger.warn({ err: error, published }, 'mobile record relay could not publish; will retry');
      return published;
    }
  }

  private publishBatch(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('sync:mobile-record-relay')) AS locked");
      if (!lock!.locked) return 0;
      const rows = await tx.query<{ seq: string; event_id: string; key: string; value_json: string }>(
        'SELECT seq, event_id, key, value_json FROM sync.mobile_record_outbox ORDER BY seq LIMIT $1',
        [BATCH],
      );
      if (rows.length === 0) return 0;
      await this.kafka.producer.publishSerialized(MobileRecordTopic, rows.map((r) => ({ key: r.key, json: r.value_json, id: r.event_id })));
      // TRICKY: by exact seq, not `seq <= last`: a bigserial row with a lower seq can commit after this read.
      await tx.query('DELETE FROM sync.mobile_record_outbox WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
      return rows.length;
    });
  }
}
