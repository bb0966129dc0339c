import { writeSync } from 'node:fs';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { Counter, Histogram } from 'prom-client';
import { TOPICS } from '@attendance/contracts';
import { BatchConsumer } from '@attendance/kafka';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';
import { IngestKafka } from '../kafka/ingest-kafka';
import { IngestDatabase } from '../persistence/ingest-database';
import { PunchWriter } from './punch-writer';

/**
 * Consumes `attendance.punch.raw.v1` in batches: writes each batch in one Postgres statement, publishes the
 * accepted events of the new rows (and of rows whose own message is being redelivered, see PunchWriter), and
 * only once both are done lets BatchConsumer commit the offsets (the publish overlaps the next batch's write). Poison goes to the DLQ; a Postgres outage pauses
 * consumption and resumes with nothing lost.
 */
@Injectable()
export class PunchIngestion implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: BatchConsumer<typeof TOPICS.punchRaw>;

  constructor(
    @Inject(INGEST_CONFIG) config: IngestConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    kafka: IngestKafka,
    database: IngestDatabase,
    private readonly health: HealthRegistry,
  ) {
    const inserted = new Counter({ name: 'ingest_punches_inserted_total', help: 'New punches written', registers: [registry] });
    const duplicates = new Counter({ name: 'ingest_punches_duplicate_total', help: 'Punches already stored (deduplicated)', registers: [registry] });
    const published = new Counter({ name: 'ingest_accepted_published_total', help: 'Accepted events acknowledged by Kafka', registers: [registry] });
    const republished = new Counter({
      name: 'ingest_accepted_republished_total',
      help: 'Accepted events sent again because their message was redelivered after a crash',
      registers: [registry],
    });
    const insertLatency = new Histogram({
      name: 'ingest_insert_duration_seconds',
      help: 'One batch insert (rows + accepted outbox), until committed',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    const publishLatency = new Histogram({
      name: 'ingest_accepted_publish_duration_seconds',
      help: "Publishing one batch's accepted events, until the broker acknowledged them all",
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    const writer = new PunchWriter(database.dataSource, database.partitions);
    this.consumer = new BatchConsumer({
      kafka: kafka.kafka,
      groupId: config.INGEST_CONSUMER_GROUP,
      contract: TOPICS.punchRaw,
      // Every punch is validated on decode; the compiled check (sound against the zod schema, see
      // compiled-contract-check.ts) takes the common case, zod the rest and the error messages.
      compiledValidation: true,
      dlqProducer: kafka.producer,
      logger: logger.child({ component: 'punch-consumer' }),
      metrics: kafka.metrics,
      maxBatchSize: config.INGEST_MAX_BATCH,
      // A raw punch is ~1.6 KB on the wire with its headers: fetch enough for a full batch (2 MB gave 1,300).
      maxBytesPerPartition: config.INGEST_MAX_BATCH * 2048,
      partitionsConsumedConcurrently: config.INGEST_PARTITION_CONCURRENCY,
      // The next fetch and decode overlap a batch's Postgres write (kafkajs otherwise fetches only after every
      // handler of the previous fetch returned).
      overlapFetchWithHandler: config.INGEST_OVERLAP_FETCH,
      sessionTimeoutMs: config.INGEST_SESSION_TIMEOUT_MS,
      handler: async (messages) => {
        const stopTimer = insertLatency.startTimer();
        const result = await writer.write(messages.map((m) => ({ punch: m.value, json: m.json, partition: m.partition, offset: m.offset })));
        stopTimer();
        inserted.inc(result.inserted);
        duplicates.inc(result.duplicates);
        if (config.FAULT_CRASH_AFTER_DB_COMMIT) {
          // The worst moment: rows committed, accepted events not published, offsets not committed. Test only.
          // Synchronous write: the logger's buffered output may not leave the process before the kill.
          writeSync(2, `FAULT_CRASH_AFTER_DB_COMMIT: killing the process now (${result.inserted} rows committed)\n`);
          process.kill(process.pid, 'SIGKILL');
        }
        // NOTE: the publish finishes in the background (a DeferredCompletion) while the next batch of the
        // partition is decoded and written; BatchConsumer commits this batch's offsets only once it resolved,
        // in order. A failed publish rewinds the partition to this batch, whose rows then count as redelivered
        // (same origin) and are published again: exactly once per row, as after a crash.
        const stopPublishTimer = publishLatency.startTimer();
        // NOTE: the callback keeps only the counts: capturing `result` would keep every accepted event's JSON
        // alive until the broker acknowledged them, long after publishSerialized copied the bytes (GC work).
        const { length: publishedCount } = result.accepted;
        const { redelivered } = result;
        const completion = kafka.acceptedProducer.publishSerialized(TOPICS.punchAccepted, result.accepted).then(() => {
          stopPublishTimer();
          published.inc(publishedCount);
          republished.inc(redelivered);
        });
        return { completion };
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.health.register({
      name: 'punch-consumer',
      check: () => {
        if (!this.consumer.isHealthy()) throw new Error('consumer is not running');
        const problem = this.consumer.dependencyProblem();
        if (problem) throw new Error(`paused since ${problem.at.toISOString()}: ${problem.message}`);
      },
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  /** For tests that must know the group has its partitions before they publish. */
  waitForAssignment(timeoutMs?: number): Promise<void> {
    return this.consumer.waitForAssignment(timeoutMs);
  }
}
