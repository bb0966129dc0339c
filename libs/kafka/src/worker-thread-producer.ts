import { Worker } from 'node:worker_threads';
import { CLOUDEVENTS_SPEC_VERSION, JSON_CONTENT_TYPE, KAFKA_HEADERS, type TopicContract } from '@attendance/contracts';
import { IDEMPOTENT_PRODUCER_OPTIONS, MAX_SEND_BYTES, type PublishOptions } from './contract-producer';
import { DependencyUnavailableError } from './errors';
import { bridgeKafkaLog, kafkaClientOptions } from './kafka-client';
import type { KafkaConnectionConfig } from './kafka-config';
import type { KafkaMetrics } from './kafka-metrics';
import type { KafkaLogger } from './logger';
import { PRODUCER_THREAD_SOURCE } from './producer-thread-source';

export interface WorkerThreadProducerOptions {
  connection: KafkaConnectionConfig;
  /** CloudEvents `ce_source` for everything this producer sends. */
  source: string;
  logger: KafkaLogger;
  metrics?: KafkaMetrics;
  /** The client's connection retries (default: createKafkaClient's); e.g. to fail fast in tests. */
  retry?: { retries: number; initialRetryTime?: number; maxRetryTime?: number };
}

/** A value serialised (and validated) by its writer; see ContractProducer.publishSerialized. */
export interface SerializedValue {
  key: string;
  json: string;
  id: string;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  topic: string;
  count: number;
}

type FromWorker =
  | { type: 'ready'; fastEncoding: boolean }
  | { type: 'stopped' }
  | { type: 'start-failed'; error: WorkerError }
  | { type: 'acked'; ids: number[] }
  | { type: 'failed'; ids: number[]; error: WorkerError }
  | { type: 'connection'; connected: boolean }
  | { type: 'log'; level: number; namespace: string; log: { message: string; [field: string]: unknown } };

interface WorkerError {
  name: string;
  message: string;
  retriable: boolean;
}

/**
 * `publishSerialized` of ContractProducer (same guarantees: idempotent, acks=all, resolves once the broker has
 * acknowledged every message) with the Kafka encoding and I/O on a worker thread that owns its own producer.
 *
 * Why: in ingest, producing the accepted events (kafkajs allocates and copies an encoder per record and per
 * header) was the largest CPU cost on the consumer's event loop. Off the loop, the next batch's decoding and
 * Postgres write overlap with this batch's produce, and the second core does the encoding. What stays on the
 * caller's thread is one structured clone of three string arrays per publish.
 *
 * Concurrent publishes are coalesced into one send by the thread (see producer-thread-source.ts). If the
 * thread dies, pending publishes fail with DependencyUnavailableError (retriable) and the next publish starts
 * a new thread.
 */
export class WorkerThreadProducer {
  private worker: Worker | null = null;
  private starting: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private connected = false;
  private fastEncoding = false;
  private stopped = false;
  private readonly staticHeaders = new Map<string, Record<string, string>>();

  constructor(private readonly options: WorkerThreadProducerOptions) {}

  /** Starts the thread and connects its producer; rejects if the broker cannot be reached. */
  async connect(): Promise<void> {
    this.stopped = false;
    await this.ensureStarted();
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Whether the thread runs the fast record encoders (fast-produce-encoding-source.ts) or stock kafkajs. */
  usesFastEncoding(): boolean {
    return this.fastEncoding;
  }

  async publishSerialized<C extends TopicContract>(contract: C, items: readonly SerializedValue[], options: PublishOptions = {}): Promise<void> {
    if (items.length === 0) return;
    if (this.stopped) throw new DependencyUnavailableError('kafka producer thread (stopped)');
    const worker = await this.ensureStarted();
    // NOTE: post() copies what it needs and returns the ack; awaiting it here, not in a frame that still holds
    // `items`, lets a batch's JSON texts be collected while the broker is being asked (less GC copying in ingest).
    return this.post(worker, contract, items, options);
  }

  private post<C extends TopicContract>(worker: Worker, contract: C, items: readonly SerializedValue[], options: PublishOptions): Promise<void> {
    const id = this.nextId++;
    const keys = new Array<string>(items.length);
    const ids = new Array<string>(items.length);
    // NOTE: the values (the bulk of the bytes) travel as ONE UTF-8 buffer that is transferred, not cloned:
    // structured-cloning an array of ~1.5 KB strings showed as ~4 µs per message on this thread. The thread
    // hands kafkajs subarrays of it (Buffer values encode to the same bytes as their strings).
    const valueOffsets = new Uint32Array(items.length + 1);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      keys[i] = item.key;
      ids[i] = item.id;
      valueOffsets[i + 1] = valueOffsets[i]! + Buffer.byteLength(item.json, 'utf8');
    }
    // allocUnsafeSlow: a buffer with its own ArrayBuffer (never the shared pool), so transferring it is safe.
    const values = Buffer.allocUnsafeSlow(valueOffsets[items.length]!);
    for (let i = 0; i < items.length; i++) values.write(items[i]!.json, valueOffsets[i]!, 'utf8');
    const staticHeaders = this.headersFor(contract, options);
    let headerBytes = 64; // ce_id and ce_time with their names, roughly
    for (const [name, value] of Object.entries(staticHeaders)) headerBytes += name.length + Buffer.byteLength(value);
    const acked = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject, topic: contract.name, count: items.length }));
    if (this.pending.size === 1) worker.ref(); // in flight: keep the process alive until the broker answers
    worker.postMessage(
      {
        type: 'publish',
        id,
        topic: contract.name,
        keys,
        values: values.buffer,
        valueOffsets,
        ids,
        idHeader: KAFKA_HEADERS.ceId,
        timeHeader: KAFKA_HEADERS.ceTime,
        time: new Date().toISOString(),
        staticHeaders,
        headerBytes,
      },
      [values.buffer, valueOffsets.buffer],
    );
    return acked;
  }

  /**
   * Lets sends in flight finish, disconnects the thread's producer and ends the thread. A thread still busy after
   * `terminateAfterMs` (a send kafkajs keeps retrying against an unreachable broker) is terminated: its sends
   * reject unacknowledged, so a caller that marks work done only on an ack loses nothing.
   */
  async disconnect(options: { terminateAfterMs?: number } = {}): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    await this.starting?.catch(() => undefined);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' });
    const timer = setTimeout(() => void worker.terminate(), options.terminateAfterMs ?? 15_000);
    await exited;
    clearTimeout(timer);
  }

  private headersFor(contract: TopicContract, options: PublishOptions): Record<string, string> {
    const cacheKey = `${contract.name}\u0000${options.correlationId ?? ''}`;
    let headers = this.staticHeaders.get(cacheKey);
    if (!headers) {
      headers = {
        [KAFKA_HEADERS.ceType]: contract.name,
        [KAFKA_HEADERS.ceSource]: this.options.source,
        [KAFKA_HEADERS.ceSpecVersion]: CLOUDEVENTS_SPEC_VERSION,
        [KAFKA_HEADERS.contentType]: JSON_CONTENT_TYPE,
        ...(options.correlationId ? { [KAFKA_HEADERS.correlationId]: options.correlationId } : {}),
      };
      // Correlation ids vary per request; only the per-topic headers are worth keeping.
      if (!options.correlationId) this.staticHeaders.set(cacheKey, headers);
    }
    return headers;
  }

  private ensureStarted(): Promise<Worker> {
    if (this.worker && !this.starting) return Promise.resolve(this.worker);
    if (!this.starting) this.starting = this.spawn().finally(() => (this.starting = null));
    return this.starting.then(() => this.worker!);
  }

  private spawn(): Promise<void> {
    const worker = new Worker(PRODUCER_THREAD_SOURCE, {
      eval: true,
      workerData: {
        kafkajsPath: require.resolve('kafkajs'),
        clientOptions: { ...kafkaClientOptions(this.options.connection), ...(this.options.retry ? { retry: this.options.retry } : {}) },
        producerOptions: IDEMPOTENT_PRODUCER_OPTIONS,
        maxSendBytes: MAX_SEND_BYTES,
      },
    });
    worker.unref();
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            ready = true;
            this.fastEncoding = message.fastEncoding;
            resolve();
            break;
          case 'start-failed':
            if (this.worker === worker) this.worker = null;
            reject(toError(message.error));
            void worker.terminate();
            break;
          case 'acked':
            for (const id of message.ids) this.settle(id, null);
            break;
          case 'failed':
            for (const id of message.ids) this.settle(id, toError(message.error));
            break;
          case 'connection':
            this.connected = message.connected;
            break;
          case 'log':
            bridgeKafkaLog(this.options.logger, message);
            break;
          case 'stopped':
            void worker.terminate();
            break;
        }
      });
      worker.on('error', (error) => {
        this.options.logger.error({ err: error }, 'kafka producer thread failed');
        if (!ready) reject(error);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        this.connected = false;
        if (!ready) reject(new DependencyUnavailableError('kafka producer thread', new Error(`exited with code ${code} before it was ready`)));
        for (const id of [...this.pending.keys()]) {
          this.settle(id, new DependencyUnavailableError('kafka producer thread', new Error(`exited with code ${code}`)));
        }
      });
    });
  }

  private settle(id: number, error: Error | null): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    if (error) return pending.reject(error);
    this.options.metrics?.producedMessages.inc({ topic: pending.topic }, pending.count);
    pending.resolve();
  }
}

/** The thread's error with its kafkajs name (isRetriableError classifies `KafkaJS*` as retriable). */
function toError(described: WorkerError): Error {
  const error = new Error(described.message);
  error.name = described.name;
  return Object.assign(error, { retriable: described.retriable });
}
