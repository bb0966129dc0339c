import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { dlqTopicName, KAFKA_HEADERS, type TopicContract, type TopicValue } from '@attendance/contracts';
import { compileContractCheck, type ContractCheck } from './compiled-contract-check';
import type { ContractProducer } from './contract-producer';
import { isRetriableError, PoisonMessageError } from './errors';
import type { KafkaMetrics } from './kafka-metrics';
import type { KafkaLogger } from './logger';
import { decodeValueAndText, headersToStrings } from './message-codec';

export interface ConsumedMessage<V> {
  value: V;
  /**
   * The value's JSON text as received, when parsing it gives exactly `value` (the compiled check vouched for
   * it; see decodeValueAndText); null when zod built `value`. Only with `compiledValidation`.
   */
  json: string | null;
  key: string | null;
  headers: Record<string, string>;
  topic: string;
  partition: number;
  offset: string;
  /** Broker timestamp (ms since epoch, as a string, like kafkajs). */
  timestamp: string;
}

/**
 * What a handler may resolve with to finish its batch in the background: the part of its work that had to
 * happen in order is durable (e.g. the Postgres commit), and the rest (e.g. publishing what it produced) is
 * `completion`. See BatchConsumerOptions.handler.
 */
export interface DeferredCompletion {
  completion: Promise<void>;
}

export type BatchHandler<V> = (messages: ConsumedMessage<V>[]) => Promise<void | DeferredCompletion>;

export interface BatchConsumerOptions<C extends TopicContract> {
  kafka: Kafka;
  groupId: string;
  contract: C;
  /**
   * Applies a batch and resolves only when its effects are durable (e.g. the Postgres transaction committed).
   * Must be idempotent: after a crash the batch is delivered again. A terminal (non-retriable) failure of a
   * batch is retried one message at a time, so that only the guilty message goes to the DLQ.
   */
  handler: BatchHandler<TopicValue<C>>;
  // NOTE on DeferredCompletion: when the handler resolves with `{ completion }`, the consumer starts on the
  // partition's next batch while `completion` is still running (one batch per partition at most), and commits
  // this batch's offsets only once `completion` resolved, always in offset order. If `completion` rejects,
  // nothing from this batch on is committed: the partition seeks back to its first message and retries after
  // the back-off, so the handler must be idempotent for a batch whose first phase already committed (as it must
  // be for redelivery after a crash anyway).
  /**
   * Hand a partition's slice to the handler in the background and return to kafkajs at once, so that the next
   * fetch and decode overlap this slice's handler (without it kafkajs fetches only after every handler of the
   * previous fetch returned, and the machine idles meanwhile). Per partition, slices are still handled one at a
   * time and in order (a slice waits for the previous one's handler before it is handed over), and committed
   * only after their handler and completion, in order. A retriable failure seeks the partition back to the
   * failed slice (everything after it is fetched and handled again) and pauses it for the back-off, as a failed
   * completion does. Off by default; ingest turns it on.
   */
  overlapFetchWithHandler?: boolean;
  /**
   * Validate with a check compiled from the contract's schema (compileContractCheck), falling back to zod for
   * any value it does not vouch for. Off by default; for consumers where validation is a measured cost.
   */
  compiledValidation?: boolean;
  /** Used to dead-letter poison messages to `<topic>.dlq`. */
  dlqProducer: ContractProducer;
  logger: KafkaLogger;
  metrics?: KafkaMetrics;
  /** A new group reads the topic from the start (default), so nothing published before it existed is missed. */
  fromBeginning?: boolean;
  /** Largest slice of a fetched batch handed to the handler at once; offsets are committed after each slice. */
  maxBatchSize?: number;
  /**
   * Most bytes fetched per partition at once (default 2 MB). A fetch bounds the batch a handler gets, so a
   * consumer with large batches of large messages raises it (ingest: 2,000 punches of ~1 KB).
   */
  maxBytesPerPartition?: number;
  partitionsConsumedConcurrently?: number;
  /** Back-off while a dependency is down: exponential from initialMs to maxMs, with full jitter. */
  retry?: { initialMs: number; maxMs: number };
  isRetriable?: (error: unknown) => boolean;
  /**
   * Longest a fetch waits on the broker for data. NOTE: kafkajs also sleeps this long whenever every partition
   * is paused, so it bounds how late a retry after a dependency outage can start. Default 1000 ms.
   */
  maxWaitTimeMs?: number;
  /**
   * How long the group waits for a silent member (e.g. one that was `kill -9`ed) before giving its partitions
   * to others. Default 30000 ms; the broker's group.min.session.timeout.ms (6 s) is the floor.
   */
  sessionTimeoutMs?: number;
}

interface PoisonEntry {
  message: KafkaMessage;
  error: Error;
}

/** Per partition: batches whose handler returned a DeferredCompletion, committed in order. */
interface PartitionPipeline {
  /** Resolves true once every batch so far is finished (committed), false if one failed (and was rewound). */
  tail: Promise<boolean>;
  /** Bumped by a rewind, so that batches of before the rewind never commit. */
  epoch: number;
  /** With overlapFetchWithHandler: settles once the last slice handed over has been handled (never rejects). */
  handled?: Promise<void>;
}

/**
 * Consumes one topic in batches with at-least-once delivery and commit-after-effects:
 *  1. decode + validate each message; poison goes to the DLQ (original bytes, error headers);
 *  2. hand the valid ones to the handler; a retriable error (dependency down) pauses the partition and
 *     retries the same messages after a back-off, without committing anything;
 *  3. only after the handler resolved and the DLQ writes are acknowledged, commit `lastOffset + 1`.
 */
export class BatchConsumer<C extends TopicContract> {
  private readonly consumer: Consumer;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly retryAttempts = new Map<number, number>();
  private crashed: Error | null = null;
  private running = false;
  private assigned = false;
  private lastDependencyError: { message: string; at: Date } | null = null;
  private readonly pipelines = new Map<number, PartitionPipeline>();
  private readonly fastCheck: ContractCheck | null;

  constructor(private readonly options: BatchConsumerOptions<C>) {
    this.fastCheck = options.compiledValidation ? compileContractCheck(options.contract.schema) : null;
    if (options.compiledValidation && !this.fastCheck) {
      options.logger.warn({ topic: options.contract.name }, 'contract schema not compilable; validating with zod only');
    }
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: 3000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1000,
      allowAutoTopicCreation: true,
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.options.logger.error({ err: error, restart, groupId: options.groupId }, 'kafka consumer crashed');
      if (!restart) this.crashed = error;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.assigned = true));
    this.consumer.on(this.consumer.events.REBALANCING, () => (this.assigned = false));
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.contract.name, fromBeginning: this.options.fromBeginning ?? true });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    // Batches still finishing in the background get a chance to commit; whatever does not is redelivered.
    // (Handling first: a slice being handled adds its commit to the tail only when its handler is done.)
    const drained = (async () => {
      await Promise.all([...this.pipelines.values()].map((p) => p.handled));
      await Promise.all([...this.pipelines.values()].map((p) => p.tail));
    })();
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await this.consumer.disconnect();
  }

  /** For readiness: false once the consumer crashed for good or was stopped. */
  isHealthy(): boolean {
    return this.running && this.crashed === null;
  }

  /** The last time a dependency failure paused consumption (null once a batch succeeded again). */
  dependencyProblem(): { message: string; at: Date } | null {
    return this.lastDependencyError;
  }

  /** Resolves once the group has joined and has its assignment; useful before publishing in tests. */
  async waitForAssignment(timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.assigned) {
      if (Date.now() > deadline) throw new Error(`consumer group ${this.options.groupId}: no assignment within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, pause, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const group = this.options.groupId;
    this.options.metrics?.consumerLag.set({ topic, group, partition: String(partition) }, Number(batch.offsetLag()));
    const sliceSize = this.options.maxBatchSize ?? 1000;

    for (let start = 0; start < batch.messages.length; start += sliceSize) {
      if (!isRunning() || isStale()) return;
      // A rewind (see finishInOrder) while this slice's handler runs makes the slice stale: it must not commit.
      const epochAtStart = this.pipelines.get(partition)?.epoch ?? 0;
      const slice = batch.messages.slice(start, start + sliceSize);
      const { valid, poison } = this.decode(slice, topic, partition);
      if (this.options.overlapFetchWithHandler) {
        if (!(await this.handOver(payload, epochAtStart, slice, valid, poison))) return;
        await heartbeat();
        continue;
      }
      let completion: Promise<void> | null;
      try {
        ({ completion } = await this.applySlice(valid, slice, poison, topic));
      } catch (error) {
        this.pauseForRetry(pause, partition, error);
        return; // NOTE: nothing resolved or committed, so the same messages are fetched again after resume
      }
      // TRICKY: the DLQ write must be acknowledged before the offset moves past the poison message
      if (poison.length > 0) await this.deadLetter(poison, topic, partition);

      const lastOffset = slice[slice.length - 1]!.offset;
      const commit = commitThrough(commitOffsetsIfNecessary, topic, partition, lastOffset);
      // Resolving moves the fetch position on (the next batch can start); committing is what makes it final.
      resolveOffset(lastOffset);
      const pipeline = this.pipelines.get(partition);
      if (completion === null && pipeline === undefined) {
        await commit();
        this.markHealthy(partition);
      } else {
        const finishedInOrder = await this.finishInOrder(partition, epochAtStart, topic, slice[0]!.offset, completion ?? Promise.resolve(), commit, pause);
        if (!finishedInOrder) return; // an earlier batch failed: the partition was rewound to it
      }
      await heartbeat();
    }
  }

  /**
   * Runs the handler on a slice's valid messages (isolating poison into `poison`) and records its duration.
   * Resolves with the handler's completion, if any (wrapped: an async function resolving with a promise would
   * wait for it); rejects with a retriable failure.
   */
  private async applySlice(
    valid: ConsumedMessage<TopicValue<C>>[],
    slice: KafkaMessage[],
    poison: PoisonEntry[],
    topic: string,
  ): Promise<{ completion: Promise<void> | null }> {
    const group = this.options.groupId;
    const started = process.hrtime.bigint();
    let completion: Promise<void> | null = null;
    try {
      if (valid.length > 0) {
        const applied = await this.applyIsolatingPoison(valid, slice);
        poison.push(...applied.poison);
        completion = applied.completion;
      }
    } catch (error) {
      this.options.metrics?.handlerDuration.observe({ topic, group, outcome: 'retry' }, seconds(started));
      throw error;
    }
    this.options.metrics?.handlerDuration.observe({ topic, group, outcome: 'ok' }, seconds(started));
    this.options.metrics?.batchSize.observe({ topic, group }, slice.length);
    return { completion };
  }

  /**
   * overlapFetchWithHandler: waits until the partition's previous slice has been handled, then resolves this
   * slice's offsets (so kafkajs fetches on) and handles it in the background: handler, dead letters, then the
   * in-order commit of finishInOrder. Returns false if the partition was rewound meanwhile (the caller stops;
   * nothing of this slice was resolved, and the seek refetches it).
   */
  private async handOver(
    payload: EachBatchPayload,
    epochAtStart: number,
    slice: KafkaMessage[],
    valid: ConsumedMessage<TopicValue<C>>[],
    poison: PoisonEntry[],
  ): Promise<boolean> {
    const { batch, resolveOffset, pause, commitOffsetsIfNecessary } = payload;
    const { topic, partition } = batch;
    const pipeline = this.pipelines.get(partition) ?? { tail: Promise.resolve(true), epoch: 0 };
    this.pipelines.set(partition, pipeline);
    // NOTE: one slice handled at a time per partition: this one waits (decoded) while the previous is handled,
    // which is the overlap; waiting any further ahead would only hold more fetched data in memory.
    await pipeline.handled;
    if (pipeline.epoch !== epochAtStart || !this.running) return false;
    const firstOffset = slice[0]!.offset;
    const lastOffset = slice[slice.length - 1]!.offset;
    resolveOffset(lastOffset);
    const commit = commitThrough(commitOffsetsIfNecessary, topic, partition, lastOffset);
    const handle = async () => {
      // The previous slice's commit chain: its completion may still be running when this handler fails.
      const previousTail = pipeline.tail;
      let completion: Promise<void> | null;
      try {
        ({ completion } = await this.applySlice(valid, slice, poison, topic));
        // TRICKY: the DLQ write must be acknowledged before the offset moves past the poison message
        if (poison.length > 0) await this.deadLetter(poison, topic, partition);
      } catch (error) {
        // TRICKY: first let the earlier slices finish. If one of their completions fails, it rewinds to that
        // earlier slice itself (this one is fetched again after it). Rewinding here first would bump the epoch,
        // and that slice's failure would then be ignored while this one's later commit covered its offsets:
        // its accepted events lost. Once they are committed, seek back to this slice, as for a failed completion.
        await previousTail;
        if (pipeline.epoch === epochAtStart) this.rewind(pipeline, partition, topic, firstOffset, error, pause);
        return;
      }
      // Queues the commit behind the earlier slices' completions and, as without the overlap, waits for the
      // previous slice's completion: the next slice is handled while this one's completion runs, no further
      // ahead (a publish that cannot finish must not let writes pile up behind it).
      await this.finishInOrder(partition, epochAtStart, topic, firstOffset, completion ?? Promise.resolve(), commit, pause);
    };
    pipeline.handled = handle().catch((error: unknown) => {
      this.options.logger.error({ err: error, topic, partition }, 'slice handling failed unexpectedly');
    });
    return true;
  }

  /**
   * Queues a batch whose completion runs in the background behind the partition's earlier ones, and waits
   * until the batch BEFORE it is finished (so one batch per partition overlaps with the next). Returns false
   * if an earlier batch failed, in which case the caller must stop: the partition is being rewound.
   */
  private async finishInOrder(
    partition: number,
    epochAtStart: number,
    topic: string,
    firstOffset: string,
    completion: Promise<void>,
    commit: () => Promise<void>,
    pause: () => () => void,
  ): Promise<boolean> {
    const pipeline = this.pipelines.get(partition) ?? { tail: Promise.resolve(true), epoch: 0 };
    this.pipelines.set(partition, pipeline);
    if (pipeline.epoch !== epochAtStart) return false;
    const previous = pipeline.tail;
    const epoch = pipeline.epoch;
    // Never rejects: a rejected completion would otherwise be unhandled until its turn comes.
    const settled = completion.then(
      () => null,
      (error: unknown) => error ?? new Error('completion rejected'),
    );
    pipeline.tail = (async () => {
      if (!(await previous) || pipeline.epoch !== epoch) return false;
      const failure = await settled;
      if (pipeline.epoch !== epoch) return false;
      if (failure !== null) {
        this.rewind(pipeline, partition, topic, firstOffset, failure, pause);
        return false;
      }
      try {
        await commit();
        this.markHealthy(partition);
      } catch (error) {
        // Commits are cumulative: the next batch's commit covers this one; a revoked partition is redelivered.
        this.options.logger.warn({ err: error, topic, partition }, 'offset commit failed after a deferred completion');
      }
      return true;
    })();
    return previous;
  }

  private rewind(pipeline: PartitionPipeline, partition: number, topic: string, firstOffset: string, error: unknown, pause: () => () => void): void {
    pipeline.epoch++;
    pipeline.tail = Promise.resolve(true);
    // TRICKY: offsets up to later batches were already resolved (the fetcher moved on); seek back so that this
    // batch and everything after it is fetched again. Nothing from it on was committed.
    try {
      this.consumer.seek({ topic, partition, offset: firstOffset });
    } catch (seekError) {
      // Only when the consumer is no longer running; a restarted one starts from the committed offsets anyway.
      this.options.logger.warn({ err: seekError, topic, partition }, 'could not rewind the partition after a failed completion');
    }
    this.pauseForRetry(pause, partition, error);
  }

  private markHealthy(partition: number): void {
    this.retryAttempts.delete(partition);
    this.lastDependencyError = null;
  }

  private decode(messages: KafkaMessage[], topic: string, partition: number) {
    const valid: ConsumedMessage<TopicValue<C>>[] = [];
    const poison: PoisonEntry[] = [];
    for (const message of messages) {
      try {
        const { value, text } = decodeValueAndText(this.options.contract, message.value, this.fastCheck);
        valid.push({
          value,
          json: text,
          key: message.key?.toString() ?? null,
          // Decoded on first read: most handlers never look at the headers, and six Buffer-to-string
          // conversions per message showed in ingest's profile. An own enumerable getter, so spreads keep it.
          get headers() {
            const headers = headersToStrings(message.headers);
            Object.defineProperty(this, 'headers', { value: headers, enumerable: true, writable: true });
            return headers;
          },
          topic,
          partition,
          offset: message.offset,
          timestamp: message.timestamp,
        });
      } catch (error) {
        if (!(error instanceof PoisonMessageError)) throw error;
        poison.push({ message, error });
      }
    }
    return { valid, poison };
  }

  /**
   * Runs the handler on the whole slice; if it fails terminally, runs it once per message so that only the
   * messages that really fail are dead-lettered. Retriable errors propagate (the caller pauses and retries).
   */
  private async applyIsolatingPoison(
    valid: ConsumedMessage<TopicValue<C>>[],
    slice: KafkaMessage[],
  ): Promise<{ poison: PoisonEntry[]; completion: Promise<void> | null }> {
    const retriable = this.options.isRetriable ?? isRetriableError;
    try {
      const result = await this.options.handler(valid);
      return { poison: [], completion: result ? result.completion : null };
    } catch (error) {
      if (retriable(error)) throw error;
      this.options.logger.warn({ err: error, size: valid.length }, 'batch failed terminally; retrying one message at a time');
    }
    const poison: PoisonEntry[] = [];
    for (const item of valid) {
      try {
        // One message at a time is the slow path for a bad batch: its completion is simply awaited here.
        const result = await this.options.handler([item]);
        if (result) await result.completion;
      } catch (error) {
        if (retriable(error)) throw error;
        const original = slice.find((m) => m.offset === item.offset)!;
        poison.push({ message: original, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return { poison, completion: null };
  }

  private pauseForRetry(pause: () => () => void, partition: number, error: unknown): void {
    const attempt = (this.retryAttempts.get(partition) ?? 0) + 1;
    this.retryAttempts.set(partition, attempt);
    const { initialMs, maxMs } = this.options.retry ?? { initialMs: 500, maxMs: 30000 };
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 16));
    const delayMs = Math.max(initialMs / 2, Math.round(Math.random() * ceiling));
    const message = error instanceof Error ? error.message : String(error);
    this.lastDependencyError = { message, at: new Date() };
    this.options.metrics?.retries.inc({ topic: this.options.contract.name, group: this.options.groupId });
    this.options.logger.warn(
      { err: error, partition, attempt, delayMs, topic: this.options.contract.name },
      'dependency unavailable; pausing partition and retrying the batch',
    );
    const resume = pause();
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.running) resume();
    }, delayMs);
    this.retryTimers.add(timer);
  }

  private async deadLetter(entries: PoisonEntry[], topic: string, partition: number): Promise<void> {
    const failedAt = new Date().toISOString();
    await this.options.dlqProducer.sendRaw(
      dlqTopicName(topic),
      entries.map(({ message, error }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [KAFKA_HEADERS.dlqErrorClass]: error instanceof PoisonMessageError ? error.reason : error.name,
          [KAFKA_HEADERS.dlqErrorMessage]: error.message.slice(0, 1000),
          [KAFKA_HEADERS.dlqOriginalTopic]: topic,
          [KAFKA_HEADERS.dlqOriginalPartition]: String(partition),
          [KAFKA_HEADERS.dlqOriginalOffset]: message.offset,
          [KAFKA_HEADERS.dlqFailedAt]: failedAt,
          [KAFKA_HEADERS.dlqConsumerGroup]: this.options.groupId,
        },
      })),
    );
    for (const { message, error } of entries) {
      const reason = error instanceof PoisonMessageError ? error.reason : 'handler-rejected';
      this.options.metrics?.dlqMessages.inc({ topic, group: this.options.groupId, reason });
      this.options.logger.warn({ topic, partition, offset: message.offset, reason, err: error }, 'message dead-lettered');
    }
  }
}

/** Commits a partition's offset past `lastOffset` (the next offset to consume). */
function commitThrough(commitOffsetsIfNecessary: EachBatchPayload['commitOffsetsIfNecessary'], topic: string, partition: number, lastOffset: string) {
  return () => commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(lastOffset) + 1n).toString() }] }] });
}

function seconds(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e9;
}
